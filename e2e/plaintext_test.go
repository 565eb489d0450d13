package e2e

import (
	"bytes"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// dumpStorageJS reads everything the page's origin keeps (every IndexedDB
// database and store, localStorage, sessionStorage, cookies, Cache Storage
// URLs) plus the DOM and the value of every field, as a list of strings.
// Binary values (ArrayBuffer, typed arrays, Blobs) become "hex:<bytes>".
const dumpStorageJS = `(async () => {
	const hex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, '0')).join('');
	const req = (r) => new Promise((res, rej) => { r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
	async function ser(v) {
		if (v === null || v === undefined) return String(v);
		if (typeof v === 'string') return v;
		if (typeof v !== 'object') return String(v);
		if (v instanceof ArrayBuffer) return 'hex:' + hex(new Uint8Array(v));
		if (ArrayBuffer.isView(v)) return 'hex:' + hex(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
		if (v instanceof Blob) return 'hex:' + hex(new Uint8Array(await v.arrayBuffer()));
		if (v instanceof Date) return v.toISOString();
		const parts = [];
		if (v instanceof Map) { for (const [k, x] of v) parts.push(await ser(k) + '=' + await ser(x)); }
		else if (Array.isArray(v) || v instanceof Set) { for (const x of v) parts.push(await ser(x)); }
		else { for (const [k, x] of Object.entries(v)) parts.push(k + '=' + await ser(x)); }
		return '{' + parts.join(' ') + '}';
	}
	const out = [];
	let stores = 0;
	for (const info of await indexedDB.databases()) {
		const db = await req(indexedDB.open(info.name));
		for (const name of db.objectStoreNames) {
			stores++;
			const st = db.transaction(name, 'readonly').objectStore(name);
			const keys = await req(st.getAllKeys());
			const vals = await req(st.getAll());
			for (let i = 0; i < keys.length; i++) out.push('idb ' + info.name + '/' + name + ' ' + await ser(keys[i]) + ' -> ' + await ser(vals[i]));
		}
		db.close();
	}
	for (const [n, s] of [['localStorage', localStorage], ['sessionStorage', sessionStorage]]) {
		for (let i = 0; i < s.length; i++) out.push(n + ' ' + s.key(i) + ' -> ' + s.getItem(s.key(i)));
	}
	out.push('cookie ' + document.cookie);
	for (const name of await caches.keys()) {
		for (const r of await (await caches.open(name)).keys()) out.push('cache ' + name + ' ' + r.url);
	}
	out.push('dom ' + document.documentElement.outerHTML);
	for (const el of document.querySelectorAll('input, textarea, select')) out.push('field #' + el.id + ' -> ' + el.value);
	return {stores, items: out};
})()`

type storageDump struct {
	Stores int      `json:"stores"`
	Items  []string `json:"items"`
}

// assertNoSeed fails if the seed appears in data in any form: raw, hex,
// base32 (any case, padded or not, grouped), base64 (standard or URL, at any
// alignment inside a longer encoded run).
func assertNoSeed(t *testing.T, where string, data, seed []byte) {
	t.Helper()
	for _, cand := range decodings(data) {
		if bytes.Contains(cand, seed) {
			t.Errorf("%s holds a seed in plaintext: %.200q", where, data)
			return
		}
	}
	lower := bytes.ToLower(data)
	b32 := strings.TrimRight(otpauth.EncodeSecret(seed), "=")
	for _, form := range []string{
		hex.EncodeToString(seed),
		strings.ToLower(b32),
		strings.ToLower(otpauth.GroupSecret(seed)),
		strings.ToLower(strings.ReplaceAll(otpauth.GroupSecret(seed), " ", "-")),
	} {
		if bytes.Contains(lower, []byte(form)) {
			t.Errorf("%s holds a seed (%s): %.200q", where, form, data)
			return
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		// A seed inside a longer structure is encoded differently at each
		// of the three byte alignments; the middle of each is stable.
		for pad := range 3 {
			s := enc.EncodeToString(append(make([]byte, pad), seed...))
			s = strings.TrimRight(s, "=")
			inner := s[(pad*4+2)/3+1 : len(s)-2]
			if bytes.Contains(data, []byte(inner)) {
				t.Errorf("%s holds a seed in base64: %.200q", where, data)
				return
			}
		}
	}
}

// decodings returns data itself and the bytes of every long hex, base32 or
// base64 run in it, decoded at every alignment.
func decodings(data []byte) [][]byte {
	out := [][]byte{data}
	isHex := func(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
	isB32 := func(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '2' && c <= '7' }
	isB64 := func(c byte) bool {
		return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("+/-_", c) >= 0
	}
	runs := func(ok func(byte) bool, min int) [][]byte {
		var rs [][]byte
		start := -1
		for i := 0; i <= len(data); i++ {
			if i < len(data) && ok(data[i]) {
				if start < 0 {
					start = i
				}
				continue
			}
			if start >= 0 && i-start >= min {
				rs = append(rs, data[start:i])
			}
			start = -1
		}
		return rs
	}
	for _, r := range runs(isHex, 32) {
		for off := range 2 {
			s := r[off:]
			s = s[:len(s)/2*2]
			if b, err := hex.DecodeString(string(s)); err == nil {
				out = append(out, b)
			}
		}
	}
	for _, r := range runs(isB32, 24) {
		up := bytes.ToUpper(r)
		for off := range 8 {
			s := up[off:]
			s = s[:len(s)/8*8]
			if b, err := base32.StdEncoding.DecodeString(string(s)); err == nil {
				out = append(out, b)
			}
		}
	}
	for _, r := range runs(isB64, 24) {
		for off := range 4 {
			s := string(r[off:])
			s = s[:len(s)/4*4]
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
				if b, err := enc.DecodeString(s); err == nil {
					out = append(out, b)
				}
			}
		}
	}
	return out
}

func TestNoSeedInPlaintext(t *testing.T) {
	tb := newTab(t)
	tb.createVault(passphrase)
	manualSeed := newSecret(t, 20)
	scannedSeed := newSecret(t, 20)
	tb.addManual(manual{Issuer: "Typed", Account: "grace", Secret: spaced(manualSeed)})
	tb.openAdd()
	png := writePNG(t, t.TempDir(), "code.png", qrImage(t, totpURI("Scanned", "heidi", scannedSeed), 5))
	tb.do(chromedp.SetUploadFiles(chromedp.CSS("#image-input"), []string{png}))
	tb.waitNewRow(1)
	// The settings (auto-lock, clock) are in localStorage too.
	tb.click("#settings-btn")
	tb.do(chromedp.SetValue(chromedp.CSS("#autolock"), "10"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#autolock').dispatchEvent(new Event('change', {bubbles: true}))`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#settings-dialog').close()`))

	check := func(when string) {
		t.Helper()
		d := eval[storageDump](tb, dumpStorageJS)
		if d.Stores == 0 {
			t.Fatalf("%s: no IndexedDB object store found; the dump would prove nothing", when)
		}
		idb := 0
		for _, item := range d.Items {
			if strings.HasPrefix(item, "idb ") {
				idb++
			}
			data := []byte(item) // hex and base64 inside are decoded by assertNoSeed
			for _, seed := range [][]byte{manualSeed, scannedSeed} {
				assertNoSeed(t, when+": "+strings.SplitN(item, " ", 2)[0], data, seed)
			}
		}
		if idb == 0 {
			t.Errorf("%s: IndexedDB holds no record; where is the vault?", when)
		}
	}
	check("unlocked")
	tb.click("#lock-btn")
	tb.waitView("unlock")
	check("locked")
	// And after a reload, before unlocking.
	tb.do(chromedp.Reload())
	tb.waitView("unlock")
	time.Sleep(200 * time.Millisecond)
	check("reloaded")
}
