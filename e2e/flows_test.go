package e2e

import (
	"encoding/base64"
	"fmt"
	"image"
	"image/draw"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/twofold-auth/twofold/shared/migration"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/otpcode"
)

func TestCreateVault(t *testing.T) {
	tb := newTab(t)
	tb.createVault(passphrase)
	poll[bool](tb, `!document.querySelector('#empty').hidden`, 5*time.Second)
	// The page asked for persistent storage and says what the browser answered.
	got := poll[string](tb, `document.documentElement.dataset.persisted || ''`, 5*time.Second)
	if got != "true" && got != "false" {
		t.Errorf("persisted = %q", got)
	}
	// The vault lives in IndexedDB, so a reload asks for the passphrase.
	tb.do(chromedp.Reload())
	if v := tb.waitView("create", "unlock"); v != "unlock" {
		t.Fatalf("after a reload the page shows %q, want unlock", v)
	}
}

func TestAddByManualKeyShowsSharedCode(t *testing.T) {
	tb := newTab(t)
	tb.createVault(passphrase)

	secret := newSecret(t, 20)
	r := tb.addManual(manual{Issuer: "Oracle Cloud", Account: "alice@example.com", Secret: spaced(secret)})
	if r.Issuer != "Oracle Cloud" || r.Name != "alice@example.com" {
		t.Errorf("row shows %q / %q", r.Issuer, r.Name)
	}
	checkCode(t, tb.codeOf(r.ID, 30), secret, defaultParams)

	// Advanced options: SHA-256, 8 digits, 60 s.
	secret2 := newSecret(t, 32)
	r2 := tb.addManual(manual{Issuer: "Cloud", Account: "ops", Secret: otpauth.EncodeSecret(secret2),
		Algorithm: "SHA256", Digits: 8, Period: 60})
	checkCode(t, tb.codeOf(r2.ID, 60), secret2, otpcode.Params{Algorithm: otpauth.SHA256, Digits: 8, Period: 60})

	// HOTP: no code until asked; each "Next code" shows the counter's code
	// and moves the counter on, so no code is shown twice.
	secret3 := newSecret(t, 20)
	r3 := tb.addManual(manual{Issuer: "VPN", Account: "bob", Secret: otpauth.EncodeSecret(secret3), Type: "hotp", Counter: 5})
	if strings.ContainsAny(r3.Code, "0123456789") {
		t.Errorf("HOTP row shows %q before any code was asked for", r3.Code)
	}
	for _, counter := range []uint64{5, 6} {
		want, _ := otpcode.HOTP(secret3, defaultParams, counter)
		tb.click(fmt.Sprintf(`#accounts [data-id=%q] .hotp-next`, r3.ID))
		poll[bool](tb, fmt.Sprintf(`document.querySelector('#accounts [data-id=%q] .code').textContent === %q`, r3.ID, groupDigits(want)), 10*time.Second)
	}

	// The manual form keeps nothing after the account is added.
	if v := eval[string](tb, `document.querySelector('#m-secret').value`); v != "" {
		t.Errorf("secret field still holds %q", v)
	}
}

func TestBadKeyPointsAtCharacter(t *testing.T) {
	tb := newTab(t)
	tb.createVault(passphrase)
	tb.openManual()
	tb.typeInto("#m-account", "carol")
	tb.typeInto("#m-secret", "ABCDEF1GHIJKLMNO")
	want := "this key has a character that is not base32: '1' at position 7"
	got := poll[string](tb, fmt.Sprintf(`(() => { const t = document.querySelector('#m-secret-msg').textContent; return t.toLowerCase().includes(%q) ? t : ''; })()`, want), 5*time.Second)
	if eval[string](tb, `document.querySelector('#m-secret').getAttribute('aria-invalid') || ''`) != "true" {
		t.Errorf("the key field is not marked invalid (hint %q)", got)
	}
	tb.click("#manual-submit")
	poll[bool](tb, fmt.Sprintf(`document.querySelector('#manual-error').textContent.toLowerCase().includes(%q)`, want), 5*time.Second)
	if n := len(tb.rows()); n != 0 {
		t.Errorf("a bad key added %d accounts", n)
	}
}

