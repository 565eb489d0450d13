package main

import (
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twofold-auth/twofold/shared/errcode"
	"github.com/twofold-auth/twofold/wasm/accounts"
	"github.com/twofold-auth/twofold/wasm/syncclient"
	"github.com/twofold-auth/twofold/wasm/transferwire"
)

// Vault sync between browsers (docs/vault-format.md, "Sync between
// browsers"): the App keeps the sync state in the vault beside the
// accounts, records every saved edit as a pending change, and runs
// wasm/syncclient under its write lock. The long-poll alone runs without
// it, so edits never wait for the network.

// SyncConfig is what sync needs from the browser: fetch (with the page's
// cookies), Ed25519 and the server's origin (the page's own).
type SyncConfig struct {
	Transport syncclient.Transport
	Keys      syncclient.Keys
	DH        syncclient.X25519
	Origin    string
}

// Error codes of sync (the server's own codes, such as
// sync_device_removed, reach the page as the server sent them).
const (
	CodeSyncOff         = "sync_off"
	CodeSyncOn          = "sync_on"
	CodeSyncServer      = "sync_server"
	CodeSyncDecrypt     = "sync_decrypt"
	CodeSyncContents    = "sync_contents"
	CodeSyncRecoveryKey = "sync_recovery_key"
	CodeSyncRollback    = "sync_rollback"
	CodeSyncReplayed    = "sync_replayed"
	CodeSyncGap         = "sync_gap"
	CodeSyncTooLarge    = "sync_too_large"
	CodeSyncUnknown     = "sync_unknown_device"
	CodeSyncPairingCode = "sync_pairing_code"
	CodeSyncPairingMAC  = "sync_pairing_mac"
	CodeSyncNoPairing   = "sync_no_pairing"
	CodeSyncRemoveList  = "sync_remove_list"
	CodeSyncRotateOwed  = "sync_rotate_owed"
)

var (
	errSyncOn        = errcode.New(CodeSyncOn, "sync is already on in this vault")
	errSyncNoPairing = errcode.New(CodeSyncNoPairing, "no pairing is waiting: show or scan a pairing code again")
)

// syncSession is what sync keeps in memory: the pairing this browser
// shows, or the one it joined.
type syncSession struct {
	pushing atomic.Int32 // 0 idle, 1 a push runs, 2 it runs and another edit came
	mu      sync.Mutex
	pairing *syncclient.Pairing
	join    *syncclient.Join
	joiner  *syncclient.Joiner
}

// syncForget drops the pairing shown or joined (its secret, the joining
// keys); Lock calls it.
func (a *App) syncForget() {
	a.syncS.mu.Lock()
	defer a.syncS.mu.Unlock()
	if p := a.syncS.pairing; p != nil {
		clear(p.Secret)
	}
	a.syncS.pairing, a.syncS.join, a.syncS.joiner = nil, nil, nil
}

func (a *App) syncClient() (*syncclient.Client, error) {
	if a.syncCfg.Transport == nil || a.syncCfg.Keys == nil || a.syncCfg.DH == nil {
		return nil, errcode.New(CodeSyncServer, "sync is not available in this browser")
	}
	return &syncclient.Client{T: a.syncCfg.Transport, Keys: a.syncCfg.Keys, DH: a.syncCfg.DH, Rand: a.rand, Now: a.now}, nil
}

// replicaOf is the vault's sync state; nil when sync is off.
func replicaOf(s *accounts.State) (*syncclient.Replica, error) {
	if len(s.Sync()) == 0 {
		return nil, nil
	}
	return syncclient.UnmarshalReplica(s.Sync())
}

// recordSync adds an edit (state to next) to the pending changes; with
// sync off it returns next as it is.
func (a *App) recordSync(state, next *accounts.State) (*accounts.State, error) {
	r, err := replicaOf(state)
	if err != nil || r == nil {
		return next, err
	}
	defer r.Wipe()
	r.Record(state, next, a.now())
	return next.WithSync(r.Marshal()), nil
}

