package syncclient

import (
	"bytes"
	"crypto/hmac"
	"encoding/base64"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/twofold-auth/twofold/shared/errcode"
	"github.com/twofold-auth/twofold/shared/syncproto"
	"github.com/twofold-auth/twofold/wasm/accounts"
	"github.com/twofold-auth/twofold/wasm/pushclient"
)

// Transport sends one HTTP request to url and returns the answer's status
// and body. The bridge's sends with fetch (cookies included: creating an
// identity needs the person's session); tests use net/http.
type Transport interface {
	Do(method, url string, header map[string]string, body []byte) (status int, resp []byte, err error)
}

// Keys is Ed25519 for the device and recovery signing keys: WebCrypto in
// the wasm, crypto/ed25519 on the host (HostKeys).
type Keys interface {
	pushclient.Keys
	// Public is the public key of seed.
	Public(seed []byte) ([]byte, error)
}

// Client speaks the sync protocol for one browser. Its methods change the
// Replica they are given; the caller saves it in the vault after each.
type Client struct {
	T    Transport
	Keys Keys
	DH   X25519
	Rand io.Reader
	Now  func() time.Time
}

// ServerError is a refusal from the server: its status and error code.
type ServerError struct {
	Status  int
	Code    string
	Message string
}

func (e *ServerError) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return "the sync server answered " + strconv.Itoa(e.Status)
}

// ErrorCode is the server's code, so the page can branch on it.
func (e *ServerError) ErrorCode() string {
	if e.Code == "" {
		return "sync_server"
	}
	return e.Code
}

// IsCode reports whether err is the server's refusal with code.
func IsCode(err error, code string) bool {
	se, ok := err.(*ServerError)
	return ok && se.Code == code
}

// Errors a reader finds in what the server sent.
var (
	ErrRollback = errcode.New("sync_rollback", "the sync server sent an older state than this browser has seen: nothing was merged")
	ErrReplay   = errcode.New("sync_replayed", "the sync server sent a change again or out of order: nothing more was merged")
	ErrTooLarge = errcode.New("sync_too_large", "this vault is too large to sync: the server takes at most 1 MiB of it (about 6,000 accounts, the trash included); delete accounts you no longer use")
	ErrGap      = errcode.New("sync_gap", "the sync server is missing changes this browser needs and has no snapshot that covers them")
	// ErrUnknownDevice is a device the server lists whose wrap key this
	// vault never got from a browser of the identity: no key is wrapped
	// to it.
	ErrUnknownDevice = errcode.New("sync_unknown_device", "the sync server lists a browser this vault does not know: the key was not rotated. Remove that browser, or pair it again")
	ErrNotEnabled    = errcode.New("sync_off", "sync is not turned on in this vault")
	ErrPairingCode   = errcode.New("sync_pairing_code", "this is not a Twofold pairing code")
	ErrPairingMAC    = errcode.New("sync_pairing_mac", "the browser that answered this pairing code did not read it from this screen: do not approve it")
	// ErrRemoveList is a removal that does not name each browser once
	// (none, an empty or malformed id, the same id twice): nothing is
	// sent.
	ErrRemoveList = errcode.New("sync_remove_list", "choose each browser to remove once: nothing was removed")
	// ErrRotateOwed guards the upload paths: a browser was removed and the
	// key not yet changed, so nothing is sealed under it (Push rotates
	// first).
	ErrRotateOwed = errcode.New("sync_rotate_owed", "a removed browser still holds the sync key: sync again to change it before anything is sent")
)

var b64 = base64.RawURLEncoding

func (c *Client) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

// call sends a request to server as signer (nil: unsigned) and parses the
// JSON answer.
func (c *Client) call(server, method, target string, body rawJSON, device string, signer pushclient.Signer) (jv, error) {
	var data []byte
	if body != "" {
		data = []byte(body)
	}
	h := map[string]string{}
	if data != nil {
		h["Content-Type"] = "application/json"
	}
	target = "/api/v1" + target
	if signer != nil {
		unix := syncproto.FormatTime(c.now())
		sig, err := signer.Sign(syncproto.RequestMessage(method, target, unix, data))
		if err != nil {
			return jv{}, err
		}
		h[syncproto.HeaderDevice] = device
		h[syncproto.HeaderTime] = unix
		h[syncproto.HeaderSignature] = b64.EncodeToString(sig)
	}
	status, resp, err := c.T.Do(method, server+target, h, data)
	if err != nil {
		return jv{}, err
	}
	var v any
	if len(bytes.TrimSpace(resp)) > 0 {
		v, err = parseJSON(resp)
		if err != nil && status < 300 {
			return jv{}, err
		}
	}
	if status >= 300 {
		e := jv{v}.get("error")
		return jv{}, &ServerError{Status: status, Code: e.get("code").str(), Message: e.get("message").str()}
	}
	return jv{v}, nil
}

