package main

import (
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/wasm/storage"
	"github.com/twofold-auth/twofold/wasm/vault"
)

// Two Apps over one Storage are two browser tabs of one profile.

// fakeTabs is the tabs' lock in one process: it checks that no two saves
// overlap and counts the saves announced to the other tabs.
type fakeTabs struct {
	mu    sync.Mutex
	held  bool
	saved int
}

func (f *fakeTabs) Exclusive(work func() error) error {
	f.mu.Lock()
	if f.held {
		f.mu.Unlock()
		return errors.New("two saves overlap")
	}
	f.held = true
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.held = false; f.mu.Unlock() }()
	return work()
}

func (f *fakeTabs) Saved() { f.mu.Lock(); f.saved++; f.mu.Unlock() }

func (f *fakeTabs) count() int { f.mu.Lock(); defer f.mu.Unlock(); return f.saved }

// newTab is an App over st with its own random stream and tabs' lock.
func newTab(t *testing.T, st storage.Storage, seed byte, tabs Tabs) *App {
	t.Helper()
	a := NewApp(Config{Storage: st, Params: vault.Params{MemoryKiB: 8, Time: 1, Threads: 1},
		Rand: rand.NewChaCha8([32]byte{seed}), Now: func() time.Time { return t0 }, Tabs: tabs})
	t.Cleanup(a.Lock)
	return a
}

// twoTabs creates a vault with one account in tab A and unlocks it in tab B.
func twoTabs(t *testing.T) (a, b *App, st *storage.Memory, first AccountView) {
	t.Helper()
	st = storage.NewMemory()
	a = newTab(t, st, 1, nil)
	if err := a.Create(pass); err != nil {
		t.Fatal(err)
	}
	first, err := a.AddURI(seedURI)
	if err != nil {
		t.Fatal(err)
	}
	b = newTab(t, st, 2, nil)
	if err := b.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	return a, b, st, first
}

func labels(t *testing.T, a *App) []string {
	t.Helper()
	list, err := a.List()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = v.Label
	}
	return out
}

func stored(t *testing.T, st storage.Storage) []string {
	t.Helper()
	fresh := newTab(t, st, 9, nil)
	if err := fresh.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	return labels(t, fresh)
}

// TestStaleTabDoesNotLoseAccounts is the two tabs: B adds an
// account; A, holding the older copy, renames the first one. A's write is
// refused and changes nothing, A now shows B's account, and the rename
// done again keeps both (invariant 10).
func TestStaleTabDoesNotLoseAccounts(t *testing.T) {
	a, b, st, first := twoTabs(t)
	second, err := b.AddURI("otpauth://totp/GitHub:bob?secret=JBSWY3DPEHPK3PXPJBSWY3DP")
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Rename(first.ID, "Oracle Cloud", "ana")
	wantCode(t, err, CodeVaultChanged)
	want := "[Oracle (ana@example.com) GitHub (bob)]"
	if got := stored(t, st); fmtList(got) != want {
		t.Fatalf("the vault holds %v after the stale rename, want %s", got, want)
	}
	if got := labels(t, a); fmtList(got) != want {
		t.Fatalf("tab A shows %v after the refusal, want the reloaded %s", got, want)
	}
	if _, err := a.Rename(first.ID, "Oracle Cloud", "ana"); err != nil {
		t.Fatal(err)
	}
	if got := stored(t, st); fmtList(got) != "[Oracle Cloud (ana) GitHub (bob)]" {
		t.Fatalf("the vault holds %v", got)
	}
	// Now B is the stale one: its reorder is refused the same way, and
	// Reload has nothing left to catch up.
	wantCode(t, b.Reorder([]string{second.ID, first.ID}), CodeVaultChanged)
	if changed, err := b.Reload(); changed || err != nil {
		t.Fatalf("Reload after the refusal: %v %v (the refusal reloaded already)", changed, err)
	}
	if got := labels(t, b); fmtList(got) != "[Oracle Cloud (ana) GitHub (bob)]" {
		t.Fatalf("tab B shows %v", got)
	}
}

func fmtList(s []string) string {
	out := "["
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out + "]"
}

// TestReloadFollowsOtherTab: what the page does on the other tab's message.
func TestReloadFollowsOtherTab(t *testing.T) {
	a, b, _, first := twoTabs(t)
	if changed, err := b.Reload(); changed || err != nil {
		t.Fatalf("Reload with nothing new: %v %v", changed, err)
	}
	if err := a.Delete(first.ID); err != nil {
		t.Fatal(err)
	}
	if changed, err := b.Reload(); !changed || err != nil {
		t.Fatalf("Reload after A's delete: %v %v", changed, err)
	}
	if got := labels(t, b); len(got) != 0 {
		t.Fatalf("tab B still shows %v", got)
	}
	// A backup restored in A arrives in B the same way.
	backup, err := newBackup(t)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := a.ImportBackup(backup, "backup passphrase"); err != nil || len(r.Added) != 1 {
		t.Fatalf("restore %+v %v", r, err)
	}
	if changed, err := b.Reload(); !changed || err != nil || fmtList(labels(t, b)) != "[Restored (zoe)]" {
		t.Fatalf("after A's restore B shows %v (%v %v)", labels(t, b), changed, err)
	}
	b.Lock()
	_, err = b.Reload()
	wantCode(t, err, CodeLocked)
}

