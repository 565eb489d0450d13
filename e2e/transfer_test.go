package e2e

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/otpcode"
	"github.com/twofold-auth/twofold/shared/transfer/transfertest"
)

// shownPreview is what the import preview lists, by section: the names of
// the new accounts, of those named like one in the list, of those already
// in the list, and the lines of those that cannot be imported (with why).
type shownPreview struct {
	Title     string   `json:"title"`
	Summary   string   `json:"summary"`
	New       []string `json:"new"`
	Conflict  []string `json:"conflict"`
	Duplicate []string `json:"duplicate"`
	Skipped   []string `json:"skipped"`
}

// openImport opens the import and export dialog if it is closed.
func (tb *tab) openImport() {
	tb.t.Helper()
	if !eval[bool](tb, `document.querySelector('#backup-dialog').open`) {
		tb.click("#backup-btn")
		poll[bool](tb, `document.querySelector('#backup-dialog').open`, 5*time.Second)
	}
}

// importFile reads a file in the import dialog and waits for its preview.
// With a password, the page must first say the file is encrypted and ask
// for it.
func (tb *tab) importFile(path, password string) shownPreview {
	tb.t.Helper()
	tb.openImport()
	tb.do(chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{path}))
	tb.click("#import-submit")
	if password != "" {
		poll[bool](tb, `!document.querySelector('#import-pass-field').hidden &&
			document.querySelector('#import-error').textContent.includes('is encrypted')`, 20*time.Second)
		tb.typeInto("#import-pass", password)
		tb.click("#import-submit")
	}
	return tb.waitPreview()
}

// importText pastes text into the import and waits for its preview.
func (tb *tab) importText(text string) shownPreview {
	tb.t.Helper()
	tb.openImport()
	tb.do(chromedp.SetValue(chromedp.CSS("#import-text"), text))
	tb.click("#import-submit")
	return tb.waitPreview()
}

func (tb *tab) waitPreview() shownPreview {
	tb.t.Helper()
	poll[bool](tb, `!document.querySelector('#import-preview').hidden`, 30*time.Second)
	return eval[shownPreview](tb, `(() => {
		const names = (sel) => [...document.querySelectorAll(sel + ' li')].map((li) => (li.querySelector('.preview-name') || li).textContent);
		return {
			title: document.querySelector('#preview-title').textContent,
			summary: document.querySelector('#preview-summary').textContent,
			new: names('#preview-new'), conflict: names('#preview-conflict'), duplicate: names('#preview-dup'),
			skipped: [...document.querySelectorAll('#preview-skip li')].map((li) => li.textContent),
		};
	})()`)
}

// commitImport adds what the preview has chosen and returns the page's
// report.
func (tb *tab) commitImport() string {
	tb.t.Helper()
	tb.click("#import-commit")
	poll[bool](tb, `!document.querySelector('#backup-dialog').open`, 20*time.Second)
	return poll[string](tb, `document.querySelector('#status').textContent.startsWith('Imported') ? document.querySelector('#status').textContent : ''`, 10*time.Second)
}

// importAll pastes otpauth links and adds all of them.
func (tb *tab) importAll(uris ...string) {
	tb.t.Helper()
	before := len(tb.rows())
	p := tb.importText(strings.Join(uris, "\n"))
	if len(p.New) != len(uris) {
		tb.t.Fatalf("preview of %d new links: %+v", len(uris), p)
	}
	tb.commitImport()
	poll[bool](tb, fmt.Sprintf(`document.querySelectorAll('#accounts .account').length === %d`, before+len(uris)), 10*time.Second)
}

// plainExport makes a plaintext export after the passphrase again and
// returns the file downloaded ("" for the QR codes, which stay on screen).
func (tb *tab) plainExport(format, prefix string) string {
	tb.t.Helper()
	tb.openImport()
	tb.do(chromedp.SetValue(chromedp.CSS("#plain-format"), format))
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#plain-format').dispatchEvent(new Event('change', {bubbles: true}))`))
	tb.typeInto("#plain-pass", passphrase)
	tb.click("#plain-ack")
	tb.click("#plain-submit")
	if prefix == "" {
		return ""
	}
	return tb.waitDownload(prefix)
}

