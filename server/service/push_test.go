package service

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/shared/push"
)

const testOrigin = "https://id.example.com"

// notes records what the service tells the push router.
type notes struct {
	mu      sync.Mutex
	prompts []auth.PushChallenge
	settled []auth.PushChallenge
	revoked []string
	// replaced records each Replaced call as device id and key.
	replaced []string
}

func (n *notes) Replaced(id string, key []byte) {
	n.mu.Lock()
	n.replaced = append(n.replaced, id+" "+string(key))
	n.mu.Unlock()
}

func (n *notes) Prompt(c auth.PushChallenge, _ []string) {
	n.mu.Lock()
	n.prompts = append(n.prompts, c)
	n.mu.Unlock()
}
func (n *notes) Settled(c auth.PushChallenge, _ []string) {
	n.mu.Lock()
	n.settled = append(n.settled, c)
	n.mu.Unlock()
}
func (n *notes) Revoked(ids []string) {
	n.mu.Lock()
	n.revoked = append(n.revoked, ids...)
	n.mu.Unlock()
}

type pushEnv struct {
	*env
	notes *notes
}

func newPushEnv(t *testing.T) pushEnv {
	e := newEnv(t)
	n := &notes{}
	if err := e.svc.Push.Enable(PushConfig{Origin: testOrigin}, n); err != nil {
		t.Fatal(err)
	}
	return pushEnv{e, n}
}

// device is an enrolled account with a push key registered.
type device struct {
	enrolled
	seed []byte
	reg  auth.PushRegistration
}

func (e pushEnv) register(email string, seedByte byte) device {
	e.t.Helper()
	en := e.enroll(email)
	seed := bytes.Repeat([]byte{seedByte}, ed25519.SeedSize)
	reg, err := e.registerKey(en, push.PublicKey(seed))
	if err != nil {
		e.t.Fatal(err)
	}
	return device{enrolled: en, seed: seed, reg: reg}
}

// registerKey registers key for en's device with a proof made now.
func (e pushEnv) registerKey(en enrolled, key []byte) (auth.PushRegistration, error) {
	at := e.clock.Now().Unix()
	return e.svc.Push.Register(ctx, cl, en.device.ID, key, at, push.RegistrationProof(en.secret, testOrigin, en.device.ID, key, at))
}

func (d device) answer(id string, dec push.Decision, n int) push.AnswerFrame {
	a := push.Answer{Origin: testOrigin, ChallengeID: id, Decision: dec, Number: n, DeviceID: d.reg.DeviceID}
	return push.AnswerFrame{ChallengeID: id, Decision: dec, Number: n, Signature: push.Sign(d.seed, a.Message())}
}

func wrongNumber(c auth.PushChallenge) int {
	for _, n := range c.Candidates {
		if n != c.Number {
			return n
		}
	}
	return 0
}

func TestPushApproveRedeemsOnceWithAMRPush(t *testing.T) {
	e := newPushEnv(t)
	d := e.register("a@example.com", 1)
	sess := e.partial("a@example.com")
	ch, err := e.svc.Push.Challenge(ctx, cl, sess)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(ch.Candidates[:], ch.Number) || ch.Number < 10 || ch.Number > 99 || len(e.notes.prompts) != 1 {
		t.Fatalf("challenge %+v", ch)
	}
	if _, err := e.svc.Push.Redeem(ctx, cl, sess, ch.ID); !errors.Is(err, auth.ErrPushNotApproved) {
		t.Fatalf("redeem before approval: %v", err)
	}
	got, err := e.svc.Push.Answer(ctx, d.reg, d.answer(ch.ID, push.Approve, ch.Number))
	if err != nil || got.State != auth.PushApproved {
		t.Fatalf("approve: %+v %v", got, err)
	}
	if _, err := e.svc.Push.Answer(ctx, d.reg, d.answer(ch.ID, push.Approve, ch.Number)); !errors.Is(err, auth.ErrPushRejected) {
		t.Fatalf("second answer: %v", err)
	}
	other := e.partial("a@example.com")
	if _, err := e.svc.Push.Redeem(ctx, cl, other, ch.ID); !errors.Is(err, auth.ErrPushNotApproved) {
		t.Fatalf("redeemed by another session: %v", err)
	}
	ns, err := e.svc.Push.Redeem(ctx, cl, sess, ch.ID)
	if err != nil || ns.Session.Stage != auth.StageFull || !slices.Equal(ns.Session.AMR, []string{auth.MethodPassword, auth.MethodPush}) {
		t.Fatalf("redeem: %+v %v", ns.Session, err)
	}
	if _, err := e.svc.Push.Redeem(ctx, cl, sess, ch.ID); err == nil {
		t.Fatal("redeemed twice")
	}
}

