package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// WebAuthn refuses an IP address as the relying party, so the passkey tests
// open the app by the name localhost (the same server).
func localhostURL() string {
	return strings.Replace(serverURL, "://127.0.0.1:", "://localhost:", 1)
}

// platformAuthenticator adds to tb's page a virtual authenticator like
// Touch ID or Windows Hello: internal, CTAP 2.1, resident keys, user
// verification that succeeds, and the PRF extension.
func (tb *tab) platformAuthenticator() webauthn.AuthenticatorID {
	tb.t.Helper()
	if _, err := chromedp.Call(tb.ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		tb.t.Fatalf("WebAuthn.enable: %v", err)
	}
	res, err := chromedp.Call(tb.ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
		Protocol:                    webauthn.AuthenticatorProtocolCtap2,
		Ctap2version:                webauthn.Ctap2versionCtap21,
		Transport:                   webauthn.AuthenticatorTransportInternal,
		HasResidentKey:              true,
		HasUserVerification:         true,
		IsUserVerified:              true,
		HasPrf:                      true,
		AutomaticPresenceSimulation: true,
	}})
	if err != nil {
		tb.t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}
	return res.AuthenticatorID
}

func (tb *tab) credentials(auth webauthn.AuthenticatorID) []*webauthn.Credential {
	tb.t.Helper()
	res, err := chromedp.Call(tb.ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: auth})
	if err != nil {
		tb.t.Fatalf("WebAuthn.getCredentials: %v", err)
	}
	return res.Credentials
}

// addCredential is WebAuthn.addCredential without the fields cdproto's
// Credential always sends (generateCmtgKeyOnNextOperation: false), which
// Chromium refuses for an authenticator without the CMTG extension.
var addCredential = cdp.Command[addCredentialParams, cdp.Empty]{Method: webauthn.CommandAddCredential}

type addCredentialParams struct {
	AuthenticatorID webauthn.AuthenticatorID `json:"authenticatorId"`
	Credential      credential               `json:"credential"`
}

type credential struct {
	CredentialID         []byte `json:"credentialId"`
	IsResidentCredential bool   `json:"isResidentCredential"`
	RpID                 string `json:"rpId"`
	PrivateKey           []byte `json:"privateKey"`
	UserHandle           []byte `json:"userHandle,omitempty"`
	SignCount            int    `json:"signCount"`
}

const (
	unlockErrorJS   = `(() => { const e = document.querySelector('#unlock-error'); return e.hidden ? '' : e.textContent; })()`
	passkeyErrorJS  = `(() => { const e = document.querySelector('#passkey-error'); return e.hidden ? '' : e.textContent; })()`
	passkeyButtonJS = `!document.querySelector('#passkey-unlock-btn').hidden`
)

// lockAndTryPasskey locks the vault, presses "Unlock with passkey" and
// returns what the unlock view then says (or "" once the codes show).
func (tb *tab) lockAndTryPasskey() string {
	tb.t.Helper()
	tb.click("#lock-btn")
	tb.waitView("unlock")
	poll[bool](tb, passkeyButtonJS, 10*time.Second)
	tb.click("#passkey-unlock-btn")
	return poll[string](tb, `(() => {
		if (document.documentElement.dataset.view === 'codes') return 'unlocked';
		const e = document.querySelector('#unlock-error');
		return e.hidden ? '' : e.textContent;
	})()`, 30*time.Second)
}

