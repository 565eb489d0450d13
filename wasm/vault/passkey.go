package vault

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/twofold-auth/twofold/shared/errcode"
	"github.com/twofold-auth/twofold/wasm/storage"
)

// Passkey unlock: a vault may carry, after the passphrase's key wrap, a
// passkey section (format version 2, docs/vault-format.md "Passkey
// unlock"): one random PRF salt for the vault and up to MaxPasskeys slots,
// each the master key wrapped under a key derived from the output of one
// WebAuthn credential's PRF extension evaluated on that salt. The
// passphrase stays the way in that always works; a passkey is a second door
// to the same master key.

// MaxPasskeys is how many passkeys one vault holds.
const MaxPasskeys = 8

// PRFSize is the size of a WebAuthn PRF output (and of the vault's PRF salt).
const PRFSize = 32

// MaxCredentialIDSize is WebAuthn's bound on a credential id.
const MaxCredentialIDSize = 1023

// passkeyInfo is the HKDF info prefix and the slot AD prefix of format 2.
const passkeyInfo = "twofold-vault-passkey-v1"

var errNoPasskeySalt = errcode.New("bad_argument", "ask for the passkey salt (PasskeySalt) before adding a passkey")

// Passkey describes one slot, for listing; it holds nothing secret.
type Passkey struct {
	CredentialID []byte
	Added        time.Time
}

type passkeySlot struct {
	credentialID []byte
	addedUnixMs  uint64
	nonce        []byte
	wrappedKey   []byte
}

type passkeySection struct {
	prfSalt []byte
	slots   []passkeySlot
}

func (s *passkeySection) clone() *passkeySection {
	if s == nil {
		return nil
	}
	c := &passkeySection{prfSalt: bytes.Clone(s.prfSalt), slots: make([]passkeySlot, len(s.slots))}
	for i, sl := range s.slots {
		c.slots[i] = passkeySlot{bytes.Clone(sl.credentialID), sl.addedUnixMs, bytes.Clone(sl.nonce), bytes.Clone(sl.wrappedKey)}
	}
	return c
}

func (s *passkeySection) appendTo(b []byte) []byte {
	b = append(b, s.prfSalt...)
	b = append(b, byte(len(s.slots)))
	for _, sl := range s.slots {
		b = binary.BigEndian.AppendUint16(b, uint16(len(sl.credentialID)))
		b = append(b, sl.credentialID...)
		b = binary.BigEndian.AppendUint64(b, sl.addedUnixMs)
		b = append(b, sl.nonce...)
		b = append(b, sl.wrappedKey...)
	}
	return b
}

// readPasskeySection reads the section of a version 2 envelope; bad is set
// for what no writer produces (too many slots, an empty or oversized
// credential id, one credential twice).
func readPasskeySection(r *reader) (s *passkeySection, bad bool) {
	s = &passkeySection{prfSalt: r.bytes(PRFSize)}
	n := int(r.byte())
	if n > MaxPasskeys {
		return s, true
	}
	for range n {
		idLen := int(r.uint16())
		sl := passkeySlot{credentialID: r.bytes(idLen)}
		sl.addedUnixMs = r.uint64()
		sl.nonce = r.bytes(nonceSize)
		sl.wrappedKey = r.bytes(keySize + tagSize)
		if r.short {
			return s, true
		}
		if idLen == 0 || idLen > MaxCredentialIDSize || s.find(sl.credentialID) >= 0 {
			return s, true
		}
		s.slots = append(s.slots, sl)
	}
	return s, false
}

func (s *passkeySection) find(credentialID []byte) int {
	if s == nil {
		return -1
	}
	for i, sl := range s.slots {
		if bytes.Equal(sl.credentialID, credentialID) {
			return i
		}
	}
	return -1
}

// slotKey derives a slot's wrapping key: HKDF-SHA256 with the PRF output as
// secret, the vault's PRF salt as salt, and the info string followed by a
// zero byte and the credential id, so one credential's output opens only
// its own slot.
func slotKey(prfOutput, prfSalt, credentialID []byte) []byte {
	info := make([]byte, 0, len(passkeyInfo)+1+len(credentialID))
	info = append(append(append(info, passkeyInfo...), 0), credentialID...)
	k, err := hkdf.Key(sha256.New, prfOutput, prfSalt, string(info), keySize)
	if err != nil {
		panic(err) // only for a length HKDF-SHA256 cannot give: a bug here
	}
	return k
}

