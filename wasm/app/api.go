package main

import (
	"crypto/rand"
	"errors"
	"io"
	"math"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/twofold-auth/twofold/shared/errcode"
	"github.com/twofold-auth/twofold/shared/migration"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/wasm/accounts"
	"github.com/twofold-auth/twofold/wasm/qrtext"
	"github.com/twofold-auth/twofold/wasm/storage"
	"github.com/twofold-auth/twofold/wasm/vault"
)

// MinPassphraseLength is the shortest passphrase Create, ChangePassphrase and
// ExportBackup accept, in characters.
const MinPassphraseLength = 8

// Config is what NewApp needs; zero fields get defaults (crypto/rand,
// time.Now, vault.DefaultParams).
type Config struct {
	Storage storage.Storage
	Params  vault.Params
	Rand    io.Reader
	Now     func() time.Time
	Push    PushConfig
	Tabs    Tabs
	// Transfer reads and writes other apps' files and decodes QR codes
	// (the bridge's loads the second module on first use); nil: those
	// imports, exports and scans fail with module_unavailable.
	Transfer TransferModule
	// Sync configures sync between browsers (sync.go).
	Sync SyncConfig
}

// Tabs coordinates the pages that share the storage (browser tabs, each
// with its own App). Exclusive runs work while no other tab runs its own:
// every save (read the pointer, compare, write, flip) runs inside it, so the
// vault's compare-and-swap is atomic across tabs. Saved is called after a
// save landed, so the other tabs reload. The bridge implements it with Web
// Locks and an event the page forwards on a BroadcastChannel; nil means one
// tab (host tests).
type Tabs interface {
	Exclusive(work func() error) error
	Saved()
}

// App is the authenticator behind the page. Its methods are safe for
// concurrent use and are meant to run off the JavaScript event loop (the
// bridge calls each one in its own goroutine), because saving waits for
// IndexedDB.
//
// Two locks: opMu serialises everything that writes (it may be held while
// storage or Argon2 works), mu guards the published fields and is held only
// for moments, so reads never wait for a save.
type App struct {
	store storage.Storage
	vcfg  vault.Config
	rand  io.Reader
	now   func() time.Time

	pushCfg PushConfig
	push    pushState // live connections; stopped by Lock
	tabs    Tabs
	syncCfg SyncConfig
	syncS   syncSession // the pairing shown or joined (sync.go)

	opMu    sync.Mutex
	batches accounts.Batches // Google Authenticator export parts seen this session (opMu)
	// held are the accounts not added because another account has their
	// name, by their id, until the person chooses (Resolve); opMu.
	held map[string]*accounts.Account
	// pending is the open import preview (Preview, Commit); opMu.
	pending  *pending
	transfer TransferModule

	mu      sync.RWMutex
	vault   *vault.Vault    // nil when locked
	state   *accounts.State // nil when locked
	locking bool            // Lock has started: reads fail at once
}

// NewApp returns a locked App over cfg.Storage.
func NewApp(cfg Config) *App {
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &App{
		store:    reportingStore{cfg.Storage},
		vcfg:     vault.Config{Params: cfg.Params, Rand: cfg.Rand},
		rand:     cfg.Rand,
		now:      cfg.Now,
		pushCfg:  cfg.Push,
		tabs:     cfg.Tabs,
		transfer: cfg.Transfer,
		syncCfg:  cfg.Sync,
	}
}

// exclusive runs a save under the tabs' lock and tells the other tabs once
// it landed.
func (a *App) exclusive(work func() error) error {
	if a.tabs == nil {
		return work()
	}
	err := a.tabs.Exclusive(work)
	if err == nil {
		a.tabs.Saved()
	}
	return err
}

// reportingStore marks storage failures so the page can tell them apart.
type reportingStore struct{ s storage.Storage }

func (r reportingStore) Get(name string) ([]byte, error) {
	b, err := r.s.Get(name)
	return b, storageError(err)
}
func (r reportingStore) Put(name string, b []byte) error { return storageError(r.s.Put(name, b)) }
func (r reportingStore) Delete(name string) error        { return storageError(r.s.Delete(name)) }

func checkNewPassphrase(p string) error {
	if utf8.RuneCountInString(p) < MinPassphraseLength {
		return errWeakPassphrase
	}
	return nil
}

