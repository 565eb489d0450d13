package pushhub

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/shared/pushproto"
)

// Close codes of the application range (4000–4999), which the
// authenticator reads: it does not reconnect after these.
const (
	statusReplaced websocket.StatusCode = 4000 // a newer connection of the device took over
	statusRevoked  websocket.StatusCode = 4001 // registration gone (device deleted, MFA reset)
	statusAuth     websocket.StatusCode = 4003 // hello did not verify
)

// socketBuffer is the size of each connection's read and write buffers:
// frames are a few hundred bytes, and 10,000 idle sockets with net/http's
// 4 KiB buffers would spend 80 MB on them.
const socketBuffer = 512

// conn is one authenticated device connection.
type conn struct {
	hub      *Hub
	ws       *websocket.Conn
	nc       net.Conn // the hijacked socket, reset when the peer is dropped
	reg      auth.PushRegistration
	deviceID string

	mu      sync.Mutex
	queue   []queued
	writing bool // a flush goroutine is running
	closed  bool
	ping    *time.Timer
	// seen holds the challenges this connection has been sent or told are
	// settled: a prompt created while the device connects reaches it both
	// through the hub and through the pending query, and a prompt settled
	// meanwhile must not arrive after its Settled frame.
	seen map[string]promptState
}

type queued struct {
	frame []byte
	at    time.Time // a prompt's commit time (delivery latency); zero for others
}

// ServeHTTP upgrades a request to a device connection and authenticates it:
// nonce out, signed hello in, checked against the registered key before
// anything else is read or sent.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Hijacked connections keep the http.Server's deadlines; a websocket
	// lives longer than any request.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	sb := &smallBuffers{ResponseWriter: w}
	ws, err := websocket.Accept(sb, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		h.opts.Log.Info("push: websocket upgrade refused", "err", err)
		return
	}
	ws.SetReadLimit(pushproto.MaxFrame)
	reg, err := h.handshake(r.Context(), ws)
	if err != nil {
		h.opts.Log.Info("push: device connection refused", "err", err)
		code := websocket.StatusPolicyViolation
		if errors.Is(err, auth.ErrPushRejected) || errors.Is(err, auth.ErrPushRevoked) {
			code = statusAuth
		}
		ws.Close(code, "authentication failed")
		return
	}
	c := &conn{hub: h, ws: ws, nc: sb.nc, reg: reg, deviceID: reg.DeviceID}
	if !h.attach(c) {
		ws.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	c.send(pushproto.EncodeReady(h.opts.Now().UnixMilli()), time.Time{})
	// Attached first, then the pending prompts: one created in between
	// arrives through the hub or this query, and sendPrompt sends it once.
	pending, err := h.svc.Pending(context.Background(), reg)
	if err != nil {
		h.opts.Log.Error("push: pending prompts", "err", err)
	}
	for _, p := range pending {
		c.sendPrompt(p.ID, promptFrame(p), time.Time{})
	}
	c.mu.Lock()
	if !c.closed {
		c.ping = time.AfterFunc(h.opts.PingInterval, c.keepalive)
	}
	c.mu.Unlock()
	// The request's goroutine (and its grown stack) ends here; a fresh
	// goroutine with a small stack reads.
	go c.readLoop()
}

func (h *Hub) handshake(ctx context.Context, ws *websocket.Conn) (auth.PushRegistration, error) {
	ctx, cancel := context.WithTimeout(ctx, h.opts.HandshakeTimeout)
	defer cancel()
	nonce := make([]byte, pushproto.NonceSize)
	if _, err := io.ReadFull(h.opts.Rand, nonce); err != nil {
		return auth.PushRegistration{}, err
	}
	if err := ws.Write(ctx, websocket.MessageBinary, pushproto.EncodeNonce(nonce)); err != nil {
		return auth.PushRegistration{}, err
	}
	typ, b, err := ws.Read(ctx)
	if err != nil {
		return auth.PushRegistration{}, err
	}
	if typ != websocket.MessageBinary {
		return auth.PushRegistration{}, pushproto.ErrMalformed
	}
	f, err := pushproto.Decode(b)
	if err != nil {
		return auth.PushRegistration{}, err
	}
	hello, err := f.Hello()
	if err != nil {
		return auth.PushRegistration{}, err
	}
	return h.svc.AuthenticateDevice(ctx, nonce, hello)
}

// readLoop reads answers until the connection ends. Reading also answers
// the peer's pings and receives the pongs of ours.
func (c *conn) readLoop() {
	defer c.close(websocket.StatusNormalClosure, "")
	for {
		typ, b, err := c.ws.Read(context.Background())
		if err != nil {
			return
		}
		f, err := pushproto.Decode(b)
		var a pushproto.AnswerFrame
		if err == nil && typ == websocket.MessageBinary {
			a, err = f.Answer()
		}
		if err != nil || typ != websocket.MessageBinary {
			c.close(websocket.StatusPolicyViolation, "malformed frame")
			return
		}
		ch, err := c.hub.svc.Answer(context.Background(), c.reg, a)
		switch {
		case errors.Is(err, auth.ErrPushRevoked):
			c.close(statusRevoked, "registration revoked")
			return
		case err != nil:
			if !errors.Is(err, auth.ErrPushRejected) {
				c.hub.opts.Log.Error("push: answer", "device_id", c.deviceID, "err", err)
			}
			c.send(pushproto.EncodeSettled(pushproto.Settled{ChallengeID: a.ChallengeID, Outcome: pushproto.OutcomeRejected}), time.Time{})
		default:
			_ = ch // Settled went to every device of the account, this one included
		}
	}
}

