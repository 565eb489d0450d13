package pushhub

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/twofold-auth/twofold/server/api/apitest"
	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/service"
	"github.com/twofold-auth/twofold/server/store/sqlite"
	"github.com/twofold-auth/twofold/shared/otpcode"
	"github.com/twofold-auth/twofold/shared/pushproto"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 10, 0, time.UTC)

var ctx = context.Background()

// env is a real server (store, service, hub, router) on an httptest
// listener (server/api/apitest), with a frozen clock.
type env struct {
	t     testing.TB
	clock *apitest.Clock
	st    *sqlite.Store
	svc   *service.Service
	hub   *Hub
	srv   *apitest.Server
	ws    string // ws:// URL of /api/v1/push/ws
}

func newEnv(t testing.TB, o Options) *env {
	t.Helper()
	e := &env{t: t, clock: apitest.NewClock(t0)}
	o.Log, o.Now = slog.New(slog.DiscardHandler), e.clock.Now
	e.srv = apitest.Start(t, apitest.Options{Now: e.clock.Now, Hub: func(p *service.Push) apitest.Hub {
		e.hub = NewHub(p, o)
		return e.hub
	}})
	e.st, e.svc = e.srv.Store, e.srv.Service
	e.ws = "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/api/v1/push/ws"
	return e
}

// account is a user with a TOTP device registered for push, and a browser
// to sign in with: its cookie jar holds the session, for the API client
// and for raw requests (the event stream) alike.
type account struct {
	email   string
	userID  string
	secret  []byte
	device  *testDevice
	browser *http.Client
	api     *client.Client
}

func (e *env) code(secret []byte) string {
	c, _ := otpcode.TOTP(secret, otpcode.Params{Algorithm: "SHA1", Digits: 6, Period: 30}, e.clock.Now())
	return c
}

// enroll makes an account with one active device and registers a push key
// for it (over HTTP, as the authenticator does).
func (e *env) enroll(email string) *account {
	e.t.Helper()
	ctx := context.Background()
	ns, err := e.svc.Accounts.SignUp(ctx, auth.Client{}, email, apitest.Password, "")
	u := ns.User
	if err != nil {
		e.t.Fatal(err)
	}
	a := &account{email: email, userID: u.ID}
	a.device, a.secret = e.addDevice(u.ID)
	jar, _ := cookiejar.New(nil)
	a.browser = &http.Client{Jar: jar}
	a.api = e.srv.Client(e.t, client.WithHTTPClient(a.browser))
	return a
}

// addDevice enrolls and activates one more device and registers a key.
func (e *env) addDevice(userID string) (*testDevice, []byte) {
	e.t.Helper()
	ctx := context.Background()
	// The owner just stepped up: a second device needs a fresh factor.
	fresh := auth.Session{UserID: userID, MFAVerifiedAt: e.clock.Now()}
	enr, err := e.svc.Devices.Enroll(ctx, auth.Client{}, fresh, "phone", auth.Factor{})
	if err != nil {
		e.t.Fatal(err)
	}
	origin, devID, ok := pushproto.Endpoint(enr.Key)
	if !ok || origin != e.srv.URL || devID != enr.Device.ID {
		e.t.Fatalf("enrollment URI push endpoint %q %q %v", origin, devID, ok)
	}
	if _, err := e.svc.Devices.Activate(ctx, auth.Client{}, fresh, enr.Device.ID, e.code(enr.Key.Secret)); err != nil {
		e.t.Fatal(err)
	}
	seed := make([]byte, ed25519.SeedSize)
	rand.Read(seed)
	if err := e.register(devID, enr.Key.Secret, pushproto.PublicKey(seed)); err != nil {
		e.t.Fatalf("register: %v", err)
	}
	return &testDevice{e: e, id: devID, seed: seed}, enr.Key.Secret
}

// register registers pub for the device, proved with secret (the
// device's seed, or anything else for a stranger's attempt).
func (e *env) register(deviceID string, secret, pub []byte) error {
	at := e.clock.Now().Unix()
	_, err := e.srv.Client(e.t).RegisterPush(ctx, wire.PushRegistrationRequest{DeviceID: deviceID, PublicKey: b64(pub), At: at,
		Proof: b64(pushproto.RegistrationProof(secret, e.srv.URL, deviceID, pub, at))})
	return err
}

// signIn signs the account's browser in with its password: a partial
// session.
func (e *env) signIn(a *account) {
	e.t.Helper()
	if _, err := a.api.SignIn(ctx, a.email, apitest.Password); err != nil {
		e.t.Fatalf("sign in: %v", err)
	}
}

// ask sends a prompt from the account's signed-in browser.
func (e *env) ask(a *account) wire.PushChallenge {
	e.t.Helper()
	ch, err := a.api.CreatePushChallenge(ctx)
	if err != nil {
		e.t.Fatalf("create challenge: %v", err)
	}
	return ch
}