// Status is the vault's state for the page's first screen.
type Status struct {
	Exists        bool    `js:"exists"`
	Unlocked      bool    `js:"unlocked"`
	Accounts      int     `js:"accounts"`
	ClockOffsetMs float64 `js:"clockOffsetMs"`
}

// Status reports whether a vault exists and is unlocked.
func (a *App) Status() (Status, error) {
	exists, err := vault.Exists(a.store)
	if err != nil {
		return Status{}, err
	}
	s := Status{Exists: exists}
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.state != nil && !a.locking {
		s.Unlocked, s.Accounts = true, a.state.Len()
		s.ClockOffsetMs = float64(a.state.ClockOffset().Milliseconds())
	}
	return s, nil
}

// Create makes a new, empty vault and leaves it unlocked.
func (a *App) Create(passphrase string) error {
	if err := checkNewPassphrase(passphrase); err != nil {
		return err
	}
	a.opMu.Lock()
	defer a.opMu.Unlock()
	state := &accounts.State{}
	var v *vault.Vault
	err := a.exclusive(func() (err error) {
		v, err = vault.Create(a.store, []byte(passphrase), state.Marshal(), a.vcfg)
		return err
	})
	if err != nil {
		return err
	}
	a.publishSession(v, state)
	return nil
}

// Unlock opens the stored vault. Unlocking an unlocked App replaces the
// session (after checking the passphrase).
func (a *App) Unlock(passphrase string) error {
	return a.open(func() (*vault.Vault, []byte, error) { return vault.Unlock(a.store, []byte(passphrase), a.vcfg) })
}

// open installs the session that unlock opens (by passphrase or passkey):
// under opMu, the plaintext read and wiped, the vault locked again if it
// does not parse.
func (a *App) open(unlock func() (*vault.Vault, []byte, error)) error {
	a.opMu.Lock()
	defer a.opMu.Unlock()
	v, plain, err := unlock()
	if err != nil {
		return err
	}
	defer clear(plain)
	state, err := accounts.Unmarshal(plain)
	if err != nil {
		v.Lock()
		return err
	}
	a.publishSession(v, state)
	return nil
}

// publishSession installs a new session; the caller holds opMu.
func (a *App) publishSession(v *vault.Vault, state *accounts.State) {
	a.mu.Lock()
	oldVault, oldState := a.vault, a.state
	a.vault, a.state, a.locking = v, state, false
	a.mu.Unlock()
	a.PushStop() // the old session's connections and keys
	wipeSession(oldVault, oldState)
}

func wipeSession(v *vault.Vault, state *accounts.State) {
	if v != nil {
		v.Lock()
	}
	if state != nil {
		state.Wipe()
	}
}

// Lock hides the accounts at once, waits for a save in progress, then zeroes
// the master key and every decrypted secret (best effort: copies the Go
// runtime made, or strings JavaScript holds, are out of reach).
func (a *App) Lock() {
	a.mu.Lock()
	a.locking = true
	a.mu.Unlock()
	a.PushStop() // closes the sockets and wipes the clients' keys
	a.opMu.Lock()
	defer a.opMu.Unlock()
	a.lockLocked()
}

// lockLocked ends the session; the caller holds opMu.
func (a *App) lockLocked() {
	a.mu.Lock()
	v, state := a.vault, a.state
	a.vault, a.state, a.locking = nil, nil, false
	a.mu.Unlock()
	a.PushStop() // again: a client started before state went nil
	wipeSession(v, state)
	a.batches = accounts.Batches{}
	a.dropHeld()
	a.dropPending()
	a.syncForget() // sync.go
}

// maxHeld bounds the accounts waiting for a choice; an import of several
// parts holds each part's until the page asks about them all.
const maxHeld = 1000

// hold keeps accounts whose name was taken until Resolve. Past maxHeld the
// older ones are dropped (wiped); the page then says "add it again". The
// caller holds opMu.
func (a *App) hold(conflicts []accounts.Conflict) {
	if a.held == nil || len(a.held)+len(conflicts) > maxHeld {
		a.dropHeld()
		a.held = map[string]*accounts.Account{}
	}
	for _, c := range conflicts {
		a.held[c.Account.ID] = c.Account
	}
}

