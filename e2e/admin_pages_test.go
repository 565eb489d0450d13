package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"
)

// The rest of the console's controls, on a server of its own: the users
// list's pages and search, a user's pending device deleted, groups (names
// refused, the required mark, members added and removed, deleting with a
// confirmation that Escape cancels), and the audit log's pages.

// adminReady signs up the first account of a fresh server (its admin),
// sets up its authenticator and confirms it, and leaves the tab on path.
func adminReady(t *testing.T, as *adminServer, path string) (*tab, *person) {
	t.Helper()
	admin := &person{email: fmt.Sprintf("admin-%d@example.com", time.Now().UnixNano())}
	a := tabOn(t, as.url)
	a.signUp(admin, "/account")
	a.visit(path)
	a.waitPath("/enable-mfa")
	a.enroll(admin, "/second-factor")
	a.enterCode(admin, path)
	a.until(`!document.querySelector('#admin-content').hidden`)
	return a, admin
}

// apiClient signs up email and returns a client with its session.
func apiClient(t *testing.T, base, email string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	body, _ := json.Marshal(map[string]string{"email": email, "password": sitePassword})
	resp, err := c.Post(base+"/api/v1/users", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("sign-up of %s: %s", email, resp.Status)
	}
	return c
}

func TestAdminGroupsAndPages(t *testing.T) {
	as := startAdminServer(t, false)
	stamp := time.Now().UnixNano()
	member := func(i int) string { return fmt.Sprintf("member-%02d-%d@example.com", i, stamp) }
	a, _ := adminReady(t, as, "/admin/users")

	// 30 members, one of them with a device left pending.
	for i := 1; i <= 30; i++ {
		c := apiClient(t, as.url, member(i))
		if i == 7 {
			body, _ := json.Marshal(map[string]string{"name": "Old phone"})
			resp, err := c.Post(as.url+"/api/v1/totp-devices", "application/json", bytes.NewReader(body))
			if err != nil || resp.StatusCode != http.StatusCreated {
				t.Fatalf("pending device: %v %v", resp, err)
			}
			resp.Body.Close()
		}
	}

	// Pages of 20, and the search.
	a.visit("/admin/users")
	a.waitPath("/admin/users")
	a.fieldErrorShown("#users-count", "Showing 1–20 of 31 users")
	if !eval[bool](a, `document.querySelector('#prev-page').disabled && !document.querySelector('#next-page').disabled`) {
		t.Error("the first page's Previous/Next")
	}
	a.click("#next-page")
	a.fieldErrorShown("#users-count", "Showing 21–31 of 31 users")
	if !eval[bool](a, `!document.querySelector('#prev-page').disabled && document.querySelector('#next-page').disabled`) {
		t.Error("the last page's Previous/Next")
	}
	a.click("#prev-page")
	a.fieldErrorShown("#users-count", "Showing 1–20 of 31 users")
	a.typeInto("#f-q", fmt.Sprintf("member-07-%d\r", stamp))
	a.fieldErrorShown("#users-count", "Showing 1–1 of 1 user.")
	if !strings.Contains(eval[string](a, `location.search`), "q=member-07") {
		t.Error("the search is not in the address")
	}

	// The pending device, deleted by the admin.
	a.click(fmt.Sprintf(`#users tr[data-email=%q] .manage-user`, member(7)))
	a.rowWith("#u-devices", "Old phone")
	a.click("#u-devices .delete-device")
	a.fieldErrorShown("#user-status", `Deleted the pending device "Old phone"`)
	a.until(`!document.querySelector('#u-no-devices').hidden`)
	a.click("#panel-close")

	// Groups.
	a.visit("/admin/groups")
	a.waitPath("/admin/groups")
	a.until(`!document.querySelector('#admin-content').hidden && !document.querySelector('#no-groups').hidden`)
	a.click(`#group-form button[type="submit"]`)
	a.fieldErrorShown("#group-error", "Give the group a name")
	a.typeInto("#group-name", "Finance\r")
	a.rowWith("#groups", "Finance")
	a.typeInto("#group-name", "Finance\r")
	a.fieldErrorShown("#group-error", "A group of this name exists")
	a.click("#groups .required-toggle")
	a.fieldErrorShown("#groups-status", "Finance is marked required")
	a.until(`document.querySelector('#groups .required-toggle').checked`)
	a.click("#groups .show-members")
	a.until(`!document.querySelector('#members-panel').hidden && !document.querySelector('#no-members').hidden`)
	for _, i := range []int{1, 2} {
		a.typeInto("#member-email", member(i)+"\r")
		a.rowWith("#members", member(i))
	}
	a.typeInto("#member-email", member(1)+"\r")
	a.fieldErrorShown("#member-error", "already in the group")
	a.until(`document.querySelector('#groups td[data-label="Members"]').textContent === '2'`)
	a.click(fmt.Sprintf(`#members tr button[aria-label^=%q]`, "Remove "+member(1)))
	a.fieldErrorShown("#members-status", "Removed "+member(1))
	a.until(`document.querySelectorAll('#members tr').length === 1 && document.querySelector('#groups td[data-label="Members"]').textContent === '1'`)
	// The users page filters by the group.
	a.visit("/admin/users")
	a.waitPath("/admin/users")
	a.until(`document.querySelectorAll('#f-group option').length === 2`)
	a.choose("#f-group", eval[string](a, `document.querySelectorAll('#f-group option')[1].value`))
	a.fieldErrorShown("#users-count", "Showing 1–1 of 1 user.")
	a.rowWith("#users", member(2))

	// Deleting asks first; Escape keeps the group.
	a.visit("/admin/groups")
	a.waitPath("/admin/groups")
	a.click("#groups .delete-group")
	a.until(`document.querySelector('#delete-dialog').open && document.activeElement.id === 'delete-cancel'`)
	a.fieldErrorShown("#delete-text", "Its 1 member stays in the organisation")
	a.key(kb.Escape)
	a.until(`!document.querySelector('#delete-dialog').open && document.activeElement.classList.contains('delete-group')`)
	a.rowWith("#groups", "Finance")
	a.click("#groups .delete-group")
	// Open, focused and done moving: a click computed while the dialog
	// still animates in can land beside its button on a busy machine.
	a.until(`document.querySelector('#delete-dialog').open && document.activeElement.id === 'delete-cancel' &&
		document.querySelector('#delete-dialog').getAnimations({ subtree: true }).length === 0`)
	a.click("#delete-confirm")
	a.fieldErrorShown("#groups-status", "Deleted the group Finance")
	a.until(`!document.querySelector('#no-groups').hidden && document.querySelector('#members-panel').hidden`)

	// The audit log's pages: 25 events each, newest first.
	a.visit("/admin/audit")
	a.waitPath("/admin/audit")
	a.until(`document.querySelectorAll('#audit tr').length === 25 && !document.querySelector('#older-page').disabled && document.querySelector('#newest-page').disabled`)
	first := a.textOf("#audit tr")
	a.click("#older-page")
	a.until(`!document.querySelector('#newest-page').disabled`)
	if a.textOf("#audit tr") == first {
		t.Error("Older shows the same events")
	}
	a.click("#newest-page")
	a.until(fmt.Sprintf(`document.querySelector('#audit tr').textContent === %q`, first))
	// A filter: the group's events only, as CSV too.
	a.choose("#a-type", "group_member_removed")
	a.click(`#audit-filter button[type="submit"]`)
	a.until(`document.querySelectorAll('#audit tr').length === 1`)
	csv := eval[string](a, `fetch(document.querySelector('#audit-csv').href).then(r => r.text())`)
	if lines := strings.Split(strings.TrimSpace(csv), "\n"); len(lines) != 2 || !strings.Contains(lines[1], "group_member_removed") || !strings.Contains(lines[1], member(1)) {
		t.Errorf("the filtered CSV: %q", csv)
	}
}