func TestAddByImageUpload(t *testing.T) {
	tb := newTab(t)
	tb.createVault(passphrase)
	secret := newSecret(t, 20)
	png := writePNG(t, t.TempDir(), "enroll.png", qrImage(t, totpURI("Example", "dave@example.com", secret), 6))
	tb.openAdd()
	tb.do(chromedp.SetUploadFiles(chromedp.CSS("#image-input"), []string{png}))
	r := tb.waitNewRow(0)
	if r.Issuer != "Example" || r.Name != "dave@example.com" {
		t.Errorf("row shows %q / %q", r.Issuer, r.Name)
	}
	checkCode(t, tb.codeOf(r.ID, 30), secret, defaultParams)

	// An image without a QR code, and a QR code that is no authenticator
	// key, say so and add nothing.
	white := image.NewRGBA(image.Rect(0, 0, 8, 8))
	draw.Draw(white, white.Bounds(), image.White, image.Point{}, draw.Src)
	dir := t.TempDir()
	for _, c := range []struct {
		file string
		img  image.Image
		want string
	}{
		{"blank.png", cameraFrame(white, 320, 240, 3), "No QR code found in this image"},
		{"website.png", qrImage(t, "https://example.com/", 4), "not an authenticator key"},
		{"again.png", qrImage(t, totpURI("Example", "dave@example.com", secret), 4), "already in your list as Example (dave@example.com)"},
	} {
		tb.openAdd()
		tb.do(chromedp.SetUploadFiles(chromedp.CSS("#image-input"), []string{writePNG(t, dir, c.file, c.img)}))
		poll[bool](tb, fmt.Sprintf(`document.querySelector('#add-error').textContent.includes(%q)`, c.want), 10*time.Second)
		tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#add-dialog').close()`))
	}
	if n := len(tb.rows()); n != 1 {
		t.Errorf("%d accounts after the bad images, want 1", n)
	}
}

// pasteImage dispatches a paste event that carries a PNG file, as Ctrl+V of
// a copied image does.
func (tb *tab) pasteImage(png []byte) {
	tb.t.Helper()
	tb.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const bytes = Uint8Array.from(atob(%q), c => c.charCodeAt(0));
		const dt = new DataTransfer();
		dt.items.add(new File([bytes], 'image.png', {type: 'image/png'}));
		document.body.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));
	})()`, base64.StdEncoding.EncodeToString(png))))
}

// dropImage drops a PNG file on the page, as dragging it from a file
// manager does.
func (tb *tab) dropImage(png []byte) {
	tb.t.Helper()
	tb.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const bytes = Uint8Array.from(atob(%q), c => c.charCodeAt(0));
		const dt = new DataTransfer();
		dt.items.add(new File([bytes], 'dropped.png', {type: 'image/png'}));
		const target = document.querySelector('#accounts') || document.body;
		for (const type of ['dragenter', 'dragover', 'drop']) {
			target.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
		}
	})()`, base64.StdEncoding.EncodeToString(png))))
}

func TestAddByPasteAndDrop(t *testing.T) {
	tb := newTab(t)
	tb.createVault(passphrase)
	secret := newSecret(t, 20)
	tb.pasteImage(pngBytes(t, qrImage(t, totpURI("Pasted", "erin", secret), 5)))
	r := tb.waitNewRow(0)
	if r.Issuer != "Pasted" || r.Name != "erin" {
		t.Errorf("row shows %q / %q", r.Issuer, r.Name)
	}
	checkCode(t, tb.codeOf(r.ID, 30), secret, defaultParams)

	secret2 := newSecret(t, 20)
	tb.dropImage(pngBytes(t, qrImage(t, totpURI("Dropped", "erin", secret2), 5)))
	r2 := tb.waitNewRow(1)
	if r2.Issuer != "Dropped" {
		t.Errorf("dropped row shows %q / %q", r2.Issuer, r2.Name)
	}
	checkCode(t, tb.codeOf(r2.ID, 30), secret2, defaultParams)
	if eval[bool](tb, `!document.querySelector('#drop-overlay').hidden`) {
		t.Error("the drop overlay is still shown")
	}
}

