package apitest

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/shared/pushproto"
)

// Device is a Go authenticator for tests of push sign-in against a real
// server (or several): an Ed25519 key registered for one TOTP device, and
// its websocket. Origin is the server's public origin (its base URL), which
// the device signs; it may differ from the address the socket dials, as
// behind a load balancer.
type Device struct {
	ID     string
	Origin string
	seed   []byte
	ws     *websocket.Conn
	frames chan pushproto.Frame
}

// NewDevice makes a device with a fresh key.
func NewDevice(deviceID, origin string) *Device {
	seed := make([]byte, ed25519.SeedSize)
	rand.Read(seed)
	return &Device{ID: deviceID, Origin: origin, seed: seed}
}

// Register registers the device's key through c, proved with the TOTP
// device's secret at time now.
func (d *Device) Register(ctx context.Context, c *client.Client, secret []byte, now time.Time) error {
	pub, at := pushproto.PublicKey(d.seed), now.Unix()
	b64 := base64.RawURLEncoding.EncodeToString
	_, err := c.RegisterPush(ctx, wire.PushRegistrationRequest{DeviceID: d.ID, PublicKey: b64(pub), At: at,
		Proof: b64(pushproto.RegistrationProof(secret, d.Origin, d.ID, pub, at))})
	return err
}

// Connect dials the push websocket of the server at baseURL (http://...),
// authenticates and waits for Ready; frames then queue for Next.
func (d *Device) Connect(ctx context.Context, baseURL string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(baseURL, "http")+"/api/v1/push/ws", nil)
	if err != nil {
		return err
	}
	_, b, err := ws.Read(ctx)
	f, _ := pushproto.Decode(b)
	nonce, ferr := f.Nonce()
	if err = errors.Join(err, ferr); err != nil {
		ws.CloseNow()
		return err
	}
	sig := pushproto.Sign(d.seed, pushproto.HelloMessage(nonce, d.Origin, d.ID))
	if err := ws.Write(ctx, websocket.MessageBinary, pushproto.EncodeHello(pushproto.Hello{DeviceID: d.ID, Signature: sig})); err != nil {
		ws.CloseNow()
		return err
	}
	_, b, err = ws.Read(ctx)
	if f, _ = pushproto.Decode(b); err != nil || f.Kind != pushproto.KindReady {
		ws.CloseNow()
		return fmt.Errorf("apitest: device %s: no ready frame (kind %d): %v", d.ID, f.Kind, err)
	}
	d.ws, d.frames = ws, make(chan pushproto.Frame, 64)
	go func(frames chan<- pushproto.Frame) {
		defer close(frames)
		for {
			_, b, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			if f, err := pushproto.Decode(b); err == nil {
				frames <- f
			}
		}
	}(d.frames)
	return nil
}

// ErrNoFrame: nothing arrived in time, or the connection closed.
var ErrNoFrame = errors.New("apitest: no frame from the server")

// Next is the next frame, waiting at most timeout.
func (d *Device) Next(timeout time.Duration) (pushproto.Frame, error) {
	select {
	case f, ok := <-d.frames:
		if !ok {
			return pushproto.Frame{}, fmt.Errorf("%w: connection closed", ErrNoFrame)
		}
		return f, nil
	case <-time.After(timeout):
		return pushproto.Frame{}, ErrNoFrame
	}
}

// Prompt waits at most timeout for a prompt, skipping other frames.
func (d *Device) Prompt(timeout time.Duration) (pushproto.Prompt, error) {
	deadline := time.Now().Add(timeout)
	for {
		f, err := d.Next(time.Until(deadline))
		if err != nil {
			return pushproto.Prompt{}, err
		}
		if f.Kind == pushproto.KindPrompt {
			return f.Prompt()
		}
	}
}

// Answer signs and sends an answer to a prompt.
func (d *Device) Answer(ctx context.Context, challengeID string, dec pushproto.Decision, number int) error {
	msg := pushproto.Answer{Origin: d.Origin, ChallengeID: challengeID, Decision: dec, Number: number, DeviceID: d.ID}.Message()
	return d.ws.Write(ctx, websocket.MessageBinary, pushproto.EncodeAnswer(pushproto.AnswerFrame{
		ChallengeID: challengeID, Decision: dec, Number: number, Signature: pushproto.Sign(d.seed, msg)}))
}

// Close closes the websocket.
func (d *Device) Close() {
	if d.ws != nil {
		d.ws.CloseNow()
	}
}

// Events follows a challenge's event stream (GET
// /api/v1/push/challenges/{id}/events) with the browser's HTTP client (its
// cookie jar holds the partial session) and delivers each state it
// reports; the channel closes when the stream ends. hc must have no
// overall timeout.
func Events(ctx context.Context, hc *http.Client, baseURL, challengeID string) (<-chan wire.PushChallenge, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/api/v1/push/challenges/"+url.PathEscape(challengeID)+"/events", nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		resp.Body.Close()
		return nil, fmt.Errorf("apitest: events: %s", resp.Status)
	}
	out := make(chan wire.PushChallenge, 8)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var v wire.PushChallenge
				if json.Unmarshal([]byte(data), &v) == nil {
					out <- v
				}
			}
		}
	}()
	return out, nil
}
