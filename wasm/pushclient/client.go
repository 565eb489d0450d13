package pushclient

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/twofold-auth/twofold/shared/errcode"

	"github.com/twofold-auth/twofold/shared/pushproto"
)

// Transport is one open websocket to the device socket, binary frames.
// Receive blocks until a frame arrives; once the connection is closed (by
// either side) it returns a *CloseError. Close may be called more than once
// and from any goroutine; it makes a blocked Receive return.
type Transport interface {
	Send(frame []byte) error
	Receive() ([]byte, error)
	Close(code int, reason string)
}

// Dialer opens a Transport to a ws:// or wss:// URL. It returns when the
// connection is open or has failed.
type Dialer func(url string) (Transport, error)

// CloseError is how a Transport reports the end of a connection: the close
// code the server sent (1006 when there was none).
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string {
	return "push: connection closed (" + strconv.Itoa(e.Code) + " " + e.Reason + ")"
}

// Close codes the server uses (docs/push.md); after them the client stops.
const (
	CloseReplaced = 4000 // a newer connection of this device took over
	CloseRevoked  = 4001 // the registration is gone: drop it
	CloseRejected = 4003 // the hello did not verify
)

// State is a connection's state.
type State string

// The states a Client goes through.
const (
	Connecting State = "connecting"
	Connected  State = "connected" // hello verified, prompts arrive
	Waiting    State = "waiting"   // between attempts (backoff)
	Stopped    State = "stopped"   // for good; Reason says why
)

// Reasons a Client stopped.
const (
	ReasonStopped  = "stopped"  // Stop was called
	ReasonReplaced = "replaced" // close 4000
	ReasonRevoked  = "revoked"  // close 4001
	ReasonRejected = "rejected" // close 4003
)

// Status is a Client's state; RetryAt is set while Waiting, Reason while
// Waiting (the last error) or Stopped.
type Status struct {
	State   State
	Reason  string
	RetryAt time.Time
}

// EventKind tells what an Event reports.
type EventKind string

// Event kinds.
const (
	EventStatus  EventKind = "status"
	EventPrompt  EventKind = "prompt"  // a new prompt to show
	EventSettled EventKind = "settled" // a prompt was answered (here or elsewhere) or expired
)

// Event is what a Client reports through Options.OnEvent.
type Event struct {
	Kind    EventKind
	Status  Status
	Prompt  pushproto.Prompt
	Settled pushproto.Settled
}

// Errors of Answer.
var (
	ErrNoPrompt   = errcode.New("prompt_gone", "this sign-in prompt is no longer waiting for an answer")
	ErrExpired    = errcode.New("prompt_expired", "this sign-in prompt has expired")
	ErrNumber     = errcode.New("wrong_number", "pick one of the three numbers shown")
	ErrDecision   = errcode.New("bad_argument", "the answer must be approve, deny or report")
	ErrOffline    = errcode.New("offline", "not connected to the server; the answer was not sent")
	ErrNoVerdict  = errcode.New("no_verdict", "the answer was sent, but the server did not say how the sign-in ended; the sign-in page shows it")
	ErrNotOffered = errcode.New("push_not_offered", "this account's enrollment did not offer sign-in prompts")
)

// Options configure a Client; zero fields get defaults.
type Options struct {
	Dial       Dialer
	Rand       io.Reader                            // jitter (crypto/rand)
	Now        func() time.Time                     // time.Now
	After      func(time.Duration) <-chan time.Time // time.After, in effect
	OnEvent    func(Event)                          // called from the Client's goroutine; keep it short
	MinBackoff time.Duration                        // first retry delay (1 s)
	MaxBackoff time.Duration                        // cap (5 min)
}

func (o Options) withDefaults() Options {
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.After == nil {
		o.After = after
	}
	if o.OnEvent == nil {
		o.OnEvent = func(Event) {}
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = time.Second
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(5*time.Minute, o.MinBackoff)
	}
	return o
}

