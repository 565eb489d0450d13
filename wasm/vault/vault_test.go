package vault

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/twofold-auth/twofold/wasm/storage"
)

// testParams keep Argon2 at its minimum so the suite stays fast; the real
// cost is checked by TestDefaultParams and measured by BenchmarkUnlock.
var testParams = Params{MemoryKiB: 8, Time: 1, Threads: 1}

func testConfig(seed uint64) Config {
	return Config{Params: testParams, Rand: rand.NewChaCha8([32]byte{byte(seed)})}
}

var (
	pass  = []byte("correct horse battery staple")
	other = []byte("Tr0ub4dor&3")
)

func mustCreate(t *testing.T, st storage.Storage, plaintext string) *Vault {
	t.Helper()
	v, err := Create(st, pass, []byte(plaintext), testConfig(1))
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return v
}

func mustUnlock(t *testing.T, st storage.Storage, passphrase []byte) string {
	t.Helper()
	v, plain, err := Unlock(st, passphrase, testConfig(2))
	if err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	v.Lock()
	return string(plain)
}

// currentBlob returns the name and bytes of the envelope the pointer names.
func currentBlob(t *testing.T, st storage.Storage) (string, []byte) {
	t.Helper()
	gen, err := readPointer(st)
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.Get(generationName(gen))
	if err != nil {
		t.Fatal(err)
	}
	return generationName(gen), b
}

func TestDefaultParams(t *testing.T) {
	if DefaultParams.MemoryKiB < 64*1024 || DefaultParams.Time < 3 || DefaultParams.Threads < 1 {
		t.Fatalf("DefaultParams = %+v, want at least m=64 MiB, t=3, p=1", DefaultParams)
	}
	if err := DefaultParams.Validate(); err != nil {
		t.Fatal(err)
	}
	if (Config{}).withDefaults().Params != DefaultParams {
		t.Fatal("zero Config does not use DefaultParams")
	}
}

func TestRoundTrip(t *testing.T) {
	st := storage.NewMemory()
	if ok, _ := Exists(st); ok {
		t.Fatal("Exists on empty storage")
	}
	if _, _, err := Unlock(st, pass, testConfig(1)); !errors.Is(err, ErrNoVault) {
		t.Fatalf("Unlock with no vault: %v, want ErrNoVault", err)
	}
	v := mustCreate(t, st, "first")
	if ok, _ := Exists(st); !ok {
		t.Fatal("Exists after Create = false")
	}
	if got := mustUnlock(t, st, pass); got != "first" {
		t.Fatalf("contents = %q", got)
	}
	if err := v.Save([]byte("second")); err != nil {
		t.Fatal(err)
	}
	if got := mustUnlock(t, st, pass); got != "second" {
		t.Fatalf("contents after Save = %q", got)
	}
	if names := st.Names(); fmt.Sprint(names) != "[vault vault.2]" {
		t.Fatalf("storage holds %v; the previous generation should be gone", names)
	}
	if _, err := Create(st, pass, nil, testConfig(1)); !errors.Is(err, ErrExists) {
		t.Fatalf("second Create: %v, want ErrExists", err)
	}
	blob1, _ := st.Get("vault.2")
	_ = v.Save([]byte("second"))
	blob2, _ := st.Get("vault.3")
	if bytes.Equal(blob1[len(blob1)-64:], blob2[len(blob2)-64:]) {
		t.Fatal("two saves of the same contents produced the same ciphertext: nonce reused")
	}
}

func TestWrongPassphrase(t *testing.T) {
	st := storage.NewMemory()
	mustCreate(t, st, "secret")
	_, plain, err := Unlock(st, other, testConfig(2))
	if !errors.Is(err, ErrWrongPassphrase) || plain != nil {
		t.Fatalf("Unlock with wrong passphrase: %q, %v; want ErrWrongPassphrase", plain, err)
	}
	if err.Error() != "wrong passphrase" {
		t.Fatalf("message %q is not for people", err)
	}
	if _, err := Create(storage.NewMemory(), nil, nil, testConfig(1)); !errors.Is(err, ErrEmptyPassphrase) {
		t.Fatalf("Create with empty passphrase: %v", err)
	}
}

