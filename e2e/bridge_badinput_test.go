package e2e

import (
	"sort"
	"strings"
	"testing"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// TestInvariant7_BridgeBadInput calls the wasm bridge (globalThis.twofold,
// wasm/app/bridge_js.go) in the browser with bad input of every kind it
// takes: malformed and oversized URIs, bad base32, a broken Google
// Authenticator export, a huge import text, frames that are not QR codes or
// do not match their size, a damaged backup, and wrong argument counts and
// types. Each call must return a Promise that rejects with a TwofoldError
// carrying the documented code and a readable message, and change nothing:
// the vault stays unlocked with the same accounts, in memory and as stored.
func TestInvariant7_BridgeBadInput(t *testing.T) {
	tb := newTab(t)
	tb.createVault(passphrase)
	secret := newSecret(t, 20)
	r := tb.addManual(manual{Issuer: "Keep", Account: "me", Secret: otpauth.EncodeSecret(secret)})

	type result struct {
		Calls    map[string]string `json:"calls"`
		Before   string            `json:"before"`
		After    string            `json:"after"`
		Unlocked bool              `json:"unlocked"`
	}
	got := eval[result](tb, `(async () => {
		const tf = globalThis.twofold;
		const ids = async () => JSON.stringify((await tf.accounts.list()).map((a) => [a.id, a.issuer, a.account]));
		const before = await ids();
		const mib = (n, c) => c.repeat(n << 20);
		const cases = {
			'uri: not a URI': () => tf.accounts.add('hello'),
			'uri: other scheme': () => tf.accounts.add('https://example.com/?secret=JBSWY3DPEHPK3PXP'),
			'uri: bad escape': () => tf.accounts.add('otpauth://totp/A%zz:b?secret=JBSWY3DPEHPK3PXP'),
			'uri: no secret': () => tf.accounts.add('otpauth://totp/A:b?issuer=A'),
			'uri: bad base32': () => tf.accounts.add('otpauth://totp/A:b?secret=JBSW1Y3DP'),
			'uri: bad digits': () => tf.accounts.add('otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&digits=99'),
			'uri: bad algorithm': () => tf.accounts.add('otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&algorithm=MD5'),
			'uri: 8 MiB': () => tf.accounts.add('otpauth://totp/A:b?secret=' + mib(8, 'A')),
			'uri: NUL bytes': () => tf.accounts.add('otpauth://totp/A\u0000:b?secret=JBSWY3DPEHPK3PXP'),
			'manual: bad key': () => tf.accounts.addManual({issuer: 'X', account: 'y', secret: 'JBSWY3DPEHPK3PX1'}),
			'manual: huge key': () => tf.accounts.addManual({issuer: 'X', account: 'y', secret: mib(4, 'A')}),
			'manual: not an object': () => tf.accounts.addManual('JBSWY3DPEHPK3PXP'),
			'import: 40 MiB file': () => tf.transfer.preview(new Uint8Array(40 << 20), 'auto', ''),
			'import: unknown format name': () => tf.transfer.preview(new TextEncoder().encode('otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP'), 'lastpass', ''),
			'commit: no preview': () => tf.transfer.commit('no-such-preview', []),
			'export: bad format': () => tf.transfer.exportPlain('any passphrase', 'csv'),
			'export: wrong passphrase': () => tf.transfer.exportPlain('not the passphrase', 'otpauth'),
			'GA: bad data': () => tf.transfer.importGA('otpauth-migration://offline?data=%%%'),
			'GA: not protobuf': () => tf.transfer.importGA('otpauth-migration://offline?data=' + btoa('hello world')),
			'GA: 8 MiB': () => tf.transfer.importGA('otpauth-migration://offline?data=' + mib(8, 'A')),
			'backup: garbage': () => tf.transfer.preview(new Uint8Array(4096), 'twofold', 'a long passphrase'),
			'backup: damaged': () => tf.transfer.preview(new TextEncoder().encode('TWFD' + 'x'.repeat(200)), 'auto', 'a long passphrase'),
			'qr: blank frame': () => tf.qr.decode(new Uint8ClampedArray(64 * 64 * 4).fill(255), 64, 64),
			'qr: noise frame': () => tf.qr.decode(Uint8ClampedArray.from({length: 200 * 200 * 4}, (_, i) => (i * 2654435761) >>> 24), 200, 200),
			'qr: short data': () => tf.qr.decode(new Uint8Array(10), 100, 100),
			'qr: huge size': () => tf.qr.decode(new Uint8Array(16), 1e9, 1e9),
			'qr: negative size': () => tf.qr.decode(new Uint8Array(0), -1, -1),
			'args: none': () => tf.accounts.add(),
			'args: number': () => tf.accounts.add(42),
			'args: too many': () => tf.accounts.add('otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP', 'extra'),
			'args: rename none': () => tf.accounts.rename(),
			'args: decode strings': () => tf.qr.decode('rgba', 'w', 'h'),
			'delete: unknown id': () => tf.accounts.delete('no-such-id'),
			'uri: same name, other key': () => tf.accounts.add('otpauth://totp/Keep:me?secret=JBSWY3DPEHPK3PXPJBSWY3DP&issuer=Keep'),
			'resolve: none': () => tf.accounts.resolve(),
			'resolve: bad choice': () => tf.accounts.resolve('no-such-id', 'both'),
			'resolve: unknown id': () => tf.accounts.resolve('no-such-id', 'keep'),
			'reload: argument': () => tf.vault.reload('now'),
			'passkey: unlock, PRF as a string': () => tf.passkey.unlock('AAAA', 'prf'),
			'passkey: unlock, id not base64url': () => tf.passkey.unlock('not base64!', new Uint8Array(32)),
			'passkey: unlock, short PRF': () => tf.passkey.unlock('AAAA', new Uint8Array(16)),
			'passkey: unlock, unknown id': () => tf.passkey.unlock('AAAA', new Uint8Array(32)),
			'passkey: add, wrong passphrase': () => tf.passkey.add('not it', 'AAAA', new Uint8Array(32)),
			'passkey: salt, none': () => tf.passkey.salt(),
			'passkey: remove, unknown id': () => tf.passkey.remove('AAAA'),
		};
		const calls = {};
		for (const [name, f] of Object.entries(cases)) {
			let p;
			try { p = f(); } catch (e) { calls[name] = 'threw synchronously: ' + e; continue; }
			if (!(p instanceof Promise)) { calls[name] = 'returned no Promise'; continue; }
			try { await p; calls[name] = 'resolved'; } catch (e) {
				calls[name] = (e && e.name === 'TwofoldError' ? '' : 'not a TwofoldError: ') + (e && e.code) + ' | ' + (e && e.message);
			}
		}
		await tf.vault.lock();
		await tf.vault.unlock(`+"`"+passphrase+"`"+`);
		return {calls, before, after: await ids(), unlocked: (await tf.vault.status()).unlocked};
	})()`)

	want := map[string]string{
		"uri: not a URI":              "bad_uri",
		"uri: other scheme":           "bad_uri",
		"uri: bad escape":             "bad_uri",
		"uri: no secret":              "bad_key",
		"uri: bad base32":             "bad_key",
		"uri: bad digits":             "invalid_account",
		"uri: bad algorithm":          "invalid_account",
		"uri: 8 MiB":                  "too_large",
		"uri: NUL bytes":              "invalid_account",
		"manual: bad key":             "bad_key",
		"manual: huge key":            "bad_key",
		"manual: not an object":       "bad_argument",
		"import: 40 MiB file":         "too_large",
		"import: unknown format name": "bad_argument",
		"commit: no preview":          "not_found",
		"export: bad format":          "bad_argument",
		"export: wrong passphrase":    "wrong_passphrase",
		"GA: bad data":                "bad_export",
		"GA: not protobuf":            "bad_export",
		"GA: 8 MiB":                   "too_large",
		"backup: garbage":             "wrong_format",
		"backup: damaged":             "damaged_file",
		"qr: blank frame":             "no_qr",
		"qr: noise frame":             "no_qr",
		"qr: short data":              "bad_frame",
		"qr: huge size":               "bad_frame",
		"qr: negative size":           "bad_frame",
		"args: none":                  "bad_argument",
		"args: number":                "bad_argument",
		"args: too many":              "bad_argument",
		"args: rename none":           "bad_argument",
		"args: decode strings":        "bad_argument",
		"delete: unknown id":          "not_found",
		"uri: same name, other key":   "name_conflict",
		"resolve: none":               "bad_argument",
		"resolve: bad choice":         "bad_argument",
		"resolve: unknown id":         "not_found",
		"reload: argument":            "bad_argument",

		"passkey: unlock, PRF as a string":  "bad_argument",
		"passkey: unlock, id not base64url": "bad_argument",
		"passkey: unlock, short PRF":        "passkey_refused",
		"passkey: unlock, unknown id":       "passkey_unknown",
		"passkey: add, wrong passphrase":    "wrong_passphrase",
		"passkey: salt, none":               "bad_argument",
		"passkey: remove, unknown id":       "passkey_unknown",
	}
	names := make([]string, 0, len(got.Calls))
	for n := range got.Calls {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		outcome := got.Calls[name]
		t.Logf("%-26s %s", name, outcome)
		code, msg, ok := strings.Cut(outcome, " | ")
		if !ok || strings.Contains(code, " ") || code == "" || code == "undefined" {
			t.Errorf("%s: %s; want a rejection with a TwofoldError", name, outcome)
			continue
		}
		if w := want[name]; code != w {
			t.Errorf("%s: code %q, want %q (%s)", name, code, w, msg)
		}
		if len(strings.TrimSpace(msg)) < 10 || strings.Contains(msg, "panic") || strings.Contains(msg, "goroutine") || len(msg) > 300 {
			t.Errorf("%s: message %q is not a sentence for a person", name, msg)
		}
	}
	if len(got.Calls) != len(want) {
		t.Errorf("%d calls made, %d expected", len(got.Calls), len(want))
	}
	if got.Before != got.After || !got.Unlocked {
		t.Errorf("accounts before %s, after lock and unlock %s (unlocked %v)", got.Before, got.After, got.Unlocked)
	}
	checkCode(t, tb.codeOf(r.ID, 30), secret, defaultParams)
}
