package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"
)

// The organisation's administration in the browser (issue 14), end to
// end on a server of its own with real SMTP (admin_env_test.go): the first
// account becomes the admin, who must set up and confirm a second factor
// before any admin page opens; members see no admin link and are refused
// the pages; requiring MFA with each of the dialog's three choices;
// forced enrollment; trust this browser; Reset MFA; invitations; the
// users page's filter and CSV; the audit log; turning the requirement off
// with the emailed code.

// orgRequire reads the organisation's requirement through the API, from the
// admin's tab.
func (tb *tab) orgRequire() string {
	tb.t.Helper()
	code, body := tb.fetchJSON("GET", "/admin/org", nil)
	var o struct {
		RequireMFA string `json:"require_mfa"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &o) != nil {
		tb.t.Fatalf("GET /admin/org: %d %s", code, body)
	}
	return o.RequireMFA
}

// choosePolicy picks a scope on /admin (groups: the ticked names) and
// chooses Apply.
func (tb *tab) choosePolicy(scope string, groups ...string) {
	tb.t.Helper()
	tb.click("#scope-" + scope)
	for _, g := range groups {
		id := eval[string](tb, fmt.Sprintf(`[...document.querySelectorAll('#group-choices label')].find(l => l.textContent.startsWith(%q)).htmlFor`, g+" ("))
		if !eval[bool](tb, fmt.Sprintf(`document.getElementById(%q).checked`, id)) {
			tb.click("#" + id)
		}
	}
	tb.click("#policy-apply")
}

// codeAfter waits for a confirmation code mailed after the first n
// messages, and returns it ("" if none came).
func (as *adminServer) codeAfter(t *testing.T, n int) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		ms := as.mail.Messages()
		for i := len(ms) - 1; i >= n; i-- {
			if strings.Contains(ms[i].Subject, "Confirm") {
				return ms[i].Code()
			}
		}
	}
	return ""
}

func TestAdminJourney(t *testing.T) {
	as := startAdminServer(t, true)
	stamp := time.Now().UnixNano()
	admin := &person{email: fmt.Sprintf("ann-%d@example.com", stamp)}
	bob := &person{email: fmt.Sprintf("bob-%d@example.com", stamp)}
	carol := &person{email: fmt.Sprintf("carol-%d@example.com", stamp)}
	dan := &person{email: fmt.Sprintf("dan-%d@example.com", stamp)}

	// The first account of the default organisation is its admin. The
	// Admin link is there; the console needs a second factor, and an admin
	// without an authenticator is sent to set one up, then to confirm.
	a := tabOn(t, as.url)
	a.signUp(admin, "/account")
	a.until(`!document.querySelector('#admin-link').hidden`)
	a.click("#admin-link")
	a.waitPath("/enable-mfa")
	a.fieldErrorShown("#flash", "Administration needs two-factor sign-in")
	if !strings.Contains(eval[string](a, `location.search`), "next=%2Fadmin") {
		t.Errorf("enrollment is not told to come back to /admin: %s", eval[string](a, `location.search`))
	}
	a.enroll(admin, "/second-factor")
	a.fieldErrorShown("#flash", "Administration needs a session that confirmed a second factor")
	a.enterCode(admin, "/admin")
	a.until(`!document.querySelector('#admin-content').hidden && document.querySelector('#policy-badge').textContent === 'Off'`)
	a.shot("admin-policy")

	// Members: no Admin link, and the pages and routes refuse them.
	b := tabOn(t, as.url)
	b.signUp(bob, "/account")
	c := tabOn(t, as.url)
	c.signUp(carol, "/account")
	b.until(`document.querySelector('#mfa-badge').textContent === 'Off'`)
	if b.visible("#admin-link") {
		t.Error("a member sees the Admin link")
	}
	for _, p := range []string{"/admin", "/admin/users", "/admin/groups", "/admin/audit", "/admin/outbox"} {
		b.visit(p)
		b.waitPath(p)
		b.fieldErrorShown("#page-error", "for administrators of your organisation")
		if b.visible("#admin-content") || b.visible("#admin-nav") {
			t.Errorf("%s shows its content to a member", p)
		}
	}
	if code, body := b.fetchJSON("GET", "/admin/users", nil); code != 403 || !strings.Contains(body, "not_admin") {
		t.Errorf("a member's GET /admin/users: %d %s", code, body)
	}

	// A group of two, to require MFA of first.
	a.click(`#admin-nav a[href="/admin/groups"]`)
	a.waitPath("/admin/groups")
	a.typeInto("#group-name", "Pilot\r")
	a.rowWith("#groups", "Pilot")
	a.click(`#groups .show-members`)
	a.until(`!document.querySelector('#members-panel').hidden`)
	a.typeInto("#member-email", "nobody@example.com\r")
	a.fieldErrorShown("#member-error", "No user of your organisation")
	for _, p := range []*person{bob, carol} {
		a.typeInto("#member-email", p.email+"\r")
		a.rowWith("#members", p.email)
	}
	a.until(`document.querySelector('#groups tr td[data-label="Members"]').textContent === '2'`)
	a.shot("admin-groups")

	// Bob is on the tokens page, Carol on her Security page.
	b.visit("/tokens")
	b.waitPath("/tokens")
	c.visit("/account")
	c.until(`document.querySelector('#mfa-badge').textContent === 'Off'`)

	// Require MFA: Cancel (and Escape) change nothing.
	a.click(`#admin-nav a[href="/admin"]`)
	a.waitPath("/admin")
	a.until(`!document.querySelector('#admin-content').hidden`)
	a.choosePolicy("everyone")
	a.until(`document.querySelector('#require-dialog').open`)
	a.fieldErrorShown("#require-text", "everyone in the organisation")
	a.shotView("admin-require-dialog")
	a.click("#require-cancel")
	a.until(`!document.querySelector('#require-dialog').open && document.querySelector('#scope-off').checked && document.activeElement.id === 'policy-apply'`)
	a.choosePolicy("everyone")
	a.until(`document.querySelector('#require-dialog').open`)
	a.key(kb.Escape)
	a.until(`!document.querySelector('#require-dialog').open && document.querySelector('#scope-off').checked`)
	if got := a.orgRequire(); got != "off" {
		t.Fatalf("after Cancel and Escape the requirement is %q", got)
	}

	// "No, keep sessions", for the group: Bob's next request and Carol's
	// next page are the enrollment page.
	a.choosePolicy("groups", "Pilot")
	a.until(`document.querySelector('#require-dialog').open`)
	a.fieldErrorShown("#require-text", "the members of the group Pilot")
	a.click("#require-keep")
	got := a.fieldErrorShown("#policy-status", "now required of the members of the group Pilot")
	if !strings.Contains(got, "2 users covered") || !strings.Contains(got, "2 sessions go to enrollment") {
		t.Errorf("the result says %q", got)
	}
	a.until(`document.querySelector('#policy-badge').textContent === 'Chosen groups'`)

	b.typeInto("#token-name", "laptop\r") // a request
	b.waitPath("/enable-mfa")
	b.fieldErrorShown("#flash", "Your organisation requires two-factor sign-in")
	b.until(`!document.querySelector('#setup').hidden`)
	if b.visible(`#site-nav a[href="/account"]`) || b.visible("#activate-cancel") || !b.visible("#sign-out") {
		t.Error("the forced enrollment offers a way out other than signing out")
	}
	b.shot("forced-enrollment")
	c.click(`#site-nav a[href="/tokens"]`) // a navigation
	c.waitPath("/enable-mfa")
	c.fieldErrorShown("#flash", "Your organisation requires two-factor sign-in")
	c.visit("/protected") // nothing else opens
	c.until(`location.pathname === '/enable-mfa' && location.search.includes('next=%2Fprotected')`)

	// Bob finishes: on to the tokens page he was on.
	b.until(`!document.querySelector('#setup').hidden`)
	b.enroll(bob, "/tokens")
	b.fieldErrorShown("#flash", "you are signed in")

	// "Yes, sign everyone out", for everyone: the others' sessions end at
	// once; the admin's stays.
	a.choosePolicy("everyone")
	a.until(`document.querySelector('#require-dialog').open`)
	a.click("#require-sign-out")
	got = a.fieldErrorShown("#policy-status", "now required of everyone in the organisation")
	if !strings.Contains(got, "sessions signed out") {
		t.Errorf("the result says %q", got)
	}
	if b.signedIn() || c.signedIn() {
		t.Fatal("a session outlived \"sign everyone out\"")
	}
	if !a.signedIn() {
		t.Fatal("the admin's own session ended")
	}

	// Carol signs in: the enrollment page right after the password, then
	// where she was going.
	c.signIn(carol, "/enable-mfa")
	c.enroll(carol, "/account")

	// Trust this browser: Bob signs in with a code and ticks "Don't ask
	// again"; the next sign-in skips the code, until he revokes it.
	b.signIn(bob, "/second-factor")
	b.until(`!document.querySelector('#trust-line').hidden`)
	b.fieldErrorShown("#trust-label", "for 30 days")
	b.click("#trust-browser")
	b.shot("second-factor-trust")
	b.enterCode(bob, "/account")
	b.click("#sign-out")
	b.waitPath("/")
	b.signIn(bob, "/account")
	b.rowWith("#trusted", "This browser")
	b.shot("trusted-browsers")
	b.click("#trusted .revoke-trust")
	b.fieldErrorShown("#trusted-status", "Revoked")
	b.until(`!document.querySelector('#no-trusted').hidden`)
	b.click("#sign-out")
	b.waitPath("/")
	b.signIn(bob, "/second-factor")
	b.enterCode(bob, "/account")

	// Reset MFA of Bob: a confirmation naming him, a reason required. His
	// session stops; his next sign-in is a forced enrollment; he gets an
	// email; his Security page says which admin did it.
	a.click(`#admin-nav a[href="/admin/users"]`)
	a.waitPath("/admin/users")
	a.rowWith("#users", bob.email)
	a.click(fmt.Sprintf(`#users tr[data-email=%q] .manage-user`, bob.email))
	a.until(`!document.querySelector('#user-panel').hidden`)
	a.rowWith("#u-devices", "Active")
	a.click("#reset-open")
	a.until(`document.querySelector('#reset-dialog').open`)
	a.fieldErrorShown("#reset-title", bob.email)
	a.click("#reset-submit")
	a.fieldErrorShown("#reset-error", "Give a reason")
	a.typeInto("#reset-reason", "lost phone")
	a.shotView("admin-reset-mfa")
	a.click("#reset-submit")
	a.fieldErrorShown("#user-status", "Reset MFA of "+bob.email)
	a.until(`!document.querySelector('#reset-dialog').open && !document.querySelector('#u-no-devices').hidden`)
	if b.signedIn() {
		t.Fatal("Bob's session outlived the reset")
	}
	if m := as.mail.WaitFor(t, bob.email, "reset"); !strings.Contains(m.Body, "lost phone") {
		t.Errorf("the reset email says %q", m.Body)
	}
	b.visit("/account")
	b.waitPath("/")
	b.signIn(bob, "/enable-mfa")
	b.enroll(bob, "/account")
	b.rowWith("#events", "by admin "+admin.email)

	// The audit log shows the reset with the admin, the user and the reason.
	a.click(`#admin-nav a[href="/admin/audit"]`)
	a.waitPath("/admin/audit")
	a.rowWith("#audit", "Signed in")
	// Every event type of the API has a name on the page.
	missing := eval[[]string](a, `fetch('/api/v1/openapi.json').then(r => r.json()).then(d => {
		const names = new Set([...document.querySelectorAll('#a-type option')].map(o => o.value));
		return d.components.schemas.OrgAuditEvent.properties.type.enum.filter(t => !names.has(t)); })`)
	if len(missing) > 0 {
		t.Errorf("event types without a name on the audit page: %v", missing)
	}
	a.choose("#a-type", "mfa_reset")
	a.typeInto("#a-user", bob.email+"\r")
	a.until(`document.querySelectorAll('#audit tr').length === 1`)
	row := a.rowWith("#audit", "Reset MFA")
	if !strings.Contains(row, admin.email) || !strings.Contains(row, bob.email) || !strings.Contains(row, "lost phone") {
		t.Errorf("the reset's row: %q", row)
	}
	a.shot("admin-audit")

	// An invitation: the link shown once and emailed; signing up with it
	// (the token leaves the address bar) joins the organisation, which
	// requires MFA, so Dan lands on the enrollment page. The link works once.
	a.click(`#admin-nav a[href="/admin/users"]`)
	a.waitPath("/admin/users")
	a.until(`!document.querySelector('#admin-content').hidden`)
	a.typeInto("#invite-email", dan.email+"\r")
	link := a.untilText(`document.querySelector('#invite-created').hidden ? '' : document.querySelector('#invite-link').textContent`)
	a.rowWith("#invitations", "Pending")
	a.shot("admin-invite")
	if m := as.mail.WaitFor(t, dan.email, "invit"); m.Link() != link {
		t.Errorf("the emailed link %q is not the one shown %q", m.Link(), link)
	}
	path := strings.TrimPrefix(link, as.url)
	if !strings.HasPrefix(path, "/sign-up?invitation=") {
		t.Fatalf("invitation link %q", link)
	}
	d := tabOn(t, as.url)
	d.visit(path)
	d.waitPath("/sign-up")
	d.until(`!document.querySelector('#invited').hidden && location.search === ''`)
	d.shot("sign-up-invitation")
	d.typeInto("#email", dan.email)
	d.typeInto("#password", sitePassword+"\r")
	d.waitPath("/enable-mfa")
	d.click("#sign-out")
	d.waitPath("/")
	d.visit(path)
	d.waitPath("/sign-up")
	d.typeInto("#email", dan.email)
	d.typeInto("#password", sitePassword+"\r")
	d.fieldErrorShown("#sign-up-error", "invitation link is not valid")
	d.signIn(dan, "/enable-mfa") // still his forced enrollment

	// The users page: filter by status, the CSV link follows the filter.
	a.visit("/admin/users")
	a.waitPath("/admin/users")
	a.rowWith("#invitations", "Used")
	a.rowWith("#users", dan.email)
	a.choose("#f-status", "not-enrolled")
	a.click(`#filter-form button[type="submit"]`)
	a.until(`document.querySelectorAll('#users tr').length === 1`)
	if row := a.rowWith("#users", dan.email); !strings.Contains(row, "Not enrolled") {
		t.Errorf("the filtered row: %q", row)
	}
	a.shot("admin-users")
	href := eval[string](a, `document.querySelector('#users-csv').getAttribute('href')`)
	if !strings.Contains(href, "status=not-enrolled") || !strings.Contains(href, "format=csv") {
		t.Errorf("the CSV link %q", href)
	}
	csv := eval[[]string](a, `fetch(document.querySelector('#users-csv').href).then(async r => [r.headers.get('content-type'), r.headers.get('content-disposition'), await r.text()])`)
	if !strings.HasPrefix(csv[0], "text/csv") || !strings.Contains(csv[1], "attachment") || !strings.Contains(csv[2], dan.email) || strings.Contains(csv[2], bob.email) {
		t.Errorf("the CSV: %q", csv)
	}

	// An exemption (with a reason) lets Dan in without an authenticator;
	// clearing it sends him back to enrollment.
	a.click(fmt.Sprintf(`#users tr[data-email=%q] .manage-user`, dan.email))
	a.until(`!document.querySelector('#user-panel').hidden && !document.querySelector('#exempt-form').hidden`)
	a.click(`#exempt-form button[type="submit"]`)
	a.fieldErrorShown("#user-error", "Give a reason")
	a.typeInto("#exempt-reason", "break-glass account\r")
	a.fieldErrorShown("#user-status", "is exempt")
	a.fieldErrorShown("#u-status", "break-glass account")
	d.visit("/account")
	d.waitPath("/account")
	a.click("#clear-exempt")
	a.fieldErrorShown("#user-status", "no longer exempt")
	d.visit("/account")
	d.waitPath("/enable-mfa")

	// Roles: the last admin cannot be demoted; promoting Carol first lets
	// Ann be demoted... not here: Ann stays, Carol becomes an admin and back.
	a.visit("/admin/users")
	a.waitPath("/admin/users")
	a.click(fmt.Sprintf(`#users tr[data-email=%q] .manage-user`, admin.email))
	a.until(`!document.querySelector('#user-panel').hidden`)
	a.choose("#u-role-select", "member")
	a.click(`#role-form button[type="submit"]`)
	a.fieldErrorShown("#user-error", "only administrator")
	if !a.isErrorStyle("#user-error") {
		t.Error("the last-admin refusal is not in the error style")
	}
	a.click("#panel-close")
	a.click(fmt.Sprintf(`#users tr[data-email=%q] .manage-user`, carol.email))
	a.until(`document.querySelector('#user-title').textContent === ` + fmt.Sprintf("%q", carol.email))
	a.choose("#u-role-select", "admin")
	a.click(`#role-form button[type="submit"]`)
	a.fieldErrorShown("#user-status", "is now an admin")
	a.rowWith("#users", "Admin")

	// Turning the requirement off needs the code emailed to the admin.
	// Closing the dialog and opening it again sends a new code, so the
	// first one is refused; the new one turns it off.
	a.visit("/admin")
	a.waitPath("/admin")
	a.until(`!document.querySelector('#admin-content').hidden`)
	a.choosePolicy("off")
	a.until(`document.querySelector('#off-dialog').open`)
	sent := a.fieldErrorShown("#off-sent", "We sent a 6-digit code to "+admin.email)
	if !strings.Contains(sent, "valid for 5 minutes") {
		t.Errorf("the dialog says %q", sent)
	}
	first := as.mail.WaitFor(t, admin.email, "Confirm").Code()
	a.shotView("admin-off-dialog")
	a.key(kb.Escape)
	a.until(`!document.querySelector('#off-dialog').open && document.querySelector('#scope-everyone').checked`)
	before := len(as.mail.Messages())
	a.choosePolicy("off")
	a.fieldErrorShown("#off-sent", "We sent a 6-digit code")
	second := as.codeAfter(t, before)
	if second == "" || second == first {
		t.Fatalf("no new code after reopening the dialog (first %s, second %q)", first, second)
	}
	a.typeInto("#off-code", first+"\r")
	a.fieldErrorShown("#off-error", "not accepted")
	if got := a.orgRequire(); got != "everyone" {
		t.Fatalf("a refused code changed the requirement to %q", got)
	}
	// Five minutes later (the page's clock moved on) the next attempt
	// sends a new code instead of trying the expired one.
	before = len(as.mail.Messages())
	eval[bool](a, `(() => { const real = Date.now.bind(Date); Date.now = () => real() + 301000; return true; })()`)
	a.typeInto("#off-code", second+"\r")
	a.fieldErrorShown("#off-sent", "That code had expired")
	third := as.codeAfter(t, before)
	if third == "" || third == second {
		t.Fatalf("no new code after the old one expired (second %s, third %q)", second, third)
	}
	if got := a.orgRequire(); got != "everyone" {
		t.Fatalf("an expired code changed the requirement to %q", got)
	}
	a.typeInto("#off-code", third+"\r")
	a.fieldErrorShown("#policy-status", "no longer required")
	a.until(`!document.querySelector('#off-dialog').open && document.querySelector('#policy-badge').textContent === 'Off'`)
	d.visit("/account") // Dan's enrollment is no longer required
	d.waitPath("/account")

	// The organisation's settings: no trusted browsers (0 days), sign-up by
	// invitation. A visitor's sign-up page says so before they fill it in,
	// and the second-factor page no longer offers "Don't ask again".
	a.typeInto("#trust-days", "400")
	a.click(`#org-form button[type="submit"]`)
	a.fieldErrorShown("#org-error", "from 0 (off) to 365")
	a.typeInto("#trust-days", "0")
	a.click("#open-signup")
	a.click(`#org-form button[type="submit"]`)
	a.fieldErrorShown("#org-status", "Sign-up is by invitation")
	b.click("#sign-out")
	b.waitPath("/")
	b.visit("/sign-up")
	b.waitPath("/sign-up")
	b.until(`!document.querySelector('#by-invitation').hidden && document.querySelector('#sign-up-form').hidden`)
	b.shot("sign-up-by-invitation")
	b.signIn(bob, "/second-factor")
	b.until(`document.querySelector('#code').offsetParent !== null`)
	if b.visible("#trust-line") {
		t.Error("the second-factor page offers trust with 0 days")
	}
	b.enterCode(bob, "/account")

	// The outbox lists the mail, sent through SMTP.
	a.click(`#admin-nav a[href="/admin/outbox"]`)
	a.waitPath("/admin/outbox")
	a.until(`!document.querySelector('#smtp-on').hidden && document.querySelector('#no-smtp').hidden && document.querySelectorAll('#mails li').length > 0`)
	if !strings.Contains(a.textOf("#mails"), "Sent ") {
		t.Error("the outbox shows no sent mail")
	}
}