// device signs as r's device.
func (c *Client) device(r *Replica, method, target string, body rawJSON) (jv, error) {
	if r == nil || r.Identity == "" {
		return jv{}, ErrNotEnabled
	}
	s, err := c.Keys.Load(r.SignSeed)
	if err != nil {
		return jv{}, err
	}
	return c.call(r.Server, method, target, body, r.Device, s)
}

func (r *Replica) path(rest string) string { return "/sync/" + r.Identity + rest }

// nextCounter is the counter of r's next request that changes something.
func (r *Replica) nextCounter() uint64 { r.Counter++; return r.Counter }

// withCounter sends a request that carries a counter, made by body from
// it. A counter the server refuses as used (this browser sent it, then
// lost the vault write that recorded it) is skipped past once.
func (c *Client) withCounter(r *Replica, method, target string, body func(counter uint64) (rawJSON, error)) (jv, error) {
	for attempt := 0; ; attempt++ {
		b, err := body(r.nextCounter())
		if err != nil {
			return jv{}, err
		}
		v, err := c.device(r, method, target, b)
		if IsCode(err, "sync_replay") && attempt == 0 {
			r.Counter += 1 << 16
			continue
		}
		return v, err
	}
}

// keyPair makes a browser's signing and wrap keys.
func (c *Client) keyPair() (signSeed, signPub, wrapPriv, wrapPub []byte, err error) {
	if signSeed, signPub, err = c.Keys.Generate(c.Rand); err != nil {
		return
	}
	wrapPriv, wrapPub, err = c.DH.GenerateKey(c.Rand)
	return
}

func (c *Client) randomKey() ([]byte, error) {
	k := make([]byte, KeySize)
	_, err := io.ReadFull(c.Rand, k)
	return k, err
}

// Create makes a new identity on server with this browser as its first
// device and a new recovery key, which it returns (show it once). The
// person must be signed in at server (the transport sends the cookie).
// state's accounts become the identity's first change.
func (c *Client) Create(server, meta string, state *accounts.State) (*Replica, RecoveryKey, error) {
	signSeed, signPub, wrapPriv, wrapPub, err := c.keyPair()
	if err != nil {
		return nil, RecoveryKey{}, err
	}
	rk, err := NewRecoveryKey(c.Rand)
	if err != nil {
		return nil, RecoveryKey{}, err
	}
	recSeed, err := rk.SigningSeed()
	if err != nil {
		return nil, RecoveryKey{}, err
	}
	recSignPub, err := c.Keys.Public(recSeed)
	clear(recSeed)
	if err != nil {
		return nil, RecoveryKey{}, err
	}
	recWrapPriv, err := rk.WrapPrivate()
	if err != nil {
		return nil, RecoveryKey{}, err
	}
	recWrapPub, err := c.DH.PublicKey(recWrapPriv)
	clear(recWrapPriv)
	if err != nil {
		return nil, RecoveryKey{}, err
	}
	k, err := c.randomKey()
	if err != nil {
		return nil, RecoveryKey{}, err
	}
	identity := syncproto.IdentityID(signPub)
	device := syncproto.DeviceID(identity, signPub)
	envDevice, err := SealEnvelope(c.DH, c.Rand, k, wrapPub, identity, 1, device)
	if err != nil {
		return nil, RecoveryKey{}, err
	}
	envRecovery, err := SealEnvelope(c.DH, c.Rand, k, recWrapPub, identity, 1, syncproto.RecoveryRecipient)
	if err != nil {
		return nil, RecoveryKey{}, err
	}
	body := jsonObject("signing_key", b64.EncodeToString(signPub), "wrap_key", b64.EncodeToString(wrapPub),
		"meta", b64.EncodeToString([]byte(meta)), "recovery_signing_key", b64.EncodeToString(recSignPub),
		"recovery_wrap_key", b64.EncodeToString(recWrapPub),
		"envelopes", jsonObject("device", b64.EncodeToString(envDevice), "recovery", b64.EncodeToString(envRecovery)),
		"counter", uint64(1))
	signer, err := c.Keys.Load(signSeed)
	if err != nil {
		return nil, RecoveryKey{}, err
	}
	if _, err := c.call(server, "POST", "/sync/identities", body, syncproto.SignerNew, signer); err != nil {
		return nil, RecoveryKey{}, err
	}
	r := &Replica{Server: server, Identity: identity, Device: device, Meta: meta, SignSeed: signSeed, WrapPriv: wrapPriv,
		Epoch: 1, Key: k, Counter: 1, Authors: map[string]uint64{}, RecoveryWrap: recWrapPub, Versions: map[string]Version{}, Pos: map[string]string{}}
	r.begin(state, wrapPub, c.now(), true)
	return r, rk, nil
}

