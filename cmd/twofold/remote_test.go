package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/api/apitest"
	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/otpcode"
)

const cliPassword = apitest.Password

// startServer runs the real API (server/api/apitest), points the config
// directory at a temp dir and returns the server's URL.
func startServer(t *testing.T) string {
	t.Helper()
	srv := apitest.Start(t, apitest.Options{})
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("TWOFOLD_URL", "")
	t.Setenv("TWOFOLD_TOKEN", "")
	return srv.URL
}

func signUp(t *testing.T, base, email string) {
	t.Helper()
	c, err := client.New(base)
	if err == nil {
		_, err = c.SignUp(context.Background(), email, cliPassword)
	}
	if err != nil {
		t.Fatalf("sign up: %v", err)
	}
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
	signUp(t, base, "oracle@example.com")

	out := must(t, cliPassword+"\n", "login", "--url", base, "--email", "oracle@example.com", "--password-stdin")
	cfgPath := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "twofold", "config.json")
	if !strings.Contains(out, "saved it in "+cfgPath) {
		t.Fatalf("login said %q", out)
	}
	if fi, err := os.Stat(cfgPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("config file: %v %v", fi, err)
	}

	// The first device is made in a signed-in session, not with the token.
	var created wire.Enrollment
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
	var again wire.Enrollment
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
	var list wire.DeviceList
	decodeOut(t, must(t, "", "mfa-totp-device", "list", "-o", "json"), &list)
	if len(list.Devices) != 1 || list.Devices[0].ID != id || list.Devices[0].State != "active" {
		t.Fatalf("after delete-inactive: %+v", list)
	}
	// A token carries no second factor: deleting the active device needs one.
	mustFail(t, "", "Confirm with a current code", "mfa-totp-device", "delete", id, "--force")
	must(t, "", "mfa-totp-device", "delete", id, "--recovery-code", recovery, "--force")
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
	signUp(t, base, "rename@example.com")
	must(t, cliPassword+"\n", "login", "--url", base, "--email", "rename@example.com", "--password-stdin")
	var created wire.Enrollment
	decodeOut(t, must(t, cliPassword+"\n", "mfa-totp-device", "create", "-o", "json",
		"--email", "rename@example.com", "--password-stdin"), &created)
	id := created.Device.ID
	named := func() string {
		t.Helper()
		var list wire.DeviceList
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
	signUp(t, base, "tokens@example.com")
	must(t, cliPassword+"\n", "login", "--url", base, "--email", "tokens@example.com", "--password-stdin", "--name", "laptop")

	// With MFA on, creating a token asks for the code too.
	var created wire.Enrollment
	decodeOut(t, must(t, cliPassword+"\n", "mfa-totp-device", "create", "-o", "json", "--email", "tokens@example.com", "--password-stdin"), &created)
	must(t, "", "mfa-totp-device", "activate", created.Device.ID, "--totp", codeAt(t, created.Enrollment.Secret, time.Now()))
	mustFail(t, cliPassword+"\n", "not accepted", "token", "create", "--name", "ci", "--email", "tokens@example.com", "--password-stdin", "--totp", "000000")

	next := codeAt(t, created.Enrollment.Secret, time.Now().Add(30*time.Second)) // a later step: the activation's is spent
	var ct wire.CreatedAppToken
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

// delete asks first: a script without --force is refused and nothing is
// deleted; at a terminal (played in-process) "n" keeps the device, an
// unknown device is said at once, "y" deletes.
func TestCLIDeleteAsksFirst(t *testing.T) {
	base := startServer(t)
	signUp(t, base, "ask@example.com")
	must(t, cliPassword+"\n", "login", "--url", base, "--email", "ask@example.com", "--password-stdin")
	var created wire.Enrollment
	decodeOut(t, must(t, cliPassword+"\n", "mfa-totp-device", "create", "--name", "phone", "-o", "json",
		"--email", "ask@example.com", "--password-stdin"), &created)
	id := created.Device.ID
	devices := func() int {
		var list wire.DeviceList
		decodeOut(t, must(t, "", "mfa-totp-device", "list", "-o", "json"), &list)
		return len(list.Devices)
	}

	status, _, errOut := runTwofold(t, "y\n", "mfa-totp-device", "delete", id)
	if status != exitUsage || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "add --force") || devices() != 1 {
		t.Fatalf("delete from a script without --force: exit %d, %q, %d devices", status, errOut, devices())
	}

	e, out, errs := testEnv("n\n", true)
	if status := run(e, []string{"mfa-totp-device", "delete", id}); status != exitFail || out.Len() != 0 ||
		!strings.Contains(errs.String(), id+" (phone) is pending") || !strings.Contains(errs.String(), "Delete TOTP device "+id+"? [y/N] ") ||
		!strings.HasSuffix(errs.String(), "twofold: mfa-totp-device delete: not confirmed; nothing was changed\n") || devices() != 1 {
		t.Fatalf("answered n: exit %d, stdout %q, stderr %q, %d devices", status, out, errs, devices())
	}
	e, _, errs = testEnv("y\n", true)
	if status := run(e, []string{"mfa-totp-device", "delete", "dev_nosuchdevice000"}); status != exitFail ||
		strings.Contains(errs.String(), "[y/N]") || !strings.Contains(errs.String(), "No such device") {
		t.Fatalf("an unknown device: exit %d, stderr %q", status, errs)
	}
	e, out, _ = testEnv("y\n", true)
	if status := run(e, []string{"mfa-totp-device", "delete", id}); status != exitOK || out.String() != "Deleted "+id+".\n" || devices() != 0 {
		t.Fatalf("answered y: exit %d, stdout %q, %d devices", status, out, devices())
	}
}
