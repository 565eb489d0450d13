package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/api/apitest"
	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/server/mail"
	"github.com/twofold-auth/twofold/server/mail/mailtest"
)

var ctx = context.Background()

// adminServer is the real API with its first account, the default
// organisation's admin, enrolled and signed in through 'twofold login'
// with a code (so its token carries the second factor administration
// needs), and bob, a member.
type adminServer struct {
	*apitest.Server
	admin *client.Client // with the admin's saved token
	bob   *client.Client // bob's cookie session
	bobID string
}

func startAdmin(t *testing.T, o apitest.Options) *adminServer {
	t.Helper()
	srv := apitest.Start(t, o)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("TWOFOLD_URL", "")
	t.Setenv("TWOFOLD_TOKEN", "")
	key := enroll(t, srv, srv.Client(t), "admin@example.com", true)
	must(t, cliPassword+"\n", "login", "--url", srv.URL, "--email", "admin@example.com", "--password-stdin",
		"--totp", codeAt(t, key, time.Now().Add(30*time.Second)))
	cfg, _, err := loadConfig()
	if err != nil || cfg.Token == "" {
		t.Fatalf("config after login: %+v %v", cfg, err)
	}
	s := &adminServer{Server: srv, admin: srv.Client(t, client.WithToken(cfg.Token)), bob: srv.Client(t)}
	r, err := s.bob.SignUp(ctx, "bob@example.com", cliPassword)
	if err != nil || r.User.Role != "member" {
		t.Fatalf("bob: %+v %v", r, err)
	}
	s.bobID = r.User.ID
	return s
}