// dropHeld wipes the held accounts; the caller holds opMu.
func (a *App) dropHeld() {
	for _, acct := range a.held {
		wipeAccount(acct)
	}
	a.held = nil
}

func wipeAccount(acct *accounts.Account) {
	clear(acct.Key.Secret)
	if acct.Push != nil {
		clear(acct.Push.PrivateKey)
	}
}

// errVaultChanged is a write refused because another tab saved first.
var errVaultChanged = errcode.New(CodeVaultChanged, "this change was not saved: another tab changed the vault first. The list now shows the vault as it is; check it and try again")

// errPassphraseChanged locks a tab whose passphrase is no longer the vault's.
var errPassphraseChanged = errcode.New(CodePassphraseChanged, "the passphrase was changed in another tab. Enter the new passphrase to continue")

// Reload brings the unlocked session up to the stored vault after another
// tab saved, and reports whether the accounts changed. If the passphrase was
// changed there, the session locks (errPassphraseChanged).
func (a *App) Reload() (bool, error) {
	a.opMu.Lock()
	defer a.opMu.Unlock()
	v, _, err := a.session()
	if err != nil {
		return false, err
	}
	return a.reloadLocked(v)
}

// reloadLocked publishes the stored vault's contents; the caller holds opMu.
func (a *App) reloadLocked(v *vault.Vault) (bool, error) {
	plain, changed, err := v.Reload()
	if errors.Is(err, vault.ErrPassphraseChanged) {
		a.lockLocked()
		return false, errPassphraseChanged
	}
	if err != nil || !changed {
		return false, err
	}
	defer clear(plain)
	state, err := accounts.Unmarshal(plain)
	if err != nil {
		return false, err
	}
	a.mu.Lock()
	old := a.state
	a.state = state
	a.mu.Unlock()
	a.stopStalePush(state)
	old.Wipe()
	return true, nil
}

// save runs write (a save of v) under the tabs' lock. A save refused as
// stale reloads the session and says so (errVaultChanged): the change is
// not re-applied to contents the person has not seen. The caller holds opMu.
func (a *App) save(v *vault.Vault, write func() error) error {
	return a.exclusive(func() error {
		err := write()
		if !errors.Is(err, vault.ErrStale) {
			return err
		}
		if _, err := a.reloadLocked(v); err != nil {
			return err
		}
		return errVaultChanged
	})
}

// ChangePassphrase re-wraps the master key under newPassphrase.
func (a *App) ChangePassphrase(oldPassphrase, newPassphrase string) error {
	if err := checkNewPassphrase(newPassphrase); err != nil {
		return err
	}
	return a.rewrap(func(v *vault.Vault, plain []byte) error {
		return v.ChangePassphrase([]byte(oldPassphrase), []byte(newPassphrase), plain)
	})
}

// rewrap saves the session's state again through change, which rewraps
// the vault's key (a new passphrase, a passkey added or removed); the
// plaintext it gets is wiped after.
func (a *App) rewrap(change func(v *vault.Vault, plain []byte) error) error {
	a.opMu.Lock()
	defer a.opMu.Unlock()
	v, state, err := a.session()
	if err != nil {
		return err
	}
	plain := state.Marshal()
	defer clear(plain)
	return a.save(v, func() error { return change(v, plain) })
}

// session returns the unlocked vault and state, or ErrLocked.
func (a *App) session() (*vault.Vault, *accounts.State, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.state == nil || a.locking {
		return nil, nil, vault.ErrLocked
	}
	return a.vault, a.state, nil
}

// read runs f on the unlocked state, holding mu so Lock cannot wipe it
// meanwhile. f must be quick and must not wait on anything.
func (a *App) read(f func(*accounts.State) error) error {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.state == nil || a.locking {
		return vault.ErrLocked
	}
	return f(a.state)
}

// mutate applies change to the current state, saves the result and only then
// publishes it: a failed save changes nothing.
func (a *App) mutate(change func(*accounts.State) (*accounts.State, error)) error {
	a.opMu.Lock()
	defer a.opMu.Unlock()
	v, state, err := a.session()
	if err != nil {
		return err
	}
	next, err := change(state)
	if err != nil || next == state {
		return err
	}
	if next, err = a.recordSync(state, next); err != nil { // sync.go
		return err
	}
	if err := a.commit(v, next); err != nil {
		return err
	}
	a.syncPushSoon(next) // sync.go
	return nil
}