// after is time.After built on time.AfterFunc: time.After's timer holds its
// channel of time.Time as an interface value, which makes the linker keep
// time's formatting code in the WebAssembly (see shared/pbwire).
func after(d time.Duration) <-chan time.Time {
	c := make(chan time.Time, 1)
	time.AfterFunc(d, func() { c <- time.Now() })
	return c
}

// Backoff is the delay before retry number attempt (0-based): the doubling
// step lo·2^attempt, capped at hi, with jitter drawn from r in its upper
// half, so it lies in [step/2, step].
func Backoff(attempt int, lo, hi time.Duration, r uint64) time.Duration {
	step := hi
	if attempt < 40 && lo<<attempt < hi && lo<<attempt > 0 {
		step = lo << attempt
	}
	half := step / 2
	return half + time.Duration(r%uint64(step-half+1))
}

// Client keeps one registration connected and answers its prompts.
type Client struct {
	o    Options
	stop chan struct{}
	done chan struct{}

	mu      sync.Mutex
	reg     Registration // Signer dropped by Stop
	t       Transport    // the live connection, nil between connections
	status  Status
	prompts map[string]pushproto.Prompt
	gone    map[string]int64 // answered or settled prompts (id → expiry), so a late duplicate is not shown again
	skewMs  int64            // server clock − device clock, from Ready
	stopped bool

	// verdicts wait for the Settled frame of an answer sent: the server's
	// verdict on it ("" when the connection ended first).
	verdicts map[string]chan string
}

// Start connects reg in a new goroutine; reg.Signer signs its hellos and
// answers until the Client stops, which drops it.
func Start(reg Registration, o Options) *Client {
	reg.PublicKey = nil
	c := &Client{o: o.withDefaults(), stop: make(chan struct{}), done: make(chan struct{}),
		reg: reg, prompts: map[string]pushproto.Prompt{}, gone: map[string]int64{}, verdicts: map[string]chan string{},
		status: Status{State: Connecting}}
	go c.run()
	return c
}

// Done is closed when the Client has stopped for good.
func (c *Client) Done() <-chan struct{} { return c.done }

// Stop closes the connection, forgets the prompts and drops the Signer. It
// does not wait for the goroutine (Done does).
func (c *Client) Stop() { c.halt(Status{State: Stopped, Reason: ReasonStopped}) }

// halt stops the client with st unless it is already stopped.
func (c *Client) halt(st Status) bool {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return false
	}
	c.stopped = true
	close(c.stop)
	t := c.t
	c.t = nil
	c.reg.Signer = nil
	c.prompts = map[string]pushproto.Prompt{}
	c.status = st
	c.noVerdicts()
	c.mu.Unlock()
	if t != nil {
		t.Close(1000, "")
	}
	return true
}

// Status is the connection's state now.
func (c *Client) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

// Registration names the server and device (without the key).
func (c *Client) Registration() (server, deviceID string) { return c.reg.Server, c.reg.DeviceID }

func (c *Client) setStatus(st Status) {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return
	}
	c.status = st
	c.mu.Unlock()
	c.o.OnEvent(Event{Kind: EventStatus, Status: st})
}

func (c *Client) run() {
	defer close(c.done)
	attempt := 0
	for {
		c.setStatus(Status{State: Connecting})
		err := c.connect(&attempt)
		var ce *CloseError
		if errors.As(err, &ce) {
			reason := map[int]string{CloseReplaced: ReasonReplaced, CloseRevoked: ReasonRevoked, CloseRejected: ReasonRejected}[ce.Code]
			if reason != "" {
				st := Status{State: Stopped, Reason: reason}
				if c.halt(st) {
					c.o.OnEvent(Event{Kind: EventStatus, Status: st})
				}
				return
			}
		}
		d := Backoff(attempt, c.o.MinBackoff, c.o.MaxBackoff, c.random())
		attempt++
		msg := "connection failed"
		if err != nil {
			msg = err.Error()
		}
		c.setStatus(Status{State: Waiting, Reason: msg, RetryAt: c.o.Now().Add(d)})
		select {
		case <-c.o.After(d):
		case <-c.stop:
			return
		}
	}
}

