package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/api"
	"github.com/twofold-auth/twofold/server/credential"
	"github.com/twofold-auth/twofold/server/secrets"
	"github.com/twofold-auth/twofold/server/service"
	"github.com/twofold-auth/twofold/server/store/sqlite"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/otpcode"
)

const cliPassword = "correct horse battery"

// startServer runs the real router over real SQLite in a temp dir (fast
// Argon2, no rate limit), points the config directory at a temp dir and
// returns the server's URL.
func startServer(t *testing.T) string {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "twofold.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	keys, err := secrets.NewKeyring(rand.Reader, bytes.Repeat([]byte{7}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := service.New(service.Config{Argon2: credential.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}},
		service.Deps{Store: st, Keys: keys, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewRouter(api.Deps{Accounts: svc.Accounts, Devices: svc.Devices, Tokens: svc.Tokens, Push: svc.Push, Audit: svc.Audit, DB: st, Log: quiet, RateLimit: api.RateLimit{Requests: -1}}))
	t.Cleanup(func() { srv.Close(); st.Close() })
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("TWOFOLD_URL", "")
	t.Setenv("TWOFOLD_TOKEN", "")
	return srv.URL
}

func signUpHTTP(t *testing.T, base, email string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": cliPassword})
	resp, err := http.Post(base+"/api/v1/users", "application/json", bytes.NewReader(body))
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("sign up: %v %v", resp, err)
	}
	resp.Body.Close()
}

// must runs twofold and fails the test unless it exits 0.
func must(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	status, out, errOut := runTwofold(t, stdin, args...)
	if status != 0 {
		t.Fatalf("twofold %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), status, out, errOut)
	}
	return out
}

// mustFail runs twofold, wants exit 1 and one line on stderr containing want.
func mustFail(t *testing.T, stdin, want string, args ...string) {
	t.Helper()
	status, _, errOut := runTwofold(t, stdin, args...)
	if status != exitFail || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, want) {
		t.Fatalf("twofold %s: exit %d, stderr %q, want one line with %q", strings.Join(args, " "), status, errOut, want)
	}
}