// syncWork runs work on the replica and the state under the write lock,
// saves what it returns (the replica even when work failed halfway: its
// counters moved) and publishes it. conflicts are passed through.
func (a *App) syncWork(work func(c *syncclient.Client, r *syncclient.Replica, s *accounts.State) (*syncclient.Replica, *accounts.State, error)) error {
	c, err := a.syncClient()
	if err != nil {
		return err
	}
	a.opMu.Lock()
	defer a.opMu.Unlock()
	v, state, err := a.session()
	if err != nil {
		return err
	}
	r, err := replicaOf(state)
	if err != nil {
		return err
	}
	r, next, werr := work(c, r, state)
	if next == nil {
		next = state
	}
	switch {
	case r != nil:
		defer r.Wipe()
		next = next.WithSync(r.Marshal())
	case next == state:
		return werr
	}
	if err := a.commit(v, next); err != nil {
		return err
	}
	return werr
}

// SyncStatusView is sync as the page shows it.
type SyncStatusView struct {
	On         bool    `js:"on"`
	Server     string  `js:"server"`
	Identity   string  `js:"identity"`
	Device     string  `js:"device"`
	Name       string  `js:"name"`
	LastSyncMs float64 `js:"lastSyncMs"`
	Pending    int     `js:"pending"`
	// Conflicts are the reports kept until dismissed, from any round of
	// any tab.
	Conflicts []ConflictReport `js:"conflicts"`
}

// SyncStatus says whether sync is on and where it stands.
func (a *App) SyncStatus() (SyncStatusView, error) {
	var out SyncStatusView
	err := a.read(func(s *accounts.State) error {
		r, err := replicaOf(s)
		if err != nil || r == nil {
			return err
		}
		out = SyncStatusView{On: true, Server: r.Server, Identity: r.Identity, Device: r.Device, Name: r.Meta,
			LastSyncMs: float64(r.LastSyncMs), Pending: len(r.Pending.Accounts),
			Conflicts: conflictReports(r.Conflicts)}
		r.Wipe()
		return nil
	})
	return out, err
}

// SyncEnabled is what turning sync on gives the page, once: the recovery
// key and the identity id to print beside it.
type SyncEnabled struct {
	RecoveryKey string `js:"recoveryKey"`
	Identity    string `js:"identity"`
	Server      string `js:"server"`
}

// SyncEnable creates a sync identity for this vault on the page's server
// (the person must be signed in there) and uploads the accounts.
func (a *App) SyncEnable(name string) (SyncEnabled, error) {
	var out SyncEnabled
	err := a.syncWork(func(c *syncclient.Client, r *syncclient.Replica, s *accounts.State) (*syncclient.Replica, *accounts.State, error) {
		if r != nil {
			return nil, nil, errSyncOn
		}
		r, rk, err := c.Create(a.syncCfg.Origin, name, s)
		if err != nil {
			return nil, nil, err
		}
		out = SyncEnabled{RecoveryKey: rk.String(), Identity: r.Identity, Server: r.Server}
		next, _, err := c.Sync(r, s, 0)
		return r, next, err
	})
	return out, err
}

// ConflictReport is an account edited on two browsers.
type ConflictReport struct {
	ID    string  `js:"id"`
	Label string  `js:"label"`
	AtMs  float64 `js:"atMs"` // when this browser found it
}

func conflictReports(cs []syncclient.Conflict) []ConflictReport {
	out := []ConflictReport{}
	for _, c := range cs {
		out = append(out, ConflictReport{ID: c.ID, Label: c.Label, AtMs: float64(c.AtMs)})
	}
	return out
}

// SyncDismissConflicts forgets the conflict reports (the person read
// them).
func (a *App) SyncDismissConflicts() error {
	return a.syncWork(func(c *syncclient.Client, r *syncclient.Replica, s *accounts.State) (*syncclient.Replica, *accounts.State, error) {
		if r == nil {
			return nil, nil, syncclient.ErrNotEnabled
		}
		r.Conflicts = nil
		return r, nil, nil
	})
}