// TestEveryByteFlipIsDetected flips each byte of the stored envelope in turn.
// The checksum catches it before Argon2 runs: damage is never reported as a
// wrong passphrase, and nothing is ever decrypted from a damaged vault.
func TestEveryByteFlipIsDetected(t *testing.T) {
	st := storage.NewMemory()
	mustCreate(t, st, "the seeds")
	name, blob := currentBlob(t, st)
	for i := range blob {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			damaged := bytes.Clone(blob)
			damaged[i] ^= mask
			_ = st.Put(name, damaged)
			_, plain, err := Unlock(st, pass, testConfig(2))
			want := ErrTampered
			if i < len(magic) {
				want = ErrNotVault
			}
			if !errors.Is(err, want) || plain != nil {
				t.Fatalf("byte %d ^ %#x: err = %v, want %v", i, mask, err, want)
			}
		}
	}
	_ = st.Put(name, blob)
	for _, bad := range []string{"", "0", "x", "-1", "2"} {
		_ = st.Put(pointerName, []byte(bad))
		if _, _, err := Unlock(st, pass, testConfig(2)); !errors.Is(err, ErrTampered) {
			t.Errorf("pointer %q: err = %v, want ErrTampered", bad, err)
		}
	}
}

// TestEditWithRecomputedChecksumIsRefused is the deliberate edit: whoever
// changes a byte also fixes the checksum. The AEADs must still refuse it.
func TestEditWithRecomputedChecksumIsRefused(t *testing.T) {
	st := storage.NewMemory()
	mustCreate(t, st, "the seeds")
	name, blob := currentBlob(t, st)
	body := blob[:len(blob)-checksumSize]
	for i := len(magic) + 2; i < len(body); i++ { // magic, kind and version have their own tests
		edited := bytes.Clone(body)
		edited[i] ^= 0x01
		sum := sha256.Sum256(edited)
		_ = st.Put(name, append(edited, sum[:]...))
		_, plain, err := Unlock(st, pass, testConfig(2))
		if err == nil || plain != nil {
			t.Fatalf("byte %d edited with a fixed checksum was accepted", i)
		}
		if !errors.Is(err, ErrTampered) && !errors.Is(err, ErrWrongPassphrase) && !errors.Is(err, ErrUnsupportedVersion) {
			t.Fatalf("byte %d: unexpected error %v", i, err)
		}
	}
}

func TestUnknownVersionRefused(t *testing.T) {
	st := storage.NewMemory()
	mustCreate(t, st, "x")
	name, blob := currentBlob(t, st)
	body := bytes.Clone(blob[:len(blob)-checksumSize])
	body[len(magic)+1] = VersionPasskeys + 1
	sum := sha256.Sum256(body)
	_ = st.Put(name, append(body, sum[:]...))
	if _, _, err := Unlock(st, pass, testConfig(2)); !errors.Is(err, ErrUnsupportedVersion) {
		t.Fatalf("err = %v, want ErrUnsupportedVersion", err)
	}
}

func TestChangePassphrase(t *testing.T) {
	st := storage.NewMemory()
	v := mustCreate(t, st, "contents")
	if err := v.ChangePassphrase(other, []byte("new one"), []byte("contents")); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("change with wrong old passphrase: %v", err)
	}
	if got := mustUnlock(t, st, pass); got != "contents" {
		t.Fatal("failed change altered the vault")
	}
	if err := v.ChangePassphrase(pass, []byte("new one"), []byte("contents 2")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Unlock(st, pass, testConfig(2)); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("old passphrase after change: %v", err)
	}
	if got := mustUnlock(t, st, []byte("new one")); got != "contents 2" {
		t.Fatalf("contents = %q", got)
	}
	// Later saves keep the new wrap without running Argon2 again.
	if err := v.Save([]byte("contents 3")); err != nil {
		t.Fatal(err)
	}
	if got := mustUnlock(t, st, []byte("new one")); got != "contents 3" {
		t.Fatalf("contents = %q", got)
	}
}

func TestLockWipesKey(t *testing.T) {
	st := storage.NewMemory()
	v := mustCreate(t, st, "x")
	key := v.master
	v.Lock()
	if !bytes.Equal(key, make([]byte, keySize)) {
		t.Fatal("master key not zeroed by Lock")
	}
	if err := v.Save([]byte("y")); !errors.Is(err, ErrLocked) {
		t.Fatalf("Save after Lock: %v", err)
	}
	if err := v.ChangePassphrase(pass, other, nil); !errors.Is(err, ErrLocked) {
		t.Fatalf("ChangePassphrase after Lock: %v", err)
	}
}

// faultyStorage fails the n-th write (Put or Delete, counting from 0). A
// failing Put first writes a torn half of the data, as a backend without
// atomic writes would, so the test does not rely on Put being atomic for the
// envelope itself.
type faultyStorage struct {
	*storage.Memory
	failAt, writes int
	landThenFail   bool // the failing Put stores everything, then reports an error
}

