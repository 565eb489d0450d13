//go:build !(js && wasm)

package syncclient_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/api/apitest"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/syncproto"
	"github.com/twofold-auth/twofold/wasm/accounts"
	"github.com/twofold-auth/twofold/wasm/syncclient"
)

// The client against the real server (the router over SQLite in a temp
// dir), as two, three or four browsers of one person.

var t0 = time.Date(2026, 3, 1, 12, 0, 10, 0, time.UTC)

// world is a server, its clock, and everything every browser received.
type world struct {
	t      *testing.T
	srv    *apitest.Server
	clock  *apitest.Clock
	owner  *apitest.Account
	mu     sync.Mutex
	seen   [][]byte // every response body
	labels []string // what must never reach the server in the clear
	keys   [][]byte
}

func newWorld(t *testing.T) *world {
	clk := apitest.NewClock(t0)
	w := &world{t: t, clock: clk, srv: apitest.Start(t, apitest.Options{Now: clk.Now})}
	owner, err := apitest.Enroll(context.Background(), w.srv.URL, "sync-client@example.com", clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	w.owner = owner
	return w
}

// transport is a browser's fetch: net/http with or without the person's
// cookies; tamper, when set, rewrites answers (a lying server).
type transport struct {
	w      *world
	hc     *http.Client
	tamper func(method, url string, body []byte) []byte
}

func (tr *transport) Do(method, url string, header map[string]string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := tr.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	tr.w.mu.Lock()
	tr.w.seen = append(tr.w.seen, b)
	tr.w.mu.Unlock()
	if tr.tamper != nil {
		b = tr.tamper(method, url, b)
	}
	return resp.StatusCode, b, err
}

// browser is one browser profile: its vault's state and replica.
type browser struct {
	w     *world
	name  string
	c     *syncclient.Client
	tr    *transport
	state *accounts.State
	r     *syncclient.Replica
}

func (w *world) browser(name string, signedIn bool) *browser {
	hc := &http.Client{}
	if signedIn {
		hc = w.owner.Browser
	}
	tr := &transport{w: w, hc: hc}
	return &browser{w: w, name: name, tr: tr, state: &accounts.State{},
		c: &syncclient.Client{T: tr, Keys: syncclient.HostKeys{}, DH: syncclient.HostX25519{}, Rand: rand.Reader, Now: w.clock.Now}}
}

// edit applies a local edit and records it, as the app does on every save.
func (b *browser) edit(f func(s *accounts.State) *accounts.State) {
	b.w.t.Helper()
	next := f(b.state)
	if b.r != nil {
		b.r.Record(b.state, next, b.w.clock.Now())
	}
	b.state = next
}

// add adds an account with a fresh random secret; the secret and label
// are remembered for the search of the database and responses.
func (b *browser) add(issuer, name string) string {
	b.w.t.Helper()
	secret := make([]byte, 20)
	rand.Read(secret)
	a, err := accounts.New(otpauth.Key{Type: otpauth.TOTP, Issuer: issuer, Account: name, Secret: secret,
		Algorithm: otpauth.SHA1, Digits: 6, Period: 30}, rand.Reader, b.w.clock.Now())
	if err != nil {
		b.w.t.Fatal(err)
	}
	b.w.labels = append(b.w.labels, issuer+" "+name, name)
	b.w.keys = append(b.w.keys, bytes.Clone(secret))
	b.edit(func(s *accounts.State) *accounts.State {
		n, err := s.Add(a)
		if err != nil {
			b.w.t.Fatal(err)
		}
		return n
	})
	return a.ID
}

func (b *browser) sync() []syncclient.Conflict {
	b.w.t.Helper()
	next, conflicts, err := b.c.Sync(b.r, b.state, 0)
	if err != nil {
		b.w.t.Fatalf("%s: sync: %v", b.name, err)
	}
	b.state = next
	return conflicts
}

// push sends b's pending changes (rotating first when one is owed).
func (b *browser) push() error {
	next, err := b.c.Push(b.r, b.state)
	b.state = next
	return err
}

// remove removes devices in one call, as the page's "Remove selected".
func (b *browser) remove(devices ...string) error {
	next, err := b.c.Remove(b.r, b.state, devices...)
	b.state = next
	return err
}

// labels is the browser's list as "issuer:name" in display order.
func (b *browser) list() string {
	var out []string
	for _, v := range b.state.Views() {
		out = append(out, v.Issuer+":"+v.Account)
	}
	return strings.Join(out, ",")
}

func (b *browser) codes() string {
	codes, err := b.state.Codes(b.w.clock.Now())
	if err != nil {
		b.w.t.Fatal(err)
	}
	var out []string
	for _, c := range codes {
		out = append(out, c.Current)
	}
	return strings.Join(out, ",")
}

// create turns sync on in b (signed in) and returns the recovery key.
func (b *browser) create() syncclient.RecoveryKey {
	b.w.t.Helper()
	r, rk, err := b.c.Create(b.w.srv.URL, b.name, b.state)
	if err != nil {
		b.w.t.Fatal(err)
	}
	b.r = r
	b.w.keys = append(b.w.keys, bytes.Clone(r.Key), bytes.Clone(r.SignSeed), bytes.Clone(r.WrapPriv), rk[:])
	b.w.labels = append(b.w.labels, rk.String())
	b.sync()
	return rk
}

// pair pairs joiner through a's pairing code and returns the confirmation
// numbers both showed.
func pair(t *testing.T, a, joiner *browser) (string, string) {
	t.Helper()
	p, err := a.c.OpenPairing(a.r)
	if err != nil {
		t.Fatal(err)
	}
	j, err := joiner.c.Join(p.URI, joiner.name)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := joiner.c.Joined(j, joiner.state); err != nil || r != nil {
		t.Fatalf("joined before approval: %v %v", r, err)
	}
	join, err := a.c.PollPairing(a.r, p)
	if err != nil || join == nil {
		t.Fatalf("poll: %v %v", join, err)
	}
	if join.Name != joiner.name {
		t.Errorf("joined as %q", join.Name)
	}
	next, err := a.c.Approve(a.r, a.state, p, join)
	if err != nil {
		t.Fatal(err)
	}
	a.state = next
	r, err := joiner.c.Joined(j, joiner.state)
	if err != nil || r == nil {
		t.Fatalf("joined: %v %v", r, err)
	}
	joiner.r = r
	joiner.w.keys = append(joiner.w.keys, bytes.Clone(r.SignSeed), bytes.Clone(r.WrapPriv), p.Secret)
	joiner.sync()
	return join.Confirm, j.Confirm
}

// assertNothingInTheClear searches the database files and every response
// for each secret (raw, base32, base64, hex) and each label.
func (w *world) assertNothingInTheClear() {
	w.t.Helper()
	hay := map[string][]byte{}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if b, err := os.ReadFile(w.srv.DBPath + suffix); err == nil {
			hay["database"+suffix] = b
		}
	}
	w.mu.Lock()
	hay["responses"] = bytes.Join(w.seen, []byte("\n"))
	w.mu.Unlock()
	if len(hay["database"]) == 0 || len(hay["responses"]) == 0 {
		w.t.Fatal("nothing to search")
	}
	var needles [][]byte
	for _, k := range w.keys {
		needles = append(needles, k, []byte(otpauth.EncodeSecret(k)), []byte(base64.RawURLEncoding.EncodeToString(k)),
			[]byte(base64.StdEncoding.EncodeToString(k)), []byte(hex.EncodeToString(k)))
	}
	for _, l := range w.labels {
		needles = append(needles, []byte(l), []byte(base64.RawURLEncoding.EncodeToString([]byte(l))))
	}
	for name, h := range hay {
		for _, n := range needles {
			if bytes.Contains(h, n) {
				w.t.Errorf("%s holds %q in the clear", name, n)
			}
		}
	}
}