// enroll signs c up (or in) as email and activates a device; it returns
// the device's key.
func enroll(t *testing.T, srv *apitest.Server, c *client.Client, email string, signUp bool) string {
	t.Helper()
	var err error
	if signUp {
		_, err = c.SignUp(ctx, email, cliPassword)
	} else {
		_, err = c.SignIn(ctx, email, cliPassword)
	}
	if err != nil {
		t.Fatal(err)
	}
	enr, err := c.CreateDevice(ctx, wire.CreateDeviceRequest{Name: "phone"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ActivateDevice(ctx, enr.Device.ID, codeAt(t, enr.Enrollment.Secret, time.Now())); err != nil {
		t.Fatal(err)
	}
	return enr.Enrollment.Secret
}

func (s *adminServer) user(t *testing.T, id string) wire.OrgUserDetail {
	t.Helper()
	d, err := s.admin.AdminUser(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// inProcess runs twofold in this process as if at a terminal, answering
// stdin; it returns the exit status, stdout and stderr.
func inProcess(stdin string, args ...string) (int, string, string) {
	e, out, errOut := testEnv(stdin, true)
	status := run(e, args)
	return status, out.String(), errOut.String()
}

// The users verbs: list (filters, every page, JSON), get by id or email,
// invite (the link printed), set-role, exempt and its clearing; each
// refusal one line with the server's sentence.
func TestCLIAdminUsers(t *testing.T) {
	s := startAdmin(t, apitest.Options{})
	for i := range 3 {
		if _, err := s.Client(t).SignUp(ctx, fmt.Sprintf("user%d@example.com", i), cliPassword); err != nil {
			t.Fatal(err)
		}
	}
	out := must(t, "", "admin", "users", "list")
	if !strings.Contains(out, "MFA STATUS") || !strings.Contains(out, "admin@example.com") || !strings.Contains(out, "Not Enrolled") ||
		strings.Count(out, "\n") != 6 {
		t.Fatalf("users list:\n%s", out)
	}
	var list wire.OrgUserList
	decodeOut(t, must(t, "", "admin", "users", "list", "--mfa-status", "enrolled", "-o", "json"), &list)
	if list.Total != 1 || len(list.Users) != 1 || list.Users[0].Email != "admin@example.com" {
		t.Fatalf("enrolled: %+v", list)
	}
	decodeOut(t, must(t, "", "admin", "users", "list", "--search", "user", "-o", "json"), &list)
	if list.Total != 3 || len(list.Users) != 3 {
		t.Fatalf("search: %+v", list)
	}
	status, _, errOut := runTwofold(t, "", "admin", "users", "list", "--mfa-status", "sleepy")
	if status != exitUsage || !strings.Contains(errOut, "want enrolled, not-enrolled or exempt") {
		t.Fatalf("bad status: %d %q", status, errOut)
	}
	mustFail(t, "", `no group named "nope"`, "admin", "users", "list", "--group", "nope")

	if out := must(t, "", "admin", "users", "get", "bob@example.com"); !strings.Contains(out, s.bobID) || !strings.Contains(out, "No TOTP devices") {
		t.Fatalf("get by email:\n%s", out)
	}
	var d wire.OrgUserDetail
	decodeOut(t, must(t, "", "admin", "users", "get", s.bobID, "-o", "json"), &d)
	if d.User.Email != "bob@example.com" || d.User.Role != "member" {
		t.Fatalf("get by id: %+v", d)
	}
	mustFail(t, "", "No such user in your organisation", "admin", "users", "get", "usr_nosuchuser00000")
	mustFail(t, "", "no user nobody@example.com", "admin", "users", "get", "nobody@example.com")

	out = must(t, "", "admin", "users", "invite", "carol@example.com", "--role", "admin")
	link := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	if !strings.Contains(out, "Invited carol@example.com as admin") || !strings.Contains(link, "/sign-up?invitation=") {
		t.Fatalf("invite said:\n%s", out)
	}
	_, tok, _ := strings.Cut(link, "invitation=")
	if r, err := s.Client(t).SignUpWithInvitation(ctx, "carol@example.com", cliPassword, tok); err != nil || r.User.Role != "admin" {
		t.Fatalf("the printed link: %+v %v", r, err)
	}
	mustFail(t, "", "An account with this email address exists", "admin", "users", "invite", "bob@example.com")
	status, _, errOut = runTwofold(t, "", "admin", "users", "invite", "dan@example.com", "--role", "owner")
	if status != exitUsage || !strings.Contains(errOut, "want member or admin") {
		t.Fatalf("bad role: %d %q", status, errOut)
	}

	// Promoting asks nothing; demoting is below (TestCLIAdminAsksFirst).
	if out := must(t, "", "admin", "users", "set-role", "bob@example.com", "--role", "admin"); out != "bob@example.com is now an admin.\n" {
		t.Fatalf("set-role said %q", out)
	}
	if out := must(t, "", "admin", "users", "exempt", "bob@example.com", "--reason", "service account"); !strings.Contains(out, "exempt from the MFA requirement (service account)") {
		t.Fatalf("exempt said %q", out)
	}
	if d := s.user(t, s.bobID); d.User.MFAStatus != "exempt" || d.User.Role != "admin" {
		t.Fatalf("bob: %+v", d.User)
	}
	must(t, "", "admin", "users", "exempt", s.bobID, "--clear")
	if d := s.user(t, s.bobID); d.User.MFAStatus != "not-enrolled" {
		t.Fatalf("bob after --clear: %+v", d.User)
	}
	for _, args := range [][]string{
		{"admin", "users", "exempt", "bob@example.com"},
		{"admin", "users", "exempt", "bob@example.com", "--reason", "x", "--clear"},
		{"admin", "users", "set-role", "bob@example.com"},
		{"admin", "users", "get"},
	} {
		if status, _, errOut := runTwofold(t, "", args...); status != exitUsage || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%q: exit %d %q", args, status, errOut)
		}
	}
}

// destructive is a verb that asks first, with what it destroys: prepare
// makes the state, done says whether the verb went through.
type destructive struct {
	name    string
	asks    string // the question, without "? [y/N] "
	prepare func(t *testing.T) []string
	done    func(t *testing.T) bool
}

// Every destructive verb asks on a terminal: "n" and no answer change
// nothing, a script without --force is refused, "y" goes ahead, and so
// does --force without a question.
func TestCLIAdminAsksFirst(t *testing.T) {
	s := startAdmin(t, apitest.Options{})
	bobSession := func(t *testing.T) *client.Client {
		c := s.Client(t)
		if _, err := c.SignIn(ctx, "bob@example.com", cliPassword); err != nil {
			t.Fatal(err)
		}
		return c
	}
	groupHasBob := func(t *testing.T) bool {
		return strings.Contains(strings.Join(s.user(t, s.bobID).User.Groups, ","), "pilot")
	}
	ensureGroup := func(t *testing.T) {
		if _, err := s.admin.CreateGroup(ctx, "pilot"); err != nil && !client.IsCode(err, "group_taken") {
			t.Fatal(err)
		}
	}
	var session *client.Client
	for _, d := range []destructive{{
		name: "demote", asks: "Demote bob@example.com from admin to member",
		prepare: func(t *testing.T) []string {
			admin := "admin"
			if _, err := s.admin.UpdateUser(ctx, s.bobID, wire.UserUpdate{Role: &admin}); err != nil {
				t.Fatal(err)
			}
			return []string{"admin", "users", "set-role", "bob@example.com", "--role", "member"}
		},
		done: func(t *testing.T) bool { return s.user(t, s.bobID).User.Role == "member" },
	}, {
		name: "remove-member", asks: "Remove bob@example.com from the group pilot",
		prepare: func(t *testing.T) []string {
			ensureGroup(t)
			must(t, "", "admin", "groups", "add-member", "pilot", "bob@example.com")
			return []string{"admin", "groups", "remove-member", "pilot", s.bobID}
		},
		done: func(t *testing.T) bool { return !groupHasBob(t) },
	}, {
		name: "group delete", asks: "Delete the group pilot",
		prepare: func(t *testing.T) []string {
			ensureGroup(t)
			return []string{"admin", "groups", "delete", "pilot"}
		},
		done: func(t *testing.T) bool { return !strings.Contains(must(t, "", "admin", "groups", "list"), "pilot") },
	}, {
		name: "a user's pending device", asks: "Delete bob@example.com's pending TOTP device ",
		prepare: func(t *testing.T) []string {
			enr, err := bobSession(t).CreateDevice(ctx, wire.CreateDeviceRequest{Name: "stale"})
			if err != nil {
				t.Fatal(err)
			}
			return []string{"mfa-totp-device", "delete", "--user-id", s.bobID, "--mfa-totp-device-id", enr.Device.ID}
		},
		done: func(t *testing.T) bool { return len(s.user(t, s.bobID).Devices) == 0 },
	}, {
		name: "mfa reset", asks: "Reset the MFA of bob@example.com",
		prepare: func(t *testing.T) []string {
			enroll(t, s.Server, s.Client(t), "bob@example.com", false)
			return []string{"admin", "mfa", "reset", "--user-id", "bob@example.com", "--reason", "lost phone"}
		},
		done: func(t *testing.T) bool { return len(s.user(t, s.bobID).Devices) == 0 },
	}, {
		name: "org-mfa enable --invalidate-sessions", asks: "Require MFA of everyone and sign their sessions out",
		prepare: func(t *testing.T) []string {
			session = bobSession(t)
			return []string{"admin", "org-mfa", "enable", "--scope", "everyone", "--invalidate-sessions"}
		},
		done: func(t *testing.T) bool {
			_, err := session.Session(ctx)
			return client.IsCode(err, "unauthenticated")
		},
	}} {
		t.Run(d.name, func(t *testing.T) {
			args := d.prepare(t)
			for _, answer := range []string{"n\n", ""} {
				status, out, errOut := inProcess(answer, args...)
				if status == exitOK || out != "" || !strings.Contains(errOut, d.asks) || d.done(t) {
					t.Fatalf("answered %q: exit %d, stdout %q, stderr %q, done %v", answer, status, out, errOut, d.done(t))
				}
			}
			status, _, errOut := runTwofold(t, "y\n", args...)
			if status != exitUsage || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "add --force") || d.done(t) {
				t.Fatalf("a script without --force: exit %d, %q, done %v", status, errOut, d.done(t))
			}
			if status, out, errOut := inProcess("y\n", args...); status != exitOK || !regexp.MustCompile(regexp.QuoteMeta(d.asks)+`\S*\? \[y/N\] $`).MatchString(errOut) || out == "" || !d.done(t) {
				t.Fatalf("answered y: exit %d, stdout %q, stderr %q, done %v", status, out, errOut, d.done(t))
			}
			args = d.prepare(t)
			if status, _, errOut := runTwofold(t, "", append(args, "--force")...); status != exitOK || errOut != "" || !d.done(t) {
				t.Fatalf("--force: exit %d, stderr %q, done %v", status, errOut, d.done(t))
			}
		})
	}
}

// Groups and the requirement by group: create, add members, mark
// required; enable by group names (resolved to ids) keeping sessions;
// status says who is covered.
func TestCLIAdminGroupsAndRequirement(t *testing.T) {
	s := startAdmin(t, apitest.Options{})
	if out := must(t, "", "admin", "groups", "create", "pilot"); !strings.Contains(out, `Created the group "pilot"`) {
		t.Fatalf("create said %q", out)
	}
	must(t, "", "admin", "groups", "create", "ops")
	mustFail(t, "", "A group of this name exists", "admin", "groups", "create", "pilot")
	must(t, "", "admin", "groups", "add-member", "pilot", "bob@example.com")
	mustFail(t, "", "already in the group", "admin", "groups", "add-member", "pilot", "bob@example.com")
	var groups wire.GroupList
	decodeOut(t, must(t, "", "admin", "groups", "list", "-o", "json"), &groups)
	if len(groups.Groups) != 2 {
		t.Fatalf("groups: %+v", groups)
	}
	must(t, "", "admin", "groups", "require", "ops", "--on")
	if out := must(t, "", "admin", "groups", "list"); !strings.Contains(out, "MFA REQUIRED") || !regexp.MustCompile(`ops\s+0\s+yes`).MatchString(out) {
		t.Fatalf("groups list:\n%s", out)
	}
	must(t, "", "admin", "groups", "require", "ops", "--off")
	if status, _, errOut := runTwofold(t, "", "admin", "groups", "require", "ops"); status != exitUsage || !strings.Contains(errOut, "--on or --off") {
		t.Fatalf("require without --on/--off: %d %q", status, errOut)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--scope", "everyone"}, "exactly one"},
		{[]string{"--scope", "everyone", "--keep-sessions", "--invalidate-sessions"}, "exactly one"},
		{[]string{"--scope", "some", "--keep-sessions"}, "want everyone, or group:NAME"},
		{[]string{"--scope", "group:", "--keep-sessions"}, "want everyone, or group:NAME"},
		{[]string{"--keep-sessions"}, "want everyone, or group:NAME"},
	} {
		status, _, errOut := runTwofold(t, "", append([]string{"admin", "org-mfa", "enable"}, tc.args...)...)
		if status != exitUsage || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("enable %q: exit %d %q", tc.args, status, errOut)
		}
	}
	mustFail(t, "", `no group named "nope"`, "admin", "org-mfa", "enable", "--scope", "group:pilot,group:nope", "--keep-sessions")

	out := must(t, "", "admin", "org-mfa", "enable", "--scope", "group:pilot, group:ops", "--keep-sessions")
	if !strings.Contains(out, "MFA is now required of the members of pilot, ops (1 users)") || !strings.Contains(out, "Sessions stay signed in") {
		t.Fatalf("enable said:\n%s", out)
	}
	_, err := s.bob.Sessions(ctx)
	if !client.IsCode(err, "enrollment_required") {
		t.Fatalf("bob, kept signed in, is not sent to enrollment: %v", err)
	}
	out = must(t, "", "admin", "org-mfa", "status")
	if !strings.Contains(out, "of the members of ops, pilot") || !strings.Contains(out, "development outbox") {
		t.Fatalf("status:\n%s", out)
	}
	var p policy
	decodeOut(t, must(t, "", "admin", "org-mfa", "status", "-o", "json"), &p)
	if p.Organisation.RequireMFA != "groups" || len(p.RequiredGroups) != 2 {
		t.Fatalf("status JSON: %+v", p)
	}
}

// The audit log: filtered by user, type and time, as a table, JSON, and
// CSV with every page.
func TestCLIAdminAudit(t *testing.T) {
	s := startAdmin(t, apitest.Options{})
	for i := range 210 { // more than one page of the server's
		if _, err := s.admin.CreateGroup(ctx, fmt.Sprintf("g%03d", i)); err != nil {
			t.Fatal(err)
		}
	}
	out := must(t, "", "admin", "audit", "list", "--type", "group_created", "--limit", "5")
	if !strings.Contains(out, "ACTOR") || strings.Count(out, "\n") != 6 || !strings.Contains(out, "g209") {
		t.Fatalf("table:\n%s", out)
	}
	var list wire.OrgAuditList
	decodeOut(t, must(t, "", "admin", "audit", "list", "--type", "group_created", "--limit", "0", "-o", "json"), &list)
	if len(list.Events) != 210 || list.Events[209].Detail != "g000" {
		t.Fatalf("every event: %d", len(list.Events))
	}
	rows, err := csv.NewReader(strings.NewReader(must(t, "", "admin", "audit", "list", "--type", "group_created", "-o", "csv"))).ReadAll()
	if err != nil || len(rows) != 211 || rows[0][0] != "time" || rows[1][1] != "group_created" {
		t.Fatalf("CSV: %d rows, %v", len(rows), err)
	}
	decodeOut(t, must(t, "", "admin", "audit", "list", "--user", "bob@example.com", "-o", "json"), &list)
	if len(list.Events) == 0 || list.Events[0].UserEmail != "bob@example.com" || list.Events[len(list.Events)-1].Type != "sign_up" {
		t.Fatalf("bob's events: %+v", list.Events)
	}
	decodeOut(t, must(t, "", "admin", "audit", "list", "--since", time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "-o", "json"), &list)
	if len(list.Events) != 0 {
		t.Fatalf("events of the future: %+v", list.Events)
	}
	decodeOut(t, must(t, "", "admin", "audit", "list", "--since", "1h", "--type", "sign_up", "-o", "json"), &list)
	if len(list.Events) != 2 {
		t.Fatalf("sign-ups in the last hour: %+v", list.Events)
	}
	for _, args := range [][]string{{"--since", "yesterday"}, {"-o", "yaml"}, {"--limit", "-1"}} {
		if status, _, errOut := runTwofold(t, "", append([]string{"admin", "audit", "list"}, args...)...); status != exitUsage || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%q: exit %d %q", args, status, errOut)
		}
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"24h":                  now.Add(-24 * time.Hour),
		"90m":                  now.Add(-90 * time.Minute),
		"7d":                   now.Add(-7 * 24 * time.Hour),
		"2026-03-01":           time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		"2026-03-01T08:00:00Z": time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC),
	} {
		if got, err := parseSince(in, now); err != nil || !got.Equal(want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0d", "-2h", "yesterday", "7days", "2026-13-01"} {
		if _, err := parseSince(in, now); err == nil {
			t.Errorf("parseSince(%q) accepted", in)
		}
	}
}