// begin records a browser's accounts and its trash as its first changes
// and its own wrap key in the vault's device list. A browser that joins
// an identity (not place) leaves its accounts without positions until it
// has merged the identity's: they go after those (placeNew).
func (r *Replica) begin(state *accounts.State, wrapPub []byte, now time.Time, place bool) {
	self := DeviceKey{ID: r.Device, WrapKey: wrapPub}
	r.addDevices([]DeviceKey{self})
	r.Pending.Devices = append(r.Pending.Devices, self)
	r.record(&accounts.State{}, state, now, place)
	for _, t := range state.Trash(now) {
		a := state.TrashedAccount(t.ID)
		v := r.next(now, Version{})
		r.Trash = append(r.Trash, AccountChange{ID: t.ID, UpdatedMs: v.Ms, Deleted: true, DeletedMs: t.DeletedMs, Author: v.Author})
		r.setPending(AccountChange{ID: t.ID, UpdatedMs: v.Ms, Deleted: true, DeletedMs: t.DeletedMs, Author: v.Author, Account: syncedBytes(a)})
	}
}

// maxChangePlain keeps a change's ciphertext under the server's limit
// (syncproto.MaxChange) with room for the AEAD's nonce and tag.
const maxChangePlain = syncproto.MaxChange - 256

// maxSnapshotPlain is the same for a snapshot.
const maxSnapshotPlain = syncproto.MaxSnapshot - 256

// Push uploads the changes made here, and returns state with what a
// rotation merged (state itself when nothing was). While a rotation is
// owed (RotateOwed: a removed browser holds the key) it rotates first, so
// nothing new is sealed under that key. On success the pending list is
// empty; the server's copy comes back in the next Pull, where merging it
// again changes nothing.
func (c *Client) Push(r *Replica, state *accounts.State) (*accounts.State, error) {
	if r == nil || r.Identity == "" {
		return state, ErrNotEnabled
	}
	if r.RotateOwed {
		next, err := c.Rotate(r, state)
		if err != nil {
			return next, err
		}
		state = next
	}
	return state, c.push(r)
}

// push uploads the pending changes under the current key, as many
// changes as it takes for each to stay under the server's size limit.
func (c *Client) push(r *Replica) error {
	for len(r.Pending.Accounts) > 0 || len(r.Pending.Devices) > 0 {
		part := Change{Devices: r.Pending.Devices}
		n, size := 0, len(part.Marshal())
		for n < len(r.Pending.Accounts) {
			one := (&Change{Accounts: r.Pending.Accounts[n : n+1]}).Marshal()
			if n > 0 && size+len(one) > maxChangePlain {
				break
			}
			size += len(one)
			clear(one)
			n++
		}
		if size > maxChangePlain {
			return ErrTooLarge
		}
		part.Accounts = r.Pending.Accounts[:n]
		plain := part.Marshal()
		err := c.upload(r, plain)
		clear(plain)
		if err != nil {
			return err
		}
		r.Pending.Accounts = append([]AccountChange(nil), r.Pending.Accounts[n:]...)
		r.Pending.Devices = nil
	}
	return nil
}

func (c *Client) upload(r *Replica, plain []byte) error {
	if r.RotateOwed {
		return ErrRotateOwed
	}
	for attempt := 0; ; attempt++ {
		_, err := c.withCounter(r, "POST", r.path("/changes"), func(counter uint64) (rawJSON, error) {
			ct, err := Seal(c.Rand, r.Key, plain, ChangeAD(r.Identity, r.Epoch, r.Device, counter))
			if err != nil {
				return "", err
			}
			return jsonObject("counter", counter, "epoch", r.Epoch, "ciphertext", b64.EncodeToString(ct)), nil
		})
		if IsCode(err, "sync_stale_epoch") && attempt == 0 {
			if err := c.refreshKey(r); err != nil {
				return err
			}
			continue
		}
		return err
	}
}

// refreshKey fetches this browser's envelope of the current epoch.
func (c *Client) refreshKey(r *Replica) error {
	v, err := c.device(r, "GET", r.path("/envelope"), "")
	if err != nil {
		return err
	}
	epoch := uint32(v.get("epoch").int())
	env, err := b64.DecodeString(v.get("envelope").str())
	if err != nil {
		return errJSON
	}
	if epoch < r.Epoch {
		return ErrRollback
	}
	k, err := OpenEnvelope(c.DH, env, r.WrapPriv, r.Identity, epoch, r.Device)
	if err != nil {
		return err
	}
	clear(r.Key)
	r.Key, r.Epoch = k, epoch
	return nil
}

// SnapshotEvery is how many changes a browser merges or sends before it
// uploads a snapshot.
const SnapshotEvery = 200