// promptState is what a connection knows of a challenge.
type promptState uint8

const (
	promptSent promptState = iota + 1
	promptSettled
)

// maxSeen bounds the seen set of a long-lived connection; settled entries
// are dropped first, once they can no longer race a pending query.
const maxSeen = 64

// sendPrompt queues a prompt unless this connection already has it or was
// told it is settled.
func (c *conn) sendPrompt(challengeID string, frame []byte, at time.Time) {
	if !c.mark(challengeID, promptSent) {
		return
	}
	c.send(frame, at)
}

// settle queues a Settled frame and remembers the challenge as settled.
func (c *conn) settle(challengeID string, frame []byte) {
	c.mark(challengeID, promptSettled)
	c.send(frame, time.Time{})
}

// mark records a challenge's state and reports whether a prompt for it may
// still be sent (it was not sent or settled before).
func (c *conn) mark(challengeID string, state promptState) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	prev := c.seen[challengeID]
	if state == promptSent && prev != 0 {
		return false
	}
	if c.seen == nil {
		c.seen = make(map[string]promptState)
	}
	if len(c.seen) >= maxSeen {
		for id, st := range c.seen {
			if st == promptSettled {
				delete(c.seen, id)
			}
		}
	}
	c.seen[challengeID] = state
	return true
}

// unsettled are the challenges this connection was sent and not told are
// settled.
func (c *conn) unsettled() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for id, st := range c.seen {
		if st == promptSent {
			out = append(out, id)
		}
	}
	return out
}

// send queues a frame. A connection whose queue is full is too slow and is
// dropped; nobody waits for it.
func (c *conn) send(frame []byte, at time.Time) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if len(c.queue) >= c.hub.opts.QueueLen {
		c.mu.Unlock()
		c.abort("too slow")
		return
	}
	c.queue = append(c.queue, queued{frame: frame, at: at})
	start := !c.writing
	c.writing = true
	c.mu.Unlock()
	if start {
		// A writer exists only while there is something to write.
		go c.flush()
	}
}

func (c *conn) flush() {
	for {
		c.mu.Lock()
		if len(c.queue) == 0 || c.closed {
			c.queue, c.writing = nil, false
			c.mu.Unlock()
			return
		}
		q := c.queue[0]
		c.queue = c.queue[1:]
		c.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), c.hub.opts.WriteTimeout)
		err := c.ws.Write(ctx, websocket.MessageBinary, q.frame)
		cancel()
		if err != nil {
			c.abort("write failed")
			continue
		}
		if !q.at.IsZero() {
			c.hub.opts.Observer.PromptDelivered(time.Since(q.at))
		}
	}
}

// keepalive pings an idle connection; no pong in time closes it.
func (c *conn) keepalive() {
	ctx, cancel := context.WithTimeout(context.Background(), c.hub.opts.PongTimeout)
	err := c.ws.Ping(ctx)
	cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	if err != nil {
		go c.close(websocket.StatusGoingAway, "no pong")
		return
	}
	c.ping.Reset(c.hub.opts.PingInterval)
}

// close ends the connection once; it may be called from anywhere.
func (c *conn) close(code websocket.StatusCode, reason string) {
	if !c.markClosed() {
		return
	}
	// The close handshake waits for the peer at most a few seconds; do it
	// aside so no caller (the hub's sender) waits.
	go c.ws.Close(code, reason)
}

// abort drops a connection whose peer does not read: a close frame would
// wait behind the frames it has not read (the handshake would hold the
// socket and a goroutine for its 5 s timeout, and the kernel would keep
// trying to deliver its send buffer to a peer that may never read again),
// so the socket is reset instead. The device reconnects and gets its
// pending prompts from the database.
func (c *conn) abort(reason string) {
	if !c.markClosed() {
		return
	}
	c.hub.opts.Log.Info("push: device connection dropped", "device_id", c.deviceID, "reason", reason)
	if tc, ok := c.nc.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // close sends RST and discards what is unsent
	}
	go c.ws.CloseNow()
}

// markClosed marks the connection closed and detaches it from the hub; it
// reports false if it was already closed.
func (c *conn) markClosed() bool {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return false
	}
	c.closed = true
	if c.ping != nil {
		c.ping.Stop()
	}
	c.mu.Unlock()
	c.hub.detach(c)
	return true
}

// smallBuffers hands the websocket small bufio buffers instead of the
// http.Server's 4 KiB ones (most of an idle connection's memory), and
// keeps the hijacked socket.
type smallBuffers struct {
	http.ResponseWriter
	nc net.Conn
}

func (s *smallBuffers) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(s.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	s.nc = nc
	if err := brw.Writer.Flush(); err != nil {
		return nil, nil, err
	}
	n := brw.Reader.Buffered()
	if n > socketBuffer {
		return nc, brw, nil // a client that sent early frames: keep what it sent
	}
	b, _ := brw.Reader.Peek(n)
	br := bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(b)), nc), socketBuffer)
	if n > 0 {
		if _, err := br.Peek(n); err != nil {
			return nil, nil, err
		}
	}
	return nc, bufio.NewReadWriter(br, bufio.NewWriterSize(nc, socketBuffer)), nil
}
