package vault

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
)

// Kind tells a vault from a backup file, so one cannot be loaded as the other.
type Kind byte

// The two kinds of envelope.
const (
	KindVault  Kind = 'V'
	KindBackup Kind = 'B'
)

// Version is the envelope format version this package writes for a vault
// without passkeys and for every backup file. VersionPasskeys is the one of
// a vault that has (or had) a passkey section (passkey.go): version 1
// readers refuse it as "written by a newer version" instead of misreading it.
const (
	Version         = 1
	VersionPasskeys = 2
)

const (
	magic        = "TWFD"
	keySize      = 32
	saltSize     = 16
	minSaltSize  = 16
	maxSaltSize  = 64
	nonceSize    = 12
	tagSize      = 16
	checksumSize = sha256.Size
	// frameSize is what every version shares: magic, kind, version … checksum.
	frameSize = len(magic) + 2 + checksumSize
)

// header is the parsed key-wrapping part of an envelope: everything that
// does not change between two saves with the same passphrase.
type header struct {
	kind       Kind
	version    byte // Version, or VersionPasskeys when passkeys is set
	params     Params
	salt       []byte
	keyNonce   []byte
	wrappedKey []byte
	passkeys   *passkeySection // version 2 only; nil in version 1
}

// encodeHeader writes magic … wrapped key. The key-wrap AEAD's associated
// data is the prefix up to the key nonce included; see docs/vault-format.md.
func (h *header) encode() []byte {
	b := make([]byte, 0, 64+len(h.salt)+keySize+tagSize)
	b = append(b, magic...)
	b = append(b, byte(h.kind), h.version, kdfArgon2id)
	b = binary.BigEndian.AppendUint32(b, h.params.MemoryKiB)
	b = binary.BigEndian.AppendUint32(b, h.params.Time)
	b = append(b, h.params.Threads, byte(len(h.salt)))
	b = append(b, h.salt...)
	b = append(b, h.keyNonce...)
	b = append(b, h.wrappedKey...)
	if h.passkeys != nil {
		b = h.passkeys.appendTo(b)
	}
	return b
}

// wrapAD is the associated data of the passphrase's key wrap: the header up
// to the key nonce (the passkey section, after the wrapped key, is not in it,
// so adding or removing a passkey leaves the passphrase's wrap as it is).
func (h *header) wrapAD() []byte {
	enc := h.encode()
	n := len(enc) - len(h.wrappedKey)
	if h.passkeys != nil {
		n -= len(h.passkeys.appendTo(nil))
	}
	return enc[:n]
}

func newGCM(key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err) // only for a key that is not 32 bytes: a bug here
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return gcm
}