// Pull reads the changes after the last one merged, waiting up to wait
// for one, and merges them into state. It returns the new state (state
// itself when nothing changed) and the accounts edited on two browsers.
func (c *Client) Pull(r *Replica, state *accounts.State, wait time.Duration) (*accounts.State, []Conflict, error) {
	saved, err := UnmarshalReplica(r.Marshal())
	if err != nil {
		return state, nil, err
	}
	next, conflicts, err := c.pull(r, state, wait)
	if err != nil {
		// A lie found halfway merges nothing: the replica is put back.
		r.Wipe()
		*r = *saved
		return state, nil, err
	}
	saved.Wipe()
	return next, conflicts, nil
}

func (c *Client) pull(r *Replica, state *accounts.State, wait time.Duration) (*accounts.State, []Conflict, error) {
	var all []Conflict
	for {
		q := "?after=" + strconv.FormatUint(r.Seq, 10)
		if wait > 0 {
			q += "&wait=" + strconv.Itoa(int(wait/time.Second))
		}
		v, err := c.device(r, "GET", r.path("/changes"+q), "")
		if err != nil {
			return state, all, err
		}
		head := uint64(v.get("head_seq").int())
		if head < r.Seq {
			return state, all, ErrRollback
		}
		list := v.get("changes").list()
		for _, ch := range list {
			seq := uint64(ch.get("seq").int())
			if seq <= r.Seq {
				continue // covered by a snapshot merged meanwhile
			}
			epoch := uint32(ch.get("epoch").int())
			if seq != r.Seq+1 || epoch != r.Epoch {
				if epoch > r.Epoch && seq == r.Seq+1 {
					if err := c.refreshKey(r); err != nil {
						return state, all, err
					}
				}
				if seq != r.Seq+1 || epoch != r.Epoch {
					// Changes this browser cannot read in order: the
					// server dropped them (the snapshot covers them) or
					// they are of an epoch whose key it never had.
					var conflicts []Conflict
					state, conflicts, err = c.fromSnapshot(r, state, seq-1)
					all = append(all, conflicts...)
					if err != nil {
						return state, all, err
					}
					if seq <= r.Seq {
						continue
					}
					if seq != r.Seq+1 || epoch != r.Epoch {
						return state, all, ErrGap
					}
				}
			}
			author := ch.get("device_id").str()
			counter := uint64(ch.get("counter").int())
			if counter <= r.Authors[author] {
				return state, all, ErrReplay
			}
			ct, err := b64.DecodeString(ch.get("ciphertext").str())
			if err != nil {
				return state, all, errJSON
			}
			plain, err := Open(r.Key, ct, ChangeAD(r.Identity, epoch, author, counter))
			if err != nil {
				return state, all, err
			}
			change, err := UnmarshalChange(plain)
			clear(plain)
			if err != nil {
				return state, all, err
			}
			next, conflicts, err := r.Apply(state, change, author, c.now())
			change.Wipe()
			if err != nil {
				return state, all, err
			}
			state = next
			all = append(all, conflicts...)
			r.Authors[author] = counter
			r.Seq = seq
			r.SinceSnapshot++
		}
		r.LastSyncMs = c.now().UnixMilli()
		if len(list) == 0 || r.Seq >= head {
			return state, all, nil
		}
		wait = 0
	}
}

// fromSnapshot merges the identity's snapshot, which must cover at least
// need; r.Seq becomes its sequence number.
func (c *Client) fromSnapshot(r *Replica, state *accounts.State, need uint64) (*accounts.State, []Conflict, error) {
	v, err := c.device(r, "GET", r.path("/snapshot"), "")
	if IsCode(err, "not_found") || IsCode(err, "sync_no_snapshot") {
		return state, nil, ErrGap
	}
	if err != nil {
		return state, nil, err
	}
	seq := uint64(v.get("seq").int())
	epoch := uint32(v.get("epoch").int())
	if seq < need || seq < r.Seq {
		return state, nil, ErrGap
	}
	if epoch != r.Epoch {
		if err := c.refreshKey(r); err != nil {
			return state, nil, err
		}
		if epoch != r.Epoch {
			return state, nil, ErrGap
		}
	}
	author := v.get("device_id").str()
	counter := uint64(v.get("counter").int())
	ct, err := b64.DecodeString(v.get("ciphertext").str())
	if err != nil {
		return state, nil, errJSON
	}
	plain, err := Open(r.Key, ct, SnapshotAD(r.Identity, epoch, author, counter, seq))
	if err != nil {
		return state, nil, err
	}
	snap, err := UnmarshalChange(plain)
	clear(plain)
	if err != nil {
		return state, nil, err
	}
	next, conflicts, err := r.Apply(state, snap, "", c.now())
	snap.Wipe()
	if err != nil {
		return state, nil, err
	}
	r.Seq, r.SinceSnapshot = seq, 0
	return next, conflicts, nil
}