// TestPasskeyUnlock: a passkey added in Settings (with the passphrase)
// unlocks the vault from the lock screen; a passkey whose PRF gives another
// output, one that gives none, and one removed from the authenticator each
// fall back to the passphrase with a message saying why,
// and the passphrase opens the vault; a passkey removed in Settings is no
// longer offered.
func TestPasskeyUnlock(t *testing.T) {
	tb := newTab(t)
	tb.do(chromedp.Navigate(localhostURL() + "/app/"))
	tb.waitView("create")
	auth := tb.platformAuthenticator()
	tb.typeInto("#create-pass", passphrase)
	tb.typeInto("#create-pass2", passphrase)
	tb.click("#create-submit")
	tb.waitView("codes")
	secret := newSecret(t, 20)
	r := tb.addManual(manual{Issuer: "Passkey", Account: "pat", Secret: otpauth.EncodeSecret(secret)})

	// Settings: the panel offers the passkey; the passphrase is checked.
	tb.click("#settings-btn")
	poll[bool](tb, `!document.querySelector('#passkey-form').hidden`, 10*time.Second)
	if about := eval[string](tb, `document.querySelector('#passkey-about').textContent`); !strings.Contains(about, "Face ID") {
		t.Errorf("the passkey panel says %q", about)
	}
	tb.typeInto("#passkey-pass", "not the passphrase")
	tb.click("#passkey-add")
	if msg := poll[string](tb, passkeyErrorJS, 30*time.Second); !strings.Contains(msg, "passphrase is wrong") {
		t.Fatalf("adding with a wrong passphrase shows %q", msg)
	}
	if n := eval[int](tb, `document.querySelectorAll('#passkey-list li').length`); n != 0 {
		t.Fatalf("%d passkeys listed after a wrong passphrase", n)
	}
	if n := len(tb.credentials(auth)); n != 0 {
		t.Fatalf("a wrong passphrase left %d credentials on the authenticator; it is checked before one is made", n)
	}
	// A second tab on the lock screen learns of the passkey when it is added.
	other := tb.sibling()
	other.do(chromedp.Navigate(localhostURL() + "/app/"))
	other.waitView("unlock")
	otherKnows := `!document.querySelector('#passkey-unlock-btn').hidden || !document.querySelector('#passkey-unlock-why').hidden`
	if eval[bool](other, otherKnows) {
		t.Fatal("the second tab offers a passkey before there is one")
	}
	tb.typeInto("#passkey-pass", passphrase)
	tb.click("#passkey-add")
	poll[bool](tb, `document.querySelector('#status').textContent.includes('Passkey added')`, 30*time.Second)
	poll[bool](other, otherKnows, 10*time.Second)
	if n := eval[int](tb, `document.querySelectorAll('#passkey-list li').length`); n != 1 {
		t.Fatalf("%d passkeys listed after adding one", n)
	}
	creds := tb.credentials(auth)
	if len(creds) != 1 {
		t.Fatalf("the authenticator holds %d credentials, want 1", len(creds))
	}
	cred := creds[0]
	tb.shotView("passkey-settings")
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#settings-dialog').close()`))

	// Lock, unlock by passkey: the account is there with its code.
	tb.click("#lock-btn")
	tb.waitView("unlock")
	poll[bool](tb, passkeyButtonJS, 10*time.Second)
	tb.shot("passkey-lock-screen")
	tb.unlock(passphrase)
	if got := tb.lockAndTryPasskey(); got != "unlocked" {
		t.Fatalf("unlock by passkey: %q", got)
	}
	tb.waitView("codes")
	if rs := tb.rows(); len(rs) != 1 || rs[0].ID != r.ID {
		t.Fatalf("accounts after the passkey unlock: %+v", rs)
	}
	checkCode(t, tb.codeOf(r.ID, 30), secret, defaultParams)

	// A passkey whose PRF gives another output: the page's request is
	// changed on its way to the authenticator to evaluate another salt.
	tb.do(chromedp.Evaluate[chromedp.Void](`(() => {
		const get = navigator.credentials.get.bind(navigator.credentials);
		window.realGet = get;
		navigator.credentials.get = (o) => { o.publicKey.extensions.prf.eval.first = new Uint8Array(32).fill(9); return get(o); };
	})()`))
	if got := tb.lockAndTryPasskey(); !strings.Contains(got, "did not open the vault") || !strings.Contains(got, "passphrase") {
		t.Fatalf("a wrong PRF output shows %q", got)
	}
	if id := eval[string](tb, `document.activeElement.id`); id != "unlock-pass" {
		t.Errorf("after the wrong passkey the focus is on %q, not the passphrase", id)
	}
	tb.unlock(passphrase)
	if rs := tb.rows(); len(rs) != 1 {
		t.Fatalf("accounts after the fallback: %+v", rs)
	}
	tb.do(chromedp.Evaluate[chromedp.Void](`navigator.credentials.get = window.realGet`))

	// A credential with the same id that does not do PRF (added through
	// DevTools, which gives it no PRF key): no output comes back.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tb.ctx, webauthn.RemoveCredential, webauthn.RemoveCredentialParams{AuthenticatorID: auth, CredentialID: cred.CredentialID}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tb.ctx, addCredential, addCredentialParams{AuthenticatorID: auth, Credential: credential{
		CredentialID: cred.CredentialID, IsResidentCredential: true, RpID: cred.RpID, PrivateKey: pkcs8, UserHandle: cred.UserHandle,
	}}); err != nil {
		t.Fatal(err)
	}
	if got := tb.lockAndTryPasskey(); !strings.Contains(got, "PRF") || !strings.Contains(got, "passphrase") {
		t.Fatalf("a passkey without PRF shows %q", got)
	}
	tb.unlock(passphrase)

	// The passkey removed from the authenticator (deleted from the device).
	if _, err := chromedp.Call(tb.ctx, webauthn.RemoveCredential, webauthn.RemoveCredentialParams{AuthenticatorID: auth, CredentialID: cred.CredentialID}); err != nil {
		t.Fatal(err)
	}
	if got := tb.lockAndTryPasskey(); !strings.Contains(got, "passkey was not used") || !strings.Contains(got, "passphrase") {
		t.Fatalf("a removed passkey shows %q", got)
	}
	tb.unlock(passphrase)

	// Where the browser does not report PRF, the lock screen of a vault with
	// a passkey says why it offers none.
	if _, err := chromedp.Call(tb.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `if (sessionStorage.getItem('no-prf')) PublicKeyCredential.getClientCapabilities = async () => ({});`,
	}); err != nil {
		t.Fatal(err)
	}
	tb.do(chromedp.Evaluate[chromedp.Void](`sessionStorage.setItem('no-prf', '1')`), chromedp.Reload())
	tb.waitView("unlock")
	why := poll[string](tb, `(() => { const e = document.querySelector('#passkey-unlock-why'); return e.hidden ? '' : e.textContent; })()`, 10*time.Second)
	if !strings.Contains(why, "not here") || !strings.Contains(why, "PRF") || eval[bool](tb, passkeyButtonJS) {
		t.Errorf("without PRF the lock screen says %q (button shown: %v)", why, eval[bool](tb, passkeyButtonJS))
	}
	tb.do(chromedp.Evaluate[chromedp.Void](`sessionStorage.removeItem('no-prf')`), chromedp.Reload())
	tb.waitView("unlock")
	tb.unlock(passphrase)

	// Removed in Settings: no longer offered on the lock screen.
	tb.click("#settings-btn")
	tb.click("#passkey-list li button")
	poll[bool](tb, `document.querySelector('#status').textContent.includes('Passkey removed')`, 30*time.Second)
	if n := eval[int](tb, `document.querySelectorAll('#passkey-list li').length`); n != 0 {
		t.Fatalf("%d passkeys listed after removing it", n)
	}
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#settings-dialog').close()`))
	tb.click("#lock-btn")
	tb.waitView("unlock")
	time.Sleep(300 * time.Millisecond) // onUnlockView is asynchronous: give it the time to (wrongly) show the button
	if eval[bool](tb, passkeyButtonJS) {
		t.Fatal("the lock screen offers a passkey after the last one was removed")
	}
	tb.unlock(passphrase)
}

