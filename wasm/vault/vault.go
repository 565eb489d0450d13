package vault

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"

	"github.com/twofold-auth/twofold/wasm/storage"
)

// Blob names in the Storage. The pointer holds the decimal generation number
// of the current envelope, stored under generationName(n).
const (
	pointerName   = "vault"
	generationFmt = "vault.%d"
)

func generationName(n uint64) string { return fmt.Sprintf(generationFmt, n) }

// Config holds what Create, Unlock and the backup functions may be given;
// the zero value means DefaultParams and crypto/rand.
type Config struct {
	Params Params    // used when a key is (re-)wrapped; unlock reads the stored ones
	Rand   io.Reader // salts, nonces and the master key
}

func (c Config) withDefaults() Config {
	if c.Params == (Params{}) {
		c.Params = DefaultParams
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	return c
}

// Vault is an unlocked vault: it holds the master key, not the contents.
// Methods are safe for concurrent use; after Lock they return ErrLocked.
type Vault struct {
	store storage.Storage
	cfg   Config

	mu         sync.Mutex
	master     []byte // nil once locked
	header     *header
	generation uint64
	prfSalt    []byte // a new passkey section's PRF salt, until AddPasskey stores it
}

// Exists reports whether st holds a vault.
func Exists(st storage.Storage) (bool, error) {
	_, err := st.Get(pointerName)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, storage.ErrNotFound):
		return false, nil
	default:
		return false, err
	}
}

// Create makes a new vault holding plaintext, protected by passphrase. It
// refuses to overwrite an existing vault (ErrExists).
func Create(st storage.Storage, passphrase, plaintext []byte, cfg Config) (*Vault, error) {
	cfg = cfg.withDefaults()
	if ok, err := Exists(st); err != nil {
		return nil, err
	} else if ok {
		return nil, ErrExists
	}
	master := make([]byte, keySize)
	if _, err := io.ReadFull(cfg.Rand, master); err != nil {
		return nil, fmt.Errorf("reading randomness: %w", err)
	}
	h, err := newHeader(KindVault, cfg.Params, passphrase, master, cfg.Rand, nil)
	if err != nil {
		wipe(master)
		return nil, err
	}
	v := &Vault{store: st, cfg: cfg, master: master, header: h}
	if err := v.Save(plaintext); err != nil {
		v.Lock()
		return nil, err
	}
	return v, nil
}

// Unlock opens the stored vault with passphrase and returns it with its
// plaintext contents.
func Unlock(st storage.Storage, passphrase []byte, cfg Config) (*Vault, []byte, error) {
	cfg = cfg.withDefaults()
	gen, p, err := readCurrent(st)
	if err != nil {
		return nil, nil, err
	}
	master, err := p.unwrap(passphrase)
	if err != nil {
		return nil, nil, err
	}
	plaintext, err := p.open(master)
	if err != nil {
		wipe(master)
		return nil, nil, err
	}
	return &Vault{store: st, cfg: cfg, master: master, header: &p.header, generation: gen}, plaintext, nil
}

// readCurrent reads the pointer and the envelope it names. Another writer
// (a second tab) may save between the two reads and delete that envelope:
// a missing envelope whose pointer has moved on is read again.
func readCurrent(st storage.Storage) (uint64, *parsed, error) {
	for {
		gen, err := readPointer(st)
		if err != nil {
			return 0, nil, err
		}
		blob, err := st.Get(generationName(gen))
		if errors.Is(err, storage.ErrNotFound) {
			if again, perr := readPointer(st); perr == nil && again > gen {
				continue
			}
			return 0, nil, fmt.Errorf("%w (generation %d is missing)", ErrTampered, gen)
		} else if err != nil {
			return 0, nil, err
		}
		p, err := parse(blob, KindVault)
		return gen, p, err
	}
}

func readPointer(st storage.Storage) (uint64, error) {
	b, err := st.Get(pointerName)
	if errors.Is(err, storage.ErrNotFound) {
		return 0, ErrNoVault
	} else if err != nil {
		return 0, err
	}
	gen, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil || gen == 0 {
		return 0, fmt.Errorf("%w (bad generation pointer)", ErrTampered)
	}
	return gen, nil
}

// Save replaces the contents with plaintext. It writes the next generation's
// envelope, then flips the pointer to it, then deletes the previous one: an
// interruption at any point leaves a readable vault holding either the old or
// the new contents. Argon2 does not run; the wrapped key is reused.
//
// The generation is the vault's version, and a save is a compare-and-swap
// on it: if the pointer no longer names the generation v last read or wrote
// (another tab saved since), nothing is written and Save returns ErrStale;
// Reload then brings v up to date. The check and the flip are atomic among
// writers that hold the tabs' lock around Save (the page's Web Lock).
func (v *Vault) Save(plaintext []byte) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.master == nil {
		return ErrLocked
	}
	return v.saveLocked(v.header, plaintext)
}