func TestPushWrongNumberCountsInThrottleAndLockoutRefusesApproval(t *testing.T) {
	e := newPushEnv(t)
	d := e.register("a@example.com", 1)
	sess := e.partial("a@example.com")
	policy := e.svc.Config().Throttle
	for i := range policy.FreeFailures + 1 {
		ch, err := e.svc.Push.Challenge(ctx, cl, sess)
		if err != nil {
			t.Fatal(i, err)
		}
		got, err := e.svc.Push.Answer(ctx, d.reg, d.answer(ch.ID, push.Approve, wrongNumber(ch)))
		if err != nil || got.State != auth.PushFailed || e.obs.last() != OutcomeWrong {
			t.Fatalf("wrong number %d: %+v %v", i, got.State, err)
		}
	}
	th, _ := e.st.Throttle(ctx, d.user.ID)
	if th.ConsecutiveFailures != policy.FreeFailures+1 || !policy.Locked(th, e.clock.Now()) {
		t.Fatalf("throttle %+v", th)
	}
	// Approval with the right number while locked: refused, challenge failed.
	ch, err := e.svc.Push.Challenge(ctx, cl, sess)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.Push.Answer(ctx, d.reg, d.answer(ch.ID, push.Approve, ch.Number))
	if err != nil || got.State != auth.PushFailed || e.obs.last() != OutcomeLocked {
		t.Fatalf("locked approval: %+v %v", got.State, err)
	}
	if _, err := e.svc.Push.Redeem(ctx, cl, sess, ch.ID); !errors.Is(err, auth.ErrPushNotApproved) {
		t.Fatal("redeemed while locked")
	}
}

func TestPushApprovedThenLockedIsRefusedAtRedemption(t *testing.T) {
	e := newPushEnv(t)
	d := e.register("a@example.com", 1)
	sess := e.partial("a@example.com")
	ch, _ := e.svc.Push.Challenge(ctx, cl, sess)
	if _, err := e.svc.Push.Answer(ctx, d.reg, d.answer(ch.ID, push.Approve, ch.Number)); err != nil {
		t.Fatal(err)
	}
	// An attacker's guesses lock the account between approval and redemption.
	e.st.Update(ctx, func(tx store.Tx) error {
		return tx.PutThrottle(ctx, store.Throttle{UserID: d.user.ID, LockedUntil: e.clock.Now().Add(time.Minute)})
	})
	if _, err := e.svc.Push.Redeem(ctx, cl, sess, ch.ID); !errors.Is(err, auth.ErrPushNotApproved) || e.obs.last() != OutcomeLocked {
		t.Fatalf("redeem while locked: %v", err)
	}
}

