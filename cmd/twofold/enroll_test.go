package main

import (
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/api/apitest"
	"github.com/twofold-auth/twofold/server/api/wire"
)

// An organisation that requires MFA gives no token to an account without
// an authenticator: 'login' says so plainly and how to enroll; the
// first-device flow then works without a token (the sign-in is the way
// in), its activation completes the sign-in, and 'login' with a code gets
// the token.
func TestCLILoginUnderTheRequirement(t *testing.T) {
	s := startAdmin(t, apitest.Options{})
	s.requireEveryone(t)
	if _, err := s.Client(t).SignUp(ctx, "carol@example.com", cliPassword); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // carol's own computer
	t.Setenv("TWOFOLD_URL", s.URL)

	status, out, errOut := runTwofold(t, cliPassword+"\n", "login", "--email", "carol@example.com", "--password-stdin")
	if status != exitFail || out != "" || strings.Count(errOut, "\n") != 1 ||
		!strings.Contains(errOut, "twofold: login: your organisation requires two-step sign-in, and carol@example.com has no authenticator yet") ||
		!strings.Contains(errOut, "'twofold mfa-totp-device create --email carol@example.com'") {
		t.Fatalf("login: exit %d, stdout %q, stderr %q", status, out, errOut)
	}
	if cfg, _, _ := loadConfig(); cfg.Token != "" {
		t.Fatal("a token was saved")
	}

	var created wire.Enrollment
	decodeOut(t, must(t, cliPassword+"\n", "mfa-totp-device", "create", "--email", "carol@example.com", "--password-stdin", "-o", "json"), &created)
	act := must(t, "", "mfa-totp-device", "activate", created.Device.ID, "--totp", codeAt(t, created.Enrollment.Secret, time.Now()))
	if !strings.Contains(act, "is active") || !strings.Contains(act, "now run 'twofold login'") || !strings.Contains(act, "Recovery codes") {
		t.Fatalf("activate said:\n%s", act)
	}
	must(t, cliPassword+"\n", "login", "--email", "carol@example.com", "--password-stdin",
		"--totp", codeAt(t, created.Enrollment.Secret, time.Now().Add(30*time.Second)))
	if list := must(t, "", "mfa-totp-device", "list"); !strings.Contains(list, created.Device.ID) || !strings.Contains(list, "ACTIVE") {
		t.Fatalf("list with the new token:\n%s", list)
	}
}