func (c *Client) random() uint64 {
	var b [8]byte
	_, _ = io.ReadFull(c.o.Rand, b[:]) // a failing reader gives no jitter, never a stop
	return binary.BigEndian.Uint64(b[:])
}

// connect runs one connection until it ends; a connection that reached
// Ready resets the backoff.
func (c *Client) connect(attempt *int) error {
	select {
	case <-c.stop:
		return &CloseError{Code: 1000}
	default:
	}
	t, err := c.o.Dial(SocketURL(c.reg.Server))
	if err != nil {
		return err
	}
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		t.Close(1000, "")
		return &CloseError{Code: 1000}
	}
	c.t = t
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		if c.t == t {
			c.t = nil
		}
		c.noVerdicts()
		c.mu.Unlock()
		t.Close(1000, "")
	}()
	return c.session(t, attempt)
}

func receive(t Transport) (pushproto.Frame, error) {
	b, err := t.Receive()
	if err != nil {
		return pushproto.Frame{}, err
	}
	return pushproto.Decode(b)
}

// session: nonce in, signed hello out, ready in, then prompts.
func (c *Client) session(t Transport, attempt *int) error {
	f, err := receive(t)
	if err != nil {
		return err
	}
	nonce, err := f.Nonce()
	if err != nil {
		return err
	}
	c.mu.Lock()
	signer := c.reg.Signer
	c.mu.Unlock()
	if signer == nil { // stopped
		return &CloseError{Code: 1000}
	}
	sig, err := signer.Sign(pushproto.HelloMessage(nonce, c.reg.Server, c.reg.DeviceID))
	if err != nil {
		return err
	}
	if err := t.Send(pushproto.EncodeHello(pushproto.Hello{DeviceID: c.reg.DeviceID, Signature: sig})); err != nil {
		return err
	}
	if f, err = receive(t); err != nil {
		return err
	}
	serverMs, err := f.Ready()
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.skewMs = serverMs - c.o.Now().UnixMilli()
	c.mu.Unlock()
	*attempt = 0
	c.setStatus(Status{State: Connected})
	for {
		if f, err = receive(t); err != nil {
			return err
		}
		switch f.Kind {
		case pushproto.KindPrompt:
			p, err := f.Prompt()
			if err != nil {
				return err
			}
			if c.addPrompt(p) {
				c.o.OnEvent(Event{Kind: EventPrompt, Prompt: p})
			}
		case pushproto.KindSettled:
			s, err := f.Settled()
			if err != nil {
				return err
			}
			c.mu.Lock()
			c.forget(s.ChallengeID, c.serverNowMs()+10*60*1000)
			if v, ok := c.verdicts[s.ChallengeID]; ok {
				v <- s.Outcome
				delete(c.verdicts, s.ChallengeID)
			}
			c.mu.Unlock()
			c.o.OnEvent(Event{Kind: EventSettled, Settled: s})
		}
		// Other kinds are from a newer server: ignored.
	}
}

// serverNowMs is the device clock corrected by the server's; the caller
// holds mu.
func (c *Client) serverNowMs() int64 { return c.o.Now().UnixMilli() + c.skewMs }

// forget removes a prompt and remembers its id until untilMs; the caller
// holds mu.
func (c *Client) forget(id string, untilMs int64) {
	if p, ok := c.prompts[id]; ok {
		untilMs = max(untilMs, p.ExpiresMs)
	}
	delete(c.prompts, id)
	now := c.serverNowMs()
	for g, until := range c.gone {
		if until <= now {
			delete(c.gone, g)
		}
	}
	c.gone[id] = untilMs
}

func (c *Client) addPrompt(p pushproto.Prompt) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, dup := c.prompts[p.ChallengeID]
	_, gone := c.gone[p.ChallengeID]
	if dup || gone || c.stopped || p.ExpiresMs <= c.serverNowMs() {
		return false
	}
	c.prompts[p.ChallengeID] = p
	return true
}