// The outbox says plainly that mail is not being sent, and shows each
// message whole; a member and a token made without a second factor are
// refused in one line with what to do.
func TestCLIAdminOutboxAndRefusals(t *testing.T) {
	s := startAdmin(t, apitest.Options{})
	must(t, "", "admin", "users", "invite", "dana@example.com")
	out := must(t, "", "admin", "outbox", "list")
	if !strings.HasPrefix(out, "Mail is not being sent: no SMTP server is configured") || !strings.Contains(out, "to dana@example.com  (not sent)") ||
		!regexp.MustCompile(`\n    http\S+/sign-up\?invitation=`).MatchString(out) {
		t.Fatalf("outbox:\n%s", out)
	}
	var box wire.Outbox
	decodeOut(t, must(t, "", "admin", "outbox", "list", "-o", "json"), &box)
	if box.SMTPConfigured || len(box.Mails) == 0 {
		t.Fatalf("outbox JSON: %+v", box)
	}

	member, err := s.bob.CreateAppToken(ctx, wire.CreateAppTokenRequest{Name: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	mustFail(t, "", "twofold: admin users list: This needs an administrator of your organisation.", "admin", "users", "list", "--token", member.Secret)

	// An admin whose token was made without a second factor: the second
	// server's first account has no device.
	other := apitest.Start(t, apitest.Options{})
	c := other.Client(t)
	if _, err := c.SignUp(ctx, "first@example.com", cliPassword); err != nil {
		t.Fatal(err)
	}
	plain, err := c.CreateAppToken(ctx, wire.CreateAppTokenRequest{Name: "no factor"})
	if err != nil {
		t.Fatal(err)
	}
	mustFail(t, "", "run 'twofold login' again and enter a code", "admin", "groups", "list", "--url", other.URL, "--token", plain.Secret)

	// The last admin cannot demote themself.
	mustFail(t, "", "The organisation needs at least one administrator", "admin", "users", "set-role", "admin@example.com", "--role", "member", "--force")
	mustFail(t, "", "You cannot reset your own two-factor sign-in here", "admin", "mfa", "reset", "--user-id", "admin@example.com", "--reason", "x", "--force")
	if status, _, errOut := runTwofold(t, "", "admin", "mfa", "reset", "--user-id", "bob@example.com"); status != exitUsage || !strings.Contains(errOut, "--reason TEXT") {
		t.Fatalf("reset without a reason: %d %q", status, errOut)
	}
}

// An admin lists a user's devices and cleans up their pending one; an
// active one is refused with the way to go (Reset MFA).
func TestCLIAdminUserDevices(t *testing.T) {
	s := startAdmin(t, apitest.Options{})
	enroll(t, s.Server, s.Client(t), "bob@example.com", false)
	d := s.user(t, s.bobID)
	active := d.Devices[0].ID
	var list wire.DeviceList
	decodeOut(t, must(t, "", "mfa-totp-device", "list", "--user-id", "bob@example.com", "-o", "json"), &list)
	if len(list.Devices) != 1 || list.Devices[0].ID != active {
		t.Fatalf("bob's devices: %+v", list)
	}
	if out := must(t, "", "mfa-totp-device", "list", "--user-id", s.bobID); !strings.Contains(out, active) || !strings.Contains(out, "ACTIVE") {
		t.Fatalf("bob's devices:\n%s", out)
	}
	if out := must(t, "", "mfa-totp-device", "list"); strings.Contains(out, active) {
		t.Fatalf("the admin's own list shows bob's device:\n%s", out)
	}
	mustFail(t, "", "an admin deletes only pending devices", "mfa-totp-device", "delete", "--user-id", s.bobID, "--mfa-totp-device-id", active, "--force")
	mustFail(t, "", "bob@example.com has no device dev_nosuchdevice000", "mfa-totp-device", "delete", "--user-id", s.bobID, "--mfa-totp-device-id", "dev_nosuchdevice000", "--force")
	for _, args := range [][]string{
		{"mfa-totp-device", "delete", "--user-id", s.bobID},
		{"mfa-totp-device", "delete", "dev_a", "--mfa-totp-device-id", "dev_b"},
		{"mfa-totp-device", "delete", "dev_a", "dev_b"},
		{"mfa-totp-device", "delete", "--user-id", s.bobID, "--mfa-totp-device-id", active, "--totp", "123456"},
	} {
		if status, _, errOut := runTwofold(t, "", args...); status != exitUsage || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%q: exit %d %q", args, status, errOut)
		}
	}
	if len(s.user(t, s.bobID).Devices) != 1 {
		t.Fatal("a refused delete deleted")
	}
}

// requireEveryone turns the requirement on (keeping sessions).
func (s *adminServer) requireEveryone(t *testing.T) {
	t.Helper()
	if _, err := s.admin.RequireMFA(ctx, wire.RequirementRequest{Scope: "everyone", Sessions: "keep"}); err != nil {
		t.Fatal(err)
	}
}

func (s *adminServer) requirement(t *testing.T) string {
	t.Helper()
	o, err := s.admin.AdminOrg(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return o.RequireMFA
}

// Turning the requirement off at a terminal, with mail delivered to a real
// SMTP server: the code is sent, asked for and read from the message; a
// wrong code is one line (exit 1, a new code next time) and changes
// nothing; no answer is exit 2.
func TestCLIAdminOrgMFADisableBySMTP(t *testing.T) {
	o, smtp := withSMTP(t)
	s := startAdmin(t, o)
	s.requireEveryone(t)

	status, out, errOut := disableAnswering(t, smtp, func(code string) string { return code })
	if status != exitOK || !strings.Contains(out, "The MFA requirement is off") ||
		!strings.Contains(errOut, "Sent a new code to admin@example.com: it works once, for 5 minutes (each attempt sends a new code") ||
		!strings.HasSuffix(errOut, "Code from the email: ") || strings.Contains(errOut, "outbox") || s.requirement(t) != "off" {
		t.Fatalf("disable: exit %d, stdout %q, stderr %q", status, out, errOut)
	}

	s.requireEveryone(t)
	status, _, stderr := disableAnswering(t, smtp, func(code string) string { return fmt.Sprintf("%06d", (atoi(code)+1)%1000000) })
	if status != exitFail || !strings.HasSuffix(stderr, "Code from the email: twofold: admin org-mfa disable: that code was not accepted "+
		"(wrong, used, or older than 5 minutes); the requirement stays on. Run 'twofold admin org-mfa disable' again: it sends a new code\n") ||
		s.requirement(t) != "everyone" {
		t.Fatalf("a wrong code: exit %d, stderr %q", status, stderr)
	}
	if status, _, stderr := inProcess("", "admin", "org-mfa", "disable"); status != exitUsage || !strings.Contains(stderr, "no code given") || s.requirement(t) != "everyone" {
		t.Fatalf("no answer: exit %d, stderr %q", status, stderr)
	}
	if n := len(smtp.Messages()); n < 3 {
		t.Fatalf("%d messages: each attempt sends a new code", n)
	}
}

// disableAnswering runs 'admin org-mfa disable' at a terminal and types
// what answer makes of the code the SMTP server received.
func disableAnswering(t *testing.T, smtp *mailtest.Server, answer func(code string) string) (int, string, string) {
	t.Helper()
	before := len(smtp.Messages())
	pr, pw := io.Pipe()
	e, out, errOut := testEnv("", true)
	e.stdin = pr
	done := make(chan int)
	go func() { done <- run(e, []string{"admin", "org-mfa", "disable"}) }()
	var code string
	for deadline := time.Now().Add(10 * time.Second); code == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, m := range smtp.Messages()[before:] {
			if strings.Contains(m.Subject, "turn off the MFA requirement") {
				code = m.Code()
			}
		}
	}
	if code == "" {
		t.Fatal("no code was mailed")
	}
	fmt.Fprintln(pw, answer(code))
	status := <-done
	return status, out.String(), errOut.String()
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// In a script: 'disable' sends the code and says how to finish; the code,
// read from the development outbox (GET /admin/outbox), goes with --code;
// it works once.
func TestCLIAdminOrgMFADisableByScript(t *testing.T) {
	s := startAdmin(t, apitest.Options{})
	s.requireEveryone(t)
	status, out, errOut := runTwofold(t, "", "admin", "org-mfa", "disable")
	if status != exitOK || out != "The requirement stays on until you confirm: twofold admin org-mfa disable --code CODE\n" ||
		!strings.Contains(errOut, "the code is in the development outbox") || s.requirement(t) != "everyone" {
		t.Fatalf("disable in a script: exit %d, stdout %q, stderr %q", status, out, errOut)
	}
	box, err := s.admin.Outbox(ctx)
	if err != nil || len(box.Mails) == 0 || !strings.Contains(box.Mails[0].Subject, "turn off the MFA requirement") {
		t.Fatalf("outbox: %+v %v", box, err)
	}
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(box.Mails[0].Body)
	mustFail(t, "", "that code was not accepted", "admin", "org-mfa", "disable", "--code", "12345")
	if out := must(t, "", "admin", "org-mfa", "disable", "--code", code); !strings.Contains(out, "The MFA requirement is off") || s.requirement(t) != "off" {
		t.Fatalf("disable --code: %q", out)
	}
	s.requireEveryone(t)
	mustFail(t, "", "that code was not accepted", "admin", "org-mfa", "disable", "--code", code)
	if s.requirement(t) != "everyone" {
		t.Fatal("a used code turned the requirement off")
	}
}

// withSMTP delivers the server's mail to a real SMTP server in the test.
func withSMTP(t *testing.T) (apitest.Options, *mailtest.Server) {
	t.Helper()
	srv := mailtest.Start(t)
	m, err := mail.New(mail.Config{Host: srv.Host, Port: srv.Port, Security: mail.StartTLS, User: mailtest.User,
		Password: mailtest.Password, From: "Twofold <no-reply@mfa.example>", TLSConfig: srv.ClientTLS})
	if err != nil {
		t.Fatal(err)
	}
	return apitest.Options{Mailer: m}, srv
}