// newHeader derives a wrapping key from passphrase and wraps master with it.
// A vault's passkey section (pk, or nil) is carried over as it is: its slots
// wrap the same master key and do not depend on the passphrase.
func newHeader(kind Kind, p Params, passphrase, master []byte, rnd io.Reader, pk *passkeySection) (*header, error) {
	if len(passphrase) == 0 {
		return nil, ErrEmptyPassphrase
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	h := &header{kind: kind, version: Version, params: p, salt: make([]byte, saltSize), keyNonce: make([]byte, nonceSize), passkeys: pk.clone()}
	if pk != nil {
		h.version = VersionPasskeys
	}
	if _, err := io.ReadFull(rnd, h.salt); err != nil {
		return nil, fmt.Errorf("reading randomness: %w", err)
	}
	if _, err := io.ReadFull(rnd, h.keyNonce); err != nil {
		return nil, fmt.Errorf("reading randomness: %w", err)
	}
	kek := p.deriveKey(passphrase, h.salt)
	defer wipe(kek)
	h.wrappedKey = newGCM(kek).Seal(nil, h.keyNonce, master, h.wrapAD())
	return h, nil
}

// unwrap derives the wrapping key from passphrase and returns the master key.
func (h *header) unwrap(passphrase []byte) ([]byte, error) {
	kek := h.params.deriveKey(passphrase, h.salt)
	defer wipe(kek)
	master, err := newGCM(kek).Open(nil, h.keyNonce, h.wrappedKey, h.wrapAD())
	if err != nil {
		// The checksum already matched, so the bytes are as written: the
		// passphrase is what differs (see the format doc on deliberate edits).
		return nil, ErrWrongPassphrase
	}
	return master, nil
}

// seal encrypts plaintext under master and returns the whole envelope.
func seal(h *header, master, plaintext []byte, rnd io.Reader) ([]byte, error) {
	out := h.encode()
	nonce := make([]byte, nonceSize)
	if _, err := io.ReadFull(rnd, nonce); err != nil {
		return nil, fmt.Errorf("reading randomness: %w", err)
	}
	out = append(out, nonce...)
	out = newGCM(master).Seal(out, nonce, plaintext, out) // AD: every byte before the ciphertext
	sum := sha256.Sum256(out)
	return append(out, sum[:]...), nil
}

// parsed is an envelope split into its parts, checksum verified.
type parsed struct {
	header
	dataNonce  []byte
	ciphertext []byte
	dataAD     []byte
}

// parse checks frame, kind, checksum and version, in that order, so that a
// damaged byte anywhere reports ErrTampered and only an intact envelope of
// another version reports ErrUnsupportedVersion.
func parse(blob []byte, want Kind) (*parsed, error) {
	notKind := ErrNotVault
	if want == KindBackup {
		notKind = ErrNotBackup
	}
	if len(blob) < frameSize || string(blob[:len(magic)]) != magic {
		return nil, notKind
	}
	if Kind(blob[len(magic)]) != want {
		if Kind(blob[len(magic)]) == KindVault || Kind(blob[len(magic)]) == KindBackup {
			return nil, notKind
		}
		return nil, ErrTampered
	}
	body, sum := blob[:len(blob)-checksumSize], blob[len(blob)-checksumSize:]
	if want := sha256.Sum256(body); !bytes.Equal(want[:], sum) {
		return nil, ErrTampered
	}
	version := body[len(magic)+1]
	if version != Version && version != VersionPasskeys {
		return nil, fmt.Errorf("%w (format version %d)", ErrUnsupportedVersion, version)
	}
	r := reader{b: body, off: len(magic) + 2}
	if r.byte() != kdfArgon2id {
		return nil, fmt.Errorf("%w (unknown key derivation)", ErrUnsupportedVersion)
	}
	p := &parsed{header: header{kind: want, version: version}}
	p.params.MemoryKiB = r.uint32()
	p.params.Time = r.uint32()
	p.params.Threads = r.byte()
	saltLen := int(r.byte())
	p.salt = r.bytes(saltLen)
	p.keyNonce = r.bytes(nonceSize)
	p.wrappedKey = r.bytes(keySize + tagSize)
	badSection := false
	if version == VersionPasskeys {
		p.passkeys, badSection = readPasskeySection(&r)
		badSection = badSection || want != KindVault // a backup has no passkeys
	}
	p.dataNonce = r.bytes(nonceSize)
	p.dataAD = body[:r.off]
	p.ciphertext = body[r.off:]
	if r.short || badSection || saltLen < minSaltSize || saltLen > maxSaltSize || len(p.ciphertext) < tagSize || p.params.Validate() != nil {
		// A writer of this version never produces these; with a matching
		// checksum this is a deliberate edit or a bug, never a passphrase issue.
		return nil, ErrTampered
	}
	return p, nil
}

// open decrypts the data of an envelope with master.
func (p *parsed) open(master []byte) ([]byte, error) {
	plaintext, err := newGCM(master).Open(nil, p.dataNonce, p.ciphertext, p.dataAD)
	if err != nil {
		return nil, ErrTampered
	}
	return plaintext, nil
}

// reader reads big-endian fields and remembers running short instead of
// failing at each step.
type reader struct {
	b     []byte
	off   int
	short bool
}

func (r *reader) bytes(n int) []byte {
	if r.short || n > len(r.b)-r.off {
		r.short = true
		return nil
	}
	s := r.b[r.off : r.off+n]
	r.off += n
	return s
}

func (r *reader) byte() byte {
	if s := r.bytes(1); s != nil {
		return s[0]
	}
	return 0
}

func (r *reader) uint32() uint32 {
	if s := r.bytes(4); s != nil {
		return binary.BigEndian.Uint32(s)
	}
	return 0
}

// wipe zeroes b. Best effort: Go may have copied the bytes elsewhere (the
// garbage collector moves nothing, but append and conversions copy).
func wipe(b []byte) { clear(b) }
