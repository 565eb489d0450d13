package service

import (
	"crypto/rand"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/credential"
	"github.com/twofold-auth/twofold/server/store"
)

func TestSignUpValidation(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		email, pw string
		want      error
	}{
		{"", "correct horse", auth.ErrInvalidEmail},
		{"not-an-email", "correct horse", auth.ErrInvalidEmail},
		{"Name <a@example.com>", "correct horse", auth.ErrInvalidEmail},
		// The domain needs a dot inside it (a typo like "dana@example",
		// or a host name mail from elsewhere cannot reach).
		{"dana@example", "correct horse", auth.ErrInvalidEmail},
		{"dana@example.", "correct horse", auth.ErrInvalidEmail},
		{"dana@.example", "correct horse", auth.ErrInvalidEmail},
		{"a@example.com", "short", auth.ErrInvalidPassword},
		{"a@example.com", string(make([]byte, MaxPasswordLen+1)), auth.ErrInvalidPassword},
	} {
		if _, err := e.svc.Accounts.SignUp(ctx, cl, tc.email, tc.pw, ""); !errors.Is(err, tc.want) {
			t.Errorf("SignUp(%q) = %v, want %v", tc.email, err, tc.want)
		}
	}
	ns, err := e.svc.Accounts.SignUp(ctx, cl, "  Alice@Example.com ", "correct horse", "")
	u := ns.User
	if err != nil || u.Email != "alice@example.com" || ns.Session.Stage != auth.StageFull ||
		!slices.Equal(ns.Session.AMR, []string{"pwd"}) || !ns.Session.MFAVerifiedAt.IsZero() {
		t.Fatalf("SignUp = %+v %+v %v", u, ns.Session, err)
	}
	if _, err := e.svc.Accounts.SignUp(ctx, cl, "alice@example.com", "correct horse", ""); !errors.Is(err, auth.ErrEmailTaken) {
		t.Fatalf("duplicate: %v", err)
	}
}

// An account made before the domain rule (here written to the store
// directly) still signs in: the rule is for new addresses only.
func TestSignInFindsAccountWithDotlessDomain(t *testing.T) {
	e := newEnv(t)
	hash, err := credential.HashPassword(rand.Reader, "correct horse", fastArgon2)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.Update(ctx, func(tx store.Tx) error {
		return tx.CreateUser(ctx, store.User{ID: "usr_legacy", Email: "dana@intranet", PasswordHash: hash, CreatedAt: t0, OrgID: store.DefaultOrgID, Role: store.RoleMember})
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Accounts.SignUp(ctx, cl, "dana@intranet", "correct horse", ""); !errors.Is(err, auth.ErrInvalidEmail) {
		t.Fatalf("SignUp(dana@intranet) = %v", err)
	}
	ns, err := e.svc.Accounts.SignIn(ctx, cl, "Dana@Intranet", "correct horse")
	if err != nil || ns.Session.UserID != "usr_legacy" {
		t.Fatalf("SignIn = %+v %v", ns.Session, err)
	}
}

func TestSignInWithoutMFAIsPasswordOnly(t *testing.T) {
	e := newEnv(t)
	e.svc.Accounts.SignUp(ctx, cl, "bob@example.com", "correct horse battery", "")
	ns, err := e.svc.Accounts.SignIn(ctx, cl, "BOB@example.com", "correct horse battery")
	if err != nil || ns.Session.Stage != auth.StageFull || !slices.Equal(ns.Session.AMR, []string{"pwd"}) {
		t.Fatalf("%+v %v", ns.Session, err)
	}
	for _, tc := range [][2]string{{"bob@example.com", "wrong password"}, {"nobody@example.com", "correct horse battery"}, {"bad", "x"}} {
		if _, err := e.svc.Accounts.SignIn(ctx, cl, tc[0], tc[1]); !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Errorf("SignIn(%q) = %v", tc[0], err)
		}
	}
	got, err := e.svc.Accounts.Authenticate(ctx, ns.Token)
	if err != nil || got.UserID != ns.Session.UserID {
		t.Fatal(got, err)
	}
	last := "A" // one character changed (never to itself: 1 token in 64 ends in A)
	if ns.Token[42:] == last {
		last = "B"
	}
	for _, bad := range []string{"", "garbage", ns.Token[:42] + last} {
		if _, err := e.svc.Accounts.Authenticate(ctx, bad); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("Authenticate(%q) = %v", bad, err)
		}
	}
	e.clock.Advance(e.svc.Config().SessionTTL)
	if _, err := e.svc.Accounts.Authenticate(ctx, ns.Token); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("expired session accepted: %v", err)
	}
}