func codeAt(t *testing.T, seed string, at time.Time) string {
	t.Helper()
	secret, err := otpauth.DecodeSecret(seed)
	if err != nil {
		t.Fatal(err)
	}
	c, err := otpcode.TOTP(secret, otpcode.Params{Algorithm: "SHA1", Digits: 6, Period: 30}, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type cliEnrollment struct {
	Device struct {
		ID    string `json:"id"`
		State string `json:"state"`
	} `json:"device"`
	Enrollment struct {
		Secret string `json:"secret"`
	} `json:"enrollment"`
}

type cliDevices struct {
	Devices []struct {
		ID    string `json:"id"`
		State string `json:"state"`
	} `json:"devices"`
}

func decodeOut(t *testing.T, out string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("decoding %q: %v", out, err)
	}
}

// The Oracle sequence: create → activate with a code from the returned
// seed → list shows it active → delete-inactive leaves it → delete.
func TestCLIOracleDeviceSequence(t *testing.T) {
	base := startServer(t)
	signUpHTTP(t, base, "oracle@example.com")

	out := must(t, cliPassword+"\n", "login", "--url", base, "--email", "oracle@example.com", "--password-stdin")
	cfgPath := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "twofold", "config.json")
	if !strings.Contains(out, "saved it in "+cfgPath) {
		t.Fatalf("login said %q", out)
	}
	if fi, err := os.Stat(cfgPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("config file: %v %v", fi, err)
	}

	// The first device is made in a signed-in session, not with the token.
	var created cliEnrollment
	decodeOut(t, must(t, cliPassword+"\n", "mfa-totp-device", "create", "--name", "phone", "-o", "json",
		"--email", "oracle@example.com", "--password-stdin"), &created)
	if created.Device.State != "pending" || created.Enrollment.Secret == "" {
		t.Fatalf("created %+v", created)
	}
	if cfg, _ := os.ReadFile(cfgPath); !strings.Contains(string(cfg), created.Device.ID) {
		t.Fatalf("the enrollment session is not kept for the device: %s", cfg)
	}
	id := created.Device.ID
	// A pending device may get a new seed; the old one then stops working.
	var again cliEnrollment
	decodeOut(t, must(t, "", "mfa-totp-device", "generate-totp-seed", id, "-o", "json"), &again)
	if again.Enrollment.Secret == created.Enrollment.Secret {
		t.Fatal("generate-totp-seed returned the same seed")
	}
	mustFail(t, "", "not accepted", "mfa-totp-device", "activate", id, "--totp", codeAt(t, created.Enrollment.Secret, time.Now()))

	act := must(t, "", "mfa-totp-device", "activate", id, "--totp", codeAt(t, again.Enrollment.Secret, time.Now()))
	if !strings.Contains(act, "is active") || !strings.Contains(act, "Recovery codes") {
		t.Fatalf("activate said %q", act)
	}
	recovery := strings.TrimSpace(strings.Split(strings.SplitN(act, "not shown again):\n", 2)[1], "\n")[0])
	if cfg, _ := os.ReadFile(cfgPath); strings.Contains(string(cfg), "enrollment") {
		t.Fatalf("the enrollment session outlived the activation: %s", cfg)
	}
	mustFail(t, "", "already active", "mfa-totp-device", "generate-totp-seed", id)

	if list := must(t, "", "mfa-totp-device", "list"); !strings.Contains(list, id) || !strings.Contains(list, "ACTIVE") {
		t.Fatalf("list: %q", list)
	}
	// With an active device, a token needs a second factor to add another.
	mustFail(t, "", "give --totp CODE", "mfa-totp-device", "create", "--name", "spare")
	codes := strings.Split(strings.SplitN(act, "not shown again):\n", 2)[1], "\n")
	must(t, "", "mfa-totp-device", "create", "--name", "spare", "--recovery-code", strings.TrimSpace(codes[1]))
	if out := must(t, "", "mfa-totp-device", "delete-inactive"); !strings.Contains(out, "Deleted 1 inactive") {
		t.Fatalf("delete-inactive said %q", out)
	}
	var list cliDevices
	decodeOut(t, must(t, "", "mfa-totp-device", "list", "-o", "json"), &list)
	if len(list.Devices) != 1 || list.Devices[0].ID != id || list.Devices[0].State != "active" {
		t.Fatalf("after delete-inactive: %+v", list)
	}
	// A token carries no second factor: deleting the active device needs one.
	mustFail(t, "", "Confirm with a current code", "mfa-totp-device", "delete", id)
	must(t, "", "mfa-totp-device", "delete", id, "--recovery-code", recovery)
	decodeOut(t, must(t, "", "mfa-totp-device", "list", "-o", "json"), &list)
	if len(list.Devices) != 0 {
		t.Fatalf("after delete: %+v", list)
	}
}

// rename gives a device a name (with the token), list shows it; a missing,
// blank or invalid name and an unknown device are refused and change
// nothing.
func TestCLIRenameDevice(t *testing.T) {
	base := startServer(t)
	signUpHTTP(t, base, "rename@example.com")
	must(t, cliPassword+"\n", "login", "--url", base, "--email", "rename@example.com", "--password-stdin")
	var created cliEnrollment
	decodeOut(t, must(t, cliPassword+"\n", "mfa-totp-device", "create", "-o", "json",
		"--email", "rename@example.com", "--password-stdin"), &created)
	id := created.Device.ID
	named := func() string {
		t.Helper()
		var list struct {
			Devices []struct {
				ID, Name string
			} `json:"devices"`
		}
		decodeOut(t, must(t, "", "mfa-totp-device", "list", "-o", "json"), &list)
		if len(list.Devices) != 1 || list.Devices[0].ID != id {
			t.Fatalf("devices: %+v", list.Devices)
		}
		return list.Devices[0].Name
	}
	if n := named(); n != "Authenticator" {
		t.Fatalf("the default name is %q", n)
	}

	out := must(t, "", "mfa-totp-device", "rename", id, "--name", "Work phone")
	if !strings.Contains(out, id) || !strings.Contains(out, `"Work phone"`) {
		t.Fatalf("rename said %q", out)
	}
	if n := named(); n != "Work phone" {
		t.Fatalf("after rename the device is %q", n)
	}
	if list := must(t, "", "mfa-totp-device", "list"); !strings.Contains(list, "Work phone") || !strings.Contains(list, "EXPIRES") {
		t.Fatalf("list: %q", list)
	}

	for _, args := range [][]string{
		{"mfa-totp-device", "rename", id},
		{"mfa-totp-device", "rename", id, "--name", "  "},
		{"mfa-totp-device", "rename", "--name", "x"},
	} {
		status, _, errOut := runTwofold(t, "", args...)
		if status != exitUsage || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "mfa-totp-device rename") {
			t.Errorf("%v: exit %d %q", args, status, errOut)
		}
	}
	mustFail(t, "", "1 to 64 printable characters", "mfa-totp-device", "rename", id, "--name", strings.Repeat("x", 65))
	mustFail(t, "", "No such device", "mfa-totp-device", "rename", "dev_nosuchdevice000", "--name", "x")
	if n := named(); n != "Work phone" {
		t.Fatalf("a refused rename changed the name to %q", n)
	}
}

