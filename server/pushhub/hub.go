package pushhub

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/shared/pushproto"
)

// Options tune the hub; zero values get defaults.
type Options struct {
	PingInterval     time.Duration // keepalive ping of an idle connection (default 30 s)
	PongTimeout      time.Duration // how long a ping may wait for its pong (default 10 s)
	WriteTimeout     time.Duration // one frame's write (default 10 s)
	HandshakeTimeout time.Duration // nonce to signed hello (default 10 s)
	QueueLen         int           // frames queued per connection before it is dropped (default 16)
	Observer         Observer      // metrics (optional)
	Log              *slog.Logger
	Rand             io.Reader
	Now              func() time.Time
}

func (o Options) withDefaults() Options {
	if o.PingInterval <= 0 {
		o.PingInterval = 30 * time.Second
	}
	if o.PongTimeout <= 0 {
		o.PongTimeout = 10 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = 10 * time.Second
	}
	if o.QueueLen <= 0 {
		o.QueueLen = 16
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Observer receives the hub's figures (server/metrics implements it).
type Observer interface {
	DeviceConnected(delta int)
	PromptSent()
	PromptDelivered(took time.Duration) // from the prompt's commit to its frame written
	PromptSettled(state string)
}

type nopObserver struct{}

func (nopObserver) DeviceConnected(int)           {}
func (nopObserver) PromptSent()                   {}
func (nopObserver) PromptDelivered(time.Duration) {}
func (nopObserver) PromptSettled(string)          {}

// Hub is the in-process push router.
type Hub struct {
	svc  Service
	opts Options

	mu      sync.Mutex
	conns   map[string]*conn                      // by device id
	byUser  map[string]map[*conn]struct{}         // the same, by user id
	waiters map[string]map[chan struct{}]struct{} // by challenge id
	closed  bool

	// work bounds the goroutines that read the database for another
	// instance's changes (remote.go).
	work chan struct{}
}

// Service is what the hub needs of push sign-in (server/service's Push):
// it authenticates devices and decides their answers; the hub only moves
// frames.
type Service interface {
	AuthenticateDevice(ctx context.Context, nonce []byte, h pushproto.Hello) (auth.PushRegistration, error)
	Pending(ctx context.Context, reg auth.PushRegistration) ([]auth.PushChallenge, error)
	Answer(ctx context.Context, reg auth.PushRegistration, a pushproto.AnswerFrame) (auth.PushChallenge, error)
	// ChallengeState and Registration read what another instance changed
	// (remote.go).
	ChallengeState(ctx context.Context, id string) (auth.PushChallenge, error)
	Registration(ctx context.Context, deviceID string) (auth.PushRegistration, error)
}

// NewHub makes a hub for svc. Pass it to the push service's Enable as its
// notifier.
func NewHub(svc Service, o Options) *Hub {
	return &Hub{svc: svc, opts: o.withDefaults(), conns: map[string]*conn{}, byUser: map[string]map[*conn]struct{}{},
		waiters: map[string]map[chan struct{}]struct{}{}, work: make(chan struct{}, remoteWorkers)}
}

// Connected is the number of live device connections.
func (h *Hub) Connected() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

// Prompt delivers a new challenge to the devices that are connected; the
// others get it when they connect (PendingPrompts).
func (h *Hub) Prompt(c auth.PushChallenge, deviceIDs []string) {
	h.opts.Observer.PromptSent()
	f := promptFrame(c)
	at := time.Now()
	for _, id := range deviceIDs {
		if cn := h.conn(id); cn != nil {
			cn.sendPrompt(c.ID, f, at)
		}
	}
}

func promptFrame(c auth.PushChallenge) []byte {
	return pushproto.EncodePrompt(pushproto.Prompt{
		ChallengeID: c.ID, Numbers: c.Candidates, Service: c.Service, Account: c.Account,
		ClientAddr: c.ClientAddr, Browser: c.Browser, CreatedMs: c.CreatedAt.UnixMilli(), ExpiresMs: c.ExpiresAt.UnixMilli(),
	})
}

// Settled tells the devices to drop the prompt and wakes the browser
// waiting for it.
func (h *Hub) Settled(c auth.PushChallenge, deviceIDs []string) {
	h.opts.Observer.PromptSettled(string(c.State))
	f := pushproto.EncodeSettled(pushproto.Settled{ChallengeID: c.ID, Outcome: string(c.State)})
	for _, id := range deviceIDs {
		if cn := h.conn(id); cn != nil {
			cn.settle(c.ID, f)
		}
	}
	h.wake(c.ID)
}

// Revoked closes the devices' connections.
func (h *Hub) Revoked(deviceIDs []string) {
	for _, id := range deviceIDs {
		if cn := h.conn(id); cn != nil {
			cn.close(statusRevoked, "registration revoked")
		}
	}
}

// Replaced closes the device's connection if it was made with another key
// than publicKey (a newer registration took over): it must not receive the
// account's prompts any longer. The close code tells the authenticator
// that holds the old key to stop, without dropping anything.
func (h *Hub) Replaced(deviceID string, publicKey []byte) {
	if cn := h.conn(deviceID); cn != nil && !sameKey(cn.reg.PublicKey, publicKey) {
		cn.close(statusReplaced, "registration replaced")
	}
}

// Subscribe returns a channel that receives a value whenever the challenge
// may have changed; the caller then reads its state from the database.
// cancel releases it.
func (h *Hub) Subscribe(challengeID string) (wake <-chan struct{}, cancel func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	set := h.waiters[challengeID]
	if set == nil {
		set = map[chan struct{}]struct{}{}
		h.waiters[challengeID] = set
	}
	set[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(set, ch)
		if len(set) == 0 && h.waiters[challengeID] != nil && len(h.waiters[challengeID]) == 0 {
			delete(h.waiters, challengeID)
		}
		h.mu.Unlock()
	}
}

func (h *Hub) wake(challengeID string) {
	h.mu.Lock()
	for ch := range h.waiters[challengeID] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	h.mu.Unlock()
}

func (h *Hub) conn(deviceID string) *conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.conns[deviceID]
}

// attach makes c the device's live connection, closing the one it replaces.
func (h *Hub) attach(c *conn) bool {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return false
	}
	old := h.conns[c.deviceID]
	h.conns[c.deviceID] = c
	if old != nil {
		h.unindex(old)
	}
	set := h.byUser[c.reg.UserID]
	if set == nil {
		set = map[*conn]struct{}{}
		h.byUser[c.reg.UserID] = set
	}
	set[c] = struct{}{}
	h.mu.Unlock()
	if old != nil {
		old.close(statusReplaced, "replaced by a newer connection")
	} else {
		h.opts.Observer.DeviceConnected(1)
	}
	return true
}

// detach forgets c if it is still the device's connection.
func (h *Hub) detach(c *conn) {
	h.mu.Lock()
	gone := h.conns[c.deviceID] == c
	if gone {
		delete(h.conns, c.deviceID)
	}
	h.unindex(c)
	h.mu.Unlock()
	if gone {
		h.opts.Observer.DeviceConnected(-1)
	}
}

// unindex removes c from byUser; h.mu is held.
func (h *Hub) unindex(c *conn) {
	if set := h.byUser[c.reg.UserID]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(h.byUser, c.reg.UserID)
		}
	}
}

// Close closes every connection (server shutdown) and refuses new ones.
func (h *Hub) Close() {
	h.mu.Lock()
	h.closed = true
	all := make([]*conn, 0, len(h.conns))
	for _, c := range h.conns {
		all = append(all, c)
	}
	h.mu.Unlock()
	for _, c := range all {
		c.close(websocket.StatusGoingAway, "server shutting down")
	}
}