// commit saves next in v and makes it the session's state; the caller
// holds opMu.
func (a *App) commit(v *vault.Vault, next *accounts.State) error {
	plain := next.Marshal()
	defer clear(plain)
	if err := a.save(v, func() error { return v.Save(plain) }); err != nil {
		return err
	}
	a.mu.Lock()
	a.state = next
	a.mu.Unlock()
	return nil
}

// AccountView is an account as the page sees it: never the secret.
type AccountView struct {
	ID         string   `js:"id"`
	Issuer     string   `js:"issuer"`
	Account    string   `js:"account"`
	Label      string   `js:"label"`
	Type       string   `js:"type"`
	Algorithm  string   `js:"algorithm"`
	Digits     int      `js:"digits"`
	Period     int      `js:"period"`
	Counter    float64  `js:"counter"`
	AddedMs    float64  `js:"addedMs"`
	Pinned     bool     `js:"pinned"`
	Tags       []string `js:"tags"`
	Icon       string   `js:"icon"`       // "" for the first letter of the name
	LastUsedMs float64  `js:"lastUsedMs"` // 0 if never
	Push       bool     `js:"push"`
	// PushOffered: the enrollment URI named a Twofold server for sign-in
	// prompts (twofold_push); PushServer is its origin.
	PushOffered bool   `js:"pushOffered"`
	PushServer  string `js:"pushServer"`
}

func viewOf(v accounts.View) AccountView {
	out := AccountView{
		ID: v.ID, Issuer: v.Issuer, Account: v.Account, Label: v.Label(), Type: string(v.Type),
		Algorithm: string(v.Algorithm), Digits: v.Digits, Period: v.Period, Counter: float64(v.Counter),
		AddedMs: float64(v.Added.UnixMilli()), Push: v.Push, PushOffered: v.PushOffered, PushServer: v.PushServer,
		Pinned: v.Pinned, Tags: v.Tags, Icon: v.Icon,
	}
	if !v.LastUsed.IsZero() {
		out.LastUsedMs = float64(v.LastUsed.UnixMilli())
	}
	return out
}

func viewsOf(vs []accounts.View) []AccountView {
	out := make([]AccountView, len(vs))
	for i, v := range vs {
		out[i] = viewOf(v)
	}
	return out
}

// List returns every account in display order (pinned first, then as the
// list's order setting says).
func (a *App) List() ([]AccountView, error) {
	var out []AccountView
	err := a.read(func(s *accounts.State) error { out = viewsOf(s.Display()); return nil })
	return out, err
}

// Search returns the accounts matching query (every word, any case).
func (a *App) Search(query string) ([]AccountView, error) {
	var out []AccountView
	err := a.read(func(s *accounts.State) error { out = viewsOf(s.Search(query)); return nil })
	return out, err
}

// addKey adds k. A key in the list already is refused (code duplicate);
// one whose name another account has is held, and the error (code
// name_conflict) carries what the page needs to ask "Replace the old key"
// or "Keep both" and call Resolve.
func (a *App) addKey(k *otpauth.Key) (AccountView, error) {
	acct, err := accounts.New(*k, a.rand, a.now())
	if err != nil {
		return AccountView{}, err
	}
	err = a.mutate(func(s *accounts.State) (*accounts.State, error) { return s.Add(acct) })
	var dup *accounts.DuplicateError
	if errors.As(err, &dup) && !dup.SameSecret {
		a.opMu.Lock()
		a.hold([]accounts.Conflict{{Account: acct, Existing: dup.Existing}})
		a.opMu.Unlock()
		c := conflictOf(accounts.Conflict{Account: acct, Existing: dup.Existing})
		return AccountView{}, &APIError{Code: CodeNameConflict, Message: err.Error(),
			Details: map[string]any{"conflictId": c.ID, "label": c.Label, "existingId": c.ExistingID, "existingLabel": c.ExistingLabel}}
	}
	if err != nil {
		return AccountView{}, err
	}
	return viewOf(acct.View()), nil
}

