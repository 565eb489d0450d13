package main

import (
	"cmp"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/twofold-auth/twofold/shared/errcode"
	"github.com/twofold-auth/twofold/shared/pushproto"
	"github.com/twofold-auth/twofold/wasm/accounts"
	"github.com/twofold-auth/twofold/wasm/pushclient"
	"github.com/twofold-auth/twofold/wasm/vault"
)

// PushConfig is what push sign-in needs from the host: fetch, WebSocket and
// WebCrypto's Ed25519 in the browser (bridge_js.go), fakes, net/http and
// pushclient.HostKeys in tests. OnEvent
// receives connection changes and prompts (the bridge turns them into
// "twofold-push" events); it is called from Go goroutines.
type PushConfig struct {
	HTTP    pushclient.Poster
	Dial    pushclient.Dialer
	Keys    pushclient.Keys
	OnEvent func(PushEvent)
	// Client options for tests (clock, timers, backoff, jitter); Dial and
	// OnEvent are set by the App.
	Options pushclient.Options
}

// pushState is the App's live connections, by account id, and the
// accounts whose prompts the server paused.
type pushState struct {
	mu      sync.Mutex
	clients map[string]*pushclient.Client
	// paused: a prompt of the account was reported ("Deny, this wasn't
	// me", here or on another device of the account), so the server sends
	// no more until its owner signs in with a code. The server does not
	// tell devices when it resumes; the next prompt shows it has. Ids and
	// times only, kept across a lock for the page's lifetime.
	paused map[string]time.Time
}

// PushStatus is one account's push state.
type PushStatus struct {
	AccountID string  `js:"accountId"`
	Offered   bool    `js:"offered"` // the enrollment URI named a push server
	Enabled   bool    `js:"enabled"` // a key is registered and kept in the vault
	Server    string  `js:"server"`
	State     string  `js:"state"`  // "off", "connecting", "connected", "waiting", "stopped"
	Reason    string  `js:"reason"` // for stopped: "stopped", "replaced", "revoked", "rejected"; for waiting: the last error
	RetryAtMs float64 `js:"retryAtMs"`
	// Paused: a prompt of this account was reported, so the server pauses
	// prompts until a sign-in with a code (see pushState.paused).
	Paused     bool    `js:"paused"`
	PausedAtMs float64 `js:"pausedAtMs"`
}

// PromptView is a sign-in prompt waiting for an answer.
type PromptView struct {
	ID         string  `js:"id"` // the challenge id
	AccountID  string  `js:"accountId"`
	Numbers    []int   `js:"numbers"`
	Service    string  `js:"service"`
	Account    string  `js:"account"`
	ClientAddr string  `js:"clientAddress"`
	Browser    string  `js:"browser"`
	CreatedMs  float64 `js:"createdMs"`
	ExpiresMs  float64 `js:"expiresMs"` // server clock; see skew in the client
}

// PushEvent is what OnEvent receives.
type PushEvent struct {
	Type      string      `js:"type"` // "status", "prompt", "settled"
	AccountID string      `js:"accountId"`
	Status    *PushStatus `js:"status,omitempty"`
	Prompt    *PromptView `js:"prompt,omitempty"`
	PromptID  string      `js:"promptId,omitempty"`
	Outcome   string      `js:"outcome,omitempty"` // settled: approved, denied, reported, failed, expired, rejected, cancelled
}

var errPushUnavailable = errcode.New(CodePushUnavailable, "sign-in prompts need a browser with fetch, WebSocket and Ed25519 in WebCrypto (Chrome 137, Firefox 129, Safari 17 or later) on an https page")

func promptView(accountID string, p pushproto.Prompt) PromptView {
	return PromptView{ID: p.ChallengeID, AccountID: accountID, Numbers: []int{p.Numbers[0], p.Numbers[1], p.Numbers[2]},
		Service: p.Service, Account: p.Account, ClientAddr: p.ClientAddr, Browser: p.Browser,
		CreatedMs: float64(p.CreatedMs), ExpiresMs: float64(p.ExpiresMs)}
}

func statusOf(id string, c *pushclient.Client) PushStatus {
	st := c.Status()
	ps := PushStatus{AccountID: id, Enabled: true, State: string(st.State), Reason: st.Reason}
	if !st.RetryAt.IsZero() {
		ps.RetryAtMs = float64(st.RetryAt.UnixMilli())
	}
	ps.Server, _ = c.Registration()
	return ps
}

