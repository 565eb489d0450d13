package pushclient

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/pushproto"
)

const origin = "https://id.example.com"

var (
	seed = bytes.Repeat([]byte{5}, ed25519.SeedSize)
	pub  = ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	t0   = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
)

// edSigner signs with crypto/ed25519 directly, so the tests also run for
// GOOS=js, where HostKeys does not exist.
type edSigner struct{}

func (edSigner) Sign(msg []byte) ([]byte, error) {
	return ed25519.Sign(ed25519.NewKeyFromSeed(seed), msg), nil
}

// failingSigner fails (like a browser without Ed25519) once broken is set.
type failingSigner struct {
	mu     sync.Mutex
	broken bool
}

func (s *failingSigner) Sign(msg []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken {
		return nil, errors.New("NotSupportedError: Ed25519")
	}
	return edSigner{}.Sign(msg)
}

func (s *failingSigner) breakNow() { s.mu.Lock(); s.broken = true; s.mu.Unlock() }

func verifies(msg, sig []byte) bool { return ed25519.Verify(pub, msg, sig) }

// fakeConn is one connection; the test plays the server.
type fakeConn struct {
	in     chan []byte // server → client
	out    chan []byte // client → server
	closed chan struct{}
	once   sync.Once
	code   int
}

func newFakeConn() *fakeConn {
	return &fakeConn{in: make(chan []byte, 16), out: make(chan []byte, 16), closed: make(chan struct{})}
}

func (f *fakeConn) Send(b []byte) error {
	select {
	case <-f.closed:
		return &CloseError{Code: f.code}
	default:
	}
	f.out <- b
	return nil
}

func (f *fakeConn) Receive() ([]byte, error) {
	select {
	case b := <-f.in:
		return b, nil
	case <-f.closed:
		return nil, &CloseError{Code: f.code}
	}
}

func (f *fakeConn) Close(code int, _ string) { f.once.Do(func() { f.code = code; close(f.closed) }) }

// serverClose is the server closing with code.
func (f *fakeConn) serverClose(code int) { f.Close(code, "") }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// harness runs a Client over fake connections, a frozen clock and timers
// the test fires.
type harness struct {
	t      *testing.T
	clock  *clock
	dials  chan Transport // what the next Dial returns (nil: a failure)
	urls   chan string
	waits  chan time.Duration
	fire   chan time.Time
	events chan Event
	c      *Client
}

func start(t *testing.T, rnd uint64) *harness { return startWith(t, rnd, edSigner{}) }

func startWith(t *testing.T, rnd uint64, signer Signer) *harness {
	h := &harness{t: t, clock: &clock{t: t0}, dials: make(chan Transport, 8), urls: make(chan string, 8),
		waits: make(chan time.Duration, 8), fire: make(chan time.Time), events: make(chan Event, 64)}
	r := bytes.NewReader(bytes.Repeat([]byte{byte(rnd)}, 1024))
	h.c = Start(Registration{Server: origin, DeviceID: "dev_1", Signer: signer}, Options{
		Dial: func(url string) (Transport, error) {
			h.urls <- url
			if tr := <-h.dials; tr != nil {
				return tr, nil
			}
			return nil, errors.New("refused")
		},
		Rand:       r,
		Now:        h.clock.Now,
		After:      func(d time.Duration) <-chan time.Time { h.waits <- d; return h.fire },
		OnEvent:    func(e Event) { h.events <- e },
		MinBackoff: time.Second,
		MaxBackoff: time.Minute,
	})
	t.Cleanup(func() { h.c.Stop(); close(h.dials); <-h.c.Done() })
	return h
}

// within bounds a wait so a hung test fails instead of hanging; it measures
// nothing.
const within = 10 * time.Second

func (h *harness) event(kind EventKind, state State) Event {
	h.t.Helper()
	for {
		select {
		case e := <-h.events:
			if e.Kind == kind && (kind != EventStatus || e.Status.State == state) {
				return e
			}
		case <-time.After(within):
			h.t.Fatalf("no %s %s event", kind, state)
		}
	}
}