// slotAD is the associated data of a slot's wrap: the info string, the
// kind, the PRF salt, the credential id with its length and the time it
// was added. It does not cover the passphrase's wrap, so a passphrase change
// keeps every passkey.
func (s *passkeySection) slotAD(kind Kind, sl *passkeySlot) []byte {
	b := append([]byte(passkeyInfo), byte(kind))
	b = append(b, s.prfSalt...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(sl.credentialID)))
	b = append(b, sl.credentialID...)
	return binary.BigEndian.AppendUint64(b, sl.addedUnixMs)
}

func (s *passkeySection) list() []Passkey {
	if s == nil {
		return nil
	}
	out := make([]Passkey, len(s.slots))
	for i, sl := range s.slots {
		out[i] = Passkey{CredentialID: bytes.Clone(sl.credentialID), Added: time.UnixMilli(int64(sl.addedUnixMs))}
	}
	return out
}

func checkPRF(credentialID, prfOutput []byte) error {
	if len(credentialID) == 0 || len(credentialID) > MaxCredentialIDSize {
		return ErrPasskeyUnknown
	}
	if len(prfOutput) != PRFSize {
		return ErrPasskeyRefused // WebAuthn's PRF gives 32 bytes
	}
	return nil
}

// Passkeys reads, without unlocking, what the lock screen needs to ask for
// a passkey: the vault's PRF salt and its passkeys. A vault without a
// passkey section gives nil, nil.
func Passkeys(st storage.Storage) ([]byte, []Passkey, error) {
	_, p, err := readCurrent(st)
	if err != nil {
		return nil, nil, err
	}
	if p.passkeys == nil {
		return nil, nil, nil
	}
	return bytes.Clone(p.passkeys.prfSalt), p.passkeys.list(), nil
}

// UnlockWithPasskey opens the stored vault with the PRF output of the
// credential credentialID (evaluated on the vault's PRF salt) and returns
// it with its plaintext contents. An unknown credential gives
// ErrPasskeyUnknown, an output that does not open its slot
// ErrPasskeyRefused; nothing is written either way. The caller wipes
// prfOutput.
func UnlockWithPasskey(st storage.Storage, credentialID, prfOutput []byte, cfg Config) (*Vault, []byte, error) {
	cfg = cfg.withDefaults()
	if err := checkPRF(credentialID, prfOutput); err != nil {
		return nil, nil, err
	}
	gen, p, err := readCurrent(st)
	if err != nil {
		return nil, nil, err
	}
	i := p.passkeys.find(credentialID)
	if i < 0 {
		return nil, nil, ErrPasskeyUnknown
	}
	sl := &p.passkeys.slots[i]
	kek := slotKey(prfOutput, p.passkeys.prfSalt, credentialID)
	defer wipe(kek)
	master, err := newGCM(kek).Open(nil, sl.nonce, sl.wrappedKey, p.passkeys.slotAD(p.kind, sl))
	if err != nil {
		return nil, nil, ErrPasskeyRefused
	}
	plaintext, err := p.open(master)
	if err != nil {
		wipe(master)
		return nil, nil, err
	}
	return &Vault{store: st, cfg: cfg, master: master, header: &p.header, generation: gen}, plaintext, nil
}

// PasskeySalt is the salt the page evaluates a new credential's PRF on
// before AddPasskey: the vault's own, or a fresh random one that the first
// AddPasskey stores. v remembers it: AddPasskey takes only an output of the
// salt last handed out.
func (v *Vault) PasskeySalt() ([]byte, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.master == nil {
		return nil, ErrLocked
	}
	if v.header.passkeys != nil {
		v.prfSalt = bytes.Clone(v.header.passkeys.prfSalt)
	} else if v.prfSalt == nil {
		salt := make([]byte, PRFSize)
		if _, err := io.ReadFull(v.cfg.Rand, salt); err != nil {
			return nil, fmt.Errorf("reading randomness: %w", err)
		}
		v.prfSalt = salt
	}
	return bytes.Clone(v.prfSalt), nil
}