// The token sequence: login saves one, create makes another (signing in
// again, with the second factor), list shows both, revoke ends one.
func TestCLITokenSequence(t *testing.T) {
	base := startServer(t)
	signUpHTTP(t, base, "tokens@example.com")
	must(t, cliPassword+"\n", "login", "--url", base, "--email", "tokens@example.com", "--password-stdin", "--name", "laptop")

	// With MFA on, creating a token asks for the code too.
	var created cliEnrollment
	decodeOut(t, must(t, cliPassword+"\n", "mfa-totp-device", "create", "-o", "json", "--email", "tokens@example.com", "--password-stdin"), &created)
	must(t, "", "mfa-totp-device", "activate", created.Device.ID, "--totp", codeAt(t, created.Enrollment.Secret, time.Now()))
	mustFail(t, cliPassword+"\n", "not accepted", "token", "create", "--name", "ci", "--email", "tokens@example.com", "--password-stdin", "--totp", "000000")

	next := codeAt(t, created.Enrollment.Secret, time.Now().Add(30*time.Second)) // a later step: the activation's is spent
	var ct struct {
		Token struct {
			ID string `json:"id"`
		} `json:"token"`
		Secret string `json:"secret"`
	}
	status, out, errOut := runTwofold(t, cliPassword+"\n", "token", "create", "--name", "ci", "--expires", "30d",
		"--email", "tokens@example.com", "--password-stdin", "--totp", next, "-o", "json")
	if status != 0 {
		t.Fatalf("token create: %d %s", status, errOut)
	}
	decodeOut(t, out, &ct)

	list := must(t, "", "token", "list")
	if !strings.Contains(list, "laptop") || !strings.Contains(list, "ci") || strings.Contains(list, ct.Secret) {
		t.Fatalf("token list: %q", list)
	}
	// The new token works from the environment, and can be revoked.
	t.Setenv("TWOFOLD_TOKEN", ct.Secret)
	must(t, "", "mfa-totp-device", "list")
	must(t, "", "token", "revoke", ct.Token.ID)
	mustFail(t, "", "unknown, revoked or expired", "mfa-totp-device", "list")
	t.Setenv("TWOFOLD_TOKEN", "")
	// A token cannot mint tokens: 'token create' always signs in.
	mustFail(t, "wrong password\n", "email address or password is wrong", "token", "create", "--name", "x", "--email", "tokens@example.com", "--password-stdin")
}

func TestCLIServerVerbsHelpAndUsage(t *testing.T) {
	startServer(t)
	for _, verb := range []string{"login", "mfa-totp-device", "recovery-codes", "token"} {
		if out := must(t, "", verb, "--help"); !strings.Contains(out, "Example") {
			t.Errorf("%s --help has no example: %q", verb, out)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"mfa-totp-device", "list", "--url", "http://127.0.0.1:1"}, "run 'twofold login' first"},
		{[]string{"mfa-totp-device", "activate", "dev_x"}, "--totp CODE is required"},
		{[]string{"mfa-totp-device", "frobnicate"}, "unknown subcommand"},
		{[]string{"mfa-totp-device", "create", "--totp", "123456", "--recovery-code", "x", "--token", "x"}, "not both"},
		{[]string{"token", "create"}, "--name is required"},
		{[]string{"token", "list", "-o", "yaml", "--token", "x"}, "want table or json"},
	} {
		status, _, errOut := runTwofold(t, "", tc.args...)
		if status != exitUsage || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d %q, want %q", tc.args, status, errOut, tc.want)
		}
	}
	mustFail(t, "", "cannot reach", "mfa-totp-device", "list", "--url", "http://127.0.0.1:1", "--token", "tft_x")
}