// Two browsers paired by code stay in step: what one adds the other
// shows, with the same codes; a change arrives at a browser waiting on
// the long-poll.
func TestTwoBrowsersStayInStep(t *testing.T) {
	w := newWorld(t)
	a, b := w.browser("Laptop", true), w.browser("Desktop", false)
	a.add("Example", "alice-laptop-account")
	a.create()
	b.add("Other", "bob-desktop-account")
	ca, cb := pair(t, a, b)
	if ca != cb || len(ca) != 6 {
		t.Fatalf("confirmation numbers %q and %q", ca, cb)
	}
	a.sync()
	if a.list() != b.list() || !strings.Contains(a.list(), "Example:alice-laptop-account") || !strings.Contains(a.list(), "Other:bob-desktop-account") {
		t.Fatalf("lists %q and %q", a.list(), b.list())
	}
	if a.codes() != b.codes() {
		t.Fatalf("codes %q and %q", a.codes(), b.codes())
	}
	// B waits; A adds; B's long-poll answers with it.
	done := make(chan error, 1)
	go func() {
		next, _, err := b.c.Pull(b.r, b.state, 10*time.Second)
		b.state = next
		done <- err
	}()
	time.Sleep(200 * time.Millisecond)
	a.add("Waited", "carol-third-account")
	if err := a.push(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the long-poll did not answer")
	}
	if !strings.Contains(b.list(), "Waited:carol-third-account") || a.codes() != b.codes() {
		t.Fatalf("after the long-poll: %q %q", b.list(), b.codes())
	}
	// The devices both see.
	st, err := b.c.State(b.r)
	if err != nil || len(st.Devices) != 2 {
		t.Fatalf("state %+v %v", st, err)
	}
	for _, d := range st.Devices {
		if !d.Known || d.LastSeenAt == "" || (d.Name != "Laptop" && d.Name != "Desktop") {
			t.Errorf("device %+v", d)
		}
	}
	w.assertNothingInTheClear()
}