// TestPasskeyExplainedWhenMissing: where a passkey cannot work, Settings
// says why instead of offering it: a page opened by IP address, and a
// browser that does not report the PRF extension.
func TestPasskeyExplainedWhenMissing(t *testing.T) {
	for _, tc := range []struct {
		name, base, script, want string
	}{
		{"by IP address", serverURL, "", "not by an IP address"},
		{"no PRF", localhostURL(), `PublicKeyCredential.getClientCapabilities = async () => ({ "extension:prf": false });`, "PRF extension"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := newTab(t)
			if tc.script != "" {
				if _, err := chromedp.Call(tb.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: tc.script}); err != nil {
					t.Fatal(err)
				}
			}
			tb.do(chromedp.Navigate(tc.base + "/app/"))
			tb.waitView("create")
			tb.typeInto("#create-pass", passphrase)
			tb.typeInto("#create-pass2", passphrase)
			tb.click("#create-submit")
			tb.waitView("codes")
			tb.click("#settings-btn")
			about := poll[string](tb, `document.querySelector('#passkey-about').textContent`, 10*time.Second)
			if !strings.Contains(about, tc.want) {
				t.Errorf("the passkey panel says %q, want it to mention %q", about, tc.want)
			}
			if eval[bool](tb, `!document.querySelector('#passkey-form').hidden`) {
				t.Error("the passkey form is offered where passkeys cannot work")
			}
		})
	}
}

