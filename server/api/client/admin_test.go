package client_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/api/apitest"
	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/server/mail"
	"github.com/twofold-auth/twofold/server/mail/mailtest"
)

// adminEnv is a server whose first account, the default organisation's
// admin, is enrolled and has verified a code in its session; bob is a
// member.
type adminEnv struct {
	*env
	admin *client.Client
	key   string // the admin's device key
	bob   *client.Client
	bobID string
}

func newAdminEnv(t *testing.T, o apitest.Options) *adminEnv {
	t.Helper()
	e := newEnv(t, o)
	admin, key, _ := e.enrolled(t, "admin@example.com")
	// Administration needs a session that verified a second factor (the
	// activation was not one).
	if _, err := admin.SecondFactor(ctx, wire.SecondFactorRequest{Code: e.code(t, key)}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(30 * time.Second)
	bob := e.user(t, "bob@example.com")
	s, err := bob.Session(ctx)
	if err != nil || s.User.Role != "member" {
		t.Fatalf("bob: %+v %v", s, err)
	}
	return &adminEnv{env: e, admin: admin, key: key, bob: bob, bobID: s.User.ID}
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

// The organisation, groups, and the requirement: on for a group (its
// member sent to enrollment), off again with the code mailed over SMTP.
func TestAdminOrgGroupsAndRequirement(t *testing.T) {
	o, smtp := withSMTP(t)
	e := newAdminEnv(t, o)
	org, err := e.admin.AdminOrg(ctx)
	if err != nil || org.RequireMFA != "off" || !org.SMTPConfigured || org.Slug == "" {
		t.Fatalf("org: %+v %v", org, err)
	}
	_, err = e.bob.AdminOrg(ctx)
	wantCode(t, err, http.StatusForbidden, "not_admin")
	days := 7
	if org, err = e.admin.UpdateAdminOrg(ctx, wire.OrgUpdate{TrustDays: &days}); err != nil || org.TrustDays != 7 {
		t.Fatalf("update org: %+v %v", org, err)
	}

	g, err := e.admin.CreateGroup(ctx, "pilot")
	if err != nil || g.Name != "pilot" || g.ID == "" {
		t.Fatalf("create group: %+v %v", g, err)
	}
	_, err = e.admin.CreateGroup(ctx, "pilot")
	wantCode(t, err, http.StatusConflict, "group_taken")
	if err := e.admin.AddGroupMember(ctx, g.ID, e.bobID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.admin.AddGroupMember(ctx, g.ID, e.bobID), http.StatusConflict, "already_member")
	wantCode(t, e.admin.AddGroupMember(ctx, "grp_nosuchgroup0000", e.bobID), http.StatusNotFound, "not_found")
	if list, err := e.admin.Groups(ctx); err != nil || len(list.Groups) != 1 || list.Groups[0].Members != 1 {
		t.Fatalf("groups: %+v %v", list, err)
	}

	res, err := e.admin.RequireMFA(ctx, wire.RequirementRequest{Scope: "groups", GroupIDs: []string{g.ID}, Sessions: "keep"})
	if err != nil || res.AffectedUsers != 1 || res.Organisation.RequireMFA != "groups" {
		t.Fatalf("require: %+v %v", res, err)
	}
	_, err = e.bob.Sessions(ctx)
	wantCode(t, err, http.StatusForbidden, "enrollment_required")
	_, err = e.admin.RequireMFA(ctx, wire.RequirementRequest{Scope: "everyone", Sessions: "maybe"})
	wantCode(t, err, http.StatusBadRequest, "invalid_sessions")

	sent, err := e.admin.SendRequirementOffCode(ctx)
	if err != nil || sent.SentTo != "admin@example.com" || sent.ExpiresInSeconds != 300 {
		t.Fatalf("off code: %+v %v", sent, err)
	}
	code := smtp.WaitFor(t, "admin@example.com", "turn off the MFA requirement").Code()
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	wantCode(t, e.admin.RequirementOff(ctx, wrong), http.StatusForbidden, "email_code_failed")
	if err := e.admin.RequirementOff(ctx, code); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.admin.RequirementOff(ctx, code), http.StatusForbidden, "email_code_failed")
	if org, err := e.admin.AdminOrg(ctx); err != nil || org.RequireMFA != "off" {
		t.Fatalf("after off: %+v %v", org, err)
	}
	if _, err := e.bob.Sessions(ctx); err != nil {
		t.Fatalf("bob after off: %v", err)
	}

	if err := e.admin.SetGroupRequired(ctx, g.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := e.admin.RemoveGroupMember(ctx, g.ID, e.bobID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.admin.RemoveGroupMember(ctx, g.ID, e.bobID), http.StatusNotFound, "not_found")
	if err := e.admin.DeleteGroup(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.admin.DeleteGroup(ctx, g.ID), http.StatusNotFound, "not_found")
}

// The users page: filters, one user with devices, roles (never the last
// admin), exemption, a stale device cleaned, Reset MFA, the CSV export.
func TestAdminUsers(t *testing.T) {
	e := newAdminEnv(t, apitest.Options{})
	list, err := e.admin.AdminUsers(ctx, client.UserQuery{})
	if err != nil || list.Total != 2 || len(list.Users) != 2 {
		t.Fatalf("users: %+v %v", list, err)
	}
	for q, want := range map[client.UserQuery]string{
		{Status: "enrolled"}:               "admin@example.com",
		{Status: "not-enrolled"}:           "bob@example.com",
		{Search: "bob"}:                    "bob@example.com",
		{Limit: 1, Offset: 1, Search: "@"}: "bob@example.com",
	} {
		got, err := e.admin.AdminUsers(ctx, q)
		if err != nil || len(got.Users) != 1 || got.Users[0].Email != want {
			t.Errorf("users %+v: %+v %v", q, got, err)
		}
	}
	_, err = e.admin.AdminUsers(ctx, client.UserQuery{Status: "sleepy"})
	wantCode(t, err, http.StatusBadRequest, "invalid_query")

	pending, err := e.bob.CreateDevice(ctx, wire.CreateDeviceRequest{Name: "old phone"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.admin.AdminUser(ctx, e.bobID)
	if err != nil || d.User.Email != "bob@example.com" || len(d.Devices) != 1 || d.Devices[0].State != "pending" {
		t.Fatalf("user: %+v %v", d, err)
	}
	_, err = e.admin.AdminUser(ctx, "usr_nosuchuser00000")
	wantCode(t, err, http.StatusNotFound, "not_found")
	if err := e.admin.DeleteUserDevice(ctx, e.bobID, pending.Device.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.admin.DeleteUserDevice(ctx, e.bobID, pending.Device.ID), http.StatusNotFound, "not_found")

	admin, member := "admin", "member"
	if u, err := e.admin.UpdateUser(ctx, e.bobID, wire.UserUpdate{Role: &admin}); err != nil || u.Role != "admin" {
		t.Fatalf("promote: %+v %v", u, err)
	}
	if u, err := e.admin.UpdateUser(ctx, e.bobID, wire.UserUpdate{Role: &member}); err != nil || u.Role != "member" {
		t.Fatalf("demote: %+v %v", u, err)
	}
	me, _ := e.admin.Session(ctx)
	_, err = e.admin.UpdateUser(ctx, me.User.ID, wire.UserUpdate{Role: &member})
	wantCode(t, err, http.StatusConflict, "last_admin")
	yes, no := true, false
	_, err = e.admin.UpdateUser(ctx, e.bobID, wire.UserUpdate{Exempt: &yes})
	wantCode(t, err, http.StatusBadRequest, "reason_required")
	if u, err := e.admin.UpdateUser(ctx, e.bobID, wire.UserUpdate{Exempt: &yes, ExemptReason: "service account"}); err != nil ||
		u.MFAStatus != "exempt" || u.ExemptReason != "service account" {
		t.Fatalf("exempt: %+v %v", u, err)
	}
	if u, err := e.admin.UpdateUser(ctx, e.bobID, wire.UserUpdate{Exempt: &no}); err != nil || u.MFAStatus != "not-enrolled" {
		t.Fatalf("exemption cleared: %+v %v", u, err)
	}

	var buf bytes.Buffer
	if err := e.admin.AdminUsersCSV(ctx, client.UserQuery{Search: "example.com", Limit: 1}, &buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "email" {
		t.Fatalf("users CSV: %q %v", rows, err)
	}
	wantCode(t, e.admin.AdminUsersCSV(ctx, client.UserQuery{Status: "sleepy"}, &buf), http.StatusBadRequest, "invalid_query")

	wantCode(t, e.admin.ResetMFA(ctx, e.bobID, " "), http.StatusBadRequest, "reason_required")
	wantCode(t, e.admin.ResetMFA(ctx, me.User.ID, "mine"), http.StatusConflict, "self_reset")
	if err := e.admin.ResetMFA(ctx, e.bobID, "lost phone"); err != nil {
		t.Fatal(err)
	}
	_, err = e.bob.Session(ctx)
	wantCode(t, err, http.StatusUnauthorized, "unauthenticated")
}

// Invitations: the link once, sign-up with its token for that address
// only, once; the list without the token.
func TestAdminInvitations(t *testing.T) {
	e := newAdminEnv(t, apitest.Options{})
	inv, err := e.admin.Invite(ctx, wire.InvitationRequest{Email: "Carol@Example.com", Role: "admin"})
	if err != nil || inv.Invitation.Email != "carol@example.com" || inv.Invitation.Role != "admin" || !strings.Contains(inv.Link, "invitation=") {
		t.Fatalf("invite: %+v %v", inv, err)
	}
	_, err = e.admin.Invite(ctx, wire.InvitationRequest{Email: "bob@example.com"})
	wantCode(t, err, http.StatusConflict, "email_taken")
	_, err = e.admin.Invite(ctx, wire.InvitationRequest{Email: "dan@example.com", Role: "owner"})
	wantCode(t, err, http.StatusBadRequest, "invalid_scope")
	_, token, _ := strings.Cut(inv.Link, "invitation=")

	_, err = e.Client(t).SignUpWithInvitation(ctx, "mallory@example.com", apitest.Password, token)
	wantCode(t, err, http.StatusForbidden, "invitation_invalid")
	carol := e.Client(t)
	s, err := carol.SignUpWithInvitation(ctx, "carol@example.com", apitest.Password, token)
	if err != nil || s.User.Role != "admin" {
		t.Fatalf("sign up with the invitation: %+v %v", s, err)
	}
	_, err = e.Client(t).SignUpWithInvitation(ctx, "carol@example.com", apitest.Password, token)
	wantCode(t, err, http.StatusForbidden, "invitation_invalid") // used

	list, err := e.admin.Invitations(ctx)
	if err != nil || len(list.Invitations) != 1 || list.Invitations[0].UsedAt == nil {
		t.Fatalf("invitations: %+v %v", list, err)
	}
	out, err := e.admin.Outbox(ctx)
	if err != nil || out.SMTPConfigured || len(out.Mails) == 0 || !strings.Contains(out.Mails[0].Body, token) {
		t.Fatalf("outbox: %+v %v", out, err)
	}
}

// The organisation's audit log: filtered by user, type and time, paged,
// and exported whole as CSV.
func TestAdminAudit(t *testing.T) {
	e := newAdminEnv(t, apitest.Options{})
	for _, name := range []string{"a", "b", "c"} {
		if _, err := e.admin.CreateGroup(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	page, err := e.admin.OrgAuditEvents(ctx, client.OrgAuditQuery{Type: "group_created", Limit: 2})
	if err != nil || len(page.Events) != 2 || page.NextBefore == nil || page.Events[0].Detail != "c" || page.Events[0].ActorEmail != "admin@example.com" {
		t.Fatalf("page 1: %+v %v", page, err)
	}
	next, err := e.admin.OrgAuditEvents(ctx, client.OrgAuditQuery{Type: "group_created", Limit: 2, Before: *page.NextBefore})
	if err != nil || len(next.Events) != 1 || next.Events[0].Detail != "a" {
		t.Fatalf("page 2: %+v %v", next, err)
	}
	if bob, err := e.admin.OrgAuditEvents(ctx, client.OrgAuditQuery{UserID: e.bobID}); err != nil || len(bob.Events) == 0 {
		t.Fatalf("bob's events: %+v %v", bob, err)
	} else {
		for _, ev := range bob.Events {
			if ev.UserEmail != "bob@example.com" {
				t.Errorf("bob's events hold %+v", ev)
			}
		}
	}
	if later, err := e.admin.OrgAuditEvents(ctx, client.OrgAuditQuery{Since: e.clock.Now().Add(time.Hour)}); err != nil || len(later.Events) != 0 {
		t.Fatalf("events of the future: %+v %v", later, err)
	}
	if earlier, err := e.admin.OrgAuditEvents(ctx, client.OrgAuditQuery{Until: t0.Add(-time.Hour)}); err != nil || len(earlier.Events) != 0 {
		t.Fatalf("events of the past: %+v %v", earlier, err)
	}
	var buf bytes.Buffer
	if err := e.admin.OrgAuditCSV(ctx, client.OrgAuditQuery{Type: "group_created", Limit: 1}, &buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(rows) != 4 || rows[0][0] != "time" || rows[1][7] != "c" {
		t.Fatalf("audit CSV: %q %v", rows, err)
	}
	_, err = e.bob.OrgAuditEvents(ctx, client.OrgAuditQuery{})
	wantCode(t, err, http.StatusForbidden, "not_admin")
	wantCode(t, e.bob.OrgAuditCSV(ctx, client.OrgAuditQuery{}, &buf), http.StatusForbidden, "not_admin")
}

// An admin's token works on admin routes when it was made with a second
// factor; an admin who never verified one is asked to step up.
func TestAdminTokensAndStepUp(t *testing.T) {
	e := newAdminEnv(t, apitest.Options{})
	created, err := e.admin.CreateAppToken(ctx, wire.CreateAppTokenRequest{Name: "admin cli", Code: e.code(t, e.key)})
	if err != nil || !created.Token.MFA {
		t.Fatalf("token: %+v %v", created, err)
	}
	if _, err := e.Client(t, client.WithToken(created.Secret)).Groups(ctx); err != nil {
		t.Fatal(err)
	}

	other := newEnv(t, apitest.Options{})
	unenrolled := other.user(t, "first@example.com") // the admin, with no second factor
	_, err = unenrolled.AdminOrg(ctx)
	wantCode(t, err, http.StatusForbidden, "admin_step_up_required")
	plain, err := unenrolled.CreateAppToken(ctx, wire.CreateAppTokenRequest{Name: "no factor"})
	if err != nil || plain.Token.MFA {
		t.Fatalf("token without a factor: %+v %v", plain, err)
	}
	_, err = other.Client(t, client.WithToken(plain.Secret)).Groups(ctx)
	wantCode(t, err, http.StatusForbidden, "admin_step_up_required")
}
