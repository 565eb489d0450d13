package api

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/twofold-auth/twofold/server/api/wire"
)

// orgAdmin is the default organisation's first account, enrolled and
// stepped up.
func (h *harness) orgAdmin(email string) *account {
	a := h.enroll(email)
	h.stepUp(a.c, a.secret)
	return a
}

func (c *testClient) userID() string {
	c.h.t.Helper()
	var s wire.SessionResponse
	c.must(200, "GET", "/api/v1/session", nil).decode(c.h.t, &s)
	return s.User.ID
}

// invitationToken is the token of an invitation link.
func invitationToken(link string) string {
	_, tok, _ := strings.Cut(link, "invitation=")
	return tok
}

// Every admin route, walked from the router, is refused for a member, for
// an admin whose session has not verified a second factor, for an
// admin of another organisation (nothing of this one is visible or
// changed), for a session in the enroll stage and without a session.
func TestEveryAdminRouteRefusesOutsiders(t *testing.T) {
	h := newHarness(t)
	admin := h.orgAdmin("admin@example.com")
	member := h.enroll("bob@example.com")
	h.stepUp(member.c, member.secret)
	bobID := member.c.userID()
	// Carol is an admin whose session never verified a code.
	carol := h.enroll("carol@example.com")
	admin.c.must(200, "PATCH", "/api/v1/admin/users/"+carol.c.userID(), map[string]string{"role": "admin"})
	// Ann administers another organisation.
	_, inv, err := h.svc.CreateOrganisation(t.Context(), "Acme", "ann@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	ann := h.client()
	ann.must(201, "POST", "/api/v1/users", map[string]string{"email": "ann@acme.example", "password": password, "invitation": invitationToken(inv.Link)})
	var created wire.Enrollment
	ann.must(201, "POST", "/api/v1/totp-devices", `{"name":"phone"}`).decode(t, &created)
	annAcct := &account{c: ann, secret: secretOf(t, created.Enrollment.Secret)}
	ann.must(200, "POST", "/api/v1/totp-devices/"+created.Device.ID+"/activate", map[string]string{"code": h.code(annAcct.secret)})
	h.stepUp(annAcct.c, annAcct.secret)
	// Resources of the default organisation to aim at.
	var group wire.Group
	admin.c.must(201, "POST", "/api/v1/admin/groups", map[string]string{"name": "Pilot"}).decode(t, &group)
	var pending wire.Enrollment
	h.clock.Advance(30 * time.Second)
	member.c.must(201, "POST", "/api/v1/totp-devices", map[string]string{"name": "spare", "code": h.code(member.secret)}).decode(t, &pending)
	// A session in the enroll stage: the organisation requires MFA of Dan.
	dan := h.signUp("dan@example.com")
	danID := dan.userID()
	var pilot wire.Group
	admin.c.must(201, "POST", "/api/v1/admin/groups", map[string]string{"name": "Dan only"}).decode(t, &pilot)
	admin.c.must(204, "PUT", "/api/v1/admin/groups/"+pilot.ID+"/members/"+danID, nil)
	admin.c.must(200, "POST", "/api/v1/admin/mfa-requirement", map[string]any{"scope": "groups", "group_ids": []string{pilot.ID}, "sessions": "keep"})

	snapshot := func() string {
		var b strings.Builder
		for _, p := range []string{"/org", "/users", "/users/" + bobID, "/groups", "/invitations", "/outbox"} {
			b.Write(admin.c.must(200, "GET", "/api/v1/admin"+p, nil).body)
		}
		return b.String()
	}
	before := snapshot()

	bodies := map[string]any{
		"PATCH /api/v1/admin/org":                          map[string]any{"name": "Hacked", "trust_days": 0, "open_signup": false},
		"POST /api/v1/admin/mfa-requirement":               map[string]any{"scope": "everyone", "sessions": "sign_out"},
		"DELETE /api/v1/admin/mfa-requirement":             map[string]string{"code": "123456"},
		"PATCH /api/v1/admin/users/{id}":                   map[string]any{"role": "admin"},
		"POST /api/v1/admin/users/{id}/mfa-reset":          map[string]string{"reason": "takeover"},
		"POST /api/v1/admin/groups":                        map[string]string{"name": "Evil"},
		"PATCH /api/v1/admin/groups/{id}":                  map[string]any{"require_mfa": false},
		"POST /api/v1/admin/invitations":                   map[string]string{"email": "mallory@example.com", "role": "admin"},
		"POST /api/v1/admin/mfa-requirement/off-code":      nil,
		"PUT /api/v1/admin/groups/{id}/members/{user}":     nil,
		"DELETE /api/v1/admin/groups/{id}/members/{user}":  nil,
		"DELETE /api/v1/admin/users/{id}/devices/{device}": nil,
		"DELETE /api/v1/admin/groups/{id}":                 nil,
		"GET /api/v1/admin/users/{id}":                     nil,
		"GET /api/v1/admin/org":                            nil,
		"GET /api/v1/admin/users":                          nil,
		"GET /api/v1/admin/groups":                         nil,
		"GET /api/v1/admin/invitations":                    nil,
		"GET /api/v1/admin/audit-events":                   nil,
		"GET /api/v1/admin/outbox":                         nil,
	}
	fill := func(route string) string {
		route = strings.NewReplacer("{device}", pending.Device.ID, "{user}", bobID).Replace(route)
		if strings.Contains(route, "/groups/{id}") {
			return strings.Replace(route, "{id}", group.ID, 1)
		}
		return strings.Replace(route, "{id}", bobID, 1)
	}
	walked := 0
	err = chi.Walk(h.srv.Config.Handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		route = strings.ReplaceAll(route, "/*/", "/")
		if !strings.HasPrefix(route, "/api/v1/admin/") {
			return nil
		}
		route = strings.TrimSuffix(route, "/")
		op := method + " " + route
		body, ok := bodies[op]
		if !ok {
			t.Errorf("no body for %s: add the route to this test", op)
			return nil
		}
		walked++
		path := fill(route)
		for _, tc := range []struct {
			who    string
			c      *testClient
			status int
			code   string
		}{
			{"no session", h.client(), 401, "unauthenticated"},
			{"a member", member.c, 403, "not_admin"},
			{"an admin without a verified second factor", carol.c, 403, "admin_step_up_required"},
			{"a session in the enroll stage", dan, 403, "enrollment_required"},
		} {
			if r := tc.c.do(method, path, body); r.status != tc.status || r.errorCode() != tc.code {
				t.Errorf("%s by %s: %d %s, want %d %s", op, tc.who, r.status, r.body, tc.status, tc.code)
			}
		}
		// Another organisation's admin: a route naming one of this
		// organisation's users, groups or devices finds nothing; one
		// without is about their own organisation.
		if strings.Contains(route, "{") {
			if r := ann.do(method, path, body); r.status != 404 || r.errorCode() != "not_found" {
				t.Errorf("%s by another organisation's admin: %d %s", op, r.status, r.body)
			}
		} else if method == "GET" {
			r := ann.must(200, method, path, nil)
			if strings.Contains(string(r.body), "example.com") {
				t.Errorf("%s shows another organisation's admin this one: %s", op, r.body)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if walked < 20 {
		t.Fatalf("walked %d admin routes", walked)
	}
	if after := snapshot(); after != before {
		t.Fatalf("refused requests changed the organisation:\nbefore %s\nafter  %s", before, after)
	}
}

// Require MFA by the API: "keep sessions" sends an unenrolled user's next
// request to enrollment, which their session may then complete; "sign
// everyone out" ends their sessions at once.
func TestRequireMFAByAPI(t *testing.T) {
	h := newHarness(t)
	admin := h.orgAdmin("admin@example.com")
	bob := h.signUp("bob@example.com")
	bob.must(200, "GET", "/api/v1/app-tokens", nil)
	for _, bad := range []map[string]any{
		{"scope": "everyone"},
		{"scope": "everyone", "sessions": "later"},
		{"scope": "some", "sessions": "keep"},
		{"scope": "groups", "sessions": "keep"},
		{"scope": "everyone", "sessions": "keep", "extra": 1},
	} {
		if r := admin.c.do("POST", "/api/v1/admin/mfa-requirement", bad); r.status != 400 {
			t.Errorf("%v: %d %s", bad, r.status, r.body)
		}
	}
	var org wire.Organisation
	admin.c.must(200, "GET", "/api/v1/admin/org", nil).decode(t, &org)
	if org.RequireMFA != "off" {
		t.Fatalf("bad requests changed the requirement: %+v", org)
	}
	var res wire.RequirementResult
	admin.c.must(200, "POST", "/api/v1/admin/mfa-requirement", map[string]any{"scope": "everyone", "sessions": "keep"}).decode(t, &res)
	if res.Organisation.RequireMFA != "everyone" || res.AffectedUsers != 2 || res.SessionsChanged != 1 {
		t.Fatalf("%+v", res)
	}
	if r := bob.do("GET", "/api/v1/app-tokens", nil); r.status != 403 || r.errorCode() != "enrollment_required" {
		t.Fatalf("keep sessions: %d %s", r.status, r.body)
	}
	var s wire.SessionResponse
	bob.must(200, "GET", "/api/v1/session", nil).decode(t, &s)
	if s.Session.Stage != "enroll" {
		t.Fatalf("stage %q", s.Session.Stage)
	}
	var created wire.Enrollment
	bob.must(201, "POST", "/api/v1/totp-devices", `{"name":"phone"}`).decode(t, &created)
	if created.Enrollment.Issuer != "Twofold" || created.Enrollment.Account != "bob@example.com" {
		t.Fatalf("%+v", created.Enrollment)
	}
	var act wire.ActivateResponse
	bob.must(200, "POST", "/api/v1/totp-devices/"+created.Device.ID+"/activate",
		map[string]string{"code": h.code(secretOf(t, created.Enrollment.Secret))}).decode(t, &act)
	if !act.SignInCompleted || len(act.RecoveryCodes) != 10 {
		t.Fatalf("%+v", act)
	}
	bob.must(200, "GET", "/api/v1/app-tokens", nil)

	// Sign everyone out: Carol's session ends at once.
	admin.c.must(200, "POST", "/api/v1/admin/mfa-requirement", map[string]any{"scope": "everyone", "sessions": "keep"})
	carol := h.signUp("carol@example.com") // joins while required: enroll stage at once
	if r := carol.do("GET", "/api/v1/app-tokens", nil); r.errorCode() != "enrollment_required" {
		t.Fatalf("new member under the requirement: %d %s", r.status, r.body)
	}
	admin.c.must(200, "POST", "/api/v1/admin/mfa-requirement", map[string]any{"scope": "everyone", "sessions": "sign_out"})
	if r := carol.do("GET", "/api/v1/session", nil); r.status != 401 {
		t.Fatalf("sign everyone out: %d %s", r.status, r.body)
	}
	admin.c.must(200, "GET", "/api/v1/admin/org", nil)
}

// Turning the requirement off takes the code mailed to the admin (here the
// development outbox, which says mail is not being sent).
func TestRequirementOffByAPI(t *testing.T) {
	h := newHarness(t)
	admin := h.orgAdmin("admin@example.com")
	admin.c.must(200, "POST", "/api/v1/admin/mfa-requirement", map[string]any{"scope": "everyone", "sessions": "keep"})
	if r := admin.c.do("DELETE", "/api/v1/admin/mfa-requirement", map[string]string{"code": "123456"}); r.status != 403 || r.errorCode() != "email_code_failed" {
		t.Fatalf("no code sent: %d %s", r.status, r.body)
	}
	var sent wire.CodeSent
	admin.c.must(202, "POST", "/api/v1/admin/mfa-requirement/off-code", nil).decode(t, &sent)
	if sent.SentTo != "admin@example.com" || sent.ExpiresInSeconds != 300 {
		t.Fatalf("%+v", sent)
	}
	var out wire.Outbox
	admin.c.must(200, "GET", "/api/v1/admin/outbox", nil).decode(t, &out)
	if out.SMTPConfigured || len(out.Mails) == 0 || !strings.Contains(out.Mails[0].Subject, "turn off the MFA requirement") {
		t.Fatalf("%+v", out)
	}
	code := strings.Fields(strings.SplitN(out.Mails[0].Body, "code: ", 2)[1])[0]
	wrong := []byte(code)
	wrong[0] = '0' + (wrong[0]-'0'+1)%10
	for _, bad := range []any{map[string]string{"code": string(wrong)}, map[string]string{}, `{"code":123456}`} {
		if r := admin.c.do("DELETE", "/api/v1/admin/mfa-requirement", bad); r.status/100 != 4 {
			t.Fatalf("%v: %d %s", bad, r.status, r.body)
		}
	}
	var org wire.Organisation
	admin.c.must(200, "GET", "/api/v1/admin/org", nil).decode(t, &org)
	if org.RequireMFA != "everyone" || org.SMTPConfigured {
		t.Fatalf("%+v", org)
	}
	admin.c.must(204, "DELETE", "/api/v1/admin/mfa-requirement", map[string]string{"code": code})
	admin.c.must(200, "GET", "/api/v1/admin/org", nil).decode(t, &org)
	if org.RequireMFA != "off" {
		t.Fatalf("%+v", org)
	}
	var evs wire.OrgAuditList
	admin.c.must(200, "GET", "/api/v1/admin/audit-events?type=mfa_requirement_off", nil).decode(t, &evs)
	if len(evs.Events) != 1 || evs.Events[0].ActorEmail != "admin@example.com" || evs.Events[0].UserAgent == "" {
		t.Fatalf("%+v", evs)
	}
}

func TestUsersPageAndCSV(t *testing.T) {
	h := newHarness(t)
	admin := h.orgAdmin("admin@example.com")
	h.signUp("bob@example.com")
	svc := h.signUp("svc@example.com")
	svcID := svc.userID()
	admin.c.must(200, "PATCH", "/api/v1/admin/users/"+svcID, map[string]any{"exempt": true, "exempt_reason": "=HYPERLINK(\"http://evil\")"})
	var list wire.OrgUserList
	admin.c.must(200, "GET", "/api/v1/admin/users?status=not-enrolled", nil).decode(t, &list)
	if list.Total != 1 || list.Users[0].Email != "bob@example.com" || list.Users[0].MFAStatus != "not-enrolled" {
		t.Fatalf("%+v", list)
	}
	admin.c.must(200, "GET", "/api/v1/admin/users?status=exempt", nil).decode(t, &list)
	if list.Total != 1 || list.Users[0].ExemptReason == "" {
		t.Fatalf("%+v", list)
	}
	list = wire.OrgUserList{} // decoding into used elements would keep their fields
	admin.c.must(200, "GET", "/api/v1/admin/users?q=adm&limit=1", nil).decode(t, &list)
	if list.Total != 1 || list.Users[0].MFAStatus != "enrolled" || list.Users[0].Role != "admin" || list.Users[0].LastSignInAt == nil {
		t.Fatalf("%+v", list)
	}
	admin.c.must(200, "GET", "/api/v1/admin/users?limit=2&offset=2", nil).decode(t, &list)
	if list.Total != 3 || len(list.Users) != 1 {
		t.Fatalf("page 2: %+v", list)
	}
	for _, q := range []string{"status=maybe", "limit=0", "limit=501", "offset=-1", "limit=x"} {
		if r := admin.c.do("GET", "/api/v1/admin/users?"+q, nil); r.status != 400 || r.errorCode() != "invalid_query" {
			t.Errorf("?%s: %d %s", q, r.status, r.body)
		}
	}
	r := admin.c.must(200, "GET", "/api/v1/admin/users?format=csv", nil)
	if !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		t.Fatal(r.header)
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil || len(rows) != 4 || rows[0][0] != "email" {
		t.Fatalf("%v %v", rows, err)
	}
	if rows[3][4] != `'=HYPERLINK("http://evil")` {
		t.Fatalf("a formula reached the CSV: %q", rows[3][4])
	}
}

func TestInvitationSignUpByAPI(t *testing.T) {
	h := newHarness(t)
	admin := h.orgAdmin("admin@example.com")
	admin.c.must(200, "PATCH", "/api/v1/admin/org", map[string]any{"open_signup": false})
	if r := h.client().do("POST", "/api/v1/users", map[string]string{"email": "walk-in@example.com", "password": password}); r.status != 403 || r.errorCode() != "signup_closed" {
		t.Fatalf("closed: %d %s", r.status, r.body)
	}
	var inv wire.NewInvitation
	admin.c.must(201, "POST", "/api/v1/admin/invitations", map[string]string{"email": "New@Example.com"}).decode(t, &inv)
	if inv.Invitation.Email != "new@example.com" || inv.Invitation.Role != "member" || !strings.HasPrefix(inv.Link, "https://mfa.example/sign-up?invitation=") {
		t.Fatalf("%+v", inv)
	}
	for _, bad := range []map[string]string{{"email": "nope"}, {"email": "x@example.com", "role": "owner"}, {"email": "admin@example.com"}} {
		if r := admin.c.do("POST", "/api/v1/admin/invitations", bad); r.status/100 != 4 {
			t.Errorf("%v: %d %s", bad, r.status, r.body)
		}
	}
	tok := invitationToken(inv.Link)
	if r := h.client().do("POST", "/api/v1/users", map[string]string{"email": "other@example.com", "password": password, "invitation": tok}); r.errorCode() != "invitation_invalid" {
		t.Fatalf("another address: %d %s", r.status, r.body)
	}
	h.client().must(201, "POST", "/api/v1/users", map[string]string{"email": "new@example.com", "password": password, "invitation": tok})
	if r := h.client().do("POST", "/api/v1/users", map[string]string{"email": "new@example.com", "password": password, "invitation": tok}); r.status/100 != 4 {
		t.Fatalf("used twice: %d %s", r.status, r.body)
	}
	var list wire.InvitationList
	admin.c.must(200, "GET", "/api/v1/admin/invitations", nil).decode(t, &list)
	if len(list.Invitations) != 1 || list.Invitations[0].UsedAt == nil {
		t.Fatalf("%+v", list)
	}
	if strings.Contains(string(admin.c.must(200, "GET", "/api/v1/admin/invitations", nil).body), tok) {
		t.Fatal("the list shows an invitation's token")
	}
}

// "Don't ask again on this browser": a cookie the server records, listed
// and revocable on the Security page.
func TestTrustThisBrowserByAPI(t *testing.T) {
	h := newHarness(t)
	a := h.enroll("bob@example.com")
	c := h.signIn("bob@example.com")
	h.clock.Advance(30 * time.Second)
	r := c.must(200, "POST", "/api/v1/session/mfa", map[string]any{"code": h.code(a.secret), "trust_browser": true})
	cookie := ""
	for _, sc := range r.header.Values("Set-Cookie") {
		if strings.HasPrefix(sc, "twofold_trust=") {
			cookie = sc
		}
	}
	if !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Lax") || !strings.Contains(cookie, "Max-Age=2592000") {
		t.Fatalf("trust cookie %q", cookie)
	}
	// The same browser signs in with the password alone.
	var s wire.SessionResponse
	c.must(200, "POST", "/api/v1/session", map[string]string{"email": "bob@example.com", "password": password}).decode(t, &s)
	if s.Session.Stage != "full" || !strings.Contains(strings.Join(s.Session.AMR, " "), "trusted_browser") {
		t.Fatalf("%+v", s.Session)
	}
	var list wire.TrustedBrowserList
	c.must(200, "GET", "/api/v1/trusted-browsers", nil).decode(t, &list)
	if len(list.Browsers) != 1 || !list.Browsers[0].Current {
		t.Fatalf("%+v", list)
	}
	if r := a.c.do("DELETE", "/api/v1/trusted-browsers/tb_aaaaaaaaaaaaaaaa", nil); r.status != 404 {
		t.Fatalf("unknown: %d", r.status)
	}
	c.must(204, "DELETE", "/api/v1/trusted-browsers/"+list.Browsers[0].ID, nil)
	c.must(200, "POST", "/api/v1/session", map[string]string{"email": "bob@example.com", "password": password}).decode(t, &s)
	if s.Session.Stage != "partial" {
		t.Fatalf("revoked trust: %+v", s.Session)
	}
}

// A group update without its one field changes nothing.
func TestGroupUpdateNeedsItsField(t *testing.T) {
	h := newHarness(t)
	admin := h.orgAdmin("admin@example.com")
	var g wire.Group
	admin.c.must(201, "POST", "/api/v1/admin/groups", map[string]string{"name": "Pilot"}).decode(t, &g)
	admin.c.must(204, "PATCH", "/api/v1/admin/groups/"+g.ID, map[string]bool{"require_mfa": true})
	for _, body := range []string{`{}`, `null`, `{"require_mfa":null}`} {
		if r := admin.c.do("PATCH", "/api/v1/admin/groups/"+g.ID, body); r.status != 400 {
			t.Errorf("%s: %d %s", body, r.status, r.body)
		}
	}
	var list wire.GroupList
	admin.c.must(200, "GET", "/api/v1/admin/groups", nil).decode(t, &list)
	if len(list.Groups) != 1 || !list.Groups[0].RequireMFA {
		t.Fatalf("a refused update changed the group: %+v", list.Groups)
	}
}