// Resolve adds an account held back because another one has its name, as
// the person chose: "replace" puts its key in the other account's place
// (the old key is wiped, and its prompts, which were for the old key,
// stop), "keep" adds it as "name #2", "skip" drops it. It returns the
// account as stored (none for skip). A choice met by another tab's save
// (vault_changed) stays open, to be made again on the current list.
func (a *App) Resolve(conflictID, choice string) (AccountView, error) {
	if choice != "replace" && choice != "keep" && choice != "skip" {
		return AccountView{}, errArgument("accounts.resolve: choice must be \"replace\", \"keep\" or \"skip\"")
	}
	a.opMu.Lock()
	acct := a.held[conflictID]
	if choice == "skip" && acct != nil {
		delete(a.held, conflictID)
		wipeAccount(acct)
	}
	a.opMu.Unlock()
	if acct == nil {
		return AccountView{}, errNotHeld
	}
	if choice == "skip" {
		return AccountView{}, nil
	}
	var out accounts.View
	var replaced *accounts.Account
	err := a.mutate(func(s *accounts.State) (*accounts.State, error) {
		n, old, err := s.AddResolved(acct, choice == "replace")
		if err != nil {
			return nil, err
		}
		id := acct.ID
		if replaced = old; old != nil {
			id = old.ID
		}
		stored, _ := n.Find(id)
		out = stored.View()
		return n, nil
	})
	if err != nil {
		return AccountView{}, err
	}
	a.opMu.Lock()
	delete(a.held, conflictID)
	a.opMu.Unlock()
	if replaced != nil {
		a.stopPushFor(replaced.ID)
		wipeAccount(replaced)
	}
	return viewOf(out), nil
}

var errNotHeld = errcode.New(CodeNotFound, "this choice is no longer waiting (the vault was locked since): add the account again")

// AddURI adds the account of an otpauth:// URI; a Steam Guard account's
// (otpauth://steam/..., or encoder=steam, as an account's own QR code and
// other apps write it) is read as Steam.
func (a *App) AddURI(uri string) (AccountView, error) {
	k, err := accounts.ParseURI(uri)
	if err != nil {
		return AccountView{}, accounts.KeyError(err)
	}
	return a.addKey(k)
}

// ManualEntry is the manual-entry form; empty advanced fields mean defaults.
type ManualEntry struct {
	Issuer    string
	Account   string
	Secret    string
	Type      string
	Algorithm string
	Digits    int
	Period    int
	Counter   uint64
}

// AddManual adds an account typed by hand.
func (a *App) AddManual(m ManualEntry) (AccountView, error) {
	k, err := accounts.Manual{
		Issuer: m.Issuer, Account: m.Account, Secret: m.Secret, Type: otpauth.Type(m.Type),
		Algorithm: otpauth.Algorithm(m.Algorithm), Digits: m.Digits, Period: m.Period, Counter: m.Counter,
	}.Key()
	if err != nil {
		return AccountView{}, err
	}
	return a.addKey(k)
}

// KeyCheck is the live validation of a key being typed.
type KeyCheck struct {
	OK       bool     `js:"ok"`
	Message  string   `js:"message"`
	Position int      `js:"position"`
	Char     string   `js:"char"`
	Bits     int      `js:"bits"`
	Warnings []string `js:"warnings"`
	Summary  string   `js:"summary"`
	Link     bool     `js:"link"`
	Label    string   `js:"label"`
}

// ValidateKey checks a typed base32 key, or recognises a pasted otpauth
// link (accounts.CheckKey); it needs no vault.
func (a *App) ValidateKey(typed string) KeyCheck {
	c := accounts.CheckKey(typed)
	return KeyCheck{OK: c.OK, Message: c.Message, Position: c.Pos, Char: c.Char, Bits: c.Bits, Warnings: c.Warnings,
		Summary: c.Summary, Link: c.Link, Label: c.Label}
}

// Rename changes an account's issuer and name.
func (a *App) Rename(id, issuer, account string) (AccountView, error) {
	return a.changeAccount(id, func(s *accounts.State) (*accounts.State, error) { return s.Rename(id, issuer, account) })
}

// Delete moves an account to the vault's trash, where it stays
// restorable for 30 days (accounts.TrashDays).
func (a *App) Delete(id string) error {
	err := a.mutate(func(s *accounts.State) (*accounts.State, error) { return s.Delete(id, a.now()) })
	if err == nil {
		a.stopPushFor(id)
	}
	return err
}