// Sync sends what is pending, merges what is new (waiting up to wait for
// it), and uploads a snapshot when SnapshotEvery changes went by.
func (c *Client) Sync(r *Replica, state *accounts.State, wait time.Duration) (*accounts.State, []Conflict, error) {
	if r == nil || r.Identity == "" {
		return state, nil, ErrNotEnabled
	}
	state, err := c.Push(r, state)
	if err != nil {
		return state, nil, err
	}
	next, conflicts, err := c.Pull(r, state, wait)
	if err != nil {
		return next, conflicts, err
	}
	if r.placeNew(next, c.now()) {
		// Sent and read back at once, so that the next long-poll waits
		// for other browsers, not for this one's own change.
		if err := c.push(r); err != nil {
			return next, conflicts, err
		}
		more, again, err := c.Pull(r, next, 0)
		next, conflicts = more, append(conflicts, again...)
		if err != nil {
			return next, conflicts, err
		}
	}
	if r.SinceSnapshot >= SnapshotEvery && len(r.Pending.Accounts) == 0 {
		if err := c.PutSnapshot(r, next); err != nil && !IsCode(err, "sync_stale_snapshot") {
			return next, conflicts, err
		}
	}
	return next, conflicts, nil
}

// PutSnapshot uploads the merged state at r.Seq.
func (c *Client) PutSnapshot(r *Replica, state *accounts.State) error {
	if r.RotateOwed {
		return ErrRotateOwed
	}
	snap := r.Snapshot(state)
	plain := snap.Marshal()
	defer clear(plain)
	snap.Wipe()
	if len(plain) > maxSnapshotPlain {
		return ErrTooLarge
	}
	_, err := c.withCounter(r, "PUT", r.path("/snapshot"), func(counter uint64) (rawJSON, error) {
		ct, err := Seal(c.Rand, r.Key, plain, SnapshotAD(r.Identity, r.Epoch, r.Device, counter, r.Seq))
		if err != nil {
			return "", err
		}
		return jsonObject("counter", counter, "epoch", r.Epoch, "seq", r.Seq, "ciphertext", b64.EncodeToString(ct)), nil
	})
	if err == nil {
		r.SinceSnapshot = 0
	}
	return err
}

// Device is a browser of the identity as the server lists it.
type Device struct {
	ID         string
	Name       string
	AddedAt    string // RFC 3339, as the server sent it
	LastSeenAt string
	This       bool
	Known      bool // the vault holds its wrap key
	signingKey []byte
	wrapKey    []byte
}

// Status is the identity's state on the server.
type Status struct {
	Epoch       uint32
	HeadSeq     uint64
	SnapshotSeq uint64
	RotationDue bool
	Devices     []Device
}

// State reads the identity's epoch, sequence numbers and browsers.
func (c *Client) State(r *Replica) (Status, error) {
	v, err := c.device(r, "GET", r.path(""), "")
	if err != nil {
		return Status{}, err
	}
	s := Status{Epoch: uint32(v.get("epoch").int()), HeadSeq: uint64(v.get("head_seq").int()),
		SnapshotSeq: uint64(v.get("snapshot_seq").int()), RotationDue: v.get("rotation_due").boolean()}
	for _, d := range v.get("devices").list() {
		meta, _ := b64.DecodeString(d.get("meta").str())
		sk, _ := b64.DecodeString(d.get("signing_key").str())
		wk, _ := b64.DecodeString(d.get("wrap_key").str())
		known := r.knownWrapKey(d.get("id").str())
		s.Devices = append(s.Devices, Device{ID: d.get("id").str(), Name: string(meta), AddedAt: d.get("added_at").str(),
			LastSeenAt: d.get("last_seen_at").str(), This: d.get("id").str() == r.Device,
			Known: known != nil && bytes.Equal(known, wk), signingKey: sk, wrapKey: wk})
	}
	return s, nil
}

// Remove removes browsers of the identity (this one too) and, if this
// browser stays, starts the next epoch once, so none of them gets anything
// new; it returns state with what the rotation merged. A list that does
// not name each browser once is refused before anything is sent. The
// others go first and this browser last; removing this one ends sync here
// and rotates nothing (a remaining browser does). A removal that may have
// reached the server sets RotateOwed before the next request: if a later
// one fails, the rotation is still owed, and the next Push makes it.
func (c *Client) Remove(r *Replica, state *accounts.State, devices ...string) (*accounts.State, error) {
	if r == nil || r.Identity == "" {
		return state, ErrNotEnabled
	}
	if err := checkRemoval(devices); err != nil {
		return state, err
	}
	self := false
	for _, d := range devices {
		if d == r.Device {
			self = true
			continue
		}
		err := c.removeDevice(r, d)
		if _, refused := err.(*ServerError); err == nil || !refused {
			// Removed, or perhaps (no answer): the key must change.
			r.RotateOwed = true
		}
		if err != nil {
			return state, err
		}
		r.addDevices([]DeviceKey{{ID: d, Removed: true}})
		r.Pending.Devices = append(r.Pending.Devices, DeviceKey{ID: d, Removed: true})
	}
	if self {
		if err := c.removeDevice(r, r.Device); err != nil {
			return state, err
		}
		r.addDevices([]DeviceKey{{ID: r.Device, Removed: true}})
		return state, nil
	}
	return c.Push(r, state)
}