// Prompts returns the prompts waiting for an answer, oldest first; expired
// ones are dropped.
func (c *Client) Prompts() []pushproto.Prompt {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.serverNowMs()
	out := make([]pushproto.Prompt, 0, len(c.prompts))
	for id, p := range c.prompts {
		if p.ExpiresMs <= now {
			delete(c.prompts, id)
			continue
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].CreatedMs != out[j].CreatedMs {
			return out[i].CreatedMs < out[j].CreatedMs
		}
		return out[i].ChallengeID < out[j].ChallengeID
	})
	return out
}

// verdictWait bounds the wait for the server's verdict on an answer on a
// connection that stays open but says nothing (the server settles within
// milliseconds).
const verdictWait = 30 * time.Second

// Answer signs and sends the decision on prompt id, then waits for the
// server's verdict on it and returns it: the outcome of the Settled frame
// that ends the challenge (approved, denied, reported, failed for a wrong
// number or a locked account, expired, cancelled), or rejected when the
// answer changed nothing (answered elsewhere first, too late). number is the
// one the person picked for an approval (it must be one of the three shown);
// it is 0 for deny and report. The prompt leaves the list once sent. If the
// connection ends before the verdict, or none comes within verdictWait,
// Answer returns ErrNoVerdict, and a prompt the server still holds pending
// is shown again when the device reconnects. Signing may wait for the
// browser, so it happens without the lock; the prompt and the connection are
// checked again after.
func (c *Client) Answer(id string, d pushproto.Decision, number int) (string, error) {
	if !d.Valid() {
		return "", ErrDecision
	}
	c.mu.Lock()
	p, err := c.answerable(id, d, &number)
	signer := c.reg.Signer
	c.mu.Unlock()
	if err != nil {
		return "", err
	}
	msg := pushproto.Answer{Origin: c.reg.Server, ChallengeID: id, Decision: d, Number: number, DeviceID: c.reg.DeviceID}.Message()
	sig, err := signer.Sign(msg)
	if err != nil {
		return "", errors.New("signing the answer: " + err.Error())
	}
	f := pushproto.EncodeAnswer(pushproto.AnswerFrame{ChallengeID: id, Decision: d, Number: number, Signature: sig})
	c.mu.Lock()
	if _, err := c.answerable(id, d, &number); err != nil { // answered meanwhile, expired, or offline
		c.mu.Unlock()
		return "", err
	}
	if err := c.t.Send(f); err != nil {
		c.mu.Unlock()
		return "", ErrOffline
	}
	verdict := make(chan string, 1)
	c.verdicts[id] = verdict
	c.forget(id, p.ExpiresMs)
	c.mu.Unlock()
	select {
	case outcome := <-verdict:
		if outcome == "" {
			return "", ErrNoVerdict
		}
		return outcome, nil
	case <-c.o.After(verdictWait):
		c.mu.Lock()
		delete(c.verdicts, id)
		c.mu.Unlock()
		return "", ErrNoVerdict
	}
}

// noVerdicts ends the waits of answers sent on a connection that ended (or
// a Client that stopped): no verdict will come on it. Their prompts may be
// shown again if the server still has them pending. The caller holds mu.
func (c *Client) noVerdicts() {
	for id, v := range c.verdicts {
		v <- ""
		delete(c.verdicts, id)
		delete(c.gone, id)
	}
}

// answerable checks that prompt id waits for an answer, that number is one
// of its numbers for an approval (it becomes 0 otherwise) and that the
// Client is connected; the caller holds mu.
func (c *Client) answerable(id string, d pushproto.Decision, number *int) (pushproto.Prompt, error) {
	p, ok := c.prompts[id]
	if !ok {
		return p, ErrNoPrompt
	}
	if p.ExpiresMs <= c.serverNowMs() {
		delete(c.prompts, id)
		return p, ErrExpired
	}
	if d != pushproto.Approve {
		*number = 0
	} else if n := *number; n != p.Numbers[0] && n != p.Numbers[1] && n != p.Numbers[2] {
		return p, ErrNumber
	}
	if c.t == nil || c.stopped || c.reg.Signer == nil {
		return p, ErrOffline
	}
	return p, nil
}