// PushEnable registers a new device key for the account with the server its
// enrollment URI named, proving it with the account's seed (a registration
// proof, not a code: no time step is spent), keeps the key in the vault and
// connects.
func (a *App) PushEnable(id string) (PushStatus, error) {
	if a.pushCfg.HTTP == nil || a.pushCfg.Dial == nil || a.pushCfg.Keys == nil {
		return PushStatus{}, errPushUnavailable
	}
	var reg pushclient.Registration
	var secret []byte
	var at time.Time
	err := a.read(func(s *accounts.State) error {
		acct, ok := s.Find(id)
		if !ok {
			return accounts.ErrNotFound
		}
		origin, device, ok := acct.PushOffered()
		if !ok {
			return accounts.ErrPushNotOffered
		}
		reg.Server, reg.DeviceID = origin, device
		secret = append([]byte(nil), acct.Key.Secret...)
		at = a.now().Add(s.ClockOffset())
		return nil
	})
	if err != nil {
		return PushStatus{}, err
	}
	defer clear(secret)
	seed, pub, err := a.pushCfg.Keys.Generate(a.rand)
	if err != nil {
		return PushStatus{}, err
	}
	defer clear(seed)
	reg.PublicKey = pub
	if reg.Signer, err = a.pushCfg.Keys.Load(seed); err != nil {
		return PushStatus{}, err
	}
	if err := pushclient.Register(a.pushCfg.HTTP, reg, secret, at); err != nil {
		return PushStatus{}, err
	}
	var old *accounts.PushRegistration
	err = a.mutate(func(s *accounts.State) (*accounts.State, error) {
		n, o, err := s.WithPush(id, &accounts.PushRegistration{Server: reg.Server, DeviceID: reg.DeviceID,
			PrivateKey: append([]byte(nil), seed...), Registered: a.now().UTC().Truncate(time.Millisecond)})
		old = o
		return n, err
	})
	if err != nil {
		return PushStatus{}, err
	}
	if old != nil {
		clear(old.PrivateKey)
	}
	a.push.setPaused(id, time.Time{}, false) // a new key: the server's pause was on the old device
	c, err := a.startPush(id, reg)
	if err != nil {
		return PushStatus{}, err
	}
	return statusOf(id, c), nil
}

// PushDisable forgets the account's key (the server keeps the public key
// until the device is deleted there) and closes its connection.
func (a *App) PushDisable(id string) error {
	var old *accounts.PushRegistration
	err := a.mutate(func(s *accounts.State) (*accounts.State, error) {
		acct, ok := s.Find(id)
		if !ok {
			return nil, accounts.ErrNotFound
		}
		if acct.Push == nil {
			return s, nil
		}
		n, o, err := s.WithPush(id, nil)
		old = o
		return n, err
	})
	if err != nil {
		return err
	}
	a.stopPushFor(id)
	a.push.setPaused(id, time.Time{}, false)
	if old != nil {
		clear(old.PrivateKey)
	}
	return nil
}