// checkRemoval refuses a removal list that is empty or names a browser
// twice, or by an id that is not one (it goes into the request's path).
func checkRemoval(devices []string) error {
	if len(devices) == 0 {
		return ErrRemoveList
	}
	seen := make(map[string]bool, len(devices))
	for _, d := range devices {
		if seen[d] || !deviceIDForm(d) {
			return ErrRemoveList
		}
		seen[d] = true
	}
	return nil
}

// deviceIDForm reports whether id has a device id's characters: "sdv_",
// then lower-case base32 (shared/syncproto.DeviceID).
func deviceIDForm(id string) bool {
	rest, ok := strings.CutPrefix(id, "sdv_")
	if !ok || rest == "" || len(rest) > 64 {
		return false
	}
	for _, ch := range rest {
		if !(ch >= 'a' && ch <= 'z' || ch >= '2' && ch <= '7') {
			return false
		}
	}
	return true
}

// removeDevice sends one removal.
func (c *Client) removeDevice(r *Replica, device string) error {
	_, err := c.withCounter(r, "DELETE", r.path("/devices/"+device), func(counter uint64) (rawJSON, error) {
		return jsonObject("counter", counter), nil
	})
	return err
}

// Rotate starts the next epoch: a new key, wrapped to every active browser
// whose wrap key the vault holds (and to the recovery key), and a snapshot
// under it of state merged with what the server has; it returns that
// merged state (even when the rotation itself failed: the replica has
// merged it) and clears RotateOwed. It uploads nothing under the old key:
// the snapshot holds the edits made here, which Push then sends as
// changes of the new epoch. A browser the server lists that the vault does
// not know stops it (ErrUnknownDevice): no key is wrapped to a key only
// the server names.
func (c *Client) Rotate(r *Replica, state *accounts.State) (*accounts.State, error) {
	next, _, err := c.Pull(r, state, 0)
	if err != nil {
		return state, err
	}
	st, err := c.State(r)
	if err != nil {
		return next, err
	}
	if st.HeadSeq != r.Seq {
		return next, ErrGap
	}
	k, err := c.randomKey()
	if err != nil {
		return next, err
	}
	epoch := r.Epoch + 1
	envs := ""
	add := func(id string, env []byte) {
		if envs != "" {
			envs += ","
		}
		envs += jsonString(id) + ":" + jsonString(b64.EncodeToString(env))
	}
	for _, d := range st.Devices {
		if !d.Known {
			return next, ErrUnknownDevice
		}
		env, err := SealEnvelope(c.DH, c.Rand, k, d.wrapKey, r.Identity, epoch, d.ID)
		if err != nil {
			return next, err
		}
		add(d.ID, env)
	}
	if r.RecoveryWrap != nil {
		env, err := SealEnvelope(c.DH, c.Rand, k, r.RecoveryWrap, r.Identity, epoch, syncproto.RecoveryRecipient)
		if err != nil {
			return next, err
		}
		add(syncproto.RecoveryRecipient, env)
	}
	old := *r
	r.Epoch, r.Key = epoch, k
	snap := r.Snapshot(next)
	plain := snap.Marshal()
	defer clear(plain)
	snap.Wipe()
	if len(plain) > maxSnapshotPlain {
		r.Epoch, r.Key = old.Epoch, old.Key
		return next, ErrTooLarge
	}
	_, err = c.withCounter(r, "POST", r.path("/epochs"), func(counter uint64) (rawJSON, error) {
		ct, err := Seal(c.Rand, k, plain, SnapshotAD(r.Identity, epoch, r.Device, counter, r.Seq))
		if err != nil {
			return "", err
		}
		return jsonObject("counter", counter, "epoch", epoch, "envelopes", rawJSON("{"+envs+"}"),
			"snapshot", jsonObject("seq", r.Seq, "ciphertext", b64.EncodeToString(ct))), nil
	})
	if err != nil {
		r.Epoch, r.Key = old.Epoch, old.Key
		return next, err
	}
	clear(old.Key)
	r.SinceSnapshot, r.RotateOwed = 0, false
	return next, nil
}

// pairingScheme starts a pairing code's text.
const pairingScheme = "twofold-pair:v1?"

// Pairing is an open pairing slot as the browser that shows it keeps it.
type Pairing struct {
	ID      string
	Secret  []byte
	URI     string // what the QR code holds
	Expires string
}

