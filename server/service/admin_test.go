package service

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/shared/pushproto"
)

const testPassword = "correct horse battery"

// admin enrolls the default organisation's first account (its admin) and
// steps its session up with a code, as the admin pages require.
func (e *env) admin(email string) (enrolled, auth.Session) {
	e.t.Helper()
	a := e.enroll(email)
	e.clock.Advance(30 * time.Second)
	ns, err := e.svc.Accounts.SecondFactor(ctx, cl, a.session, auth.Factor{Code: e.code(a.secret)}, false)
	if err != nil || ns.Session.MFAVerifiedAt.IsZero() {
		e.t.Fatalf("admin step-up: %v %+v", err, ns.Session)
	}
	return a, ns.Session
}

// signUp makes a member without MFA and returns their session's token.
func (e *env) signUp(email string) auth.NewSession {
	e.t.Helper()
	ns, err := e.svc.Accounts.SignUp(ctx, cl, email, testPassword, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return ns
}

// signIn signs in with the password from client c.
func (e *env) signIn(c auth.Client, email string) auth.NewSession {
	e.t.Helper()
	ns, err := e.svc.Accounts.SignIn(ctx, c, email, testPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	return ns
}

// stage is the stage of a session token now, or "gone".
func (e *env) stage(token string) auth.Stage {
	e.t.Helper()
	s, err := e.svc.Accounts.Authenticate(ctx, token)
	if errors.Is(err, auth.ErrUnauthenticated) {
		return "gone"
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return s.Stage
}

func (e *env) requirement(sess auth.Session) auth.Requirement {
	e.t.Helper()
	o, err := e.svc.Admin.Org(ctx, sess)
	if err != nil {
		e.t.Fatal(err)
	}
	return o.RequireMFA
}

func (e *env) events(sess auth.Session, typ string) []auth.AuditEvent {
	e.t.Helper()
	evs, err := e.svc.Admin.AuditEvents(ctx, sess, auth.AuditFilter{Type: typ})
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

func TestAdminChecksRoleAndVerifiedFactor(t *testing.T) {
	e := newEnv(t)
	a, adminSess := e.admin("admin@example.com")
	if a.user.Role != auth.RoleMember && a.user.Role != auth.RoleAdmin {
		t.Fatalf("role %q", a.user.Role)
	}
	member := e.signUp("bob@example.com")
	if member.User.Role != auth.RoleMember {
		t.Fatalf("second account's role %q", member.User.Role)
	}
	if _, err := e.svc.Admin.Org(ctx, member.Session); !errors.Is(err, auth.ErrNotAdmin) {
		t.Fatalf("member: %v", err)
	}
	// The admin's sign-up session never verified a code: confirm first.
	if _, err := e.svc.Admin.Org(ctx, a.session); !errors.Is(err, auth.ErrAdminStepUp) {
		t.Fatalf("admin without a verified factor: %v", err)
	}
	if _, err := e.svc.Admin.Org(ctx, adminSess); err != nil {
		t.Fatal(err)
	}
	// The last admin cannot step down; a refused half of a change changes
	// nothing (role and exemption are one transaction).
	member2 := auth.RoleMember
	if _, err := e.svc.Admin.UpdateUser(ctx, cl, adminSess, a.user.ID, auth.UserChange{Role: &member2}); !errors.Is(err, auth.ErrLastAdmin) {
		t.Fatalf("last admin: %v", err)
	}
	admin, yes := auth.RoleAdmin, true
	if _, err := e.svc.Admin.UpdateUser(ctx, cl, adminSess, member.User.ID, auth.UserChange{Role: &admin, Exempt: &yes}); !errors.Is(err, auth.ErrReasonRequired) {
		t.Fatalf("exempt without a reason: %v", err)
	}
	if u, _, _ := e.svc.Admin.User(ctx, adminSess, member.User.ID); u.Role != auth.RoleMember || u.ExemptReason != "" {
		t.Fatalf("a refused change changed %+v", u)
	}
	if _, err := e.svc.Admin.UpdateUser(ctx, cl, adminSess, member.User.ID, auth.UserChange{}); !errors.Is(err, auth.ErrNothingToChange) {
		t.Fatalf("empty change: %v", err)
	}
	u, err := e.svc.Admin.UpdateUser(ctx, cl, adminSess, member.User.ID, auth.UserChange{Role: &admin})
	if err != nil || u.Role != auth.RoleAdmin {
		t.Fatalf("promote: %+v %v", u, err)
	}
	if evs := e.events(adminSess, EventRoleChanged); len(evs) != 1 || evs[0].ActorEmail != "admin@example.com" || evs[0].UserEmail != "bob@example.com" {
		t.Fatalf("audit %+v", evs)
	}
}

func TestRequireMFASignEveryoneOut(t *testing.T) {
	e := newEnv(t)
	a, adminSess := e.admin("admin@example.com")
	bob := e.signUp("bob@example.com")
	carol := e.enroll("carol@example.com")
	res, err := e.svc.Admin.RequireMFA(ctx, cl, adminSess, auth.RequireEveryone, nil, true)
	if err != nil || res.Affected != 3 || res.Organisation.RequireMFA != auth.RequireEveryone {
		t.Fatalf("%+v %v", res, err)
	}
	// Every affected session ended at once; the admin's own (stepped up
	// from sign-up) stays.
	if e.stage(bob.Token) != "gone" || e.stage(carol.token) != "gone" || e.stage(a.token) != auth.StageFull {
		t.Fatalf("sessions: bob %s carol %s admin's sign-up %s", e.stage(bob.Token), e.stage(carol.token), e.stage(a.token))
	}
	if _, err := e.svc.Admin.Org(ctx, adminSess); err != nil {
		t.Fatalf("the admin's own session: %v", err)
	}
	// Bob's next sign-in is a forced enrollment; Carol's asks for her code.
	if st := e.signIn(cl, "bob@example.com").Session.Stage; st != auth.StageEnroll {
		t.Fatalf("bob signs in to %s", st)
	}
	if st := e.signIn(cl, "carol@example.com").Session.Stage; st != auth.StagePartial {
		t.Fatalf("carol signs in to %s", st)
	}
	if evs := e.events(adminSess, EventRequirementOn); len(evs) != 1 || !strings.Contains(evs[0].Detail, "sign everyone out") {
		t.Fatalf("audit %+v", evs)
	}
}

func TestRequireMFAKeepSessionsExemptAndGroups(t *testing.T) {
	e := newEnv(t)
	_, adminSess := e.admin("admin@example.com")
	bob := e.signUp("bob@example.com")
	dan := e.signUp("dan@example.com")
	eve := e.signUp("eve@example.com")
	frank := e.signUp("frank@example.com")
	yes := true
	if _, err := e.svc.Admin.UpdateUser(ctx, cl, adminSess, dan.User.ID, auth.UserChange{Exempt: &yes, ExemptReason: "break-glass account"}); err != nil {
		t.Fatal(err)
	}
	// Everyone, keeping sessions: Bob's stays but goes to enrollment; the
	// exempt Dan is not asked.
	res, err := e.svc.Admin.RequireMFA(ctx, cl, adminSess, auth.RequireEveryone, nil, false)
	if err != nil || res.Affected != 4 {
		t.Fatalf("%+v %v", res, err)
	}
	if e.stage(bob.Token) != auth.StageEnroll || e.stage(dan.Token) != auth.StageFull {
		t.Fatalf("bob %s dan %s", e.stage(bob.Token), e.stage(dan.Token))
	}
	if st := e.signIn(cl, "dan@example.com").Session.Stage; st != auth.StageFull {
		t.Fatalf("exempt dan signs in to %s", st)
	}
	// A chosen group only: Eve is in it, Frank is not; Bob leaves the
	// requirement and his session is back to full.
	g, err := e.svc.Admin.CreateGroup(ctx, cl, adminSess, "Pilot")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Admin.AddMember(ctx, cl, adminSess, g.ID, eve.User.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Admin.RequireMFA(ctx, cl, adminSess, auth.RequireGroups, []string{"grp_nope"}, false); !errors.Is(err, auth.ErrGroupNotFound) {
		t.Fatalf("unknown group: %v", err)
	}
	if _, err := e.svc.Admin.RequireMFA(ctx, cl, adminSess, auth.RequireGroups, nil, false); !errors.Is(err, auth.ErrInvalidScope) {
		t.Fatalf("groups without a group: %v", err)
	}
	res, err = e.svc.Admin.RequireMFA(ctx, cl, adminSess, auth.RequireGroups, []string{g.ID}, false)
	if err != nil || res.Affected != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	if e.stage(eve.Token) != auth.StageEnroll || e.stage(frank.Token) != auth.StageFull {
		t.Fatalf("eve %s frank %s", e.stage(eve.Token), e.stage(frank.Token))
	}
	if st := e.signIn(cl, "frank@example.com").Session.Stage; st != auth.StageFull {
		t.Fatalf("frank, outside the group, signs in to %s", st)
	}
	// Eve's forced enrollment: her enroll-stage session may enroll, and
	// the activation completes her sign-in.
	eveSess, _ := e.svc.Accounts.Authenticate(ctx, eve.Token)
	enr, err := e.svc.Devices.Enroll(ctx, cl, eveSess, "phone", auth.Factor{})
	if err != nil {
		t.Fatal(err)
	}
	act, err := e.svc.Devices.Activate(ctx, cl, eveSess, enr.Device.ID, e.code(enr.Key.Secret))
	if err != nil || !act.SessionCompleted || len(act.RecoveryCodes) != 10 {
		t.Fatalf("%+v %v", act, err)
	}
	if s, _ := e.svc.Accounts.Authenticate(ctx, eve.Token); s.Stage != auth.StageFull || s.MFAVerifiedAt.IsZero() {
		t.Fatalf("after activation %+v", s)
	}
	// While required, Eve cannot turn MFA off.
	e.clock.Advance(30 * time.Second)
	if err := e.svc.Devices.DisableMFA(ctx, cl, eveSess, auth.Factor{Code: e.code(enr.Key.Secret)}); !errors.Is(err, auth.ErrRequiredByOrg) {
		t.Fatalf("disable while required: %v", err)
	}
}

func TestRequirementOffNeedsTheEmailedCode(t *testing.T) {
	e, smtp := newMailEnv(t)
	_, adminSess := e.admin("admin@example.com")
	carol, _ := e.admin2("carol@example.com", adminSess)
	if _, err := e.svc.Admin.RequireMFA(ctx, cl, adminSess, auth.RequireEveryone, nil, false); err != nil {
		t.Fatal(err)
	}
	refused := func(what string, sess auth.Session, code string) {
		t.Helper()
		if err := e.svc.Admin.RequirementOff(ctx, cl, sess, code); !errors.Is(err, auth.ErrEmailCodeFailed) {
			t.Fatalf("%s: %v", what, err)
		}
		if r := e.requirement(adminSess); r != auth.RequireEveryone {
			t.Fatalf("%s changed the requirement to %s", what, r)
		}
	}
	refused("no code sent", adminSess, "123456")
	send := func(sess auth.Session, to string) string {
		t.Helper()
		if err := e.svc.Admin.SendRequirementOffCode(ctx, cl, sess); err != nil {
			t.Fatal(err)
		}
		// The code's mail is sent before SendRequirementOffCode returns, so
		// the newest such message is this one.
		m := smtp.WaitFor(t, to, "turn off the MFA requirement")
		if len(m.Code()) != 6 {
			t.Fatalf("mail %+v", m)
		}
		return m.Code()
	}
	code := send(adminSess, "admin@example.com")
	refused("no code", adminSess, "")
	refused("wrong code", adminSess, otherCode(code))
	refused("another admin's code", carol, code)
	// Expired: 5 minutes and a second later.
	e.clock.Advance(5*time.Minute + time.Second)
	refused("expired code", adminSess, code)
	// Closing the dialog means a new attempt: a new code voids the last.
	first := send(adminSess, "admin@example.com")
	second := send(adminSess, "admin@example.com")
	if first != second {
		refused("replaced code", adminSess, first)
	}
	if err := e.svc.Admin.RequirementOff(ctx, cl, adminSess, second); err != nil {
		t.Fatal(err)
	}
	if r := e.requirement(adminSess); r != auth.RequireOff {
		t.Fatalf("requirement %s", r)
	}
	if evs := e.events(adminSess, EventRequirementOff); len(evs) != 1 || evs[0].ActorEmail != "admin@example.com" {
		t.Fatalf("audit %+v", evs)
	}
	if evs := e.events(adminSess, EventEmailCodeFailed); len(evs) < 4 {
		t.Fatalf("failures audited: %d", len(evs))
	}
	// Reused: on again, the used code does not turn it off twice.
	if _, err := e.svc.Admin.RequireMFA(ctx, cl, adminSess, auth.RequireEveryone, nil, false); err != nil {
		t.Fatal(err)
	}
	refused("reused code", adminSess, second)
	// Throttled: five wrong tries end a code.
	code = send(adminSess, "admin@example.com")
	for range 5 {
		refused("wrong try", adminSess, otherCode(code))
	}
	refused("right code after five wrong tries", adminSess, code)
}

// admin2 makes another enrolled account, promotes it to admin and steps it
// up.
func (e *env) admin2(email string, by auth.Session) (auth.Session, enrolled) {
	e.t.Helper()
	en := e.enroll(email)
	role := auth.RoleAdmin
	if _, err := e.svc.Admin.UpdateUser(ctx, cl, by, en.user.ID, auth.UserChange{Role: &role}); err != nil {
		e.t.Fatal(err)
	}
	e.clock.Advance(30 * time.Second)
	ns, err := e.svc.Accounts.SecondFactor(ctx, cl, en.session, auth.Factor{Code: e.code(en.secret)}, false)
	if err != nil {
		e.t.Fatal(err)
	}
	return ns.Session, en
}

// otherCode is a 6-digit code that is not code.
func otherCode(code string) string {
	b := []byte(code)
	b[5] = '0' + (b[5]-'0'+1)%10
	return string(b)
}

func TestResetMFA(t *testing.T) {
	e, smtp := newMailEnv(t)
	n := &notes{}
	if err := e.svc.Push.Enable(PushConfig{Origin: testOrigin}, n); err != nil {
		t.Fatal(err)
	}
	_, adminSess := e.admin("admin@example.com")
	bob := e.enroll("bob@example.com")
	key := pushproto.PublicKey(bytes.Repeat([]byte{9}, ed25519.SeedSize))
	at := e.clock.Now().Unix()
	if _, err := e.svc.Push.Register(ctx, cl, bob.device.ID, key, at, pushproto.RegistrationProof(bob.secret, testOrigin, bob.device.ID, key, at)); err != nil {
		t.Fatal(err)
	}
	// Bob signs in with a code and trusts his browser.
	e.clock.Advance(30 * time.Second)
	ns, err := e.svc.Accounts.SecondFactor(ctx, cl, e.signIn(cl, "bob@example.com").Session, auth.Factor{Code: e.code(bob.secret)}, true)
	if err != nil || ns.TrustToken == "" {
		t.Fatalf("trust: %v", err)
	}
	trusted := cl
	trusted.TrustToken = ns.TrustToken
	if st := e.signIn(trusted, "bob@example.com").Session.Stage; st != auth.StageFull {
		t.Fatalf("trusted browser signs in to %s", st)
	}
	// Refusals change nothing.
	if err := e.svc.Admin.ResetMFA(ctx, cl, adminSess, bob.user.ID, "  "); !errors.Is(err, auth.ErrReasonRequired) {
		t.Fatalf("no reason: %v", err)
	}
	if err := e.svc.Admin.ResetMFA(ctx, cl, adminSess, adminSess.UserID, "testing"); !errors.Is(err, auth.ErrSelfReset) {
		t.Fatalf("self: %v", err)
	}
	if e.stage(ns.Token) != auth.StageFull {
		t.Fatal("a refused reset ended a session")
	}
	if err := e.svc.Admin.ResetMFA(ctx, cl, adminSess, bob.user.ID, "lost phone"); err != nil {
		t.Fatal(err)
	}
	// Sessions, devices (and push), recovery codes, trusted browsers: gone.
	if e.stage(ns.Token) != "gone" || e.stage(bob.token) != "gone" {
		t.Fatal("bob's sessions survived the reset")
	}
	if regs, _ := e.st.PushRegistrations(ctx, bob.user.ID); len(regs) != 0 {
		t.Fatalf("push registrations %+v", regs)
	}
	if len(n.revoked) != 1 || n.revoked[0] != bob.device.ID {
		t.Fatalf("push connections not told: %v", n.revoked)
	}
	again := e.signIn(trusted, "bob@example.com")
	if again.Session.Stage != auth.StageEnroll {
		t.Fatalf("after the reset bob (from his trusted browser) signs in to %s, want enroll", again.Session.Stage)
	}
	e.clock.Advance(30 * time.Second)
	for what, f := range map[string]auth.Factor{"old code": {Code: e.code(bob.secret)}, "recovery code": {RecoveryCode: bob.recovery[0]}} {
		if _, err := e.svc.Accounts.SecondFactor(ctx, cl, again.Session, f, false); err == nil {
			t.Fatalf("%s still works", what)
		}
	}
	if e.stage(again.Token) != auth.StageEnroll {
		t.Fatal("a factor moved the enroll-stage session")
	}
	// Mail and audit.
	m := smtp.WaitFor(t, "bob@example.com", "two-factor sign-in was reset")
	if !strings.Contains(m.Body, "lost phone") {
		t.Fatalf("mail %q", m.Body)
	}
	evs := e.events(adminSess, EventMFAReset)
	if len(evs) != 1 || evs[0].ActorEmail != "admin@example.com" || evs[0].UserEmail != "bob@example.com" || evs[0].Detail != "lost phone" {
		t.Fatalf("audit %+v", evs)
	}
	// Bob's own log names the admin.
	own, _ := e.svc.Audit.Events(ctx, bob.user.ID, 0, 50)
	if !slicesAny(own, func(ev auth.AuditEvent) bool { return ev.Type == EventMFAReset && ev.ActorEmail == "admin@example.com" }) {
		t.Fatalf("bob's log %+v", own)
	}
	// Enrolling again clears the obligation: the next sign-in asks for a code.
	enr, err := e.svc.Devices.Enroll(ctx, cl, again.Session, "new phone", auth.Factor{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Devices.Activate(ctx, cl, again.Session, enr.Device.ID, e.code(enr.Key.Secret)); err != nil {
		t.Fatal(err)
	}
	if st := e.signIn(cl, "bob@example.com").Session.Stage; st != auth.StagePartial {
		t.Fatalf("after enrolling again: %s", st)
	}
}

func TestTrustThisBrowser(t *testing.T) {
	e := newEnv(t)
	_, adminSess := e.admin("admin@example.com")
	bob := e.enroll("bob@example.com")
	trust := func() auth.Client {
		t.Helper()
		e.clock.Advance(30 * time.Second)
		ns, err := e.svc.Accounts.SecondFactor(ctx, cl, e.signIn(cl, "bob@example.com").Session, auth.Factor{Code: e.code(bob.secret)}, true)
		if err != nil || ns.TrustToken == "" {
			t.Fatalf("trust: %v", err)
		}
		c := cl
		c.TrustToken = ns.TrustToken
		return c
	}
	c := trust()
	if s := e.signIn(c, "bob@example.com").Session; s.Stage != auth.StageFull || !strings.Contains(strings.Join(s.AMR, " "), MethodTrustedBrowser) {
		t.Fatalf("trusted sign-in %+v", s)
	}
	// Another user's trust token, or a made-up one, is no trust.
	if e.signIn(c, "admin@example.com").Session.Stage != auth.StagePartial {
		t.Fatal("bob's trust signed the admin in")
	}
	// Revoke from the Security page.
	tbs, err := e.svc.Accounts.TrustedBrowsers(ctx, c, bob.user.ID)
	if err != nil || len(tbs) != 1 || !tbs[0].Current {
		t.Fatalf("%+v %v", tbs, err)
	}
	if err := e.svc.Accounts.RevokeTrustedBrowser(ctx, cl, adminSess.UserID, tbs[0].ID); !errors.Is(err, auth.ErrTrustedNotFound) {
		t.Fatalf("another user revokes: %v", err)
	}
	if err := e.svc.Accounts.RevokeTrustedBrowser(ctx, cl, bob.user.ID, tbs[0].ID); err != nil {
		t.Fatal(err)
	}
	if e.signIn(c, "bob@example.com").Session.Stage != auth.StagePartial {
		t.Fatal("revoked trust still skips the code")
	}
	// It expires after the organisation's days; the admin turning the
	// option off ends trust already given.
	c = trust()
	zero := 0
	if _, err := e.svc.Admin.UpdateOrg(ctx, cl, adminSess, auth.OrgChange{TrustDays: &zero}); err != nil {
		t.Fatal(err)
	}
	if e.signIn(c, "bob@example.com").Session.Stage != auth.StagePartial {
		t.Fatal("trust outlived the option")
	}
	thirty := 30
	if _, err := e.svc.Admin.UpdateOrg(ctx, cl, adminSess, auth.OrgChange{TrustDays: &thirty}); err != nil {
		t.Fatal(err)
	}
	c = trust()
	e.clock.Advance(30*24*time.Hour + time.Second)
	if e.signIn(c, "bob@example.com").Session.Stage != auth.StagePartial {
		t.Fatal("trust outlived its days")
	}
	// A password change revokes every trusted browser.
	c = trust()
	e.clock.Advance(30 * time.Second)
	full, err := e.svc.Accounts.SecondFactor(ctx, cl, e.signIn(cl, "bob@example.com").Session, auth.Factor{Code: e.code(bob.secret)}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Accounts.ChangePassword(ctx, cl, full.Session, testPassword, testPassword+" 2", auth.Factor{}); err != nil {
		t.Fatal(err)
	}
	ns, err := e.svc.Accounts.SignIn(ctx, c, "bob@example.com", testPassword+" 2")
	if err != nil || ns.Session.Stage != auth.StagePartial {
		t.Fatalf("after a password change: %+v %v", ns.Session, err)
	}
}

func TestInvitationsAndOrganisations(t *testing.T) {
	e, smtp := newMailEnv(t)
	_, adminSess := e.admin("admin@example.com")
	no := false
	if _, err := e.svc.Admin.UpdateOrg(ctx, cl, adminSess, auth.OrgChange{OpenSignup: &no}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Accounts.SignUp(ctx, cl, "walk-in@example.com", testPassword, ""); !errors.Is(err, auth.ErrSignupClosed) {
		t.Fatalf("closed sign-up: %v", err)
	}
	inv, err := e.svc.Admin.Invite(ctx, cl, adminSess, "new@example.com", auth.RoleMember)
	if err != nil || !strings.HasPrefix(inv.Link, "https://mfa.example/sign-up?invitation=") {
		t.Fatalf("%+v %v", inv, err)
	}
	m := smtp.WaitFor(t, "new@example.com", "invited")
	if m.Link() != inv.Link {
		t.Fatalf("mailed link %q, returned %q", m.Link(), inv.Link)
	}
	token := strings.TrimPrefix(inv.Link, "https://mfa.example/sign-up?invitation=")
	for what, tc := range map[string][2]string{
		"another address": {"other@example.com", token},
		"a made-up token": {"new@example.com", "tft_" + strings.Repeat("A", 43)},
		"garbage":         {"new@example.com", "nope"},
	} {
		if _, err := e.svc.Accounts.SignUp(ctx, cl, tc[0], testPassword, tc[1]); !errors.Is(err, auth.ErrInvitationInvalid) {
			t.Fatalf("%s: %v", what, err)
		}
	}
	ns, err := e.svc.Accounts.SignUp(ctx, cl, "new@example.com", testPassword, token)
	if err != nil || ns.User.Role != auth.RoleMember {
		t.Fatalf("%+v %v", ns.User, err)
	}
	if _, err := e.svc.Accounts.SignUp(ctx, cl, "new@example.com", testPassword, token); err == nil {
		t.Fatal("an invitation worked twice")
	}
	late, err := e.svc.Admin.Invite(ctx, cl, adminSess, "late@example.com", auth.RoleMember)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(7*24*time.Hour + time.Second)
	if _, err := e.svc.Accounts.SignUp(ctx, cl, "late@example.com", testPassword, strings.TrimPrefix(late.Link, "https://mfa.example/sign-up?invitation=")); !errors.Is(err, auth.ErrInvitationInvalid) {
		t.Fatalf("expired invitation: %v", err)
	}

	// Another organisation: its admin joins by invitation, their keys name
	// it, and they see and change nothing of the default organisation.
	org, ainv, err := e.svc.CreateOrganisation(ctx, "Acme Corp", "ann@acme.example")
	if err != nil || org.Slug != "acme-corp" {
		t.Fatalf("%+v %v", org, err)
	}
	if _, _, err := e.svc.CreateOrganisation(ctx, "Acme Corp", "bo@acme.example"); !errors.Is(err, auth.ErrOrgTaken) {
		t.Fatalf("same name: %v", err)
	}
	ann, err := e.svc.Accounts.SignUp(ctx, cl, "ann@acme.example", testPassword, strings.TrimPrefix(ainv.Link, "https://mfa.example/sign-up?invitation="))
	if err != nil || ann.User.Role != auth.RoleAdmin {
		t.Fatalf("%+v %v", ann.User, err)
	}
	enr, err := e.svc.Devices.Enroll(ctx, cl, ann.Session, "phone", auth.Factor{})
	if err != nil || enr.Key.Issuer != "Twofold (acme-corp)" || enr.Key.Account != "ann@acme.example" {
		t.Fatalf("%+v %v", enr.Key, err)
	}
	if _, err := e.svc.Devices.Activate(ctx, cl, ann.Session, enr.Device.ID, e.code(enr.Key.Secret)); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(30 * time.Second)
	annSess, err := e.svc.Accounts.SecondFactor(ctx, cl, ann.Session, auth.Factor{Code: e.code(enr.Key.Secret)}, false)
	if err != nil {
		t.Fatal(err)
	}
	users, total, err := e.svc.Admin.Users(ctx, annSess.Session, auth.UserFilter{})
	if err != nil || total != 1 || users[0].Email != "ann@acme.example" {
		t.Fatalf("acme's users %+v %d %v", users, total, err)
	}
	if _, _, err := e.svc.Admin.User(ctx, annSess.Session, ns.User.ID); !errors.Is(err, auth.ErrUserNotFound) {
		t.Fatalf("another organisation's user: %v", err)
	}
	if err := e.svc.Admin.ResetMFA(ctx, cl, annSess.Session, ns.User.ID, "x"); !errors.Is(err, auth.ErrUserNotFound) {
		t.Fatalf("reset another organisation's user: %v", err)
	}
	if evs := e.events(annSess.Session, ""); len(evs) == 0 || slicesAny(evs, func(ev auth.AuditEvent) bool { return ev.UserEmail != "ann@acme.example" }) {
		t.Fatalf("acme's audit shows others: %+v", evs)
	}
}

func slicesAny[T any](s []T, f func(T) bool) bool {
	for _, v := range s {
		if f(v) {
			return true
		}
	}
	return false
}

// Security events mail the user: a device added, MFA turned off, a
// recovery code used.
func TestSecurityEventMail(t *testing.T) {
	e, smtp := newMailEnv(t)
	bob := e.enroll("bob@example.com")
	smtp.WaitFor(t, "bob@example.com", "A device was added")
	e.clock.Advance(30 * time.Second)
	ns, err := e.svc.Accounts.SecondFactor(ctx, cl, e.signIn(cl, "bob@example.com").Session, auth.Factor{RecoveryCode: bob.recovery[0]}, false)
	if err != nil {
		t.Fatal(err)
	}
	smtp.WaitFor(t, "bob@example.com", "A recovery code was used")
	if err := e.svc.Devices.DisableMFA(ctx, cl, ns.Session, auth.Factor{Code: e.code(bob.secret)}); err != nil {
		t.Fatal(err)
	}
	m := smtp.WaitFor(t, "bob@example.com", "turned off")
	if !strings.Contains(m.Body, "If this was not you") || m.From == "" {
		t.Fatalf("%+v", m)
	}
}

// An admin who turns their own MFA off keeps no admin powers in that
// session; sign-up counts as the first sign-in.
func TestAdminWithoutADeviceIsNoAdmin(t *testing.T) {
	e := newEnv(t)
	a, adminSess := e.admin("admin@example.com")
	bob := e.signUp("bob@example.com")
	if u, _, err := e.svc.Admin.User(ctx, adminSess, bob.User.ID); err != nil || u.LastSignInAt.IsZero() {
		t.Fatalf("sign-up's last sign-in: %+v %v", u, err)
	}
	e.clock.Advance(30 * time.Second)
	if err := e.svc.Devices.DisableMFA(ctx, cl, adminSess, auth.Factor{Code: e.code(a.secret)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Admin.Org(ctx, adminSess); !errors.Is(err, auth.ErrAdminStepUp) {
		t.Fatalf("admin after turning MFA off: %v", err)
	}
}