// PushStatuses lists every account's push state, in display order.
func (a *App) PushStatuses() ([]PushStatus, error) {
	var out []PushStatus
	err := a.read(func(s *accounts.State) error {
		for _, acct := range s.Accounts() {
			ps := PushStatus{AccountID: acct.ID, State: "off"}
			ps.Server, _, ps.Offered = acct.PushOffered()
			if acct.Push != nil {
				ps.Enabled, ps.Server, ps.State = true, acct.Push.Server, string(pushclient.Stopped)
			}
			out = append(out, ps)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.push.mu.Lock()
	defer a.push.mu.Unlock()
	for i, ps := range out {
		if c := a.push.clients[ps.AccountID]; c != nil && ps.Enabled {
			st := statusOf(ps.AccountID, c)
			st.Offered = ps.Offered
			out[i] = st
		}
		a.push.markPaused(&out[i])
	}
	return out, nil
}

// markPaused sets st's pause; the caller holds p.mu.
func (p *pushState) markPaused(st *PushStatus) {
	if at, ok := p.paused[st.AccountID]; ok && st.Enabled {
		st.Paused, st.PausedAtMs = true, float64(at.UnixMilli())
	}
}

// persistPause keeps the account's pause, as it is in memory when the
// vault is written, in the vault too, so that a reload still knows (the
// mark in memory alone stays while the vault is locked). Reading it under
// the write lock makes the last write the latest state, whatever order
// the events' goroutines run in.
func (a *App) persistPause(id string) {
	_ = a.mutate(func(s *accounts.State) (*accounts.State, error) {
		a.push.mu.Lock()
		at, paused := a.push.paused[id]
		a.push.mu.Unlock()
		var ms int64
		if paused {
			ms = at.UnixMilli()
		}
		return s.WithPushPaused(id, ms)
	})
}

// setPaused records or lifts the pause of an account and reports whether
// it changed.
func (p *pushState) setPaused(id string, at time.Time, paused bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, was := p.paused[id]
	switch {
	case paused && !was:
		if p.paused == nil {
			p.paused = map[string]time.Time{}
		}
		p.paused[id] = at
	case !paused && was:
		delete(p.paused, id)
	}
	return was != paused
}

// PushStart connects every registered account that is not connected (or
// trying to): after unlock, and to retry after a stop.
func (a *App) PushStart() error {
	if a.pushCfg.Dial == nil || a.pushCfg.Keys == nil {
		return errPushUnavailable
	}
	type stored struct {
		id   string
		reg  pushclient.Registration
		seed []byte
	}
	var regs []stored
	err := a.read(func(s *accounts.State) error {
		for _, acct := range s.Accounts() {
			if p := acct.Push; p != nil && len(p.PrivateKey) > 0 {
				regs = append(regs, stored{acct.ID, pushclient.Registration{Server: p.Server, DeviceID: p.DeviceID},
					append([]byte(nil), p.PrivateKey...)})
				if p.PausedMs != 0 { // inferred before a reload
					a.push.setPaused(acct.ID, time.UnixMilli(p.PausedMs), true)
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer func() {
		for _, r := range regs {
			clear(r.seed)
		}
	}()
	var firstErr error
	for _, r := range regs {
		a.push.mu.Lock()
		c := a.push.clients[r.id]
		a.push.mu.Unlock()
		if c != nil && c.Status().State != pushclient.Stopped {
			continue
		}
		// The key is imported for this session (in the browser a
		// non-extractable CryptoKey); the Client drops it when it stops.
		if r.reg.Signer, err = a.pushCfg.Keys.Load(r.seed); err != nil {
			firstErr = cmp.Or(firstErr, err)
			continue
		}
		if _, err := a.startPush(r.id, r.reg); err != nil {
			return err
		}
	}
	return firstErr
}

// PushStop closes every connection (Lock does it too).
func (a *App) PushStop() {
	a.push.mu.Lock()
	clients := a.push.clients
	a.push.clients = nil
	a.push.mu.Unlock()
	for _, c := range clients {
		c.Stop()
	}
}

func (a *App) stopPushFor(id string) {
	a.push.mu.Lock()
	c := a.push.clients[id]
	delete(a.push.clients, id)
	a.push.mu.Unlock()
	if c != nil {
		c.Stop()
	}
}

// stopStalePush stops the clients whose registration is no longer in state
// (another tab deleted the account or turned its prompts off or on again).
func (a *App) stopStalePush(state *accounts.State) {
	a.push.mu.Lock()
	var stale []*pushclient.Client
	for id, c := range a.push.clients {
		_, device := c.Registration()
		if acct, ok := state.Find(id); !ok || acct.Push == nil || acct.Push.DeviceID != device {
			stale = append(stale, c)
			delete(a.push.clients, id)
		}
	}
	a.push.mu.Unlock()
	for _, c := range stale {
		c.Stop()
	}
}

// startPush replaces the account's client by a new one for reg, unless the
// vault was locked meanwhile (importing a key waits for the browser): it
// holds a.mu's read lock while adding the client, so Lock, which sets
// locking before it stops the clients, either stops this one too or is seen
// here.
func (a *App) startPush(id string, reg pushclient.Registration) (*pushclient.Client, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.state == nil || a.locking {
		return nil, vault.ErrLocked
	}
	o := a.pushCfg.Options
	o.Dial = a.pushCfg.Dial // jitter from o.Rand (crypto/rand unless a test sets it)
	server, device := reg.Server, reg.DeviceID
	o.OnEvent = func(e pushclient.Event) { a.pushEvent(id, server, device, e) }
	a.push.mu.Lock()
	old := a.push.clients[id]
	if a.push.clients == nil {
		a.push.clients = map[string]*pushclient.Client{}
	}
	c := pushclient.Start(reg, o)
	a.push.clients[id] = c
	a.push.mu.Unlock()
	if old != nil {
		old.Stop()
	}
	return c, nil
}

func (a *App) pushEvent(id, server, deviceID string, e pushclient.Event) {
	ev := PushEvent{Type: string(e.Kind), AccountID: id}
	switch e.Kind {
	case pushclient.EventStatus:
		st := PushStatus{AccountID: id, Offered: true, Enabled: true, Server: server, State: string(e.Status.State), Reason: e.Status.Reason}
		if !e.Status.RetryAt.IsZero() {
			st.RetryAtMs = float64(e.Status.RetryAt.UnixMilli())
		}
		ev.Status = &st
		if e.Status.Reason == pushclient.ReasonRevoked {
			// The server deleted the registration: so does the vault.
			go a.dropRevoked(id, deviceID)
		}
	case pushclient.EventPrompt:
		p := promptView(id, e.Prompt)
		ev.Prompt = &p
	case pushclient.EventSettled:
		ev.PromptID, ev.Outcome = e.Settled.ChallengeID, e.Settled.Outcome
	}
	if ev.Status != nil {
		a.push.mu.Lock()
		a.push.markPaused(ev.Status)
		a.push.mu.Unlock()
	}
	if a.pushCfg.OnEvent != nil {
		a.pushCfg.OnEvent(ev)
	}
	// A report pauses the account's prompts; a prompt shows the pause is
	// over. Either change is told as the account's status.
	changed := false
	switch {
	case e.Kind == pushclient.EventSettled && e.Settled.Outcome == pushproto.OutcomeReported:
		changed = a.push.setPaused(id, a.now(), true)
	case e.Kind == pushclient.EventPrompt:
		changed = a.push.setPaused(id, time.Time{}, false)
	}
	if changed {
		go a.persistPause(id)
	}
	if changed && a.pushCfg.OnEvent != nil {
		a.push.mu.Lock()
		c := a.push.clients[id]
		var st PushStatus
		if c != nil {
			st = statusOf(id, c)
			st.Offered = true
			a.push.markPaused(&st)
		}
		a.push.mu.Unlock()
		if c != nil {
			a.pushCfg.OnEvent(PushEvent{Type: "status", AccountID: id, Status: &st})
		}
	}
}

// dropRevoked removes a revoked registration if it is still the one stored.
func (a *App) dropRevoked(id, deviceID string) {
	var old *accounts.PushRegistration
	drop := func(s *accounts.State) (*accounts.State, error) {
		acct, ok := s.Find(id)
		if !ok || acct.Push == nil || acct.Push.DeviceID != deviceID {
			return s, nil
		}
		n, o, err := s.WithPush(id, nil)
		old = o
		return n, err
	}
	err := a.mutate(drop)
	if errors.Is(err, errVaultChanged) {
		// Not a person's decision on a stale list but the server's word:
		// apply it to the reloaded vault.
		err = a.mutate(drop)
	}
	if err == nil && old != nil {
		clear(old.PrivateKey)
		if a.pushCfg.OnEvent != nil {
			a.pushCfg.OnEvent(PushEvent{Type: "status", AccountID: id, Status: &PushStatus{AccountID: id, Offered: true,
				State: "off", Reason: pushclient.ReasonRevoked, Server: old.Server}})
		}
	}
}

// PushPrompts lists the prompts waiting for an answer, oldest first.
func (a *App) PushPrompts() ([]PromptView, error) {
	if err := a.read(func(*accounts.State) error { return nil }); err != nil {
		return nil, err
	}
	a.push.mu.Lock()
	defer a.push.mu.Unlock()
	out := []PromptView{}
	for id, c := range a.push.clients {
		for _, p := range c.Prompts() {
			out = append(out, promptView(id, p))
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].CreatedMs != out[j].CreatedMs {
			return out[i].CreatedMs < out[j].CreatedMs
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// PushVerdict is how the server settled the prompt an answer was for.
type PushVerdict struct {
	// Outcome: approved, denied, reported, failed (a wrong number, or the
	// account is locked), expired, cancelled, or rejected (the answer
	// changed nothing: answered elsewhere first, or too late).
	Outcome string `js:"outcome"`
}

// PushAnswer signs and sends a decision ("approve", "deny", "report") on a
// prompt; number is the one picked for an approval. It returns once the
// server has settled the prompt, with its verdict: an approval with a wrong
// number is "failed", not approved.
func (a *App) PushAnswer(promptID, decision string, number int) (PushVerdict, error) {
	if err := a.read(func(*accounts.State) error { return nil }); err != nil {
		return PushVerdict{}, err
	}
	if !pushproto.Decision(decision).Valid() {
		return PushVerdict{}, errArgument("push.answer: decision must be \"approve\", \"deny\" or \"report\"")
	}
	a.push.mu.Lock()
	var owner *pushclient.Client
	for _, c := range a.push.clients {
		for _, p := range c.Prompts() {
			if p.ChallengeID == promptID {
				owner = c
			}
		}
	}
	a.push.mu.Unlock()
	if owner == nil {
		return PushVerdict{}, pushclient.ErrNoPrompt
	}
	outcome, err := owner.Answer(promptID, pushproto.Decision(decision), number)
	return PushVerdict{Outcome: outcome}, err
}