// Offline edits merge per account: an edit on one browser and a delete of
// another account on the other both survive; the same account edited on
// both keeps the later edit, and the browser whose edit lost is told; the
// deleted account is in the trash and comes back.
func TestOfflineEditsMerge(t *testing.T) {
	w := newWorld(t)
	a, b := w.browser("A", true), w.browser("B", false)
	x := a.add("X", "x-account")
	y := a.add("Y", "y-account")
	z := a.add("Z", "z-account")
	a.create()
	pair(t, a, b)
	// A week offline, each browser edits.
	w.clock.Advance(7 * 24 * time.Hour)
	a.edit(func(s *accounts.State) *accounts.State { n, _ := s.Rename(x, "X", "x-renamed-on-a"); return n })
	b.edit(func(s *accounts.State) *accounts.State { n, _ := s.Delete(y, w.clock.Now()); return n })
	a.edit(func(s *accounts.State) *accounts.State { n, _ := s.Rename(z, "Z", "z-edited-on-a"); return n })
	w.clock.Advance(time.Minute)
	b.edit(func(s *accounts.State) *accounts.State { n, _ := s.Rename(z, "Z", "z-edited-on-b-later"); return n })
	b.sync()
	conflicts := a.sync()
	b.sync()
	want := "X:x-renamed-on-a,Z:z-edited-on-b-later"
	if a.list() != want || b.list() != want {
		t.Fatalf("merged lists %q and %q, want %q", a.list(), b.list(), want)
	}
	if len(conflicts) != 1 || conflicts[0].ID != z || conflicts[0].Label != "Z (z-edited-on-b-later)" {
		t.Fatalf("conflicts %+v", conflicts)
	}
	// The report is kept in the vault (whichever round found it) until
	// dismissed.
	kept, err := syncclient.UnmarshalReplica(a.r.Marshal())
	if err != nil || len(kept.Conflicts) != 1 || kept.Conflicts[0].ID != z || kept.Conflicts[0].Label != "Z (z-edited-on-b-later)" || kept.Conflicts[0].AtMs != w.clock.Now().UnixMilli() {
		t.Fatalf("conflicts kept in the vault: %+v %v", kept.Conflicts, err)
	}
	trash := a.state.Trash(w.clock.Now())
	if len(trash) != 1 || trash[0].ID != y || len(b.state.Trash(w.clock.Now())) != 1 {
		t.Fatalf("trash %+v", trash)
	}
	restored, err := a.state.Restore(y, w.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	a.edit(func(*accounts.State) *accounts.State { return restored })
	a.sync()
	b.sync()
	if !strings.Contains(b.list(), "Y:y-account") || a.codes() != b.codes() || len(b.state.Trash(w.clock.Now())) != 0 {
		t.Fatalf("restored: %q", b.list())
	}
	// After 30 days the trash forgets the key, and an old edit does not
	// bring the account back.
	b.edit(func(s *accounts.State) *accounts.State { n, _ := s.Delete(y, w.clock.Now()); return n })
	b.sync()
	w.clock.Advance(31 * 24 * time.Hour)
	a.add("Later", "later-account")
	a.sync()
	b.sync()
	if len(a.state.Trash(w.clock.Now())) != 0 || len(b.state.Trash(w.clock.Now())) != 0 {
		t.Fatalf("trash after 31 days: %+v %+v", a.state.Trash(w.clock.Now()), b.state.Trash(w.clock.Now()))
	}
	w.assertNothingInTheClear()
}

// changesTamper rewrites a page of changes with f (the server lying).
func changesTamper(f func(list []map[string]any) []map[string]any) func(string, string, []byte) []byte {
	return func(method, url string, body []byte) []byte {
		if method != "GET" || !strings.Contains(url, "/changes?") {
			return body
		}
		var page struct {
			Changes []map[string]any `json:"changes"`
			HeadSeq int64            `json:"head_seq"`
		}
		if json.Unmarshal(body, &page) != nil {
			return body
		}
		page.Changes = f(page.Changes)
		out, _ := json.Marshal(page)
		return out
	}
}

// A replayed upload is refused by the server; a change served again or two
// served in the wrong order are detected by the reader, which merges
// nothing more.
func TestReplayAndReorderDetected(t *testing.T) {
	w := newWorld(t)
	a, b := w.browser("A", true), w.browser("B", false)
	a.create()
	pair(t, a, b)
	// The server refuses a counter it has seen (the client skips ahead
	// once, as after a lost vault write, and the second attempt lands).
	a.add("One", "one")
	a.r.Counter -= 2
	if err := a.push(); err != nil {
		t.Fatalf("push after a lost counter: %v", err)
	}
	a.add("Two", "two")
	a.add("Three", "three")
	if err := a.push(); err != nil {
		t.Fatal(err)
	}
	// Reordered: the two newest changes' contents swapped under their
	// sequence numbers.
	before := b.list()
	b.tr.tamper = changesTamper(func(list []map[string]any) []map[string]any {
		if n := len(list); n >= 2 {
			for _, k := range []string{"device_id", "counter", "ciphertext", "epoch"} {
				list[n-2][k], list[n-1][k] = list[n-1][k], list[n-2][k]
			}
		}
		return list
	})
	if _, _, err := b.c.Pull(b.r, b.state, 0); err != syncclient.ErrReplay {
		t.Fatalf("reordered changes: %v", err)
	}
	if b.list() != before {
		t.Fatalf("a reordered page changed the list: %q", b.list())
	}
	// Replayed: an old change served again as a new one.
	b.tr.tamper = nil
	b.sync()
	a.add("Four", "four")
	if err := a.push(); err != nil {
		t.Fatal(err)
	}
	var old map[string]any
	b.tr.tamper = changesTamper(func(list []map[string]any) []map[string]any {
		if old == nil && len(list) > 0 {
			old = list[0]
		}
		return list
	})
	saved := *b.r
	saved.Authors = map[string]uint64{}
	for k, v := range b.r.Authors {
		saved.Authors[k] = v
	}
	b.r.Seq = 0 // read from the start to capture change 1
	b.r.Authors = map[string]uint64{}
	if _, _, err := b.c.Pull(b.r, &accounts.State{}, 0); err != nil {
		t.Fatal(err)
	}
	*b.r = saved
	b.tr.tamper = changesTamper(func(list []map[string]any) []map[string]any {
		for i := range list {
			seq := list[i]["seq"]
			for k, v := range old {
				list[i][k] = v
			}
			list[i]["seq"] = seq
		}
		return list
	})
	if _, _, err := b.c.Pull(b.r, b.state, 0); err != syncclient.ErrReplay {
		t.Fatalf("replayed change: %v", err)
	}
	// A server that goes back in time is refused.
	b.tr.tamper = func(method, url string, body []byte) []byte {
		if strings.Contains(url, "/changes?") {
			return []byte(`{"changes":[],"head_seq":1}`)
		}
		return body
	}
	if _, _, err := b.c.Pull(b.r, b.state, 0); err != syncclient.ErrRollback {
		t.Fatalf("rolled back: %v", err)
	}
}

// A removed browser's later uploads are refused, and the key it had no
// longer reads what the others write (the epoch was rotated).
func TestRemovedDeviceRefused(t *testing.T) {
	w := newWorld(t)
	a, b, c := w.browser("A", true), w.browser("B", false), w.browser("C", false)
	a.add("Kept", "kept")
	a.create()
	pair(t, a, b)
	pair(t, a, c)
	oldKey := bytes.Clone(b.r.Key)
	if err := a.remove(b.r.Device); err != nil {
		t.Fatal(err)
	}
	if a.r.Epoch != 2 || bytes.Equal(a.r.Key, oldKey) {
		t.Fatalf("after removal: epoch %d", a.r.Epoch)
	}
	b.add("From the removed", "removed-upload")
	if err := b.push(); !syncclient.IsCode(err, "sync_device_removed") {
		t.Fatalf("removed device's upload: %v", err)
	}
	a.add("After", "after-removal")
	a.sync()
	c.sync()
	if !strings.Contains(c.list(), "After:after-removal") || c.r.Epoch != 2 {
		t.Fatalf("C after rotation: %q epoch %d", c.list(), c.r.Epoch)
	}
	if _, _, err := b.c.Pull(b.r, b.state, 0); !syncclient.IsCode(err, "sync_device_removed") {
		t.Fatalf("removed device's read: %v", err)
	}
	w.assertNothingInTheClear()
}

// Three browsers and a recovered fourth: the fourth removes two lost ones
// in one call, and the key changes once (epoch +1). Both removed browsers'
// uploads are refused; the one left reads the new epoch's changes. A list
// naming a browser twice, or an empty id, is refused first and changes
// nothing.
func TestRemoveSeveralRotatesOnce(t *testing.T) {
	w := newWorld(t)
	a, b, c := w.browser("A", true), w.browser("B", false), w.browser("C", false)
	a.add("Bank", "bank-account")
	rk := a.create()
	pair(t, a, b)
	pair(t, a, c)
	fresh := w.browser("Fresh", false)
	r, err := fresh.c.Recover(w.srv.URL, a.r.Identity, rk, "Fresh", fresh.state)
	if err != nil {
		t.Fatal(err)
	}
	fresh.r = r
	fresh.sync()
	before, err := fresh.c.State(fresh.r)
	if err != nil || len(before.Devices) != 4 || !before.RotationDue {
		t.Fatalf("after recovery: %+v %v", before, err)
	}
	counter := fresh.r.Counter
	for _, bad := range [][]string{{a.r.Device, a.r.Device}, {a.r.Device, ""}, {}, {"sdv_../epochs"}} {
		if err := fresh.remove(bad...); err != syncclient.ErrRemoveList {
			t.Errorf("remove(%q): %v", bad, err)
		}
	}
	st, err := fresh.c.State(fresh.r)
	if err != nil || st.Epoch != before.Epoch || len(st.Devices) != 4 || fresh.r.Counter != counter || fresh.r.RotateOwed {
		t.Fatalf("after refused removals: epoch %d, %d devices, counter %d (was %d), owed %v, %v",
			st.Epoch, len(st.Devices), fresh.r.Counter, counter, fresh.r.RotateOwed, err)
	}

	if err := fresh.remove(a.r.Device, b.r.Device); err != nil {
		t.Fatal(err)
	}
	st, err = fresh.c.State(fresh.r)
	if err != nil || st.Epoch != before.Epoch+1 || fresh.r.Epoch != st.Epoch || st.RotationDue || len(st.Devices) != 2 || fresh.r.RotateOwed {
		t.Fatalf("after removing two: epoch %d (was %d), rotation due %v, %d devices, owed %v, %v",
			st.Epoch, before.Epoch, st.RotationDue, len(st.Devices), fresh.r.RotateOwed, err)
	}
	for _, lost := range []*browser{a, b} {
		lost.add("Lost", "lost-upload-"+lost.name)
		if err := lost.push(); !syncclient.IsCode(err, "sync_device_removed") {
			t.Fatalf("%s's upload after removal: %v", lost.name, err)
		}
	}
	fresh.add("After", "after-removal")
	fresh.sync()
	c.sync()
	if !strings.Contains(c.list(), "After:after-removal") || c.r.Epoch != st.Epoch {
		t.Fatalf("C after the removal: %q epoch %d", c.list(), c.r.Epoch)
	}
	w.assertNothingInTheClear()
}

// A removal that fails halfway (the second browser is unknown to the
// server) leaves the rotation owed, in the saved sync state too; the next
// Push rotates before it uploads, and what it uploads is of the new epoch.
func TestRemoveHalfwayRotatesAtNextPush(t *testing.T) {
	w := newWorld(t)
	a, b, c := w.browser("A", true), w.browser("B", false), w.browser("C", false)
	a.create()
	pair(t, a, b)
	pair(t, a, c)
	err := a.remove(b.r.Device, "sdv_aaaaaaaaaaaaaaaa")
	if !syncclient.IsCode(err, "not_found") {
		t.Fatalf("removing an unknown browser: %v", err)
	}
	st, err := a.c.State(a.r)
	if err != nil || st.Epoch != 1 || len(st.Devices) != 2 || !st.RotationDue || !a.r.RotateOwed {
		t.Fatalf("after the failed removal: %+v owed %v, %v", st, a.r.RotateOwed, err)
	}
	// The vault is saved and read again (the page reloaded).
	saved, err := syncclient.UnmarshalReplica(a.r.Marshal())
	if err != nil || !saved.RotateOwed {
		t.Fatalf("the rotation owed was not kept: %v", err)
	}
	a.r = saved
	log := &uploadLog{Transport: a.c.T}
	a.c.T = log
	a.add("Later", "after-failed-removal")
	if err := a.push(); err != nil {
		t.Fatal(err)
	}
	if a.r.RotateOwed || a.r.Epoch != 2 {
		t.Fatalf("after push: owed %v, epoch %d", a.r.RotateOwed, a.r.Epoch)
	}
	if got := strings.Join(log.uploads, " "); got != "epochs:2 changes:2" {
		t.Fatalf("uploads %q, want the rotation to epoch 2, then the change under it", got)
	}
	c.sync()
	if !strings.Contains(c.list(), "Later:after-failed-removal") || c.r.Epoch != 2 {
		t.Fatalf("C: %q epoch %d", c.list(), c.r.Epoch)
	}
	b.add("Removed", "removed-upload")
	if err := b.push(); !syncclient.IsCode(err, "sync_device_removed") {
		t.Fatalf("removed B's upload: %v", err)
	}
	w.assertNothingInTheClear()
}

// uploadLog notes each upload (rotation, change, snapshot) as
// "route:epoch", in order.
type uploadLog struct {
	syncclient.Transport
	uploads []string
}

func (l *uploadLog) Do(method, url string, header map[string]string, body []byte) (int, []byte, error) {
	var b struct {
		Epoch uint32 `json:"epoch"`
	}
	if method != "GET" && json.Unmarshal(body, &b) == nil && b.Epoch != 0 {
		l.uploads = append(l.uploads, url[strings.LastIndex(url, "/")+1:]+":"+strconv.Itoa(int(b.Epoch)))
	}
	return l.Transport.Do(method, url, header, body)
}

// Every browser lost: a fresh one with the recovery key brings the
// accounts back, removes the lost browsers and rotates; a wrong recovery
// key is refused and changes nothing.
func TestRecovery(t *testing.T) {
	w := newWorld(t)
	a, b := w.browser("A", true), w.browser("B", false)
	a.add("Bank", "bank-account")
	rk := a.create()
	pair(t, a, b)
	b.add("Mail", "mail-account")
	b.sync()
	a.sync()
	// A wrong key (valid form, other bytes).
	fresh := w.browser("Fresh", false)
	var wrong syncclient.RecoveryKey
	rand.Read(wrong[:])
	if r, err := fresh.c.Recover(w.srv.URL, a.r.Identity, wrong, "Fresh", fresh.state); !syncclient.IsCode(err, "sync_unauthenticated") || r != nil {
		t.Fatalf("wrong recovery key: %v %v", r, err)
	}
	if st, err := a.c.State(a.r); err != nil || len(st.Devices) != 2 || st.RotationDue {
		t.Fatalf("after a wrong key: %+v %v", st, err)
	}
	// A typo is caught before anything is sent.
	typed := []byte(rk.String())
	typed[0] = map[bool]byte{true: '1', false: '0'}[typed[0] == '0']
	if _, err := syncclient.ParseRecoveryKey(string(typed)); err != syncclient.ErrRecoveryKey {
		t.Fatalf("typo: %v", err)
	}
	parsed, err := syncclient.ParseRecoveryKey(strings.ToLower(rk.String()))
	if err != nil || parsed != rk {
		t.Fatalf("parse: %v", err)
	}
	r, err := fresh.c.Recover(w.srv.URL, a.r.Identity, parsed, "Fresh", fresh.state)
	if err != nil {
		t.Fatal(err)
	}
	fresh.r = r
	fresh.sync()
	if fresh.list() != a.list() || fresh.codes() != a.codes() {
		t.Fatalf("recovered %q, want %q", fresh.list(), a.list())
	}
	st, err := fresh.c.State(fresh.r)
	if err != nil || !st.RotationDue {
		t.Fatalf("after recovery: %+v %v", st, err)
	}
	var lost []string
	for _, d := range st.Devices {
		if !d.This {
			lost = append(lost, d.ID)
		}
	}
	if err := fresh.remove(lost...); err != nil {
		t.Fatal(err)
	}
	if fresh.r.Epoch != 2 {
		t.Fatalf("epoch after removing the lost browsers: %d", fresh.r.Epoch)
	}
	a.add("Lost", "lost-upload")
	if err := a.push(); !syncclient.IsCode(err, "sync_device_removed") {
		t.Fatalf("lost browser's upload: %v", err)
	}
	w.assertNothingInTheClear()
}

// TestServerBytesPerAccount prints what the server stores per synced
// account (for docs/guide.md): one account's change alone, a snapshot's
// share per account, and the database file's growth per account over 100
// accounts sent one change each. It asserts only that changes fit the
// server's limit with room to spare.
func TestServerBytesPerAccount(t *testing.T) {
	w := newWorld(t)
	a := w.browser("A", true)
	a.create()
	var sizes []int
	dbSize := func() int64 {
		var n int64
		for _, s := range []string{"", "-wal"} {
			if fi, err := os.Stat(w.srv.DBPath + s); err == nil {
				n += fi.Size()
			}
		}
		return n
	}
	rec := &recorder{Transport: a.c.T}
	a.c.T = rec
	before := dbSize()
	const n = 100
	for i := range n {
		a.add("Issuer "+strconv.Itoa(i), "account-"+strconv.Itoa(i)+"@example.com")
		if err := a.push(); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(2 * time.Second) // under 60 uploads a minute
	}
	sizes = rec.changeSizes
	a.sync()
	if err := a.c.PutSnapshot(a.r, a.state); err != nil {
		t.Fatal(err)
	}
	growth := dbSize() - before
	sum := 0
	for _, s := range sizes {
		sum += s
	}
	t.Logf("per account: change ciphertext %d B on average (first %d B), snapshot %d B per account, database growth %d B per account (changes and snapshot, SQLite pages and WAL)",
		sum/len(sizes), sizes[0], rec.snapshotSize/n, growth/n)
	if sizes[0] > 2048 {
		t.Errorf("one account's change is %d B", sizes[0])
	}
}

// recorder notes the ciphertext sizes of the changes and snapshots sent.
type recorder struct {
	syncclient.Transport
	changeSizes  []int
	snapshotSize int
}

func (r *recorder) Do(method, url string, header map[string]string, body []byte) (int, []byte, error) {
	var b struct {
		Ciphertext string `json:"ciphertext"`
	}
	if json.Unmarshal(body, &b) == nil && b.Ciphertext != "" {
		n := base64.RawURLEncoding.DecodedLen(len(b.Ciphertext))
		if strings.HasSuffix(url, "/changes") {
			r.changeSizes = append(r.changeSizes, n)
		} else if strings.HasSuffix(url, "/snapshot") {
			r.snapshotSize = n
		}
	}
	return r.Transport.Do(method, url, header, body)
}

// A vault of 3,000 accounts syncs to a second browser through the real
// server in changes under its limit; moving one account then uploads one
// small change (the order is not sent whole), and reversing the list
// keeps both browsers in step.
func TestLargeVaultSyncs(t *testing.T) {
	w := newWorld(t)
	a, b := w.browser("A", true), w.browser("B", false)
	list := make([]*accounts.Account, 3000)
	for i := range list {
		acct, err := accounts.New(otpauth.Key{Type: otpauth.TOTP, Issuer: "Issuer " + strconv.Itoa(i), Account: "account-" + strconv.Itoa(i) + "@example.com",
			Secret: bytes.Repeat([]byte{byte(i), byte(i >> 8)}, 10), Algorithm: otpauth.SHA1, Digits: 6, Period: 30}, rand.Reader, w.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		list[i] = acct
	}
	a.state = a.state.WithAccounts(list)
	rec := &recorder{Transport: a.c.T}
	a.c.T = rec
	a.create()
	pair(t, a, b)
	if a.list() != b.list() || len(b.state.Accounts()) != 3000 {
		t.Fatalf("B has %d accounts", len(b.state.Accounts()))
	}
	most := 0
	for _, n := range rec.changeSizes {
		most = max(most, n)
	}
	if most > syncproto.MaxChange {
		t.Fatalf("a change of %d B", most)
	}
	first := len(rec.changeSizes)

	views := a.state.Views()
	ids := []string{views[2999].ID}
	for _, v := range views[:2999] {
		ids = append(ids, v.ID)
	}
	a.edit(func(s *accounts.State) *accounts.State { n, _ := s.Reorder(ids); return n })
	a.sync()
	if got := rec.changeSizes[first:]; len(got) != 1 || got[0] > 1024 {
		t.Fatalf("moving one account of 3,000 uploaded %v B", got)
	}
	b.sync()
	if a.list() != b.list() || !strings.HasPrefix(b.list(), "Issuer 2999:") {
		t.Fatalf("after the move B starts %.40q", b.list())
	}

	slices.Reverse(ids)
	a.edit(func(s *accounts.State) *accounts.State { n, _ := s.Reorder(ids); return n })
	w.clock.Advance(time.Minute)
	a.sync()
	b.sync()
	if a.list() != b.list() || !strings.HasPrefix(b.list(), "Issuer 2998:") {
		t.Fatalf("after reversing B starts %.40q", b.list())
	}
	if err := a.c.PutSnapshot(a.r, a.state); err != nil {
		t.Fatal(err)
	}
	t.Logf("3,000 accounts: %d changes to send them (largest %d B), snapshot %d B (%d B per account)",
		first, most, rec.snapshotSize, rec.snapshotSize/3000)
}