func (h *harness) frame(c *fakeConn) pushproto.Frame {
	h.t.Helper()
	select {
	case b := <-c.out:
		f, err := pushproto.Decode(b)
		if err != nil {
			h.t.Fatal(err)
		}
		return f
	case <-time.After(within):
		h.t.Fatal("no frame from the client")
	}
	return pushproto.Frame{}
}

func (h *harness) wait() time.Duration {
	h.t.Helper()
	select {
	case d := <-h.waits:
		return d
	case <-time.After(within):
		h.t.Fatal("the client did not wait")
	}
	return 0
}

// connect hands the client a connection and plays the handshake, the server
// clock skewMs ahead of the device's.
func (h *harness) connect(skewMs int64) *fakeConn {
	h.t.Helper()
	c := newFakeConn()
	if url := <-h.urls; url != "wss://id.example.com/api/v1/push/ws" {
		h.t.Fatalf("dialled %q", url)
	}
	h.dials <- c
	nonce := bytes.Repeat([]byte{9}, pushproto.NonceSize)
	c.in <- pushproto.EncodeNonce(nonce)
	hello, err := h.frame(c).Hello()
	if err != nil {
		h.t.Fatal(err)
	}
	if hello.DeviceID != "dev_1" {
		h.t.Fatalf("hello from %q", hello.DeviceID)
	}
	if !verifies(pushproto.HelloMessage(nonce, origin, "dev_1"), hello.Signature) {
		h.t.Fatal("the hello signature does not verify")
	}
	c.in <- pushproto.EncodeReady(h.clock.Now().UnixMilli() + skewMs)
	h.event(EventStatus, Connected)
	return c
}

func prompt(id string, expires time.Time) pushproto.Prompt {
	return pushproto.Prompt{ChallengeID: id, Numbers: [3]int{12, 47, 83}, Service: "Twofold", Account: "a@example.com",
		ClientAddr: "192.0.2.1", Browser: "Firefox on Linux", CreatedMs: t0.UnixMilli(), ExpiresMs: expires.UnixMilli()}
}

func TestPromptAndSignedAnswer(t *testing.T) {
	h := start(t, 0)
	c := h.connect(0)
	p := prompt("pch_1", t0.Add(time.Minute))
	c.in <- pushproto.EncodePrompt(p)
	if e := h.event(EventPrompt, ""); e.Prompt != p {
		t.Fatalf("prompt event %+v", e.Prompt)
	}
	c.in <- pushproto.EncodePrompt(p) // a duplicate (hub and pending query) is not shown twice
	if got := h.c.Prompts(); len(got) != 1 || got[0] != p {
		t.Fatalf("prompts %+v", got)
	}
	for _, tc := range []struct {
		id  string
		d   pushproto.Decision
		n   int
		err error
	}{
		{"pch_1", pushproto.Approve, 13, ErrNumber},
		{"pch_1", "maybe", 12, ErrDecision},
		{"pch_2", pushproto.Approve, 12, ErrNoPrompt},
	} {
		if _, err := h.c.Answer(tc.id, tc.d, tc.n); !errors.Is(err, tc.err) {
			t.Errorf("Answer(%s, %s, %d) = %v, want %v", tc.id, tc.d, tc.n, err, tc.err)
		}
	}
	verdict := h.answer("pch_1", pushproto.Approve, 47)
	a, err := h.frame(c).Answer()
	if err != nil {
		t.Fatal(err)
	}
	// The signed bytes are exactly shared/pushproto's.
	msg := pushproto.Answer{Origin: origin, ChallengeID: "pch_1", Decision: pushproto.Approve, Number: 47, DeviceID: "dev_1"}.Message()
	if a.ChallengeID != "pch_1" || a.Decision != pushproto.Approve || a.Number != 47 || !verifies(msg, a.Signature) {
		t.Fatalf("answer %+v does not verify", a)
	}
	if len(h.c.Prompts()) != 0 {
		t.Fatal("an answered prompt is still listed")
	}
	c.in <- pushproto.EncodeSettled(pushproto.Settled{ChallengeID: "pch_1", Outcome: pushproto.OutcomeApproved})
	if e := h.event(EventSettled, ""); e.Settled.Outcome != pushproto.OutcomeApproved {
		t.Fatalf("settled %+v", e.Settled)
	}
	if v := h.verdict(verdict); v.outcome != pushproto.OutcomeApproved || v.err != nil {
		t.Fatalf("Answer returned %+v, want the server's verdict approved", v)
	}
}