// canvasPNGs saves each QR code the QR dialog shows (stepping with "Next
// code") as a PNG in dir.
func (tb *tab) canvasPNGs(dir, prefix string) []string {
	tb.t.Helper()
	poll[bool](tb, `document.querySelector('#qr-dialog').open && !document.querySelector('#qr-stage').hidden`, 20*time.Second)
	var files []string
	for i := 0; ; i++ {
		data := eval[string](tb, `document.querySelector('#qr-canvas').toDataURL('image/png')`)
		png, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(data, "data:image/png;base64,"))
		if err != nil {
			tb.t.Fatal(err)
		}
		f := filepath.Join(dir, fmt.Sprintf("%s-%d.png", prefix, i))
		if err := os.WriteFile(f, png, 0o600); err != nil {
			tb.t.Fatal(err)
		}
		files = append(files, f)
		if eval[bool](tb, `(() => { const n = document.querySelector('#qr-next'); return n.hidden || n.disabled; })()`) {
			break
		}
		tb.click("#qr-next")
		poll[bool](tb, fmt.Sprintf(`document.querySelector('#qr-count').textContent.startsWith('Code %d of')`, i+2), 5*time.Second)
	}
	tb.click("#qr-done")
	return files
}

// sample is a mixed vault: TOTP of every shape, HOTP with a counter, Steam.
type sampleAccount struct {
	Key    otpauth.Key
	Steam  bool
	params otpcode.Params
}

func sampleAccounts(t testing.TB) []sampleAccount {
	var out []sampleAccount
	totp := func(issuer, account string, alg otpauth.Algorithm, digits, period int) {
		k := otpauth.Key{Type: otpauth.TOTP, Issuer: issuer, Account: account, Secret: newSecret(t, 20),
			Algorithm: alg, Digits: digits, Period: period}
		out = append(out, sampleAccount{Key: k, params: otpcode.Params{Algorithm: alg, Digits: digits, Period: period}})
	}
	totp("Example", "alice@example.com", otpauth.SHA1, 6, 30)
	totp("ACME Co", "bob", otpauth.SHA256, 8, 30)
	totp("Ünïcode Bank", "名前", otpauth.SHA512, 7, 30)
	totp("Slow", "erin", otpauth.SHA1, 6, 60)
	out = append(out, sampleAccount{Key: otpauth.Key{Type: otpauth.HOTP, Issuer: "Counter Corp", Account: "carol",
		Secret: newSecret(t, 20), Algorithm: otpauth.SHA1, Digits: 6, Counter: 42}})
	out = append(out, sampleAccount{Key: otpauth.SteamKey("Steam", "gaben", newSecret(t, 20)), Steam: true})
	return out
}

func sampleURIs(s []sampleAccount) []string {
	var uris []string
	for _, a := range s {
		uris = append(uris, a.Key.URI())
	}
	return uris
}

// checkAccounts compares the list with the sample: every account there,
// under its names, with its codes (TOTP and Steam at the page's instant,
// HOTP its counter).
func checkAccounts(t *testing.T, tb *tab, want []sampleAccount, where string) {
	t.Helper()
	rs := tb.rows()
	byName := map[string]row{}
	for _, r := range rs {
		byName[r.Issuer+"|"+r.Name] = r
	}
	if len(rs) != len(want) {
		t.Errorf("%s: %d accounts, want %d: %+v", where, len(rs), len(want), rs)
	}
	for _, a := range want {
		r, ok := byName[a.Key.Issuer+"|"+a.Key.Account]
		if !ok {
			t.Errorf("%s: %s (%s) is missing", where, a.Key.Issuer, a.Key.Account)
			continue
		}
		switch {
		case a.Key.Type == otpauth.HOTP:
			counter := eval[string](tb, fmt.Sprintf(`document.querySelector('#accounts [data-id=%q] .counter').textContent`, r.ID))
			if r.Type != "hotp" || counter != fmt.Sprintf("counter %d", a.Key.Counter) {
				t.Errorf("%s: %s is %q with %q, want hotp, counter %d", where, a.Key.Account, r.Type, counter, a.Key.Counter)
			}
		case a.Steam:
			got := tb.codeOf(r.ID, 30)
			code, err := otpcode.Steam(a.Key.Secret, time.UnixMilli(got.Now))
			if err != nil {
				t.Fatal(err)
			}
			if strings.ReplaceAll(got.Code, " ", "") != code {
				t.Errorf("%s: Steam shows %q, want %q", where, got.Code, code)
			}
		default:
			checkCode(t, tb.codeOf(r.ID, a.params.Period), a.Key.Secret, a.params)
		}
	}
}