func (f *faultyStorage) write() bool { f.writes++; return f.writes-1 == f.failAt }

func (f *faultyStorage) Put(name string, data []byte) error {
	if f.write() {
		switch {
		case f.landThenFail:
			_ = f.Memory.Put(name, data)
		case name != pointerName: // the pointer is tiny, and Put is atomic per name
			_ = f.Memory.Put(name, data[:len(data)/2])
		}
		return errors.New("disk on fire")
	}
	return f.Memory.Put(name, data)
}

func (f *faultyStorage) Delete(name string) error {
	if f.write() {
		return errors.New("disk on fire")
	}
	return f.Memory.Delete(name)
}

func TestInterruptedSaveLeavesPreviousVault(t *testing.T) {
	for failAt := 0; failAt < 3; failAt++ { // put envelope, put pointer, delete previous
		for _, land := range []bool{false, true} {
			t.Run(fmt.Sprintf("write%d/landed=%v", failAt, land), func(t *testing.T) {
				mem := storage.NewMemory()
				v := mustCreate(t, mem, "old")
				fs := &faultyStorage{Memory: mem, failAt: failAt, landThenFail: land}
				v.store = fs
				err := v.Save([]byte("new"))
				got := mustUnlock(t, mem, pass)
				switch {
				case err == nil && got != "new":
					t.Fatalf("Save succeeded but the vault holds %q", got)
				case err != nil && got != "old":
					t.Fatalf("Save failed (%v) but the vault holds %q", err, got)
				}
				// The same Vault recovers on the next save.
				fs.failAt = -1
				if err := v.Save([]byte("newer")); err != nil {
					t.Fatal(err)
				}
				if got := mustUnlock(t, mem, pass); got != "newer" {
					t.Fatalf("after recovery the vault holds %q", got)
				}
			})
		}
	}
}

func TestBackup(t *testing.T) {
	backup, err := SealBackup(other, []byte("exported"), testConfig(3))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := OpenBackup(backup, other); err != nil || string(got) != "exported" {
		t.Fatalf("OpenBackup = %q, %v", got, err)
	}
	if _, err := OpenBackup(backup, pass); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong backup passphrase: %v", err)
	}
	damaged := bytes.Clone(backup)
	damaged[len(damaged)/2] ^= 1
	if _, err := OpenBackup(damaged, other); !errors.Is(err, ErrTampered) {
		t.Fatalf("damaged backup: %v", err)
	}
	st := storage.NewMemory()
	mustCreate(t, st, "x")
	_, vaultBlob := currentBlob(t, st)
	if _, err := OpenBackup(vaultBlob, pass); !errors.Is(err, ErrNotBackup) {
		t.Fatalf("vault opened as backup: %v", err)
	}
	if _, err := OpenBackup([]byte("otpauth://totp/x?secret=AAAA"), pass); !errors.Is(err, ErrNotBackup) {
		t.Fatalf("text opened as backup: %v", err)
	}
	_ = st.Put("vault.1", backup)
	if _, _, err := Unlock(st, other, testConfig(2)); !errors.Is(err, ErrNotVault) {
		t.Fatalf("backup opened as vault: %v", err)
	}
}

func TestParamsBounds(t *testing.T) {
	for _, p := range []Params{
		{MemoryKiB: 7, Time: 1, Threads: 1},
		{MemoryKiB: MaxMemoryKiB + 1, Time: 1, Threads: 1},
		{MemoryKiB: 64, Time: 0, Threads: 1},
		{MemoryKiB: 64, Time: MaxTime + 1, Threads: 1},
		{MemoryKiB: 64, Time: 1, Threads: 0},
		{MemoryKiB: MaxMemoryKiB, Time: 13, Threads: 1}, // 256 MiB × 13 passes: over the work bound
		{MemoryKiB: 64 * 1024, Time: 49, Threads: 1},
	} {
		if err := p.Validate(); !errors.Is(err, ErrParams) {
			t.Errorf("%+v: %v, want ErrParams", p, err)
		}
		if _, err := Create(storage.NewMemory(), pass, nil, Config{Params: p}); !errors.Is(err, ErrParams) {
			t.Errorf("Create with %+v: %v", p, err)
		}
	}
}

// BenchmarkUnlock measures one unlock at DefaultParams, natively (the
// Chromium figure comes from the page's own benchmark).
func BenchmarkUnlock(b *testing.B) {
	st := storage.NewMemory()
	if _, err := Create(st, pass, make([]byte, 4096), Config{}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		v, _, err := Unlock(st, pass, Config{})
		if err != nil {
			b.Fatal(err)
		}
		v.Lock()
	}
}