type verdict struct {
	outcome string
	err     error
}

// answer runs Answer in its own goroutine (it waits for the server's
// verdict) and returns where its result arrives.
func (h *harness) answer(id string, d pushproto.Decision, n int) <-chan verdict {
	ch := make(chan verdict, 1)
	go func() {
		o, err := h.c.Answer(id, d, n)
		ch <- verdict{o, err}
	}()
	return ch
}

func (h *harness) verdict(ch <-chan verdict) verdict {
	h.t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(within):
		h.t.Fatal("Answer did not return")
	}
	return verdict{}
}

// TestAnswerReturnsTheServersVerdict: an approval is not a success until
// the server says so. A wrong number comes back as "failed"; an answer that
// met another device's is told how the prompt ended first; a connection that
// drops before the verdict says so, and the prompt, still pending at the
// server, is shown again after the reconnection.
func TestAnswerReturnsTheServersVerdict(t *testing.T) {
	h := start(t, 0)
	c := h.connect(0)
	c.in <- pushproto.EncodePrompt(prompt("pch_1", t0.Add(time.Minute)))
	h.event(EventPrompt, "")
	pending := h.answer("pch_1", pushproto.Approve, 12)
	h.frame(c)
	select {
	case v := <-pending:
		t.Fatalf("Answer returned %+v before the server settled the prompt", v)
	default:
	}
	if _, err := h.c.Answer("pch_1", pushproto.Approve, 12); !errors.Is(err, ErrNoPrompt) {
		t.Fatalf("a second answer while the first waits: %v", err)
	}
	c.in <- pushproto.EncodeSettled(pushproto.Settled{ChallengeID: "pch_1", Outcome: pushproto.OutcomeFailed})
	if v := h.verdict(pending); v.outcome != pushproto.OutcomeFailed || v.err != nil {
		t.Fatalf("wrong number: %+v, want failed", v)
	}

	// Another device approved first: that is how the prompt ended; the
	// rejection of this answer that follows changes nothing.
	c.in <- pushproto.EncodePrompt(prompt("pch_2", t0.Add(time.Minute)))
	h.event(EventPrompt, "")
	pending = h.answer("pch_2", pushproto.Deny, 0)
	h.frame(c)
	c.in <- pushproto.EncodeSettled(pushproto.Settled{ChallengeID: "pch_2", Outcome: pushproto.OutcomeApproved})
	c.in <- pushproto.EncodeSettled(pushproto.Settled{ChallengeID: "pch_2", Outcome: pushproto.OutcomeRejected})
	if v := h.verdict(pending); v.outcome != pushproto.OutcomeApproved || v.err != nil {
		t.Fatalf("answered elsewhere first: %+v", v)
	}

	// The connection drops before the verdict.
	c.in <- pushproto.EncodePrompt(prompt("pch_3", t0.Add(time.Minute)))
	h.event(EventPrompt, "")
	pending = h.answer("pch_3", pushproto.Approve, 47)
	h.frame(c)
	c.serverClose(1006)
	if v := h.verdict(pending); !errors.Is(v.err, ErrNoVerdict) {
		t.Fatalf("dropped before the verdict: %+v", v)
	}
	h.event(EventStatus, Waiting)
	h.fire <- t0
	c = h.connect(0)
	c.in <- pushproto.EncodePrompt(prompt("pch_3", t0.Add(time.Minute))) // still pending at the server
	if e := h.event(EventPrompt, ""); e.Prompt.ChallengeID != "pch_3" {
		t.Fatalf("prompt %+v", e.Prompt)
	}
	if got := h.c.Prompts(); len(got) != 1 || got[0].ChallengeID != "pch_3" {
		t.Fatalf("prompts %+v", got)
	}
}