func TestTwoStepSignIn(t *testing.T) {
	e := newEnv(t)
	a := e.enroll("carol@example.com")
	if len(a.recovery) != 10 {
		t.Fatalf("%d recovery codes at first activation", len(a.recovery))
	}
	e.clock.Advance(30 * time.Second)
	p := e.partial("carol@example.com")
	ns, err := e.svc.Accounts.SecondFactor(ctx, cl, p, auth.Factor{Code: e.code(a.secret)}, false)
	if err != nil {
		t.Fatal(err)
	}
	s := ns.Session
	if s.Stage != auth.StageFull || !slices.Equal(s.AMR, []string{"pwd", "otp"}) || !s.MFAVerifiedAt.Equal(e.clock.Now()) || ns.Token == "" {
		t.Fatalf("session %+v", s)
	}
	// The partial session is gone: a new token replaced it.
	if _, err := e.session(p.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("partial session still there: %v", err)
	}
	// Recovery code as the second factor.
	p = e.partial("carol@example.com")
	ns, err = e.svc.Accounts.SecondFactor(ctx, cl, p, auth.Factor{RecoveryCode: a.recovery[0]}, false)
	if err != nil || !slices.Equal(ns.Session.AMR, []string{"pwd", "recovery"}) {
		t.Fatalf("recovery sign-in: %+v %v", ns.Session, err)
	}
	if n, _ := e.svc.Devices.RecoveryCodesRemaining(ctx, a.user.ID); n != 9 {
		t.Fatalf("%d codes left", n)
	}
	// Single use.
	p = e.partial("carol@example.com")
	if _, err := e.svc.Accounts.SecondFactor(ctx, cl, p, auth.Factor{RecoveryCode: a.recovery[0]}, false); !errors.Is(err, auth.ErrVerificationFailed) {
		t.Fatalf("used recovery code: %v", err)
	}
	// Expired partial session.
	e.clock.Advance(e.svc.Config().PartialSessionTTL)
	if _, err := e.svc.Accounts.Authenticate(ctx, "x"); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatal(err)
	}
}

// Invariant 2: a code is accepted once per device; the activation code
// cannot then sign in.
func TestInvariant2_ActivationCodeNotReusable(t *testing.T) {
	e := newEnv(t)
	a := e.enroll("dave@example.com") // activated with the code of this step
	p := e.partial("dave@example.com")
	if _, err := e.svc.Accounts.SecondFactor(ctx, cl, p, auth.Factor{Code: e.code(a.secret)}, false); !errors.Is(err, auth.ErrVerificationFailed) {
		t.Fatalf("activation code reused at sign-in: %v", err)
	}
	e.clock.Advance(30 * time.Second)
	code := e.code(a.secret)
	if _, err := e.svc.Accounts.SecondFactor(ctx, cl, p, auth.Factor{Code: code}, false); err != nil {
		t.Fatal(err)
	}
	// Same code twice: the second time fails (step-up on the new session).
	if _, err := e.svc.Accounts.SecondFactor(ctx, cl, a.session, auth.Factor{Code: code}, false); !errors.Is(err, auth.ErrVerificationFailed) {
		t.Fatalf("same code accepted twice: %v", err)
	}
	// Nor does the previous step's code, though it is inside the skew.
	e.clock.Advance(10 * time.Second)
	if _, err := e.svc.Accounts.SecondFactor(ctx, cl, a.session, auth.Factor{Code: code}, false); !errors.Is(err, auth.ErrVerificationFailed) {
		t.Fatalf("old code accepted: %v", err)
	}
}

func TestStepUpAndSignOut(t *testing.T) {
	e := newEnv(t)
	a := e.enroll("erin@example.com")
	e.clock.Advance(30 * time.Second)
	ns, err := e.svc.Accounts.SecondFactor(ctx, cl, a.session, auth.Factor{Code: e.code(a.secret)}, false)
	if err != nil || ns.Token != "" || !slices.Equal(ns.Session.AMR, []string{"pwd", "otp"}) || !e.svc.core.freshMFA(ns.Session) {
		t.Fatalf("step-up: %+v %v", ns, err)
	}
	e.clock.Advance(e.svc.Config().FreshFactorWindow)
	if e.svc.core.freshMFA(ns.Session) {
		t.Fatal("still fresh after the window")
	}
	p := e.partial("erin@example.com")
	n, err := e.svc.Accounts.SignOutEverywhere(ctx, cl, a.user.ID)
	if err != nil || n != 2 {
		t.Fatalf("sign out everywhere: %d %v", n, err)
	}
	if _, err := e.session(p.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("session survived sign-out everywhere")
	}
	if err := e.svc.Accounts.SignOut(ctx, cl, p); err != nil {
		t.Fatalf("sign out of a gone session: %v", err)
	}
}
