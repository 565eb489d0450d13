package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/shared/pushproto"
	"github.com/twofold-auth/twofold/wasm/pushclient"
	"github.com/twofold-auth/twofold/wasm/storage"
	"github.com/twofold-auth/twofold/wasm/vault"
)

const pushURI = "otpauth://totp/Twofold:ana@example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Twofold" +
	"&twofold_push=https%3A%2F%2Fid.example.com&twofold_device=dev_1"

// fakeServer plays the registration endpoint and the device socket.
type fakeServer struct {
	mu     sync.Mutex
	pub    []byte // the registered public key
	posts  int    // registrations received
	refuse int    // refuse this many registrations
	conns  chan *serverConn
}

// pushSeed is pushURI's secret: the fake checks registration proofs with it.
var pushSeed, _ = base32.StdEncoding.DecodeString("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")

func (f *fakeServer) Post(r pushclient.Request) (pushclient.Response, error) {
	var body struct {
		DeviceID  string `json:"device_id"`
		PublicKey string `json:"public_key"`
		At        int64  `json:"at"`
		Proof     string `json:"proof"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil || r.URL != "https://id.example.com/api/v1/push/registrations" {
		return pushclient.Response{Status: 400, Code: "bad_request", Message: "bad"}, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.posts++
	pub, _ := base64.RawURLEncoding.DecodeString(body.PublicKey)
	proof, _ := base64.RawURLEncoding.DecodeString(body.Proof)
	if f.refuse > 0 || !pushproto.CheckRegistrationProof(pushSeed, "https://id.example.com", body.DeviceID, pub, body.At, proof, t0) {
		f.refuse = max(f.refuse-1, 0)
		return pushclient.Response{Status: 403, Code: "registration_rejected", Message: "The server did not accept this registration."}, nil
	}
	f.pub = pub
	return pushclient.Response{Status: 201}, nil
}

// serverConn is one device connection seen from the server.
type serverConn struct {
	in, out chan []byte
	closed  chan struct{}
	once    sync.Once
	code    int
}

func (c *serverConn) Send(b []byte) error {
	select {
	case <-c.closed:
		return &pushclient.CloseError{Code: c.code}
	case c.out <- b:
		return nil
	}
}

func (c *serverConn) Receive() ([]byte, error) {
	select {
	case b := <-c.in:
		return b, nil
	case <-c.closed:
		return nil, &pushclient.CloseError{Code: c.code}
	}
}

func (c *serverConn) Close(code int, _ string) { c.once.Do(func() { c.code = code; close(c.closed) }) }

func (f *fakeServer) dial(url string) (pushclient.Transport, error) {
	c := &serverConn{in: make(chan []byte, 8), out: make(chan []byte, 8), closed: make(chan struct{})}
	nonce := bytes.Repeat([]byte{3}, pushproto.NonceSize)
	c.in <- pushproto.EncodeNonce(nonce)
	go func() {
		select {
		case b := <-c.out:
			fr, _ := pushproto.Decode(b)
			h, err := fr.Hello()
			f.mu.Lock()
			pub := f.pub
			f.mu.Unlock()
			if err != nil || !verifies(pub, pushproto.HelloMessage(nonce, "https://id.example.com", h.DeviceID), h.Signature) {
				c.Close(pushclient.CloseRejected, "")
				return
			}
			c.in <- pushproto.EncodeReady(t0.UnixMilli())
			f.conns <- c
		case <-c.closed:
		}
	}()
	return c, nil
}

// verifies checks an Ed25519 signature with Go's crypto/ed25519, as the
// server does, also when the signature came from WebCrypto (GOOS=js).
func verifies(pub, msg, sig []byte) bool {
	return len(pub) == ed25519.PublicKeySize && ed25519.Verify(pub, msg, sig)
}

func pushApp(t *testing.T) (*App, *fakeServer, chan PushEvent, *storage.Memory) {
	t.Helper()
	f := &fakeServer{conns: make(chan *serverConn, 8)}
	events := make(chan PushEvent, 64)
	st := storage.NewMemory()
	a := NewApp(Config{
		Storage: st,
		Params:  vault.Params{MemoryKiB: 8, Time: 1, Threads: 1},
		Rand:    rand.NewChaCha8([32]byte{1}),
		Now:     func() time.Time { return t0 },
		Push: PushConfig{HTTP: f, Dial: f.dial, Keys: testKeys, OnEvent: func(e PushEvent) { events <- e },
			Options: pushclient.Options{Now: func() time.Time { return t0 }, Rand: bytes.NewReader(make([]byte, 1<<10))}},
	})
	if err := a.Create(pass); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Lock)
	return a, f, events, st
}

func (f *fakeServer) conn(t *testing.T) *serverConn {
	t.Helper()
	select {
	case c := <-f.conns:
		return c
	case <-time.After(10 * time.Second): // a bound, not a measurement
		t.Fatal("the authenticator did not connect")
	}
	return nil
}

func TestPushEnableAnswerLock(t *testing.T) {
	a, f, events, st := pushApp(t)
	plain, err := a.AddURI(seedURI)
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.PushEnable(plain.ID)
	wantCode(t, err, CodePushNotOffered)
	acct, err := a.AddURI(pushURI)
	if err != nil || !acct.PushOffered || acct.Push || acct.PushServer != "https://id.example.com" {
		t.Fatalf("%+v %v", acct, err)
	}
	// A refusal is the server's sentence, and nothing is kept.
	f.refuse = 1
	if _, err := a.PushEnable(acct.ID); err == nil || err.Error() != "The server did not accept this registration." {
		t.Fatalf("refused registration: %v", err)
	}
	if list, _ := a.List(); list[1].Push {
		t.Fatal("a refused registration is in the vault")
	}
	// One registration, proved by the seed (no code: no time step spent).
	if _, err := a.PushEnable(acct.ID); err != nil {
		t.Fatal(err)
	}
	if f.posts != 2 {
		t.Fatalf("%d registrations sent", f.posts)
	}
	c := f.conn(t)
	c.in <- pushproto.EncodePrompt(pushproto.Prompt{ChallengeID: "pch_1", Numbers: [3]int{11, 22, 33}, Service: "Twofold",
		Account: "ana@example.com", CreatedMs: t0.UnixMilli(), ExpiresMs: t0.Add(time.Minute).UnixMilli()})
	for e := range events {
		if e.Type == "prompt" {
			if e.Prompt.ID != "pch_1" || e.AccountID != acct.ID || e.Prompt.Numbers[1] != 22 {
				t.Fatalf("event %+v", e.Prompt)
			}
			break
		}
	}
	ps, err := a.PushPrompts()
	if err != nil || len(ps) != 1 {
		t.Fatalf("prompts %+v %v", ps, err)
	}
	for _, tc := range []struct {
		id, decision string
		number       int
		code         string
	}{
		{"pch_1", "approve", 44, CodeWrongNumber},
		{"pch_1", "yes", 22, CodeBadArgument},
		{"pch_9", "approve", 22, CodePromptGone},
	} {
		_, err := a.PushAnswer(tc.id, tc.decision, tc.number)
		wantCode(t, err, tc.code)
	}
	// 22 is one of the three but not the sign-in page's: the server fails
	// the prompt, and the answer resolves with that verdict.
	verdict := make(chan PushVerdict, 1)
	go func() {
		v, err := a.PushAnswer("pch_1", "approve", 22)
		if err != nil {
			t.Error(err)
		}
		verdict <- v
	}()
	ans, _ := pushproto.Decode(<-c.out)
	af, err := ans.Answer()
	msg := pushproto.Answer{Origin: "https://id.example.com", ChallengeID: "pch_1", Decision: pushproto.Approve, Number: 22, DeviceID: "dev_1"}.Message()
	if err != nil || !verifies(f.pub, msg, af.Signature) {
		t.Fatalf("answer %+v %v", af, err)
	}
	c.in <- pushproto.EncodeSettled(pushproto.Settled{ChallengeID: "pch_1", Outcome: pushproto.OutcomeFailed})
	if v := <-verdict; v.Outcome != pushproto.OutcomeFailed {
		t.Fatalf("verdict %+v, want failed", v)
	}

	// The registration is in the vault: after lock and unlock it connects
	// again with the same key.
	statuses, _ := a.PushStatuses()
	if len(statuses) != 2 || statuses[0].Offered || !statuses[1].Enabled || statuses[1].State != "connected" {
		t.Fatalf("statuses %+v", statuses)
	}
	a.Lock()
	select {
	case <-c.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("lock left the connection open")
	}
	if a.push.clients != nil {
		t.Fatal("lock kept the clients")
	}
	_, err = a.PushPrompts()
	wantCode(t, err, CodeLocked)

	b := NewApp(Config{Storage: st, Params: vault.Params{MemoryKiB: 8, Time: 1, Threads: 1},
		Push: PushConfig{HTTP: f, Dial: f.dial, Keys: testKeys, Options: pushclient.Options{Now: func() time.Time { return t0 }}}})
	t.Cleanup(b.Lock)
	if err := b.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	if err := b.PushStart(); err != nil {
		t.Fatal(err)
	}
	f.conn(t) // the hello verified with the registered key
	list, _ := b.List()
	if !list[1].Push {
		t.Fatalf("after unlock %+v", list[1])
	}
	// Disable: the key leaves the vault and the connection closes.
	if err := b.PushDisable(list[1].ID); err != nil {
		t.Fatal(err)
	}
	if list, _ := b.List(); list[1].Push {
		t.Fatal("still registered")
	}
}

func TestPushRevokedDropsRegistration(t *testing.T) {
	a, f, events, _ := pushApp(t)
	acct, _ := a.AddURI(pushURI)
	if _, err := a.PushEnable(acct.ID); err != nil {
		t.Fatal(err)
	}
	f.conn(t).Close(pushclient.CloseRevoked, "")
	for e := range events {
		if e.Type == "status" && e.Status.State == "off" && e.Status.Reason == "revoked" {
			break
		}
	}
	if list, _ := a.List(); list[0].Push {
		t.Fatal("a revoked registration stays in the vault")
	}
	wantCode(t, a.PushDisable("nope"), CodeNotFound)
}