func TestPushAnswerChecks(t *testing.T) {
	e := newPushEnv(t)
	d := e.register("a@example.com", 1)
	b := e.register("b@example.com", 2)
	sess := e.partial("a@example.com")
	ch, _ := e.svc.Push.Challenge(ctx, cl, sess)

	forged := d.answer(ch.ID, push.Approve, ch.Number)
	forged.Signature = b.answer(ch.ID, push.Approve, ch.Number).Signature // b's key, claiming d
	if _, err := e.svc.Push.Answer(ctx, d.reg, forged); !errors.Is(err, auth.ErrPushRejected) {
		t.Errorf("another device's signature: %v", err)
	}
	if _, err := e.svc.Push.Answer(ctx, b.reg, b.answer(ch.ID, push.Approve, ch.Number)); !errors.Is(err, auth.ErrPushRejected) {
		t.Errorf("another user's challenge: %v", err)
	}
	if _, err := e.svc.Push.Answer(ctx, d.reg, d.answer("pch_unknown", push.Approve, ch.Number)); !errors.Is(err, auth.ErrPushRejected) {
		t.Errorf("unknown challenge: %v", err)
	}
	e.clock.Advance(61 * time.Second)
	if _, err := e.svc.Push.Answer(ctx, d.reg, d.answer(ch.ID, push.Approve, ch.Number)); !errors.Is(err, auth.ErrPushRejected) {
		t.Errorf("expired: %v", err)
	}
	if n, err := e.svc.Push.Expire(ctx); n != 1 || err != nil {
		t.Errorf("expire: %d %v", n, err)
	}
	if got, _ := e.st.PushChallenge(ctx, ch.ID); got.State != store.PushExpired {
		t.Errorf("state %s", got.State)
	}
	if th, _ := e.st.Throttle(ctx, d.user.ID); th.ConsecutiveFailures != 0 {
		t.Errorf("rejected answers counted: %+v", th)
	}
}