// TestImportPreviewKeepsNew: an encrypted Aegis vault with an account the
// list has already (same key, under another name), three new ones (HOTP
// and Steam among them) and three of kinds Twofold has not: the page
// recognises the format, asks for the file's password (a wrong one is said
// so), previews new / already there / cannot be imported and why, saves
// nothing before "Add", then adds the new ones only.
func TestImportPreviewKeepsNew(t *testing.T) {
	tb := newTab(t)
	tb.createVault(passphrase)
	known := newSecret(t, 20)
	tb.addManual(manual{Issuer: "Mine", Account: "me", Secret: otpauth.EncodeSecret(known)})

	fresh := sampleAccounts(t)
	entries := []transfertest.Entry{{Type: "totp", Issuer: "Renamed", Account: "me", Secret: known, Algorithm: "SHA1", Digits: 6, Period: 30}}
	var want []sampleAccount
	for _, a := range []sampleAccount{fresh[1], fresh[4], fresh[5]} {
		e := transfertest.Entry{Type: "totp", Issuer: a.Key.Issuer, Account: a.Key.Account, Secret: a.Key.Secret,
			Algorithm: string(a.Key.Algorithm), Digits: a.Key.Digits, Period: a.Key.Period, Counter: a.Key.Counter}
		switch {
		case a.Steam:
			e.Type, e.Digits = "steam", 5
		case a.Key.Type == otpauth.HOTP:
			e.Type = "hotp"
		}
		entries = append(entries, e)
		want = append(want, a)
	}
	file := filepath.Join(t.TempDir(), "aegis-export.json")
	if err := os.WriteFile(file, transfertest.AegisVault(entries, transfertest.AegisUnsupported, "file password 7", 1<<10), 0o600); err != nil {
		t.Fatal(err)
	}

	// A wrong password first: said so, nothing read, the password asked again.
	tb.openImport()
	tb.do(chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{file}))
	tb.click("#import-submit")
	poll[bool](tb, `!document.querySelector('#import-pass-field').hidden`, 20*time.Second)
	if f := focused(tb); f != "import-pass" {
		t.Errorf("asking for the password, the focus is on %q", f)
	}
	tb.typeInto("#import-pass", "not the password")
	tb.click("#import-submit")
	tb.fieldErrorShown("#import-error", "Wrong password for this file")

	tb.typeInto("#import-pass", "file password 7")
	tb.click("#import-submit")
	p := tb.waitPreview()
	t.Logf("preview: %+v", p)
	tb.shotView("app-import-preview")
	if !strings.Contains(p.Title, "Aegis") {
		t.Errorf("the preview does not name the format: %q", p.Title)
	}
	if !slices.Equal(p.New, []string{"ACME Co (bob)", "Counter Corp (carol)", "Steam (gaben)"}) {
		t.Errorf("new: %q", p.New)
	}
	if len(p.Duplicate) != 1 || p.Duplicate[0] != "Renamed (me)" {
		t.Errorf("already in the list: %q", p.Duplicate)
	}
	if len(p.Skipped) != 3 {
		t.Errorf("cannot be imported: %q", p.Skipped)
	}
	for _, s := range p.Skipped {
		if !strings.Contains(s, " — ") || len(s) < 20 {
			t.Errorf("a skipped entry without its reason: %q", s)
		}
	}
	if len(tb.rows()) != 1 {
		t.Fatal("the preview saved accounts")
	}
	if got := eval[string](tb, `document.querySelector('#import-commit').textContent`); got != "Add 3 accounts" {
		t.Errorf("the button says %q", got)
	}
	msg := tb.commitImport()
	if !strings.Contains(msg, "Imported 3 accounts") {
		t.Errorf("after adding: %q", msg)
	}
	mine := sampleAccount{Key: otpauth.Key{Type: otpauth.TOTP, Issuer: "Mine", Account: "me", Secret: known}, params: defaultParams}
	checkAccounts(t, tb, append([]sampleAccount{mine}, want...), "after the import")

	// Cancel: the same file again is all duplicates, and nothing changes.
	p = tb.importFile(file, "file password 7")
	if len(p.New) != 0 || len(p.Duplicate) != 4 {
		t.Errorf("the same file again: %+v", p)
	}
	if !eval[bool](tb, `document.querySelector('#import-commit').disabled`) {
		t.Error("Add is possible with nothing to add")
	}
	tb.click("#import-cancel")
	poll[bool](tb, `document.querySelector('#import-preview').hidden && !document.querySelector('#import-form').hidden`, 5*time.Second)
}