// SyncResult is what a round of sync did.
type SyncResult struct {
	Changed   bool             `js:"changed"`
	Conflicts []ConflictReport `js:"conflicts"`
}

// SyncNow sends the pending changes and merges the new ones. With waitS
// > 0 it first waits (without the write lock) up to waitS seconds for a
// change on the server.
func (a *App) SyncNow(waitS int) (SyncResult, error) {
	out := SyncResult{Conflicts: []ConflictReport{}}
	if waitS > 0 {
		if err := a.syncWait(time.Duration(waitS) * time.Second); err != nil {
			return out, err
		}
	}
	err := a.syncWork(func(c *syncclient.Client, r *syncclient.Replica, s *accounts.State) (*syncclient.Replica, *accounts.State, error) {
		if r == nil {
			return nil, nil, syncclient.ErrNotEnabled
		}
		next, conflicts, err := c.Sync(r, s, 0)
		out.Changed = next != s
		out.Conflicts = conflictReports(conflicts)
		return r, next, err
	})
	return out, err
}

// syncWait waits for a change after the newest merged one.
func (a *App) syncWait(wait time.Duration) error {
	c, err := a.syncClient()
	if err != nil {
		return err
	}
	var r *syncclient.Replica
	if err := a.read(func(s *accounts.State) (err error) { r, err = replicaOf(s); return err }); err != nil {
		return err
	}
	if r == nil {
		return syncclient.ErrNotEnabled
	}
	defer r.Wipe()
	return c.Wait(r, wait)
}

// DeviceView is a browser of the identity.
type DeviceView struct {
	ID         string `js:"id"`
	Name       string `js:"name"`
	AddedAt    string `js:"addedAt"`
	LastSeenAt string `js:"lastSeenAt"`
	This       bool   `js:"this"`
	Known      bool   `js:"known"`
}

// SyncDevicesView is the device list, whether the key is due a
// rotation, and the identity's epoch (one more at each rotation).
type SyncDevicesView struct {
	Devices     []DeviceView `js:"devices"`
	RotationDue bool         `js:"rotationDue"`
	Epoch       int          `js:"epoch"`
}

// SyncDevices lists the browsers of the identity with their last sync.
func (a *App) SyncDevices() (SyncDevicesView, error) {
	out := SyncDevicesView{Devices: []DeviceView{}}
	err := a.syncWork(func(c *syncclient.Client, r *syncclient.Replica, s *accounts.State) (*syncclient.Replica, *accounts.State, error) {
		if r == nil {
			return nil, nil, syncclient.ErrNotEnabled
		}
		st, err := c.State(r)
		if err != nil {
			return nil, nil, err
		}
		out.RotationDue, out.Epoch = st.RotationDue, int(st.Epoch)
		for _, d := range st.Devices {
			out.Devices = append(out.Devices, DeviceView{ID: d.ID, Name: d.Name, AddedAt: d.AddedAt, LastSeenAt: d.LastSeenAt, This: d.This, Known: d.Known})
		}
		return nil, nil, nil
	})
	return out, err
}

// SyncRemove removes browsers and changes the key once (removing this
// one too turns sync off here, after the others). The replica is saved
// even when a removal failed halfway: the rotation it owes is then made
// by the next push.
func (a *App) SyncRemove(devices []string) error {
	return a.syncWork(func(c *syncclient.Client, r *syncclient.Replica, s *accounts.State) (*syncclient.Replica, *accounts.State, error) {
		if r == nil {
			return nil, nil, syncclient.ErrNotEnabled
		}
		next, err := c.Remove(r, s, devices...)
		if err == nil && slices.Contains(devices, r.Device) {
			r.Wipe()
			return nil, s.WithSync(nil), nil
		}
		return r, next, err
	})
}

