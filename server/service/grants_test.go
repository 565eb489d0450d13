package service

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/auth"
)

const verifier = "a-verifier-the-cli-keeps-to-itself-0123456789abcdef"

func challengeOf(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// twofold login --browser, the server's halves: a grant made under the
// token rule, redeemed once with the verifier for a token that carries the
// second factor (and so an admin's powers).
func TestCLIGrant(t *testing.T) {
	e := newEnv(t)
	a, adminSess := e.admin("admin@example.com")
	// A stale session must confirm with a code, as for minting a token.
	e.clock.Advance(e.svc.Config().FreshFactorWindow + time.Second)
	if _, _, err := e.svc.Tokens.CreateCLIGrant(ctx, cl, adminSess, challengeOf(verifier), "twofold CLI", time.Time{}, auth.Factor{}); !errors.Is(err, auth.ErrFreshFactorRequired) {
		t.Fatalf("stale session: %v", err)
	}
	for _, bad := range []string{"", "short", challengeOf(verifier) + "A", strings.Repeat("!", 43)} {
		if _, _, err := e.svc.Tokens.CreateCLIGrant(ctx, cl, adminSess, bad, "twofold CLI", time.Time{}, auth.Factor{Code: e.code(a.secret)}); !errors.Is(err, auth.ErrInvalidChallenge) {
			t.Fatalf("challenge %q: %v", bad, err)
		}
	}
	code, until, err := e.svc.Tokens.CreateCLIGrant(ctx, cl, adminSess, challengeOf(verifier), "twofold CLI on laptop", time.Time{}, auth.Factor{Code: e.code(a.secret)})
	if err != nil || !until.Equal(e.clock.Now().Add(CLIGrantTTL)) {
		t.Fatalf("%v %v", until, err)
	}
	// A wrong verifier, or a made-up grant: one answer, nothing used up.
	for _, tc := range [][2]string{{code, verifier + "x"}, {code, "short"}, {"tft_nope", verifier}, {strings.Repeat("A", 43), verifier}} {
		if _, err := e.svc.Tokens.RedeemCLIGrant(ctx, cl, tc[0], tc[1]); !errors.Is(err, auth.ErrGrantInvalid) {
			t.Fatalf("%q %q: %v", tc[0], tc[1], err)
		}
	}
	nt, err := e.svc.Tokens.RedeemCLIGrant(ctx, cl, code, verifier)
	if err != nil || !nt.Token.MFA || nt.Token.Name != "twofold CLI on laptop" || !strings.HasPrefix(nt.Secret, AppTokenPrefix) {
		t.Fatalf("%+v %v", nt, err)
	}
	if _, err := e.svc.Tokens.RedeemCLIGrant(ctx, cl, code, verifier); !errors.Is(err, auth.ErrGrantInvalid) {
		t.Fatalf("redeemed twice: %v", err)
	}
	// The token is the admin's, with the second factor's mark: admin routes
	// take it.
	tok, err := e.svc.Tokens.Authenticate(ctx, cl, nt.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Admin.Org(ctx, auth.TokenSession(tok)); err != nil {
		t.Fatalf("admin by the CLI's token: %v", err)
	}
	// A token cannot make grants; an expired grant is worth nothing.
	if _, _, err := e.svc.Tokens.CreateCLIGrant(ctx, cl, auth.TokenSession(tok), challengeOf(verifier), "x", time.Time{}, auth.Factor{}); !errors.Is(err, auth.ErrTokenNotAllowed) {
		t.Fatalf("grant by a token: %v", err)
	}
	e.clock.Advance(30 * time.Second)
	code, _, err = e.svc.Tokens.CreateCLIGrant(ctx, cl, adminSess, challengeOf(verifier), "late", time.Time{}, auth.Factor{Code: e.code(a.secret)})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(CLIGrantTTL + time.Second)
	if _, err := e.svc.Tokens.RedeemCLIGrant(ctx, cl, code, verifier); !errors.Is(err, auth.ErrGrantInvalid) {
		t.Fatalf("expired grant: %v", err)
	}
	// Reset MFA takes the user's tokens with it.
	bob := e.enroll("bob@example.com")
	e.clock.Advance(30 * time.Second)
	bt, err := e.svc.Tokens.Create(ctx, cl, bob.session, "ci", time.Time{}, auth.Factor{Code: e.code(bob.secret)})
	if err != nil || !bt.Token.MFA {
		t.Fatalf("%+v %v", bt.Token, err)
	}
	e.clock.Advance(30 * time.Second)
	fresh, err := e.svc.Accounts.SecondFactor(ctx, cl, adminSess, auth.Factor{Code: e.code(a.secret)}, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Admin.ResetMFA(ctx, cl, fresh.Session, bob.user.ID, "lost phone"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Tokens.Authenticate(ctx, cl, bt.Secret); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("token after Reset MFA: %v", err)
	}
}