// TestExportRoundTrip: every plaintext export needs the passphrase again
// and says what it holds; each imports back into a fresh profile with
// nothing lost (Google Authenticator has no Steam accounts and says it
// left them out): the otpauth list and the Aegis file through the import,
// the transfer QR codes (two batches for twelve accounts) as screenshots
// through "Import from Google Authenticator", one account's QR code
// through "Add account".
func TestExportRoundTrip(t *testing.T) {
	a := newTab(t)
	a.createVault(passphrase)
	s := sampleAccounts(t)
	a.importAll(sampleURIs(s)...)
	checkAccounts(t, a, s, "the source")

	// The passphrase is asked again: a wrong one exports nothing.
	a.openImport()
	if !eval[bool](a, `document.querySelector('#plain-submit').disabled`) {
		t.Error("the plain export is possible without the acknowledgement")
	}
	warning := eval[string](a, `document.querySelector('#plain-warning').textContent`)
	if !strings.Contains(warning, "secret key in readable form") {
		t.Errorf("the otpauth export's warning: %q", warning)
	}
	a.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#plain-title').scrollIntoView()`))
	a.shotView("app-export")
	a.typeInto("#plain-pass", "wrong passphrase")
	a.click("#plain-ack")
	a.click("#plain-submit")
	a.fieldErrorShown("#plain-error", "Wrong passphrase: nothing was exported")
	a.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#plain-ack').checked = false`))

	for _, f := range []struct{ format, prefix string }{{"otpauth", "twofold-otpauth-"}, {"aegis", "twofold-aegis-"}} {
		file := a.plainExport(f.format, f.prefix)
		a.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#backup-dialog').close()`))
		b := newTab(t)
		b.createVault(passphrase)
		p := b.importFile(file, "")
		if len(p.New) != len(s) || len(p.Skipped) != 0 {
			t.Errorf("%s: preview %+v", f.format, p)
		}
		b.commitImport()
		checkAccounts(t, b, s, f.format+" round trip")
	}

	// Google Authenticator: it has no Steam or 60-second codes; the twelve
	// others make two QR codes of ten and two.
	var more []sampleAccount
	for i := range 8 {
		k := otpauth.Key{Type: otpauth.TOTP, Issuer: fmt.Sprintf("More %d", i), Account: "x", Secret: newSecret(t, 20),
			Algorithm: otpauth.SHA1, Digits: 6, Period: 30}
		more = append(more, sampleAccount{Key: k, params: defaultParams})
	}
	a.importAll(sampleURIs(more)...)
	dir := t.TempDir()
	a.plainExport("google", "")
	poll[bool](a, `document.querySelector('#qr-dialog').open`, 20*time.Second)
	if w := eval[string](a, `document.querySelector('#qr-warning').textContent`); !strings.Contains(w, "Left out") ||
		!strings.Contains(w, "Steam (gaben)") || !strings.Contains(w, "Slow (erin)") {
		t.Errorf("the QR codes' warning does not name what was left out: %q", w)
	}
	codes := a.canvasPNGs(dir, "ga")
	if len(codes) != 2 {
		t.Errorf("%d QR codes for 12 accounts, want 2", len(codes))
	}
	c := newTab(t)
	c.createVault(passphrase)
	c.openImport()
	c.do(chromedp.SetUploadFiles(chromedp.CSS("#ga-files"), codes))
	c.click("#ga-submit")
	var exportable []sampleAccount
	for _, x := range append(s, more...) {
		if !x.Steam && (x.Key.Type == otpauth.HOTP || x.Key.Period == 30) {
			exportable = append(exportable, x)
		}
	}
	poll[bool](c, fmt.Sprintf(`document.querySelectorAll('#accounts .account').length === %d`, len(exportable)), 30*time.Second)
	c.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#backup-dialog').open && document.querySelector('#backup-dialog').close()`))
	checkAccounts(t, c, exportable, "Google Authenticator round trip")

	// One account's QR code, for a second device.
	steam := a.rows()[5]
	a.click("#edit-btn")
	a.click(fmt.Sprintf(`#accounts [data-id=%q] .act-qr`, steam.ID))
	poll[bool](a, `document.querySelector('#qr-dialog').open && document.activeElement.id === 'qr-pass'`, 5*time.Second)
	if w := eval[string](a, `document.querySelector('#qr-warning').textContent`); !strings.Contains(w, "secret key") {
		t.Errorf("the QR code's warning: %q", w)
	}
	a.typeInto("#qr-pass", passphrase)
	a.click("#qr-show")
	one := a.canvasPNGs(dir, "one")
	if len(one) != 1 {
		t.Fatalf("%d QR codes for one account", len(one))
	}
	d := newTab(t)
	d.createVault(passphrase)
	d.openAdd()
	d.do(chromedp.SetUploadFiles(chromedp.CSS("#image-input"), one))
	d.waitNewRow(0)
	checkAccounts(t, d, []sampleAccount{s[5]}, "one account's QR code")
}