// BenchmarkChromiumPasskeyUnlock measures, in the app page in headless
// Chromium, unlocking by passkey (the WebAuthn assertion with the PRF
// extension on a virtual authenticator, then twofold.passkey.unlock: HKDF,
// AES-GCM, the IndexedDB read) against unlocking by passphrase
// (twofold.vault.unlock: Argon2id at the default parameters), and prints
// both. A real authenticator adds the person's touch or glance, which no
// benchmark measures.
func BenchmarkChromiumPasskeyUnlock(b *testing.B) {
	tb := newTab(b)
	tb.do(chromedp.Navigate(localhostURL() + "/app/"))
	tb.waitView("create", "unlock")
	tb.platformAuthenticator()
	eval[bool](tb, `(async () => {
		const tf = twofold;
		if (!(await tf.vault.exists())) await tf.vault.create('benchmark passphrase');
		else await tf.vault.unlock('benchmark passphrase');
		const b64 = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
		const salt = b64(await tf.passkey.salt('benchmark passphrase'));
		const c = await navigator.credentials.create({publicKey: {rp: {name: 'Twofold'}, user: {id: new Uint8Array(16), name: 'b', displayName: 'b'},
			challenge: new Uint8Array(32), pubKeyCredParams: [{type: 'public-key', alg: -7}],
			authenticatorSelection: {residentKey: 'preferred', userVerification: 'required'}, extensions: {prf: {eval: {first: salt}}}}});
		const id = btoa(String.fromCharCode(...new Uint8Array(c.rawId))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
		await tf.passkey.add('benchmark passphrase', id, new Uint8Array(c.getClientExtensionResults().prf.results.first));
		await tf.vault.lock();
		return true;
	})()`)
	type timing struct {
		Passkey    []float64 `json:"passkey"`
		Passphrase []float64 `json:"passphrase"`
	}
	var passkey, pass []float64
	b.ResetTimer()
	for range b.N {
		t := eval[timing](tb, `(async () => {
			const tf = twofold;
			const b64 = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
			const out = {passkey: [], passphrase: []};
			for (let i = 0; i < 5; i++) {
				let t0 = performance.now();
				const info = await tf.passkey.list();
				const a = await navigator.credentials.get({publicKey: {challenge: crypto.getRandomValues(new Uint8Array(32)),
					allowCredentials: info.passkeys.map((p) => ({type: 'public-key', id: b64(p.id)})), userVerification: 'required',
					extensions: {prf: {eval: {first: b64(info.salt)}}}}});
				const prf = new Uint8Array(a.getClientExtensionResults().prf.results.first);
				await tf.passkey.unlock(info.passkeys[0].id, prf);
				prf.fill(0);
				out.passkey.push(performance.now() - t0);
				await tf.vault.lock();
				t0 = performance.now();
				await tf.vault.unlock('benchmark passphrase');
				out.passphrase.push(performance.now() - t0);
				await tf.vault.lock();
			}
			return out;
		})()`)
		passkey = append(passkey, t.Passkey...)
		pass = append(pass, t.Passphrase...)
	}
	b.StopTimer()
	sort.Float64s(passkey)
	sort.Float64s(pass)
	mp, mw := passkey[len(passkey)/2], pass[len(pass)/2]
	b.ReportMetric(mp, "passkey-ms")
	b.ReportMetric(mw, "passphrase-ms")
	b.Logf("unlock in Chromium: by passkey median %.1f ms (min %.1f, max %.1f), by passphrase median %.0f ms (min %.0f, max %.0f), %d runs each; passkey/passphrase %.3f",
		mp, passkey[0], passkey[len(passkey)-1], mw, pass[0], pass[len(pass)-1], len(passkey), mp/mw)
}