func TestDenyAndReportSignZero(t *testing.T) {
	h := start(t, 0)
	c := h.connect(0)
	outcomes := map[pushproto.Decision]string{pushproto.Deny: pushproto.OutcomeDenied, pushproto.Report: pushproto.OutcomeReported}
	for i, d := range []pushproto.Decision{pushproto.Deny, pushproto.Report} {
		id := "pch_" + string(rune('a'+i))
		c.in <- pushproto.EncodePrompt(prompt(id, t0.Add(time.Minute)))
		h.event(EventPrompt, "")
		pending := h.answer(id, d, 47)
		a, _ := h.frame(c).Answer()
		msg := pushproto.Answer{Origin: origin, ChallengeID: id, Decision: d, Number: 0, DeviceID: "dev_1"}.Message()
		if a.Number != 0 || !verifies(msg, a.Signature) {
			t.Fatalf("%s: %+v", d, a)
		}
		c.in <- pushproto.EncodeSettled(pushproto.Settled{ChallengeID: id, Outcome: outcomes[d]})
		if v := h.verdict(pending); v.outcome != outcomes[d] {
			t.Fatalf("%s: verdict %+v", d, v)
		}
	}
}

func TestExpiryUsesServerClock(t *testing.T) {
	h := start(t, 0)
	// The server's clock is 20 s ahead: a prompt expiring at t0+30s (server
	// time) has 10 s left by the device's clock.
	c := h.connect(20_000)
	c.in <- pushproto.EncodePrompt(prompt("pch_1", t0.Add(30*time.Second)))
	c.in <- pushproto.EncodePrompt(prompt("pch_old", t0.Add(10*time.Second))) // already expired: not shown
	h.event(EventPrompt, "")
	c.in <- pushproto.EncodePrompt(prompt("pch_2", t0.Add(90*time.Second)))
	h.event(EventPrompt, "")
	if got := h.c.Prompts(); len(got) != 2 {
		t.Fatalf("prompts %+v", got)
	}
	h.clock.Advance(10 * time.Second)
	if _, err := h.c.Answer("pch_1", pushproto.Approve, 12); !errors.Is(err, ErrExpired) {
		t.Fatalf("answer after expiry: %v", err)
	}
	if got := h.c.Prompts(); len(got) != 1 || got[0].ChallengeID != "pch_2" {
		t.Fatalf("prompts after expiry %+v", got)
	}
}

func TestStopsOnCloseCodes(t *testing.T) {
	for code, reason := range map[int]string{CloseReplaced: ReasonReplaced, CloseRevoked: ReasonRevoked, CloseRejected: ReasonRejected} {
		h := start(t, 0)
		c := h.connect(0)
		c.in <- pushproto.EncodePrompt(prompt("pch_1", t0.Add(time.Minute)))
		h.event(EventPrompt, "")
		c.serverClose(code)
		if e := h.event(EventStatus, Stopped); e.Status.Reason != reason {
			t.Errorf("close %d: reason %q", code, e.Status.Reason)
		}
		select {
		case <-h.c.Done():
		case <-time.After(within):
			t.Fatalf("close %d: the client goes on", code)
		}
		if len(h.c.Prompts()) != 0 || len(h.urls) != 0 || len(h.waits) != 0 {
			t.Errorf("close %d: prompts kept, or a reconnect", code)
		}
		if _, err := h.c.Answer("pch_1", pushproto.Approve, 12); err == nil {
			t.Errorf("close %d: answered after stop", code)
		}
	}
	// A hello refused during the handshake stops too.
	h := start(t, 0)
	<-h.urls
	c := newFakeConn()
	h.dials <- c
	c.in <- pushproto.EncodeNonce(bytes.Repeat([]byte{1}, pushproto.NonceSize))
	h.frame(c)
	c.serverClose(CloseRejected)
	if e := h.event(EventStatus, Stopped); e.Status.Reason != ReasonRejected {
		t.Fatalf("reason %q", e.Status.Reason)
	}
}