// TestListPinTagReorderHide: pin an account (it goes first), put accounts
// in groups and filter by one, edit the icon letter, move a row with the
// drag handle's arrow keys and by dragging it, sort, hide codes (selecting shows
// one, selecting again copies it with a visible note); everything survives
// a reload.
func TestListPinTagReorderHide(t *testing.T) {
	tb := newTab(t)
	grantClipboard(t, tb)
	tb.createVault(passphrase)
	var uris []string
	for _, n := range []string{"Delta", "Alpha", "Charlie", "Bravo"} {
		uris = append(uris, totpURI(n, strings.ToLower(n), newSecret(t, 20)))
	}
	tb.importAll(uris...)
	order := func() string {
		return eval[string](tb, `[...document.querySelectorAll('#accounts .account:not([hidden]) .issuer')].map(e => e.textContent).join(',')`)
	}
	waitOrder := func(want string) {
		t.Helper()
		poll[bool](tb, fmt.Sprintf(`[...document.querySelectorAll('#accounts .account:not([hidden]) .issuer')].map(e => e.textContent).join(',') === %q`, want), 5*time.Second)
	}
	id := func(issuer string) string {
		for _, r := range tb.rows() {
			if r.Issuer == issuer {
				return r.ID
			}
		}
		t.Fatalf("no row %s", issuer)
		return ""
	}
	sel := func(issuer, cls string) string { return fmt.Sprintf(`#accounts [data-id=%q] %s`, id(issuer), cls) }
	waitOrder("Delta,Alpha,Charlie,Bravo")
	if got := eval[string](tb, `[...document.querySelectorAll('#accounts .avatar')].map(e => e.textContent).join('')`); got != "DACB" {
		t.Errorf("avatars %q", got)
	}

	// Pin Charlie: first, with the mark.
	tb.click("#edit-btn")
	tb.click(sel("Charlie", ".act-pin"))
	waitOrder("Charlie,Delta,Alpha,Bravo")
	if eval[bool](tb, fmt.Sprintf(`document.querySelector(%q).hidden`, sel("Charlie", ".pin-mark"))) {
		t.Error("the pinned row has no pin mark")
	}

	// Groups and the icon letter, in the edit dialog.
	edit := func(issuer, tags, icon string) {
		t.Helper()
		tb.click(sel(issuer, ".act-rename"))
		tb.typeInto("#rename-tags", tags)
		if icon != "" {
			tb.typeInto("#rename-icon", icon)
		}
		tb.click(`#rename-form button[type=submit]`)
		poll[bool](tb, `!document.querySelector('#rename-dialog').open`, 5*time.Second)
	}
	edit("Alpha", "Work, Bank", "Z")
	edit("Bravo", "Work", "")
	poll[bool](tb, fmt.Sprintf(`document.querySelector(%q).textContent === 'WorkBank' || document.querySelector(%q).textContent === 'BankWork'`,
		sel("Alpha", ".tags"), sel("Alpha", ".tags")), 5*time.Second)
	if got := eval[string](tb, fmt.Sprintf(`document.querySelector(%q).textContent`, sel("Alpha", ".avatar"))); got != "Z" {
		t.Errorf("icon letter %q", got)
	}
	tb.do(chromedp.SetValue(chromedp.CSS("#group-filter"), "Work"))
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#group-filter').dispatchEvent(new Event('change', {bubbles: true}))`))
	waitOrder("Alpha,Bravo")
	tb.do(chromedp.SetValue(chromedp.CSS("#group-filter"), "Bank"))
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#group-filter').dispatchEvent(new Event('change', {bubbles: true}))`))
	waitOrder("Alpha")
	// The search looks in the groups too.
	tb.do(chromedp.SetValue(chromedp.CSS("#group-filter"), ""))
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#group-filter').dispatchEvent(new Event('change', {bubbles: true}))`))
	tb.typeInto("#search", "work")
	waitOrder("Alpha,Bravo")
	tb.do(chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#search'); s.value = ''; s.dispatchEvent(new Event('input', {bubbles: true})); })()`))
	waitOrder("Charlie,Delta,Alpha,Bravo")

	// Reorder by keyboard: the drag handle moves its row with the arrow
	// keys; a row does not move past the pinned ones.
	tb.do(chromedp.Focus(chromedp.CSS(sel("Bravo", ".drag-handle"))))
	tb.key(kb.ArrowUp)
	waitOrder("Charlie,Delta,Bravo,Alpha")
	if f := eval[string](tb, `document.activeElement.className`); !strings.Contains(f, "drag-handle") {
		t.Errorf("after a move the focus is on %q, not the handle", f)
	}
	tb.key(kb.ArrowUp)
	waitOrder("Charlie,Bravo,Delta,Alpha")
	tb.key(kb.ArrowUp)
	time.Sleep(300 * time.Millisecond) // nothing to wait for: the move is refused
	if got := order(); got != "Charlie,Bravo,Delta,Alpha" {
		t.Errorf("a row moved above a pinned one: %s", got)
	}
	if st := eval[string](tb, `document.querySelector('#status').textContent`); !strings.Contains(st, "position 2 of 4") {
		t.Errorf("the move is announced as %q", st)
	}

	// And with the mouse: Alpha's handle dragged onto the top half of Bravo.
	pts := eval[[]float64](tb, fmt.Sprintf(`(() => { const h = document.querySelector(%q).getBoundingClientRect();
		const r = document.querySelector('#accounts [data-id="' + %q + '"]').getBoundingClientRect();
		return [h.x + h.width / 2, h.y + h.height / 2, r.x + r.width / 2, r.y + r.height / 4]; })()`, sel("Alpha", ".drag-handle"), id("Bravo")))
	held := func(p *input.DispatchMouseEventParams) { p.Button, p.Buttons = input.MouseButtonLeft, 1 }
	tb.do(chromedp.MouseEvent(chromedp.MouseMoved, pts[0], pts[1]),
		chromedp.MouseEvent(chromedp.MousePressed, pts[0], pts[1], held, func(p *input.DispatchMouseEventParams) { p.ClickCount = 1 }))
	for i := 1; i <= 8; i++ {
		f := float64(i) / 8
		tb.do(chromedp.MouseEvent(chromedp.MouseMoved, pts[0]+(pts[2]-pts[0])*f, pts[1]+(pts[3]-pts[1])*f, held))
	}
	if !eval[bool](tb, fmt.Sprintf(`document.querySelector('#accounts [data-id="' + %q + '"]').classList.contains('drop-before')`, id("Bravo"))) {
		t.Error("dragging over a row does not show where the row will go")
	}
	tb.do(chromedp.MouseEvent(chromedp.MouseReleased, pts[2], pts[3], held, func(p *input.DispatchMouseEventParams) { p.ClickCount = 1 }))
	waitOrder("Charlie,Alpha,Bravo,Delta")
	tb.click("#edit-btn")

	// Sort by service and by account name; the pinned row stays first;
	// the manual order comes back.
	sortBy := func(value, said, want string) {
		t.Helper()
		tb.do(chromedp.SetValue(chromedp.CSS("#sort"), value))
		tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#sort').dispatchEvent(new Event('change', {bubbles: true}))`))
		poll[bool](tb, fmt.Sprintf(`document.querySelector('#status').textContent.includes(%q)`, said), 5*time.Second)
		waitOrder(want)
	}
	sortBy("issuer", "sorted by service", "Charlie,Alpha,Bravo,Delta")
	sortBy("name", "sorted by account name", "Charlie,Alpha,Bravo,Delta")
	sortBy("manual", "in your own order", "Charlie,Alpha,Bravo,Delta")
	tb.shot("app-list")

	// Hide codes: dots until selected; selected once shows, twice copies.
	tb.click("#settings-btn")
	tb.click("#hide-codes")
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#settings-dialog').close()`))
	poll[bool](tb, `[...document.querySelectorAll('#accounts .code')].every(e => e.textContent.includes('•'))`, 5*time.Second)
	delta := id("Delta")
	main := fmt.Sprintf(`#accounts [data-id=%q] .account-main`, delta)
	tb.do(chromedp.Focus(chromedp.CSS(main)))
	tb.key(kb.Enter)
	poll[bool](tb, fmt.Sprintf(`/^\d{3} \d{3}$/.test(document.querySelector('#accounts [data-id=%q] .code').textContent)`, delta), 5*time.Second)
	if n := eval[int](tb, `[...document.querySelectorAll('#accounts .code')].filter(e => e.textContent.includes('•')).length`); n != 3 {
		t.Errorf("%d codes still hidden, want 3", n)
	}
	shown := tb.codeOf(delta, 30)
	tb.do(chromedp.Focus(chromedp.CSS(main)))
	tb.key(kb.Enter)
	poll[bool](tb, fmt.Sprintf(`!document.querySelector('#accounts [data-id=%q] .copied-note').hidden`, delta), 5*time.Second)
	clip := poll[string](tb, `navigator.clipboard.readText().catch(() => '')`, 5*time.Second)
	if clip != strings.ReplaceAll(shown.Code, " ", "") && !strings.Contains(eval[string](tb, `document.querySelector('#status').textContent`), "Copied") {
		t.Errorf("clipboard %q, shown %q", clip, shown.Code)
	}
	if st := eval[string](tb, `document.querySelector('#status').textContent`); !strings.Contains(st, "cleared in 45 seconds") {
		t.Errorf("the copy says %q", st)
	}

	// All of it was saved.
	tb.do(chromedp.Reload())
	tb.waitView("unlock")
	tb.unlock(passphrase)
	waitOrder("Charlie,Alpha,Bravo,Delta")
	poll[bool](tb, `[...document.querySelectorAll('#accounts .code')].every(e => e.textContent.includes('•'))`, 5*time.Second)
	if !eval[bool](tb, `document.querySelector('#hide-codes').checked && !document.querySelector('#group-control').hidden`) {
		t.Error("the hidden codes setting or the groups were lost")
	}

	// On a phone nothing scrolls sideways, in "Edit list" either.
	tb.phone()
	tb.fitsWidth("the list")
	tb.click("#edit-btn")
	tb.fitsWidth("the list in Edit list")
	tb.shot("app-list-phone-edit")
}

// TestSteamAndHOTPCounters: a Steam account shows Steam's five characters;
// an HOTP account shows its counter, "Next code" gives RFC 4226's code for
// it and saves the next counter; the counter can be set, and found again
// from two consecutive codes of another device.
func TestSteamAndHOTPCounters(t *testing.T) {
	tb := newTab(t)
	tb.createVault(passphrase)
	s := sampleAccounts(t)
	hotp, steam := s[4], s[5]
	tb.importAll(hotp.Key.URI(), steam.Key.URI())
	checkAccounts(t, tb, []sampleAccount{hotp, steam}, "imported")

	r := tb.rows()[0]
	p := otpcode.Params{Algorithm: otpauth.SHA1, Digits: 6}
	want := func(counter uint64) string {
		c, err := otpcode.HOTP(hotp.Key.Secret, p, counter)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	counterSel := fmt.Sprintf(`#accounts [data-id=%q] .counter`, r.ID)
	codeIs := func(code string) {
		t.Helper()
		poll[bool](tb, fmt.Sprintf(`document.querySelector('#accounts [data-id=%q] .code').textContent.replace(' ', '') === %q`, r.ID, code), 10*time.Second)
	}
	tb.click(fmt.Sprintf(`#accounts [data-id=%q] .hotp-next`, r.ID))
	codeIs(want(42))
	poll[bool](tb, fmt.Sprintf(`document.querySelector(%q).textContent === 'counter 43'`, counterSel), 5*time.Second)

	// Set the counter.
	tb.click("#edit-btn")
	tb.click(fmt.Sprintf(`#accounts [data-id=%q] .act-rename`, r.ID))
	poll[bool](tb, `!document.querySelector('#hotp-panel').hidden`, 5*time.Second)
	tb.typeInto("#hotp-counter", "100")
	tb.click("#counter-submit")
	poll[bool](tb, fmt.Sprintf(`document.querySelector(%q).textContent === 'counter 100'`, counterSel), 5*time.Second)
	// Resync from two consecutive codes of the other device.
	tb.typeInto("#resync-code1", want(250))
	tb.typeInto("#resync-code2", want(251))
	tb.click("#resync-submit")
	poll[bool](tb, fmt.Sprintf(`document.querySelector(%q).textContent === 'counter 252'`, counterSel), 10*time.Second)
	// Two codes that do not follow each other: a clear error, no change.
	tb.typeInto("#resync-code1", want(260))
	tb.typeInto("#resync-code2", want(262))
	tb.click("#resync-submit")
	tb.fieldErrorShown("#hotp-error", "")
	if got := eval[string](tb, fmt.Sprintf(`document.querySelector(%q).textContent`, counterSel)); got != "counter 252" {
		t.Errorf("a failed resync changed the counter: %s", got)
	}
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#rename-dialog').close()`))
	tb.click("#edit-btn")
	tb.click(fmt.Sprintf(`#accounts [data-id=%q] .hotp-next`, r.ID))
	codeIs(want(252))

	// Saved: after a reload the counter is the next one.
	tb.do(chromedp.Reload())
	tb.waitView("unlock")
	tb.unlock(passphrase)
	poll[bool](tb, fmt.Sprintf(`document.querySelector(%q).textContent === 'counter 253'`, counterSel), 5*time.Second)
}

// grantClipboard lets the page read and write the clipboard.
func grantClipboard(t *testing.T, tb *tab) {
	t.Helper()
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(tb.ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name},
			Setting:    browser.PermissionSettingGranted,
			Origin:     serverURL,
		}); err != nil {
			t.Fatalf("granting %s: %v", name, err)
		}
	}
}