// OpenPairing asks for a pairing slot; show Pairing.URI as a QR code.
func (c *Client) OpenPairing(r *Replica) (*Pairing, error) {
	v, err := c.withCounter(r, "POST", r.path("/pairings"), func(counter uint64) (rawJSON, error) {
		return jsonObject("counter", counter), nil
	})
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 16)
	if _, err := io.ReadFull(c.Rand, secret); err != nil {
		return nil, err
	}
	p := &Pairing{ID: v.get("pairing_id").str(), Secret: secret, Expires: v.get("expires_at").str()}
	p.URI = pairingScheme + "o=" + r.Server + "&i=" + r.Identity + "&p=" + p.ID + "&s=" + b64.EncodeToString(secret)
	return p, nil
}

// Join is a pairing slot's join as the showing browser read it.
type Join struct {
	Confirm    string // the 6 digits both browsers show
	Name       string
	signingKey []byte
	wrapKey    []byte
}

// PollPairing reads the slot; nil while nobody joined. A join whose MAC
// does not match the code is ErrPairingMAC.
func (c *Client) PollPairing(r *Replica, p *Pairing) (*Join, error) {
	v, err := c.device(r, "GET", r.path("/pairings/"+p.ID), "")
	if err != nil {
		return nil, err
	}
	j := v.get("join")
	if j.v == nil {
		return nil, nil
	}
	sk, e1 := b64.DecodeString(j.get("signing_key").str())
	wk, e2 := b64.DecodeString(j.get("wrap_key").str())
	meta, e3 := b64.DecodeString(j.get("meta").str())
	mac, e4 := b64.DecodeString(j.get("mac").str())
	if e1 != nil || e2 != nil || e3 != nil || e4 != nil {
		return nil, errJSON
	}
	want, err := pairingMAC(p.Secret, sk, wk, meta)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(want, mac) {
		return nil, ErrPairingMAC
	}
	confirm, err := ConfirmationNumber(p.Secret, sk, wk)
	if err != nil {
		return nil, err
	}
	return &Join{Confirm: confirm, Name: string(meta), signingKey: sk, wrapKey: wk}, nil
}

// Approve adds the joined browser: its wrap key goes into the vault (a
// change every browser reads), then its envelope of the current key to
// the server. It pushes first (Push: a rotation owed is made before the
// new browser gets the key) and returns state with what that merged.
func (c *Client) Approve(r *Replica, state *accounts.State, p *Pairing, j *Join) (*accounts.State, error) {
	device := syncproto.DeviceID(r.Identity, j.signingKey)
	dk := DeviceKey{ID: device, WrapKey: j.wrapKey}
	r.addDevices([]DeviceKey{dk})
	r.Pending.Devices = append(r.Pending.Devices, dk)
	state, err := c.Push(r, state)
	if err != nil {
		return state, err
	}
	env, err := SealEnvelope(c.DH, c.Rand, r.Key, j.wrapKey, r.Identity, r.Epoch, device)
	if err != nil {
		return state, err
	}
	_, err = c.withCounter(r, "POST", r.path("/pairings/"+p.ID+"/approve"), func(counter uint64) (rawJSON, error) {
		return jsonObject("counter", counter, "epoch", r.Epoch, "envelope", b64.EncodeToString(env)), nil
	})
	return state, err
}

// Joiner is a browser joining an identity by a pairing code.
type Joiner struct {
	Server, Identity, Pairing string
	Confirm                   string // the 6 digits to compare with the other screen
	meta                      string
	signSeed, signPub         []byte
	wrapPriv, wrapPub         []byte
}

// ParsePairingURI reads a pairing code's text: server, identity, slot and
// secret.
func ParsePairingURI(uri string) (server, identity, pairing string, secret []byte, err error) {
	if !strings.HasPrefix(uri, pairingScheme) {
		return "", "", "", nil, ErrPairingCode
	}
	for _, kv := range strings.Split(uri[len(pairingScheme):], "&") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "o":
			server = v
		case "i":
			identity = v
		case "p":
			pairing = v
		case "s":
			secret, err = b64.DecodeString(v)
		}
	}
	if err != nil || len(secret) != 16 || identity == "" || pairing == "" ||
		!(strings.HasPrefix(server, "https://") || strings.HasPrefix(server, "http://")) {
		return "", "", "", nil, ErrPairingCode
	}
	return server, identity, pairing, secret, nil
}