// TrashView is a deleted account that can be restored.
type TrashView struct {
	ID        string  `js:"id"`
	Label     string  `js:"label"`
	DeletedMs float64 `js:"deletedMs"`
}

// Trash lists the accounts deleted in the last 30 days, the latest first.
func (a *App) Trash() ([]TrashView, error) {
	out := []TrashView{}
	err := a.read(func(s *accounts.State) error {
		for _, t := range s.Trash(a.now()) {
			out = append(out, TrashView{ID: t.ID, Label: t.Label, DeletedMs: float64(t.DeletedMs)})
		}
		return nil
	})
	return out, err
}

// Purge deletes a trashed account for good (with sync on, from every
// browser's trash).
func (a *App) Purge(id string) error {
	return a.mutate(func(s *accounts.State) (*accounts.State, error) { return s.Purge(id) })
}

// Restore takes an account out of the trash and puts it at the end of the
// list (with sync on, as a new version that every browser takes).
func (a *App) Restore(id string) (AccountView, error) {
	var out AccountView
	err := a.mutate(func(s *accounts.State) (*accounts.State, error) {
		n, err := s.Restore(id, a.now())
		if err == nil {
			acct, _ := n.Find(id)
			out = viewOf(acct.View())
		}
		return n, err
	})
	return out, err
}

// Reorder sets the display order; ids must list every account once.
func (a *App) Reorder(ids []string) error {
	return a.mutate(func(s *accounts.State) (*accounts.State, error) { return s.Reorder(ids) })
}

// HOTPCode is the result of the "next code" action.
type HOTPCode struct {
	ID      string  `js:"id"`
	Code    string  `js:"code"`
	Counter float64 `js:"counter"` // the counter the code was made for
}

// NextHOTP returns an HOTP account's next code; the counter moves on and is
// saved before the code is returned, so no code is ever shown twice.
func (a *App) NextHOTP(id string) (HOTPCode, error) {
	var out HOTPCode
	err := a.mutate(func(s *accounts.State) (*accounts.State, error) {
		acct, ok := s.Find(id)
		if !ok {
			return nil, accounts.ErrNotFound
		}
		counter := acct.Key.Counter
		n, code, err := s.NextHOTP(id)
		out = HOTPCode{ID: id, Code: code, Counter: float64(counter)}
		return n, err
	})
	if err != nil {
		return HOTPCode{}, err
	}
	return out, nil
}

// CodeView is one account's codes at one instant.
type CodeView struct {
	ID          string  `js:"id"`
	Type        string  `js:"type"`
	Current     string  `js:"current"`
	Next        string  `js:"next"`
	RemainingMs float64 `js:"remainingMs"`
	Period      int     `js:"period"`
	Counter     float64 `js:"counter"`
}

// Codes returns every account's current and next code at nowMs (Unix
// milliseconds, device clock), corrected by the clock offset.
func (a *App) Codes(nowMs float64) ([]CodeView, error) {
	if math.IsNaN(nowMs) || math.IsInf(nowMs, 0) || nowMs < 0 {
		return nil, errArgument("codes: nowMs must be a time in Unix milliseconds")
	}
	now := time.UnixMilli(int64(nowMs))
	var out []CodeView
	err := a.read(func(s *accounts.State) error {
		codes, err := s.Codes(now)
		if err != nil {
			return err
		}
		out = make([]CodeView, len(codes))
		for i, c := range codes {
			out[i] = CodeView{ID: c.ID, Type: string(c.Type), Current: c.Current, Next: c.Next,
				RemainingMs: float64(c.Remaining.Milliseconds()), Period: c.Period, Counter: float64(c.Counter)}
		}
		return nil
	})
	return out, err
}

// SetClockOffset stores the correction (milliseconds added to the device
// clock) used for codes; 0 turns it off.
func (a *App) SetClockOffset(ms float64) error {
	if math.IsNaN(ms) || math.IsInf(ms, 0) {
		return errArgument("setClockOffset: the offset must be a number of milliseconds")
	}
	return a.mutate(func(s *accounts.State) (*accounts.State, error) {
		return s.WithClockOffset(time.Duration(ms) * time.Millisecond)
	})
}