func (v *Vault) saveLocked(h *header, plaintext []byte) error {
	cur, err := readPointer(v.store)
	if errors.Is(err, ErrNoVault) {
		cur, err = 0, nil // Create's first save
	}
	if err != nil {
		return err
	}
	if cur != v.generation {
		return ErrStale
	}
	blob, err := seal(h, v.master, plaintext, v.cfg.Rand)
	if err != nil {
		return err
	}
	next := v.generation + 1
	if err := v.store.Put(generationName(next), blob); err != nil {
		return fmt.Errorf("saving the vault: %w", err)
	}
	if err := v.store.Put(pointerName, []byte(strconv.FormatUint(next, 10))); err != nil {
		// A failed Put may still have landed (a backend can fail after
		// committing); read the pointer back to know which vault is current.
		if cur, rerr := readPointer(v.store); rerr != nil || cur != next {
			return fmt.Errorf("saving the vault: %w", err)
		}
	}
	prev := v.generation
	v.generation, v.header = next, h
	if prev != 0 {
		_ = v.store.Delete(generationName(prev)) // garbage only; the pointer moved on
	}
	return nil
}

// Reload brings v up to the stored vault. If another writer saved since v
// last read or wrote, it returns the stored plaintext and true, and the
// next Save builds on that generation; otherwise nil and false. A stored
// envelope whose key wrap is not v's (the passphrase was changed elsewhere)
// gives ErrPassphraseChanged and locks v: saving with the old wrap would
// undo the change, so the person unlocks again with the new passphrase.
// A passphrase change always draws a new salt; a stored header with v's
// salt and parameters but another passkey section (or the same passphrase
// re-wrapped for it, version 1 to 2) is a passkey added or removed
// elsewhere, and v takes it on. Either way the new header is only believed
// once the contents open under v's master key, their AD covering it.
func (v *Vault) Reload() ([]byte, bool, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.master == nil {
		return nil, false, ErrLocked
	}
	gen, p, err := readCurrent(v.store)
	if err != nil || gen == v.generation {
		return nil, false, err
	}
	if !bytes.Equal(p.salt, v.header.salt) || p.params != v.header.params {
		wipe(v.master)
		v.master = nil
		return nil, false, ErrPassphraseChanged
	}
	plaintext, err := p.open(v.master)
	if err != nil {
		return nil, false, err
	}
	v.generation, v.header = gen, &p.header
	return plaintext, true, nil
}

// ChangePassphrase re-wraps the master key under newPassphrase after checking
// oldPassphrase against the stored wrap, and saves plaintext (the current
// contents) in the new envelope.
func (v *Vault) ChangePassphrase(oldPassphrase, newPassphrase, plaintext []byte) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.master == nil {
		return ErrLocked
	}
	check, err := v.header.unwrap(oldPassphrase)
	if err != nil {
		return err
	}
	wipe(check)
	h, err := newHeader(KindVault, v.cfg.Params, newPassphrase, v.master, v.cfg.Rand, v.header.passkeys)
	if err != nil {
		return err
	}
	return v.saveLocked(h, plaintext)
}

// Params returns the KDF parameters of the current envelope.
func (v *Vault) Params() Params {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.header.params
}

// Lock zeroes the master key; the Vault is unusable afterwards.
func (v *Vault) Lock() {
	v.mu.Lock()
	defer v.mu.Unlock()
	wipe(v.master)
	v.master = nil
}

// SealBackup encrypts plaintext into a standalone backup file protected by
// its own passphrase, under a fresh master key.
func SealBackup(passphrase, plaintext []byte, cfg Config) ([]byte, error) {
	cfg = cfg.withDefaults()
	master := make([]byte, keySize)
	defer wipe(master)
	if _, err := io.ReadFull(cfg.Rand, master); err != nil {
		return nil, fmt.Errorf("reading randomness: %w", err)
	}
	h, err := newHeader(KindBackup, cfg.Params, passphrase, master, cfg.Rand, nil)
	if err != nil {
		return nil, err
	}
	return seal(h, master, plaintext, cfg.Rand)
}

// OpenBackup decrypts a file made by SealBackup.
func OpenBackup(blob, passphrase []byte) ([]byte, error) {
	p, err := parse(blob, KindBackup)
	if err != nil {
		return nil, err
	}
	master, err := p.unwrap(passphrase)
	if err != nil {
		return nil, err
	}
	defer wipe(master)
	return p.open(master)
}

// CheckPassphrase reports whether passphrase opens the key wrap this Vault
// was unlocked (or last re-keyed) with: ErrWrongPassphrase if not. It runs
// the KDF, as unlocking does, so a plaintext export can ask for the
// passphrase again.
func (v *Vault) CheckPassphrase(passphrase []byte) error {
	v.mu.Lock()
	h := v.header
	locked := v.master == nil
	v.mu.Unlock()
	if locked {
		return ErrLocked
	}
	key, err := h.unwrap(passphrase)
	if err != nil {
		return err
	}
	wipe(key)
	return nil
}