func TestPushFatigueLimitsAndReportPauses(t *testing.T) {
	e := newPushEnv(t)
	d := e.register("a@example.com", 1)
	sess := e.partial("a@example.com")
	cfg := e.svc.Push.Config()
	for range cfg.MaxPending {
		if _, err := e.svc.Push.Challenge(ctx, cl, sess); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.Push.Challenge(ctx, cl, sess); !errors.Is(err, auth.ErrPushTooMany) {
		t.Fatalf("over the pending cap: %v", err)
	}
	for i := cfg.MaxPending; i < cfg.MaxPerWindow; i++ {
		e.clock.Advance(cfg.ChallengeTTL)
		if _, err := e.svc.Push.Challenge(ctx, cl, sess); err != nil {
			t.Fatal(i, err)
		}
	}
	e.clock.Advance(cfg.ChallengeTTL)
	if _, err := e.svc.Push.Challenge(ctx, cl, sess); !errors.Is(err, auth.ErrPushTooMany) {
		t.Fatalf("over the window cap: %v", err)
	}
	e.clock.Advance(cfg.Window)
	ch, err := e.svc.Push.Challenge(ctx, cl, sess)
	if err != nil {
		t.Fatal(err)
	}
	pending, _ := e.svc.Push.Challenge(ctx, cl, sess)
	got, err := e.svc.Push.Answer(ctx, d.reg, d.answer(ch.ID, push.Report, 0))
	if err != nil || got.State != auth.PushReported {
		t.Fatalf("report: %+v %v", got.State, err)
	}
	if c, _ := e.st.PushChallenge(ctx, pending.ID); c.State != store.PushCancelled {
		t.Fatalf("other pending prompt %s", c.State)
	}
	if _, err := e.svc.Push.Challenge(ctx, cl, sess); !errors.Is(err, auth.ErrPushPaused) {
		t.Fatalf("after report: %v", err)
	}
	events, _ := e.st.AuditEvents(ctx, d.user.ID, 0, 50)
	if !slices.ContainsFunc(events, func(ev store.AuditEvent) bool { return ev.Type == EventPushReported }) {
		t.Fatal("no push_reported audit event")
	}
	// Signing in with a code lifts the pause.
	e.clock.Advance(30 * time.Second)
	if _, err := e.svc.Accounts.SecondFactor(ctx, cl, e.partial("a@example.com"), auth.Factor{Code: e.code(d.secret)}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Push.Challenge(ctx, cl, e.partial("a@example.com")); err != nil {
		t.Fatalf("after another sign-in: %v", err)
	}
}

// Registration is proved by the seed (an HMAC, not a code): it spends no
// time step, so the code the person sees still signs in, and wrong proofs
// book nothing in the account's throttle, so a stranger who knows the
// device id cannot lock the owner out (issue 11, items 3 and 14).
func TestPushRegistrationProofSpendsNothingAndLocksNothing(t *testing.T) {
	e := newPushEnv(t)
	en := e.enroll("a@example.com")
	e.clock.Advance(30 * time.Second)
	key := push.PublicKey(bytes.Repeat([]byte{1}, 32))
	at := e.clock.Now().Unix()
	good := push.RegistrationProof(en.secret, testOrigin, en.device.ID, key, at)
	for name, try := range map[string]func() error{
		"wrong proof": func() error {
			_, err := e.svc.Push.Register(ctx, cl, en.device.ID, key, at, bytes.Repeat([]byte{0}, push.ProofSize))
			return err
		},
		"another server's proof": func() error {
			p := push.RegistrationProof(en.secret, "https://evil.example.com", en.device.ID, key, at)
			_, err := e.svc.Push.Register(ctx, cl, en.device.ID, key, at, p)
			return err
		},
		"stale proof": func() error {
			old := at - int64(push.RegistrationSkew/time.Second) - 1
			p := push.RegistrationProof(en.secret, testOrigin, en.device.ID, key, old)
			_, err := e.svc.Push.Register(ctx, cl, en.device.ID, key, old, p)
			return err
		},
		"unknown device": func() error {
			_, err := e.svc.Push.Register(ctx, cl, "dev_nope", key, at, good)
			return err
		},
	} {
		for range 50 { // far past the throttle's free failures
			if err := try(); !errors.Is(err, auth.ErrPushRejected) {
				t.Fatalf("%s: %v", name, err)
			}
		}
	}
	if _, err := e.svc.Push.Register(ctx, cl, en.device.ID, key[:5], at, good); !errors.Is(err, auth.ErrPushKey) {
		t.Fatalf("short key: %v", err)
	}
	if th, _ := e.st.Throttle(ctx, en.user.ID); th.ConsecutiveFailures != 0 || !th.LockedUntil.IsZero() {
		t.Fatalf("a stranger's registrations booked failures: %+v", th)
	}
	if _, err := e.st.PushRegistration(ctx, en.device.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused registration was stored: %v", err)
	}
	// The right proof registers, and the code on screen still signs in.
	code := e.code(en.secret)
	reg, err := e.svc.Push.Register(ctx, cl, en.device.ID, key, at, good)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Accounts.SecondFactor(ctx, cl, e.partial("a@example.com"), auth.Factor{Code: code}, false); err != nil {
		t.Fatalf("the code shown while registering no longer signs in: %v", err)
	}
	if len(e.notes.replaced) != 0 {
		t.Fatalf("a first registration replaced %v", e.notes.replaced)
	}
	// A new key replaces the old one: the router drops the old key's connections.
	key2 := push.PublicKey(bytes.Repeat([]byte{2}, 32))
	if _, err := e.registerKey(en, key2); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(e.notes.replaced, []string{en.device.ID + " " + string(key2)}) {
		t.Fatalf("replaced %q", e.notes.replaced)
	}
	// Deleting the device revokes the registration.
	e.clock.Advance(30 * time.Second)
	if err := e.svc.Devices.Delete(ctx, cl, en.session, en.device.ID, auth.Factor{Code: e.code(en.secret)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.PushRegistration(ctx, reg.DeviceID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("registration after delete: %v", err)
	}
	if !slices.Equal(e.notes.revoked, []string{reg.DeviceID}) {
		t.Fatalf("revoked %v", e.notes.revoked)
	}
}

func TestBrowserSummary(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36": "Chrome on Linux",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0":                          "Firefox on Windows",
		"curl/8.0": "curl",
		"":         "A browser",
	} {
		if got := auth.BrowserSummary(ua); got != want {
			t.Errorf("%q: %q", ua, got)
		}
	}
}