// Passkeys lists the unlocked vault's passkeys.
func (v *Vault) Passkeys() []Passkey {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.header.passkeys.list()
}

// AddPasskey adds a slot for credentialID, whose PRF output on
// PasskeySalt() is prfOutput, after checking passphrase against the stored
// wrap (adding a door asks for the key of the first one). If the vault's
// salt is no longer the one PasskeySalt gave (another tab added the first
// passkey meanwhile), it returns ErrStale and writes nothing. A version 1
// vault becomes version 2: its passphrase wrap is re-made with the same
// derived key and a fresh nonce, since the format version is in its AD.
// plaintext (the current contents) is saved with the new header. The
// caller wipes prfOutput.
func (v *Vault) AddPasskey(passphrase, credentialID, prfOutput []byte, added time.Time, plaintext []byte) error {
	if err := checkPRF(credentialID, prfOutput); err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.master == nil {
		return ErrLocked
	}
	if v.header.passkeys.find(credentialID) >= 0 {
		return ErrPasskeyExists
	}
	if v.header.passkeys != nil && len(v.header.passkeys.slots) >= MaxPasskeys {
		return ErrPasskeyLimit
	}
	kek := v.header.params.deriveKey(passphrase, v.header.salt)
	defer wipe(kek)
	check, err := newGCM(kek).Open(nil, v.header.keyNonce, v.header.wrappedKey, v.header.wrapAD())
	if err != nil {
		return ErrWrongPassphrase
	}
	wipe(check)
	if v.prfSalt == nil {
		return errNoPasskeySalt // the output cannot be of the salt the vault will store
	}
	if v.header.passkeys != nil && !bytes.Equal(v.prfSalt, v.header.passkeys.prfSalt) {
		// Another tab added the first passkey, with its own salt, since
		// PasskeySalt: the output is of a salt the vault does not take,
		// and its slot would never open. Ask PasskeySalt again.
		v.prfSalt = nil
		return ErrStale
	}

	h := *v.header
	h.passkeys = v.header.passkeys.clone()
	if h.passkeys == nil {
		h.passkeys = &passkeySection{prfSalt: bytes.Clone(v.prfSalt)}
		h.version = VersionPasskeys
		h.keyNonce = make([]byte, nonceSize)
		if _, err := io.ReadFull(v.cfg.Rand, h.keyNonce); err != nil {
			return fmt.Errorf("reading randomness: %w", err)
		}
		h.wrappedKey = newGCM(kek).Seal(nil, h.keyNonce, v.master, h.wrapAD())
	}
	sl := passkeySlot{credentialID: bytes.Clone(credentialID), addedUnixMs: uint64(added.UnixMilli()), nonce: make([]byte, nonceSize)}
	if _, err := io.ReadFull(v.cfg.Rand, sl.nonce); err != nil {
		return fmt.Errorf("reading randomness: %w", err)
	}
	slotKEK := slotKey(prfOutput, h.passkeys.prfSalt, credentialID)
	defer wipe(slotKEK)
	sl.wrappedKey = newGCM(slotKEK).Seal(nil, sl.nonce, v.master, h.passkeys.slotAD(h.kind, &sl))
	h.passkeys.slots = append(h.passkeys.slots, sl)
	return v.saveLocked(&h, plaintext)
}

// RemovePasskey removes credentialID's slot and saves plaintext (the
// current contents) without it; the vault stays version 2, with its PRF
// salt, when the last one goes. Taking a door away needs no passphrase.
func (v *Vault) RemovePasskey(credentialID, plaintext []byte) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.master == nil {
		return ErrLocked
	}
	i := v.header.passkeys.find(credentialID)
	if i < 0 {
		return ErrPasskeyUnknown
	}
	h := *v.header
	h.passkeys = v.header.passkeys.clone()
	h.passkeys.slots = append(h.passkeys.slots[:i], h.passkeys.slots[i+1:]...)
	return v.saveLocked(&h, plaintext)
}

func (r *reader) uint16() uint16 {
	if s := r.bytes(2); s != nil {
		return binary.BigEndian.Uint16(s)
	}
	return 0
}

func (r *reader) uint64() uint64 {
	if s := r.bytes(8); s != nil {
		return binary.BigEndian.Uint64(s)
	}
	return 0
}
