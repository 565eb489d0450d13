package pushhub

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/twofold-auth/twofold/server/api"
	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/credential"
	"github.com/twofold-auth/twofold/server/secrets"
	"github.com/twofold-auth/twofold/server/service"
	"github.com/twofold-auth/twofold/server/store/sqlite"
	"github.com/twofold-auth/twofold/shared/otpcode"
	"github.com/twofold-auth/twofold/shared/pushproto"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 10, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// env is a real server (store, service, hub, router) on an httptest
// listener, with a frozen clock.
type env struct {
	t     testing.TB
	clock *clock
	st    *sqlite.Store
	svc   *service.Service
	hub   *Hub
	srv   *httptest.Server
	ws    string // ws:// URL of /api/v1/push/ws
}

func newEnv(t testing.TB, o Options) *env {
	t.Helper()
	e := &env{t: t, clock: &clock{t: t0}}
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "twofold.db"), sqlite.Options{Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := secrets.NewKeyring(rand.Reader, bytes.Repeat([]byte{7}, secrets.KeySize))
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := service.New(service.Config{Argon2: credential.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}},
		service.Deps{Store: st, Keys: keys, Now: e.clock.Now, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	o.Log, o.Now = quiet, e.clock.Now
	e.st, e.svc, e.hub = st, svc, NewHub(svc.Push, o)
	e.srv = httptest.NewServer(api.NewRouter(api.Deps{Accounts: svc.Accounts, Devices: svc.Devices, Tokens: svc.Tokens, Push: svc.Push, Audit: svc.Audit, DB: st, Log: quiet, Now: e.clock.Now,
		RateLimit: api.RateLimit{Requests: -1}, Hub: e.hub}))
	if err := svc.Push.Enable(service.PushConfig{Origin: e.srv.URL}, e.hub); err != nil {
		t.Fatal(err)
	}
	e.ws = "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/api/v1/push/ws"
	t.Cleanup(func() { e.hub.Close(); e.srv.Close(); st.Close() })
	return e
}

// account is a user with a TOTP device registered for push, and a browser
// (cookie jar) to sign in with.
type account struct {
	email  string
	userID string
	secret []byte
	device *testDevice
	client *http.Client
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
	ns, err := e.svc.Accounts.SignUp(ctx, auth.Client{}, email, "correct horse battery", "")
	u := ns.User
	if err != nil {
		e.t.Fatal(err)
	}
	a := &account{email: email, userID: u.ID}
	a.device, a.secret = e.addDevice(u.ID)
	jar, _ := cookiejar.New(nil)
	a.client = &http.Client{Jar: jar}
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
	if resp := e.register(devID, enr.Key.Secret, pushproto.PublicKey(seed)); resp.StatusCode != http.StatusCreated {
		e.t.Fatalf("register: %v", resp.Status)
	}
	return &testDevice{e: e, id: devID, seed: seed}, enr.Key.Secret
}

// register posts a push registration of pub for the device, proved with
// secret (the device's seed, or anything else for a stranger's attempt).
func (e *env) register(deviceID string, secret, pub []byte) *http.Response {
	e.t.Helper()
	at := e.clock.Now().Unix()
	body, _ := json.Marshal(map[string]any{"device_id": deviceID, "public_key": b64(pub), "at": at,
		"proof": b64(pushproto.RegistrationProof(secret, e.srv.URL, deviceID, pub, at))})
	resp, err := http.Post(e.srv.URL+"/api/v1/push/registrations", "application/json", bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// signIn signs the account's browser in with its password: a partial
// session.
func (e *env) signIn(a *account) {
	e.t.Helper()
	resp := e.call(a, "POST", "/api/v1/session", map[string]string{"email": a.email, "password": "correct horse battery"})
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("sign in: %s", resp.Status)
	}
}

func (e *env) call(a *account, method, path string, body any) *http.Response {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

type challengeView struct {
	ID     string `json:"id"`
	Number int    `json:"number"`
	State  string `json:"state"`
}

// ask sends a prompt from the account's signed-in browser.
func (e *env) ask(a *account) challengeView {
	e.t.Helper()
	resp := e.call(a, "POST", "/api/v1/push/challenges", nil)
	var v challengeView
	if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&v) != nil {
		e.t.Fatalf("create challenge: %s", resp.Status)
	}
	return v
}

// events opens the browser's event stream for a challenge and returns the
// states it reports, in order, on a channel.
func (e *env) events(a *account, id string) <-chan string {
	e.t.Helper()
	resp := e.call(a, "GET", "/api/v1/push/challenges/"+id+"/events", nil)
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
					var v challengeView
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