// PairingView is the pairing code this browser shows: the text of its QR
// code and the code's modules (Size × Size, row by row, 1 dark).
type PairingView struct {
	URI     string `js:"uri"`
	Size    int    `js:"size"`
	Modules []byte `js:"modules"`
	Expires string `js:"expiresAt"`
}

// SyncPairingOpen opens a pairing slot and returns its QR code.
func (a *App) SyncPairingOpen() (PairingView, error) {
	var out PairingView
	err := a.syncWork(func(c *syncclient.Client, r *syncclient.Replica, s *accounts.State) (*syncclient.Replica, *accounts.State, error) {
		if r == nil {
			return nil, nil, syncclient.ErrNotEnabled
		}
		p, err := c.OpenPairing(r)
		if err != nil {
			return r, nil, err
		}
		size, modules, err := a.qrModules(p.URI)
		if err != nil {
			return r, nil, err
		}
		a.syncS.mu.Lock()
		a.syncS.pairing, a.syncS.join = p, nil
		a.syncS.mu.Unlock()
		out = PairingView{URI: p.URI, Size: size, Modules: modules, Expires: p.Expires}
		return r, nil, nil
	})
	return out, err
}

// qrModules encodes text as a QR code's modules, through the transfer
// module, which holds the QR encoder (the first load does not).
func (a *App) qrModules(text string) (int, []byte, error) {
	if a.transfer == nil {
		return 0, nil, errModuleUnavailable
	}
	b, err := a.transfer.EncodeQR(text)
	if err != nil {
		return 0, nil, err
	}
	w, err := transferwire.DecodeWritten(b)
	if err != nil {
		return 0, nil, err
	}
	defer w.Wipe()
	if len(w.Codes) != 1 {
		return 0, nil, errModuleUnavailable
	}
	c := w.Codes[0]
	return c.Size, append([]byte(nil), c.Modules...), nil
}

// JoinView is a join as the showing browser sees it: nothing yet, or the
// confirmation number and the joining browser's name.
type JoinView struct {
	Joined  bool   `js:"joined"`
	Confirm string `js:"confirm"`
	Name    string `js:"name"`
}

// SyncPairingPoll reads the open pairing.
func (a *App) SyncPairingPoll() (JoinView, error) {
	a.syncS.mu.Lock()
	p := a.syncS.pairing
	a.syncS.mu.Unlock()
	if p == nil {
		return JoinView{}, errSyncNoPairing
	}
	c, err := a.syncClient()
	if err != nil {
		return JoinView{}, err
	}
	var r *syncclient.Replica
	if err := a.read(func(s *accounts.State) (err error) { r, err = replicaOf(s); return err }); err != nil || r == nil {
		return JoinView{}, firstNonNil(err, syncclient.ErrNotEnabled)
	}
	defer r.Wipe()
	j, err := c.PollPairing(r, p)
	if err != nil || j == nil {
		return JoinView{}, err
	}
	a.syncS.mu.Lock()
	a.syncS.join = j
	a.syncS.mu.Unlock()
	return JoinView{Joined: true, Confirm: j.Confirm, Name: j.Name}, nil
}