// events opens the browser's event stream for a challenge and returns the
// states it reports, in order, on a channel.
func (e *env) events(a *account, id string) <-chan string {
	e.t.Helper()
	resp, err := a.browser.Get(e.srv.URL + "/api/v1/push/challenges/" + id + "/events")
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		e.t.Fatalf("events: %s", resp.Status)
	}
	out := make(chan string, 8)
	go func() {
		defer close(out)
		buf := make([]byte, 4096)
		var pending string
		for {
			n, err := resp.Body.Read(buf)
			pending += string(buf[:n])
			for {
				i := strings.Index(pending, "\n\n")
				if i < 0 {
					break
				}
				ev := pending[:i]
				pending = pending[i+2:]
				if _, data, ok := strings.Cut(ev, "data: "); ok {
					var v wire.PushChallenge
					json.Unmarshal([]byte(data), &v)
					out <- v.State
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return out
}

func b64(b []byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var sb strings.Builder
	for i := 0; i < len(b); i += 3 {
		var v uint32
		n := min(3, len(b)-i)
		for j := range 3 {
			v <<= 8
			if j < n {
				v |= uint32(b[i+j])
			}
		}
		for j := range n + 1 {
			sb.WriteByte(alphabet[v>>(18-6*j)&63])
		}
	}
	return sb.String()
}

// testDevice is a Go authenticator: an Ed25519 key and a websocket.
type testDevice struct {
	e      *env
	id     string
	seed   []byte
	ws     *websocket.Conn
	frames chan pushproto.Frame
	closed chan websocket.StatusCode
	dial   *websocket.DialOptions // optional (ping callbacks, a small socket)
}

// hello dials and sends the signed hello (signing with key, normally its
// own); it reads nothing after the nonce.
func (d *testDevice) hello(key []byte) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, d.e.ws, d.dial)
	if err != nil {
		return nil, err
	}
	d.e.t.Cleanup(func() { ws.CloseNow() })
	ws.SetReadLimit(1 << 20)
	_, b, err := ws.Read(ctx)
	if err != nil {
		return nil, err
	}
	f, _ := pushproto.Decode(b)
	nonce, err := f.Nonce()
	if err != nil {
		return nil, err
	}
	sig := pushproto.Sign(key, pushproto.HelloMessage(nonce, d.e.srv.URL, d.id))
	if err := ws.Write(ctx, websocket.MessageBinary, pushproto.EncodeHello(pushproto.Hello{DeviceID: d.id, Signature: sig})); err != nil {
		return nil, err
	}
	return ws, nil
}

// connectWith authenticates and reads every frame from then on.
func (d *testDevice) connectWith(key []byte) error {
	ws, err := d.hello(key)
	if err != nil {
		return err
	}
	frames, closed := make(chan pushproto.Frame, 64), make(chan websocket.StatusCode, 1)
	d.ws, d.frames, d.closed = ws, frames, closed
	go func() {
		for {
			_, b, err := ws.Read(context.Background())
			if err != nil {
				closed <- websocket.CloseStatus(err)
				close(frames)
				return
			}
			f, err := pushproto.Decode(b)
			if err != nil {
				d.e.t.Errorf("device %s: bad frame from server: %v", d.id, err)
			}
			frames <- f
		}
	}()
	return nil
}

func (d *testDevice) connect() {
	d.e.t.Helper()
	if err := d.connectWith(d.seed); err != nil {
		d.e.t.Fatal(err)
	}
	if f := d.next(); f.Kind != pushproto.KindReady {
		d.e.t.Fatalf("first frame %d, want ready", f.Kind)
	}
}

// next waits for the next frame (bounded: a hung test fails, it does not
// measure time).
func (d *testDevice) next() pushproto.Frame {
	d.e.t.Helper()
	select {
	case f, ok := <-d.frames:
		if !ok {
			d.e.t.Fatalf("device %s: connection closed", d.id)
		}
		return f
	case <-time.After(10 * time.Second):
		d.e.t.Fatalf("device %s: no frame", d.id)
	}
	return pushproto.Frame{}
}

func (d *testDevice) prompt() pushproto.Prompt {
	d.e.t.Helper()
	p, err := d.next().Prompt()
	if err != nil {
		d.e.t.Fatal(err)
	}
	return p
}

func (d *testDevice) settled() pushproto.Settled {
	d.e.t.Helper()
	f := d.next()
	s, err := f.Settled()
	if err != nil {
		d.e.t.Fatalf("device %s: frame kind %d: %v", d.id, f.Kind, err)
	}
	return s
}

// answer signs with key and sends.
func (d *testDevice) answerWith(key []byte, id string, dec pushproto.Decision, n int) {
	d.e.t.Helper()
	msg := pushproto.Answer{Origin: d.e.srv.URL, ChallengeID: id, Decision: dec, Number: n, DeviceID: d.id}.Message()
	f := pushproto.EncodeAnswer(pushproto.AnswerFrame{ChallengeID: id, Decision: dec, Number: n, Signature: pushproto.Sign(key, msg)})
	if err := d.ws.Write(context.Background(), websocket.MessageBinary, f); err != nil {
		d.e.t.Fatal(err)
	}
}

func (d *testDevice) answer(id string, dec pushproto.Decision, n int) {
	d.answerWith(d.seed, id, dec, n)
}

func (d *testDevice) closeStatus() websocket.StatusCode {
	d.e.t.Helper()
	for range d.frames {
	}
	return <-d.closed
}