// Problem is one entry an import skipped.
type Problem struct {
	Line       int    `js:"line"` // 1-based line of a text import, 0 otherwise
	Label      string `js:"label"`
	Code       string `js:"code"`
	Message    string `js:"message"`
	ExistingID string `js:"existingId,omitempty"` // for code "duplicate"
}

// BatchView is the progress of a Google Authenticator export.
type BatchView struct {
	BatchID  int32  `js:"batchId"`
	Size     int    `js:"size"`
	Index    int    `js:"index"`
	Received []int  `js:"received"`
	Missing  []int  `js:"missing"`
	Complete bool   `js:"complete"`
	Message  string `js:"message"`
}

// ConflictView is an account held back because another one has its name
// with another key: ask, then Resolve(ID, choice).
type ConflictView struct {
	ID            string `js:"id"`
	Line          int    `js:"line"`
	Label         string `js:"label"`
	ExistingID    string `js:"existingId"`
	ExistingLabel string `js:"existingLabel"`
}

func conflictOf(c accounts.Conflict) ConflictView {
	return ConflictView{ID: c.Account.ID, Line: c.Line, Label: c.Account.View().Label(),
		ExistingID: c.Existing.ID, ExistingLabel: c.Existing.Label}
}

// ImportResult says what an import did.
type ImportResult struct {
	Added     []AccountView  `js:"added"`
	Problems  []Problem      `js:"problems"`
	Conflicts []ConflictView `js:"conflicts"`
	Batches   []BatchView    `js:"batches"`
}

func importResultOf(r accounts.ImportResult, progress []accounts.BatchProgress) ImportResult {
	out := ImportResult{Added: viewsOf(r.Added), Problems: []Problem{}, Conflicts: []ConflictView{}, Batches: []BatchView{}}
	for _, c := range r.Conflicts {
		out.Conflicts = append(out.Conflicts, conflictOf(c))
	}
	for _, p := range r.Problems {
		e := toAPIError(p.Err)
		prob := Problem{Line: p.Line, Label: p.Label, Code: e.Code, Message: p.Error()}
		if id, ok := e.Details["existingId"].(string); ok {
			prob.ExistingID = id
		}
		out.Problems = append(out.Problems, prob)
	}
	for _, b := range progress {
		out.Batches = append(out.Batches, BatchView{BatchID: b.ID, Size: b.Size, Index: b.Index, Received: b.Received,
			Missing: b.Missing, Complete: b.Complete(), Message: b.Message()})
	}
	return out
}

// importEntries adds entries in one save; problems found while parsing come
// first in the result.
func (a *App) importEntries(entries []accounts.Entry, parseProblems []accounts.LineError, progress []accounts.BatchProgress) (ImportResult, error) {
	var res accounts.ImportResult
	err := a.mutate(func(s *accounts.State) (*accounts.State, error) {
		n, r, err := s.Import(entries, a.rand, a.now())
		res = r
		return n, err
	})
	if err != nil {
		return ImportResult{}, err
	}
	if len(res.Conflicts) > 0 {
		a.opMu.Lock()
		a.hold(res.Conflicts)
		a.opMu.Unlock()
	}
	res.Problems = append(parseProblems, res.Problems...)
	return importResultOf(res, progress), nil
}

// ImportURIs imports a text of otpauth:// (and otpauth-migration://) URIs,
// one per line. Good lines are imported; bad ones are reported by number.
func (a *App) ImportURIs(text string) (ImportResult, error) {
	if err := a.read(func(*accounts.State) error { return nil }); err != nil {
		return ImportResult{}, err
	}
	a.opMu.Lock()
	entries, problems, progress, err := accounts.ParseList(text, &a.batches)
	a.opMu.Unlock()
	if err != nil {
		return ImportResult{}, err
	}
	return a.importEntries(entries, problems, progress)
}