func firstNonNil(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// SyncPairingApprove adds the browser that joined (after the person
// compared the numbers).
func (a *App) SyncPairingApprove() error {
	a.syncS.mu.Lock()
	p, j := a.syncS.pairing, a.syncS.join
	a.syncS.mu.Unlock()
	if p == nil || j == nil {
		return errSyncNoPairing
	}
	err := a.syncWork(func(c *syncclient.Client, r *syncclient.Replica, s *accounts.State) (*syncclient.Replica, *accounts.State, error) {
		if r == nil {
			return nil, nil, syncclient.ErrNotEnabled
		}
		next, err := c.Approve(r, s, p, j)
		return r, next, err
	})
	if err == nil {
		a.syncS.mu.Lock()
		a.syncS.pairing, a.syncS.join = nil, nil
		a.syncS.mu.Unlock()
	}
	return err
}

// SyncJoin answers a pairing code (the text of its QR code) and returns
// the confirmation number to compare with the other screen.
func (a *App) SyncJoin(uri, name string) (string, error) {
	if err := a.read(func(s *accounts.State) error {
		if len(s.Sync()) > 0 {
			return errSyncOn
		}
		return nil
	}); err != nil {
		return "", err
	}
	c, err := a.syncClient()
	if err != nil {
		return "", err
	}
	j, err := c.Join(uri, name)
	if err != nil {
		return "", err
	}
	a.syncS.mu.Lock()
	a.syncS.joiner = j
	a.syncS.mu.Unlock()
	return j.Confirm, nil
}

// SyncJoined asks whether the other browser approved; once it did, sync
// is on here and the vault is filled.
func (a *App) SyncJoined() (bool, error) {
	a.syncS.mu.Lock()
	j := a.syncS.joiner
	a.syncS.mu.Unlock()
	if j == nil {
		return false, errSyncNoPairing
	}
	joined := false
	err := a.syncWork(func(c *syncclient.Client, r *syncclient.Replica, s *accounts.State) (*syncclient.Replica, *accounts.State, error) {
		if r != nil {
			return nil, nil, errSyncOn
		}
		r, err := c.Joined(j, s)
		if err != nil || r == nil {
			return nil, nil, err
		}
		joined = true
		next, _, err := c.Sync(r, s, 0)
		return r, next, err
	})
	if joined {
		a.syncS.mu.Lock()
		a.syncS.joiner = nil
		a.syncS.mu.Unlock()
	}
	return joined, err
}

// SyncRecover joins the identity with the recovery key on a browser that
// has none of the others, and fills the vault.
func (a *App) SyncRecover(identity, recoveryKey, name string) error {
	rk, err := syncclient.ParseRecoveryKey(recoveryKey)
	if err != nil {
		return err
	}
	return a.syncWork(func(c *syncclient.Client, r *syncclient.Replica, s *accounts.State) (*syncclient.Replica, *accounts.State, error) {
		if r != nil {
			return nil, nil, errSyncOn
		}
		r, err := c.Recover(a.syncCfg.Origin, identity, rk, name, s)
		if err != nil {
			return nil, nil, err
		}
		next, _, err := c.Sync(r, s, 0)
		return r, next, err
	})
}

// KindPairing is DecodeQR's kind for a sync pairing code.
const KindPairing = "twofold-pair"

func isPairingCode(text string) bool {
	_, _, _, _, err := syncclient.ParsePairingURI(text)
	return err == nil
}

// errSyncUnreachable is a request that did not reach the sync server.
var errSyncUnreachable = errcode.New(CodeSyncServer, "the sync server could not be reached: check the connection; changes made here are kept and sent later")

// syncPushSoon sends an edit just saved (state holds it) to the server in
// the background, so the other browsers see it within a second rather
// than at this page's next round; edits made meanwhile go with the next
// push. Errors wait for the page's next round (SyncNow), which reports
// them.
func (a *App) syncPushSoon(state *accounts.State) {
	if len(state.Sync()) == 0 || a.syncCfg.Transport == nil {
		return
	}
	if a.syncS.pushing.Add(1) > 1 {
		a.syncS.pushing.Store(2)
		return
	}
	go func() {
		for {
			for wait := time.Second; ; wait *= 2 {
				err := a.syncWork(func(c *syncclient.Client, r *syncclient.Replica, s *accounts.State) (*syncclient.Replica, *accounts.State, error) {
					if r == nil {
						return nil, nil, nil
					}
					next, err := c.Push(r, s)
					return r, next, err
				})
				// Over the identity's 60 uploads a minute, or offline: try
				// again a few times, then leave it to the page's round.
				if err == nil || wait > 16*time.Second || !(syncclient.IsCode(err, "sync_rate_limited") || errors.Is(err, errSyncUnreachable)) {
					break
				}
				time.Sleep(wait)
			}
			if a.syncS.pushing.CompareAndSwap(1, 0) {
				return
			}
			a.syncS.pushing.Store(1)
		}
	}()
}