func newBackup(t *testing.T) ([]byte, error) {
	t.Helper()
	src := newTab(t, storage.NewMemory(), 5, nil)
	if err := src.Create(pass); err != nil {
		return nil, err
	}
	if _, err := src.AddURI("otpauth://totp/Restored:zoe?secret=MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"); err != nil {
		return nil, err
	}
	return src.ExportBackup("backup passphrase")
}

// TestPassphraseChangedInOtherTab: B, unlocked with the old passphrase,
// must not write with the old wrap over the new vault; its write is
// refused, it locks, and the vault opens with the new passphrase only,
// holding what A saved.
func TestPassphraseChangedInOtherTab(t *testing.T) {
	a, b, st, first := twoTabs(t)
	if err := a.ChangePassphrase(pass, "a new passphrase"); err != nil {
		t.Fatal(err)
	}
	_, err := b.Rename(first.ID, "Old", "wrap")
	wantCode(t, err, CodePassphraseChanged)
	if _, err := b.List(); toAPIError(err).Code != CodeLocked {
		t.Fatalf("tab B is still unlocked: %v", err)
	}
	fresh := newTab(t, st, 9, nil)
	wantCode(t, fresh.Unlock(pass), CodeWrongPassphrase)
	if err := fresh.Unlock("a new passphrase"); err != nil {
		t.Fatal(err)
	}
	if got := labels(t, fresh); fmtList(got) != "[Oracle (ana@example.com)]" {
		t.Fatalf("the vault holds %v", got)
	}
	// A tab told by the page (Reload) locks the same way.
	c := newTab(t, st, 3, nil)
	if err := c.Unlock("a new passphrase"); err != nil {
		t.Fatal(err)
	}
	if err := a.ChangePassphrase("a new passphrase", "a third passphrase"); err != nil {
		t.Fatal(err)
	}
	_, err = c.Reload()
	wantCode(t, err, CodePassphraseChanged)
	_, err = c.List()
	wantCode(t, err, CodeLocked)
	// A stale tab changing the passphrase is refused too: its wrap does not
	// land over the newer vault.
	d := newTab(t, st, 4, nil)
	if err := d.Unlock("a third passphrase"); err != nil {
		t.Fatal(err)
	}
	if err := a.Delete(first.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, d.ChangePassphrase("a third passphrase", "d's passphrase"), CodeVaultChanged)
	last := newTab(t, st, 10, nil)
	if err := last.Unlock("a third passphrase"); err != nil {
		t.Fatalf("the current passphrase after d's refused change: %v", err)
	}
	if got := labels(t, last); len(got) != 0 {
		t.Fatalf("the vault holds %v, want A's delete", got)
	}
}

// TestSavesHoldTheTabsLock: every write runs under Exclusive and is
// announced once it landed; a refused or failed one is not.
func TestSavesHoldTheTabsLock(t *testing.T) {
	st := storage.NewMemory()
	tabs := &fakeTabs{}
	a := newTab(t, st, 1, tabs)
	if err := a.Create(pass); err != nil {
		t.Fatal(err)
	}
	v, err := a.AddURI(seedURI)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.ChangePassphrase(pass, "another passphrase"); err != nil {
		t.Fatal(err)
	}
	if n := tabs.count(); n != 3 {
		t.Fatalf("%d saves announced, want 3 (create, add, passphrase)", n)
	}
	b := newTab(t, st, 2, nil)
	if err := b.Unlock("another passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Rename(v.ID, "B", "renamed"); err != nil {
		t.Fatal(err)
	}
	_, err = a.Rename(v.ID, "A", "renamed")
	wantCode(t, err, CodeVaultChanged)
	_, err = a.AddURI(seedURI) // a duplicate: nothing to save
	wantCode(t, err, CodeDuplicate)
	if n := tabs.count(); n != 3 {
		t.Fatalf("%d saves announced, want still 3", n)
	}
}

// TestReloadStopsPushOfDeletedAccount: an account deleted in another tab
// stops answering prompts here once this tab reloads.
func TestReloadStopsPushOfDeletedAccount(t *testing.T) {
	a, f, _, st := pushApp(t)
	acct, _ := a.AddURI(pushURI)
	if _, err := a.PushEnable(acct.ID); err != nil {
		t.Fatal(err)
	}
	c := f.conn(t)
	b := newTab(t, st, 7, nil)
	if err := b.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(acct.ID); err != nil {
		t.Fatal(err)
	}
	if changed, err := a.Reload(); !changed || err != nil {
		t.Fatalf("Reload: %v %v", changed, err)
	}
	select {
	case <-c.closed:
	case <-time.After(10 * time.Second): // a bound, not a measurement
		t.Fatal("the deleted account's connection stays open")
	}
	if st, _ := a.PushStatuses(); len(st) != 0 {
		t.Fatalf("statuses %+v", st)
	}
}