// addPasskeyInSettings adds a passkey of the tab's virtual authenticator in
// Settings, with the passphrase, and closes Settings.
func (tb *tab) addPasskeyInSettings() {
	tb.t.Helper()
	tb.click("#settings-btn")
	poll[bool](tb, `!document.querySelector('#passkey-form').hidden`, 10*time.Second)
	tb.typeInto("#passkey-pass", passphrase)
	tb.click("#passkey-add")
	poll[bool](tb, `document.querySelector('#status').textContent.includes('Passkey added')`, 30*time.Second)
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#settings-dialog').close()`))
}

// downloadsNamed lists the finished downloads whose names start with prefix.
func (tb *tab) downloadsNamed(prefix string) []string {
	entries, _ := os.ReadDir(tb.downloads())
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) && !strings.HasSuffix(e.Name(), ".crdownload") {
			out = append(out, filepath.Join(tb.downloads(), e.Name()))
		}
	}
	return out
}

const (
	plainPasskeyShownJS = `!document.querySelector('#plain-passkey').hidden`
	// ackJS ticks the export's acknowledgement if it is not ticked.
	ackJS = `(() => { const a = document.querySelector('#plain-ack'); if (!a.checked) a.click(); })()`
)

// TestPasskeyExport: a plaintext export and one account's QR code are
// confirmed with the vault's passkey instead of the passphrase ("Use
// passkey", by keyboard), and the otpauth list downloaded holds the account;
// a passkey whose PRF gives another output, and one removed from the vault
// (by another tab, after this one listed it), are refused with a message,
// nothing is downloaded, the focus goes to the passphrase, and the
// passphrase still exports. Without a passkey, no button is offered.
func TestPasskeyExport(t *testing.T) {
	tb := newTab(t)
	tb.do(chromedp.Navigate(localhostURL() + "/app/"))
	tb.waitView("create")
	tb.platformAuthenticator()
	tb.typeInto("#create-pass", passphrase)
	tb.typeInto("#create-pass2", passphrase)
	tb.click("#create-submit")
	tb.waitView("codes")
	secret := otpauth.EncodeSecret(newSecret(t, 20))
	r := tb.addManual(manual{Issuer: "Exported", Account: "pat", Secret: secret})

	// No passkey yet: the export asks for the passphrase only.
	tb.openImport()
	time.Sleep(300 * time.Millisecond) // the button's check is asynchronous: give it the time to (wrongly) show
	if eval[bool](tb, plainPasskeyShownJS) {
		t.Fatal("the export offers a passkey before the vault has one")
	}
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#backup-dialog').close()`))

	tb.addPasskeyInSettings()
	tb.openImport()
	poll[bool](tb, plainPasskeyShownJS, 10*time.Second)
	if !eval[bool](tb, `document.querySelector('#plain-passkey').disabled`) {
		t.Error("the passkey export is possible without the acknowledgement")
	}

	// By keyboard: the acknowledgement with Space, "Use passkey" with Enter.
	tb.do(chromedp.Focus("#plain-ack"))
	tb.key(" ")
	poll[bool](tb, `!document.querySelector('#plain-passkey').disabled`, 5*time.Second)
	tb.do(chromedp.Focus("#plain-passkey"))
	tb.key("\r")
	file := tb.waitDownload("twofold-otpauth-")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if text := string(b); !strings.HasPrefix(text, "otpauth://totp/") || !strings.Contains(text, "secret="+strings.TrimRight(secret, "=")) || !strings.Contains(text, "Exported") {
		t.Fatalf("the otpauth list exported by passkey holds %q", text)
	}
	if v := eval[string](tb, `document.querySelector('#plain-pass').value`); v != "" {
		t.Errorf("the passphrase field holds %q after the export", v)
	}
	if err := os.Remove(file); err != nil { // so that a refused export could not hide behind its name
		t.Fatal(err)
	}

	// A passkey whose PRF gives another output: refused, nothing exported.
	plainErrorJS := `(() => { const e = document.querySelector('#plain-error'); return e.hidden ? '' : e.textContent; })()`
	tb.do(chromedp.Evaluate[chromedp.Void](`(() => {
		const get = navigator.credentials.get.bind(navigator.credentials);
		window.realGet = get;
		navigator.credentials.get = (o) => { o.publicKey.extensions.prf.eval.first = new Uint8Array(32).fill(9); return get(o); };
	})()`))
	tb.do(chromedp.Evaluate[chromedp.Void](ackJS))
	tb.click("#plain-passkey")
	if msg := poll[string](tb, plainErrorJS, 30*time.Second); !strings.Contains(msg, "did not open the vault") || !strings.Contains(msg, "Nothing was exported") || !strings.Contains(msg, "passphrase") {
		t.Fatalf("a wrong PRF output shows %q", msg)
	}
	if id := eval[string](tb, `document.activeElement.id`); id != "plain-pass" {
		t.Errorf("after the refused passkey the focus is on %q, not the passphrase", id)
	}
	tb.do(chromedp.Evaluate[chromedp.Void](`navigator.credentials.get = window.realGet`))

	// One account's QR code, by passkey.
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#backup-dialog').close()`))
	tb.click("#edit-btn")
	tb.click(fmt.Sprintf(`#accounts [data-id=%q] .act-qr`, r.ID))
	poll[bool](tb, `document.querySelector('#qr-dialog').open && !document.querySelector('#qr-passkey').hidden`, 10*time.Second)
	tb.click("#qr-passkey")
	poll[bool](tb, `!document.querySelector('#qr-stage').hidden && document.querySelector('#qr-canvas').width > 0`, 30*time.Second)
	tb.click("#qr-done")
	tb.click("#edit-btn")

	// Removed from the vault by another tab after this one listed it: the
	// ceremony runs, the vault refuses the credential.
	tb.openImport()
	poll[bool](tb, plainPasskeyShownJS, 10*time.Second)
	eval[bool](tb, `(async () => {
		const info = await twofold.passkey.list();
		await twofold.passkey.remove(info.passkeys[0].id);
		twofold.passkey.list = async () => info;
		return true;
	})()`)
	tb.do(chromedp.Evaluate[chromedp.Void](ackJS))
	tb.click("#plain-passkey")
	if msg := poll[string](tb, plainErrorJS, 30*time.Second); !strings.Contains(msg, "not set up for this vault") || !strings.Contains(msg, "Nothing was exported") {
		t.Fatalf("a passkey removed from the vault shows %q", msg)
	}
	if got := tb.downloadsNamed("twofold-"); len(got) != 0 {
		t.Fatalf("refused passkeys downloaded %v", got)
	}

	// The passphrase still works, in the same form (an Aegis file this time).
	tb.do(chromedp.SetValue(chromedp.CSS("#plain-format"), "aegis"))
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#plain-format').dispatchEvent(new Event('change', {bubbles: true}))`))
	tb.typeInto("#plain-pass", passphrase)
	tb.click("#plain-submit")
	aegis, err := os.ReadFile(tb.waitDownload("twofold-aegis-"))
	if err != nil || !strings.Contains(string(aegis), `"Exported"`) {
		t.Fatalf("the Aegis file exported with the passphrase: %.200q, %v", aegis, err)
	}
}