// ImportGA imports one part of a Google Authenticator export given as its
// otpauth-migration:// URI, and says which parts are still missing.
func (a *App) ImportGA(uri string) (ImportResult, error) {
	if err := a.read(func(*accounts.State) error { return nil }); err != nil {
		return ImportResult{}, err
	}
	p, err := migration.Decode(uri)
	if err != nil {
		return ImportResult{}, err
	}
	a.opMu.Lock()
	progress, err := a.batches.Record(p)
	a.opMu.Unlock()
	if err != nil {
		return ImportResult{}, err
	}
	entries := make([]accounts.Entry, len(p.Accounts))
	for i, k := range p.Accounts {
		entries[i] = accounts.Entry{Key: k}
	}
	return a.importEntries(entries, nil, []accounts.BatchProgress{progress})
}

// QRResult is what a scanned QR code did: an otpauth key added (Account), or
// an export part imported (Import).
type QRResult struct {
	Kind    string        `js:"kind"` // "otpauth" or "otpauth-migration"
	Account *AccountView  `js:"account,omitempty"`
	Import  *ImportResult `js:"import,omitempty"`
	Pairing string        `js:"pairing,omitempty"` // kind "twofold-pair": a sync pairing code, for sync.join
}

// DecodeQR reads the QR code in an RGBA frame, through the transfer module
// (which holds the decoder), and imports what it holds.
// A frame without a code is ErrNotFound; a code that is not an authenticator
// key (a web address, Wi-Fi settings) is ErrNotAuthenticator and nothing of
// its text is returned.
func (a *App) DecodeQR(rgba []byte, width, height int) (QRResult, error) {
	if err := a.read(func(*accounts.State) error { return nil }); err != nil {
		return QRResult{}, err
	}
	if !qrtext.Frame(rgba, width, height) {
		return QRResult{}, qrtext.ErrFrame
	}
	if a.transfer == nil {
		return QRResult{}, errModuleUnavailable
	}
	b, err := a.transfer.DecodeQR(rgba, width, height)
	if err != nil {
		return QRResult{}, err
	}
	text := string(b)
	clear(b)
	if isPairingCode(text) { // sync.go: the page joins with it
		return QRResult{Kind: KindPairing, Pairing: text}, nil
	}
	switch qrtext.Classify(text) {
	case qrtext.KindOTPAuth:
		v, err := a.AddURI(text)
		if err != nil {
			return QRResult{}, err
		}
		return QRResult{Kind: string(qrtext.KindOTPAuth), Account: &v}, nil
	case qrtext.KindMigration:
		r, err := a.ImportGA(text)
		if err != nil {
			return QRResult{}, err
		}
		return QRResult{Kind: string(qrtext.KindMigration), Import: &r}, nil
	}
	return QRResult{}, qrtext.ErrNotAuthenticator
}

// ExportURIs returns every account as an otpauth URI, one per line: the one
// call that hands secrets to the page in plaintext, for the explicit export.
func (a *App) ExportURIs() (string, error) {
	var out string
	err := a.read(func(s *accounts.State) error { out = s.ExportURIs(); return nil })
	return out, err
}

// ExportBackup returns an encrypted backup file of every account under its
// own passphrase.
func (a *App) ExportBackup(passphrase string) ([]byte, error) {
	if err := checkNewPassphrase(passphrase); err != nil {
		return nil, err
	}
	var plain []byte
	// Without the sync state: its keys are this browser's (sync.go).
	if err := a.read(func(s *accounts.State) error { plain = s.WithSync(nil).Marshal(); return nil }); err != nil {
		return nil, err
	}
	defer clear(plain)
	return vault.SealBackup([]byte(passphrase), plain, a.vcfg)
}

// ImportBackup merges the accounts of a backup file into the vault,
// skipping keys in the list already and holding back (conflicts) accounts
// named like one in the list with another key.
func (a *App) ImportBackup(blob []byte, passphrase string) (ImportResult, error) {
	if err := a.read(func(*accounts.State) error { return nil }); err != nil {
		return ImportResult{}, err
	}
	plain, err := vault.OpenBackup(blob, []byte(passphrase))
	if err != nil {
		return ImportResult{}, err
	}
	defer clear(plain)
	backup, err := accounts.Unmarshal(plain)
	if err != nil {
		return ImportResult{}, err
	}
	res, err := a.importEntries(backup.Entries(), nil, nil)
	if err != nil {
		backup.Wipe()
	}
	return res, err
}

// errArgument is for a call whose arguments are of the right types but out
// of range; the bridge checks types before calling.
func errArgument(msg string) error { return &APIError{Code: CodeBadArgument, Message: msg} }