func TestAddByCamera(t *testing.T) {
	secret := newSecret(t, 20)
	code := qrImage(t, totpURI("Camera", "frank", secret), 5)
	clip := filepath.Join(t.TempDir(), "qr.y4m")
	writeY4M(t, clip, 10, cameraFrame(code, 640, 480, 1), cameraFrame(code, 640, 480, 2))

	tb := newTab(t, withCamera(clip))
	tb.createVault(passphrase)
	tb.openAdd()
	tb.click("#scan-camera")
	r := tb.waitNewRow(0)
	if r.Issuer != "Camera" || r.Name != "frank" {
		t.Errorf("row shows %q / %q", r.Issuer, r.Name)
	}
	checkCode(t, tb.codeOf(r.ID, 30), secret, defaultParams)
	// The camera is off once the code is read.
	poll[bool](tb, `!document.documentElement.dataset.scanner && document.querySelector('#camera-video').srcObject === null && !document.querySelector('#camera-dialog').open`, 5*time.Second)
}

func TestReloadLockUnlockWrongPassphrase(t *testing.T) {
	tb := newTab(t)
	tb.createVault(passphrase)
	secret := newSecret(t, 20)
	r := tb.addManual(manual{Issuer: "Keep", Account: "me", Secret: otpauth.EncodeSecret(secret)})

	tb.do(chromedp.Reload())
	if v := tb.waitView("create", "unlock"); v != "unlock" {
		t.Fatalf("after a reload the page shows %q", v)
	}
	// Wrong passphrase: a clear error, and the vault stays locked.
	tb.typeInto("#unlock-pass", "not the passphrase")
	tb.click("#unlock-submit")
	msg := poll[string](tb, `(() => { const e = document.querySelector('#unlock-error'); return e.hidden ? '' : e.textContent; })()`, 20*time.Second)
	if !strings.Contains(msg, "Wrong passphrase") {
		t.Errorf("wrong passphrase shows %q", msg)
	}
	if v := eval[string](tb, `document.documentElement.dataset.view`); v != "unlock" {
		t.Errorf("view %q after a wrong passphrase", v)
	}

	tb.unlock(passphrase)
	rs := tb.rows()
	if len(rs) != 1 || rs[0].ID != r.ID || rs[0].Issuer != "Keep" {
		t.Fatalf("after reload and unlock: %+v", rs)
	}
	checkCode(t, tb.codeOf(r.ID, 30), secret, defaultParams)

	// Lock: no code stays on the page.
	tb.click("#lock-btn")
	tb.waitView("unlock")
	if n := eval[int](tb, `document.querySelectorAll('#accounts .account').length`); n != 0 {
		t.Errorf("%d account rows remain after locking", n)
	}
	tb.unlock(passphrase)
	if rs := tb.rows(); len(rs) != 1 {
		t.Errorf("after lock and unlock: %+v", rs)
	}
}