// openTwice unlocks the same stored vault twice, as two browser tabs do.
func openTwice(t *testing.T, st storage.Storage) (*Vault, *Vault) {
	t.Helper()
	a, _, err := Unlock(st, pass, testConfig(2))
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := Unlock(st, pass, testConfig(3))
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

// TestStaleSaveRefused: tab A saves; tab B, still holding the generation it
// unlocked, must not write over A's save (invariant 10). Its Save writes
// nothing; Reload gives it A's contents, and its next Save lands.
func TestStaleSaveRefused(t *testing.T) {
	st := storage.NewMemory()
	mustCreate(t, st, "one").Lock()
	a, b := openTwice(t, st)
	if err := a.Save([]byte("one, two")); err != nil {
		t.Fatal(err)
	}
	before := fmt.Sprint(st.Names())
	if err := b.Save([]byte("one, three")); !errors.Is(err, ErrStale) {
		t.Fatalf("stale Save: %v, want ErrStale", err)
	}
	if got := mustUnlock(t, st, pass); got != "one, two" || fmt.Sprint(st.Names()) != before {
		t.Fatalf("a refused save changed the storage: %q, %v (was %s)", got, st.Names(), before)
	}
	plain, changed, err := b.Reload()
	if err != nil || !changed || string(plain) != "one, two" {
		t.Fatalf("Reload = %q, %v, %v", plain, changed, err)
	}
	if _, changed, err := b.Reload(); changed || err != nil {
		t.Fatalf("second Reload: changed=%v, %v", changed, err)
	}
	if err := b.Save([]byte("one, two, three")); err != nil {
		t.Fatal(err)
	}
	if got := mustUnlock(t, st, pass); got != "one, two, three" {
		t.Fatalf("contents = %q", got)
	}
	if err := a.Save([]byte("one, two, four")); !errors.Is(err, ErrStale) {
		t.Fatalf("A is stale now: %v", err)
	}
}

// TestReloadAfterPassphraseChange: tab A changes the passphrase; tab B,
// unlocked with the old one, must not save under the old wrap (which would
// bring the old passphrase back). Its Save is stale, Reload locks it.
func TestReloadAfterPassphraseChange(t *testing.T) {
	st := storage.NewMemory()
	mustCreate(t, st, "x").Lock()
	a, b := openTwice(t, st)
	if err := a.ChangePassphrase(pass, other, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := b.Save([]byte("y")); !errors.Is(err, ErrStale) {
		t.Fatalf("Save under the old wrap: %v, want ErrStale", err)
	}
	if _, _, err := b.Reload(); !errors.Is(err, ErrPassphraseChanged) {
		t.Fatalf("Reload: %v, want ErrPassphraseChanged", err)
	}
	if b.master != nil {
		t.Fatal("Reload left the old session's key")
	}
	if err := b.Save([]byte("y")); !errors.Is(err, ErrLocked) {
		t.Fatalf("Save after the reload: %v", err)
	}
	if got := mustUnlock(t, st, other); got != "x" {
		t.Fatalf("contents = %q", got)
	}
}

// racingStorage lets another writer save between Unlock's read of the
// pointer and its read of the envelope, deleting the envelope just named.
type racingStorage struct {
	*storage.Memory
	writer *Vault
	once   bool
}

func (r *racingStorage) Get(name string) ([]byte, error) {
	if name != pointerName && !r.once {
		r.once = true
		if err := r.writer.Save([]byte("newer")); err != nil {
			return nil, err
		}
	}
	return r.Memory.Get(name)
}

func TestUnlockReadsAgainWhenASaveRaces(t *testing.T) {
	mem := storage.NewMemory()
	writer := mustCreate(t, mem, "older")
	if got := mustUnlock(t, &racingStorage{Memory: mem, writer: writer}, pass); got != "newer" {
		t.Fatalf("contents = %q, want the save that raced the read", got)
	}
}

func TestCheckPassphrase(t *testing.T) {
	v := mustCreate(t, storage.NewMemory(), "contents")
	if err := v.CheckPassphrase(pass); err != nil {
		t.Fatal(err)
	}
	if err := v.CheckPassphrase(other); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if err := v.ChangePassphrase(pass, other, []byte("contents")); err != nil {
		t.Fatal(err)
	}
	if err := v.CheckPassphrase(other); err != nil {
		t.Fatalf("the new passphrase: %v", err)
	}
	v.Lock()
	if err := v.CheckPassphrase(other); !errors.Is(err, ErrLocked) {
		t.Fatalf("locked: %v", err)
	}
}