func TestReconnectsWithBackoff(t *testing.T) {
	h := start(t, 0) // no jitter: each wait is half the step
	var got []time.Duration
	for range 3 {
		<-h.urls
		h.dials <- nil // refused
		h.event(EventStatus, Waiting)
		got = append(got, h.wait())
		h.fire <- t0
	}
	if got[0] != time.Second/2 || got[1] != time.Second || got[2] != 2*time.Second {
		t.Fatalf("waits %v", got)
	}
	// A connection that reached Ready resets the backoff; a dropped one
	// (no close code, or an ordinary one) is retried.
	c := h.connect(0)
	c.serverClose(1006)
	if d := h.wait(); d != time.Second/2 {
		t.Fatalf("wait after a ready connection %v", d)
	}
	h.fire <- t0
	c = h.connect(0)
	c.in <- []byte{0xff, 0, 0, 0, 9} // malformed: drop and retry
	if d := h.wait(); d != time.Second/2 {
		t.Fatalf("wait after a malformed frame %v", d)
	}
	h.c.Stop()
	select {
	case <-h.c.Done():
	case <-time.After(within):
		t.Fatal("Stop during a wait did not end the client")
	}
	if st := h.c.Status(); st.State != Stopped || st.Reason != ReasonStopped {
		t.Fatalf("status %+v", st)
	}
}

// TestSigningFails: a refused signature fails the answer (the prompt stays,
// to retry) and, for the hello, the connection, which is retried.
func TestSigningFails(t *testing.T) {
	signer := &failingSigner{}
	h := startWith(t, 0, signer)
	c := h.connect(0)
	c.in <- pushproto.EncodePrompt(prompt("pch_1", t0.Add(time.Minute)))
	h.event(EventPrompt, "")
	signer.breakNow()
	if _, err := h.c.Answer("pch_1", pushproto.Approve, 47); err == nil || !strings.Contains(err.Error(), "NotSupportedError") {
		t.Fatalf("answer with a failing signer: %v", err)
	}
	if len(h.c.Prompts()) != 1 || len(c.out) != 0 {
		t.Fatal("a failed answer was sent or dropped the prompt")
	}
	c.serverClose(1006)
	h.event(EventStatus, Waiting)
	h.wait()
	h.fire <- t0
	<-h.urls
	c = newFakeConn()
	h.dials <- c
	c.in <- pushproto.EncodeNonce(bytes.Repeat([]byte{9}, pushproto.NonceSize))
	if e := h.event(EventStatus, Waiting); !strings.Contains(e.Status.Reason, "NotSupportedError") || len(c.out) != 0 {
		t.Fatalf("hello with a failing signer: %+v", e.Status)
	}
}

func TestBackoffBounds(t *testing.T) {
	lo, hi := time.Second, 5*time.Minute
	for attempt := range 70 {
		step := hi
		if attempt < 9 {
			step = lo << attempt
		}
		for _, r := range []uint64{0, 1, 12345, math.MaxUint64 / 3, math.MaxUint64} {
			d := Backoff(attempt, lo, hi, r)
			if d < step/2 || d > step || d > hi {
				t.Fatalf("attempt %d r %d: %v outside [%v, %v]", attempt, r, d, step/2, step)
			}
		}
	}
	if Backoff(0, lo, hi, 0) != lo/2 || Backoff(100, lo, hi, math.MaxUint64) > hi {
		t.Fatal("bounds")
	}
}