// waitDownload waits for a finished download whose name starts with prefix.
func (tb *tab) waitDownload(prefix string) string {
	tb.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(tb.downloads())
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), prefix) && !strings.HasSuffix(e.Name(), ".crdownload") {
				p := filepath.Join(tb.downloads(), e.Name())
				if fi, err := os.Stat(p); err == nil && fi.Size() > 0 {
					return p
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.t.Fatalf("no download named %s* in %s", prefix, tb.downloads())
	return ""
}

func TestBackupRestoreIntoFreshProfile(t *testing.T) {
	a := newTab(t)
	a.createVault(passphrase)
	s1, s2 := newSecret(t, 20), newSecret(t, 20)
	a.addManual(manual{Issuer: "First", Account: "one", Secret: otpauth.EncodeSecret(s1)})
	a.addManual(manual{Issuer: "Second", Account: "two", Secret: otpauth.EncodeSecret(s2)})

	a.click("#backup-btn")
	a.typeInto("#export-pass", "backup passphrase 42")
	a.typeInto("#export-pass2", "backup passphrase 42")
	a.click("#export-submit")
	file := a.waitDownload("twofold-backup-")
	blob, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range [][]byte{s1, s2} {
		assertNoSeed(t, "backup file", blob, s)
	}

	b := newTab(t) // a fresh profile: another browser, another IndexedDB
	b.createVault("another passphrase entirely")
	b.click("#empty-import")
	if f := focused(b); f != "import-file" {
		t.Errorf("“Import” in the empty list puts the focus on %q", f)
	}
	b.do(chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{file}))
	b.click("#import-submit")
	// The backup's passphrase is asked for; a wrong one is a clear error.
	poll[bool](b, `!document.querySelector('#import-pass-field').hidden`, 20*time.Second)
	b.typeInto("#import-pass", "wrong")
	b.click("#import-submit")
	b.fieldErrorShown("#import-error", "Wrong password for this file")
	b.typeInto("#import-pass", "backup passphrase 42")
	b.click("#import-submit")
	if p := b.waitPreview(); len(p.New) != 2 || !strings.Contains(p.Title, "Twofold backup") {
		t.Errorf("preview of the backup: %+v", p)
	}
	b.commitImport()
	poll[bool](b, `document.querySelectorAll('#accounts .account').length === 2`, 20*time.Second)
	rs := b.rows()
	if rs[0].Issuer != "First" || rs[1].Issuer != "Second" {
		t.Fatalf("restored rows: %+v", rs)
	}
	checkCode(t, b.codeOf(rs[0].ID, 30), s1, defaultParams)
	checkCode(t, b.codeOf(rs[1].ID, 30), s2, defaultParams)
}

func TestGoogleAuthenticatorImport(t *testing.T) {
	keys := make([]otpauth.Key, 3)
	for i := range keys {
		keys[i] = otpauth.Key{Type: otpauth.TOTP, Issuer: fmt.Sprintf("GA%d", i), Account: fmt.Sprintf("user%d@example.com", i),
			Secret: newSecret(t, 20), Algorithm: otpauth.SHA1, Digits: 6, Period: 30}
	}
	part1, err := migration.Encode(&migration.Payload{Version: 1, BatchSize: 2, BatchIndex: 0, BatchID: 77, Accounts: keys[:2]})
	if err != nil {
		t.Fatal(err)
	}
	part2, err := migration.Encode(&migration.Payload{Version: 1, BatchSize: 2, BatchIndex: 1, BatchID: 77, Accounts: keys[2:]})
	if err != nil {
		t.Fatal(err)
	}
	png := writePNG(t, t.TempDir(), "ga-export-1.png", qrImage(t, part1, 4))

	tb := newTab(t)
	tb.createVault(passphrase)
	tb.click("#backup-btn")
	// Part 1 of 2 from a screenshot: its accounts, and part 2 named as missing.
	tb.do(chromedp.SetUploadFiles(chromedp.CSS("#ga-files"), []string{png}))
	tb.click("#ga-submit")
	msg := poll[string](tb, `(() => { const p = document.querySelector('#ga-progress'); return p.hidden ? '' : p.textContent; })()`, 20*time.Second)
	if !strings.Contains(msg, "Imported 2 accounts") || !strings.Contains(msg, "missing: part 2") {
		t.Errorf("after part 1: %q", msg)
	}
	// Part 2 as the link text.
	tb.typeInto("#ga-text", part2)
	tb.click("#ga-submit")
	poll[bool](tb, `document.querySelectorAll('#accounts .account').length === 3`, 20*time.Second)
	msg = eval[string](tb, `document.querySelector('#ga-progress').textContent`)
	if strings.Contains(msg, "missing") {
		t.Errorf("after both parts: %q", msg)
	}
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#backup-dialog').close()`))
	rs := tb.rows()
	for i, k := range keys {
		if rs[i].Issuer != k.Issuer || rs[i].Name != k.Account {
			t.Errorf("row %d: %q / %q, want %q / %q", i, rs[i].Issuer, rs[i].Name, k.Issuer, k.Account)
		}
	}
	checkCode(t, tb.codeOf(rs[2].ID, 30), keys[2].Secret, defaultParams)
}