// Join answers a pairing code with new keys; show Joiner.Confirm, then
// call Joined until the other browser approved.
func (c *Client) Join(uri, meta string) (*Joiner, error) {
	server, identity, pairing, secret, err := ParsePairingURI(uri)
	if err != nil {
		return nil, err
	}
	defer clear(secret)
	signSeed, signPub, wrapPriv, wrapPub, err := c.keyPair()
	if err != nil {
		return nil, err
	}
	mac, err := pairingMAC(secret, signPub, wrapPub, []byte(meta))
	if err != nil {
		return nil, err
	}
	confirm, err := ConfirmationNumber(secret, signPub, wrapPub)
	if err != nil {
		return nil, err
	}
	body := jsonObject("signing_key", b64.EncodeToString(signPub), "wrap_key", b64.EncodeToString(wrapPub),
		"meta", b64.EncodeToString([]byte(meta)), "mac", b64.EncodeToString(mac))
	if _, err := c.call(server, "POST", "/sync/"+identity+"/pairings/"+pairing+"/join", body, "", nil); err != nil {
		return nil, err
	}
	return &Joiner{Server: server, Identity: identity, Pairing: pairing, Confirm: confirm, meta: meta,
		signSeed: signSeed, signPub: signPub, wrapPriv: wrapPriv, wrapPub: wrapPub}, nil
}

// Joined asks whether the pairing was approved; once it was, it returns
// the new browser's replica (with the current key), and the caller pulls
// (Sync) to fill the vault. state's accounts are recorded as this
// browser's first changes.
func (c *Client) Joined(j *Joiner, state *accounts.State) (*Replica, error) {
	signer, err := c.Keys.Load(j.signSeed)
	if err != nil {
		return nil, err
	}
	v, err := c.call(j.Server, "GET", "/sync/"+j.Identity+"/pairings/"+j.Pairing+"/status", "", syncproto.SignerJoin, signer)
	if err != nil {
		return nil, err
	}
	if v.get("state").str() != "approved" {
		return nil, nil
	}
	device := syncproto.DeviceID(j.Identity, j.signPub)
	r := &Replica{Server: j.Server, Identity: j.Identity, Device: device, Meta: j.meta, SignSeed: j.signSeed, WrapPriv: j.wrapPriv,
		Authors: map[string]uint64{}, Versions: map[string]Version{}, Pos: map[string]string{}}
	if err := c.refreshKey(r); err != nil {
		return nil, err
	}
	r.begin(state, j.wrapPub, c.now(), false)
	return r, nil
}

// Recover adds this browser to identity on server with the recovery key
// (typed by the person) and returns its replica, holding the current key;
// the caller pulls (Sync) to fill the vault, then removes the lost
// browsers in one Remove, which rotates the key once. A wrong recovery key is refused by the
// server and nothing changes.
func (c *Client) Recover(server, identity string, rk RecoveryKey, meta string, state *accounts.State) (*Replica, error) {
	recSeed, err := rk.SigningSeed()
	if err != nil {
		return nil, err
	}
	defer clear(recSeed)
	recWrapPriv, err := rk.WrapPrivate()
	if err != nil {
		return nil, err
	}
	defer clear(recWrapPriv)
	recWrapPub, err := c.DH.PublicKey(recWrapPriv)
	if err != nil {
		return nil, err
	}
	signer, err := c.Keys.Load(recSeed)
	if err != nil {
		return nil, err
	}
	signSeed, signPub, wrapPriv, wrapPub, err := c.keyPair()
	if err != nil {
		return nil, err
	}
	body := jsonObject("signing_key", b64.EncodeToString(signPub), "wrap_key", b64.EncodeToString(wrapPub), "meta", b64.EncodeToString([]byte(meta)))
	v, err := c.call(server, "POST", "/sync/"+identity+"/recovery", body, syncproto.SignerRecovery, signer)
	if err != nil {
		return nil, err
	}
	epoch := uint32(v.get("epoch").int())
	env, err := b64.DecodeString(v.get("envelope").str())
	if err != nil {
		return nil, errJSON
	}
	k, err := OpenEnvelope(c.DH, env, recWrapPriv, identity, epoch, syncproto.RecoveryRecipient)
	if err != nil {
		return nil, err
	}
	r := &Replica{Server: server, Identity: identity, Device: v.get("device_id").str(), Meta: meta, SignSeed: signSeed, WrapPriv: wrapPriv,
		Epoch: epoch, Key: k, Authors: map[string]uint64{}, RecoveryWrap: recWrapPub, Versions: map[string]Version{}, Pos: map[string]string{}}
	if r.Device != syncproto.DeviceID(identity, signPub) {
		return nil, errJSON
	}
	r.begin(state, wrapPub, c.now(), false)
	return r, nil
}

// Wait long-polls up to wait for a change after the newest merged one,
// without merging it (the caller then calls Sync): a browser keeps its
// write lock free while it waits.
func (c *Client) Wait(r *Replica, wait time.Duration) error {
	q := "?after=" + strconv.FormatUint(r.Seq, 10) + "&limit=1&wait=" + strconv.Itoa(int(wait/time.Second))
	_, err := c.device(r, "GET", r.path("/changes"+q), "")
	return err
}