func TestRegisterRequest(t *testing.T) {
	seed, at := []byte("12345678901234567890"), time.Unix(1_800_000_000, 0)
	req, err := RegisterRequest(Registration{Server: origin, DeviceID: "dev_abc", PublicKey: pub}, seed, at)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		DeviceID  string `json:"device_id"`
		PublicKey string `json:"public_key"`
		At        int64  `json:"at"`
		Proof     string `json:"proof"`
	}
	dec := json.NewDecoder(bytes.NewReader(req.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		t.Fatal(err)
	}
	got, _ := base64.RawURLEncoding.DecodeString(body.PublicKey)
	proof, _ := base64.RawURLEncoding.DecodeString(body.Proof)
	if req.URL != origin+"/api/v1/push/registrations" || body.DeviceID != "dev_abc" || body.At != at.Unix() || !bytes.Equal(got, pub) ||
		!pushproto.CheckRegistrationProof(seed, origin, "dev_abc", pub, body.At, proof, at) {
		t.Fatalf("%s %s", req.URL, req.Body)
	}
	for name, r := range map[string]Registration{
		"quote in device": {Server: origin, DeviceID: `dev"`, PublicKey: pub},
		"no device":       {Server: origin, PublicKey: pub},
		"bad origin":      {Server: "ftp://x", DeviceID: "dev", PublicKey: pub},
		"short key":       {Server: origin, DeviceID: "dev", PublicKey: pub[:5]},
	} {
		if _, err := RegisterRequest(r, seed, at); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if SocketURL("http://127.0.0.1:8080") != "ws://127.0.0.1:8080/api/v1/push/ws" {
		t.Fatal(SocketURL("http://127.0.0.1:8080"))
	}
}

func TestEndpointFromURI(t *testing.T) {
	k, err := otpauth.Parse("otpauth://totp/Twofold:a@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Twofold&twofold_push=https%3A%2F%2FID.example.com&twofold_device=dev_x")
	if err != nil {
		t.Fatal(err)
	}
	if o, d, ok := Endpoint(*k); !ok || o != origin || d != "dev_x" {
		t.Fatalf("%q %q %v", o, d, ok)
	}
	k.Extra = nil
	if _, _, ok := Endpoint(*k); ok {
		t.Fatal("endpoint without parameters")
	}
}

type poster struct {
	resp Response
	err  error
	got  Request
}

func (p *poster) Post(r Request) (Response, error) { p.got = r; return p.resp, p.err }

func TestRegisterAnswers(t *testing.T) {
	reg := Registration{Server: origin, DeviceID: "dev_1", PublicKey: pub}
	if err := Register(&poster{resp: Response{Status: 201}}, reg, []byte("seed"), time.Unix(1e9, 0)); err != nil {
		t.Fatal(err)
	}
	err := Register(&poster{resp: Response{Status: 403, Code: "registration_rejected", Message: "The server did not accept this registration."}}, reg, []byte("seed"), time.Unix(1e9, 0))
	var se *ServerError
	if !errors.As(err, &se) || se.Code != "registration_rejected" || se.Message != "The server did not accept this registration." {
		t.Fatalf("%v", err)
	}
	// Unreachable (issue 12, item 5): a sentence that says where and what
	// to do, not the browser's "TypeError: Failed to fetch", which stays
	// reachable for the console through Unwrap.
	offline := errors.New("TypeError: Failed to fetch")
	err = Register(&poster{err: offline}, reg, []byte("seed"), time.Unix(1e9, 0))
	if !errors.As(err, &se) || se.ErrorCode() != "push_unavailable" || !errors.Is(err, offline) ||
		err.Error() != "could not reach "+strings.TrimPrefix(origin, "https://")+": check the connection and try again" {
		t.Fatalf("unreachable: %v", err)
	}
}
