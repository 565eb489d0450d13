package pushhub

import (
	"context"
	"errors"
	"fmt"
	"github.com/twofold-auth/twofold/server/auth"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/twofold-auth/twofold/shared/pushproto"
)

// deliveries counts the frames the hub has written (Observer).
type deliveries struct {
	nopObserver
	written chan struct{}
}

func (d *deliveries) PromptDelivered(time.Duration) {
	select {
	case d.written <- struct{}{}:
	default:
	}
}

// smallSocket dials with a tiny receive buffer, so a device that stops
// reading fills the path from the server quickly.
func smallSocket() *websocket.DialOptions {
	dialer := &net.Dialer{}
	return &websocket.DialOptions{HTTPClient: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetReadBuffer(4096)
			}
			return c, err
		},
	}}}
}

// connectSilent authenticates, reads Ready, and then reads nothing more:
// a device that stalls (a suspended tab, a dead network path).
func (d *testDevice) connectSilent() *websocket.Conn {
	d.e.t.Helper()
	ws, err := d.hello(d.seed)
	if err != nil {
		d.e.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, b, err := ws.Read(ctx)
	if err != nil {
		d.e.t.Fatal(err)
	}
	if f, _ := pushproto.Decode(b); f.Kind != pushproto.KindReady {
		d.e.t.Fatalf("first frame %d, want ready", f.Kind)
	}
	return ws
}

// bulkyPrompt is a prompt frame near the protocol's size limit.
func bulkyPrompt(i int) auth.PushChallenge {
	return auth.PushChallenge{ID: fmt.Sprintf("pch_flood%06d", i), Candidates: [3]int{11, 22, 33},
		Service: "Twofold", Account: strings.Repeat("x", 1500), ClientAddr: "192.0.2.1", Browser: "flood",
		CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
}

// waitUntil polls cond until it holds; a hung test fails after a generous
// bound (it measures nothing).
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited too long for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A device that stops reading fills its bounded queue and is dropped; it
// never holds up the hub: a device of another account connected at the
// same time gets its prompts while the stalled one's writer is stuck, and
// the stalled account's own prompt is created (and "sent") without
// waiting for it.
func TestSlowReaderDroppedWithoutBlockingOthers(t *testing.T) {
	obs := &deliveries{written: make(chan struct{}, 1)}
	const queueLen = 8
	e := newEnv(t, Options{QueueLen: queueLen, Observer: obs})
	slow := e.enroll("slow@example.com")
	fast := e.enroll("fast@example.com")
	for _, a := range []*account{slow, fast} {
		a.browser.Timeout = 20 * time.Second // a blocked hub would fail the call, not hang the test
	}
	fast.device.connect()
	slow.device.dial = smallSocket()
	stalled := slow.device.connectSilent()
	sc := e.hub.conn(slow.device.id)
	if sc == nil {
		t.Fatal("the stalled device is not connected")
	}

	// Fill the socket: frames are written (each one observed) until the
	// kernel's buffers are full and the writer blocks in Write. A pause
	// without a write marks that; guessing wrong only means the steps
	// below run against a writer that is still moving.
	stuck := false
	for i := 0; i < 100000 && !stuck; i++ {
		e.hub.Prompt(bulkyPrompt(i), []string{slow.device.id})
		select {
		case <-obs.written:
		case <-time.After(200 * time.Millisecond):
			stuck = true
		}
		if e.hub.conn(slow.device.id) == nil {
			t.Fatalf("dropped after %d frames, before its writer was stuck", i+1)
		}
	}
	if !stuck {
		t.Fatal("the stalled socket never filled")
	}

	// While the stalled connection's writer is stuck, the other account's
	// device receives its prompt, and the stalled account's own prompt is
	// created without waiting.
	e.signIn(fast)
	e.signIn(slow)
	mine := e.ask(slow)
	ch := e.ask(fast)
	if p := fast.device.prompt(); p.ChallengeID != ch.ID {
		t.Fatalf("fast device got %+v, want %s", p, ch.ID)
	}

	// More frames than the queue holds: the stalled device is dropped.
	for i := 0; i < 2*queueLen && e.hub.conn(slow.device.id) != nil; i++ {
		e.hub.Prompt(bulkyPrompt(200000+i), []string{slow.device.id})
	}
	if e.hub.conn(slow.device.id) != nil {
		t.Fatalf("a stalled device with %d queued frames is still connected", queueLen)
	}
	sc.mu.Lock()
	closed := sc.closed
	sc.mu.Unlock()
	if !closed || e.hub.Connected() != 1 {
		t.Fatalf("closed %v, %d connected", closed, e.hub.Connected())
	}

	// The stalled device, reading again, finds its connection ended.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		if _, _, err := stalled.Read(ctx); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatal("the dropped connection is still open")
			}
			break
		}
	}

	// The healthy device is untouched and still gets prompts; the stalled
	// account's prompt waits in the database for its device's return.
	ch2 := e.ask(fast)
	if p := fast.device.prompt(); p.ChallengeID != ch2.ID {
		t.Fatalf("fast device got %+v, want %s", p, ch2.ID)
	}
	slow.device.dial = nil
	slow.device.connect()
	if p := slow.device.prompt(); p.ChallengeID != mine.ID {
		t.Fatalf("reconnected stalled device got %+v, want %s", p, mine.ID)
	}
}

// Keepalive: with a short ping interval, a device that reads but never
// answers pings is closed after the pong timeout; one that answers stays
// connected through many pings and still gets prompts.
func TestKeepaliveClosesSilentPeers(t *testing.T) {
	e := newEnv(t, Options{PingInterval: 20 * time.Millisecond, PongTimeout: time.Second})
	good := e.enroll("good@example.com")
	mute := e.enroll("mute@example.com")
	var pings atomic.Int64
	good.device.dial = &websocket.DialOptions{OnPingReceived: func(context.Context, []byte) bool {
		pings.Add(1)
		return true
	}}
	var mutePings atomic.Int64
	mute.device.dial = &websocket.DialOptions{OnPingReceived: func(context.Context, []byte) bool {
		mutePings.Add(1)
		return false // no pong
	}}
	good.device.connect()
	mute.device.connect()

	select {
	case code := <-mute.device.closed:
		if code != websocket.StatusGoingAway {
			t.Fatalf("mute device closed with %d, want %d", code, websocket.StatusGoingAway)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a device that does not answer pings is still connected")
	}
	if mutePings.Load() == 0 {
		t.Fatal("closed without a ping")
	}
	// The server pings again only after the previous pong arrived, so a
	// fifth ping means four answered ones kept the connection.
	waitUntil(t, "five pings to the answering device", func() bool { return pings.Load() >= 5 })
	if e.hub.conn(good.device.id) == nil || e.hub.conn(mute.device.id) != nil || e.hub.Connected() != 1 {
		t.Fatalf("after the pings: good %v, mute %v, %d connected",
			e.hub.conn(good.device.id) != nil, e.hub.conn(mute.device.id) != nil, e.hub.Connected())
	}
	e.signIn(good)
	ch := e.ask(good)
	if p := good.device.prompt(); p.ChallengeID != ch.ID {
		t.Fatalf("prompt %+v, want %s", p, ch.ID)
	}
}