// TestCopyClearsClipboardAndRecentOrder: a copied code is cleared from the
// clipboard 45 seconds later (the page's timers are shortened here, before
// its scripts run, so the test does not wait), and the "recently used"
// order puts the account copied last first.
func TestCopyClearsClipboardAndRecentOrder(t *testing.T) {
	tb := newTab(t)
	if _, err := chromedp.Call(tb.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `(() => { const real = window.setTimeout.bind(window);
			window.setTimeout = (f, ms, ...args) => real(f, ms === 45000 ? 1500 : ms, ...args); })()`,
	}); err != nil {
		t.Fatal(err)
	}
	grantClipboard(t, tb)
	tb.createVault(passphrase)
	tb.importAll(totpURI("Alpha", "a", newSecret(t, 20)), totpURI("Bravo", "b", newSecret(t, 20)), totpURI("Charlie", "c", newSecret(t, 20)))
	bravo := tb.rows()[1]
	tb.do(chromedp.Focus(chromedp.CSS(fmt.Sprintf(`#accounts [data-id=%q] .account-main`, bravo.ID))))
	tb.key(kb.Enter)
	clip := poll[string](tb, `navigator.clipboard.readText().catch(() => '')`, 5*time.Second)
	if len(clip) != 6 {
		t.Fatalf("the clipboard holds %q after a copy", clip)
	}
	// The "45 s" pass; the page has the focus, so it clears at once.
	poll[bool](tb, `navigator.clipboard.readText().then((t) => t === '', () => false)`, 10*time.Second)
	poll[bool](tb, `document.querySelector('#status').textContent.includes('The clipboard was cleared')`, 5*time.Second)

	tb.do(chromedp.SetValue(chromedp.CSS("#sort"), "recent"))
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#sort').dispatchEvent(new Event('change', {bubbles: true}))`))
	poll[bool](tb, `[...document.querySelectorAll('#accounts .issuer')].map(e => e.textContent)[0] === 'Bravo'`, 5*time.Second)
}
