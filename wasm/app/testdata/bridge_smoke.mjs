// Runs the built twofold.wasm in node against a minimal asynchronous fake of
// the IndexedDB calls the bridge makes, and checks the public API end to end.
// Usage: node bridge_smoke.mjs GOROOT/lib/wasm twofold.wasm twofold-transfer.wasm
import fs from "node:fs";
import assert from "node:assert/strict";

(0, eval)(fs.readFileSync(process.argv[2] + "/wasm_exec.js", "utf8"));
const stored = new Map();
const later = (f) => setTimeout(f, 0);
globalThis.indexedDB = { open() {
  const req = {};
  const db = {
    objectStoreNames: { contains: () => false },
    createObjectStore(name) { assert.equal(name, "blobs"); },
    transaction(name, mode, opts) {
      assert.equal(name, "blobs");
      const tx = {};
      tx.objectStore = () => ({
        get(k) { const r = {}; later(() => { r.result = stored.get(k); r.onsuccess({}); }); return r; },
        put(v, k) { assert.equal(mode, "readwrite"); assert.equal(opts.durability, "strict"); stored.set(k, new Uint8Array(v)); later(() => tx.oncomplete({})); },
        delete(k) { stored.delete(k); later(() => tx.oncomplete({})); },
      });
      return tx;
    },
  };
  later(() => { req.result = db; req.onupgradeneeded && req.onupgradeneeded({}); later(() => req.onsuccess({})); });
  return req;
} };

// The transfer module, as the page's server would send it; counted, since
// only a file of another app, an export through it or a QR code to decode
// may fetch it.
let fetched = 0;
globalThis.fetch = async (url) => {
  assert.equal(url, "twofold-transfer.wasm");
  fetched++;
  return new Response(fs.readFileSync(process.argv[4]), { headers: { "Content-Type": "application/wasm" } });
};

const go = new Go();
const { instance } = await WebAssembly.instantiate(fs.readFileSync(process.argv[3]), go.importObject);
go.run(instance);
const t = globalThis.twofold;
const rejects = async (p, code) => {
  try { await p; } catch (e) { assert.equal(e.name, "TwofoldError"); assert.equal(e.code, code, e.message); return e; }
  assert.fail("expected a rejection with " + code);
};
const seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

assert.equal(t.version, "1");
assert.deepEqual(t.accounts.validateKey("JBSW Y3D1"),
  { ok: false, message: "the key cannot have '1' (character 9): a key has only the letters A to Z and the digits 2 to 7; did you mean I or L?", position: 9, char: "1", bits: 0, warnings: [], summary: "", link: false, label: "" });
assert.equal((await t.vault.status()).exists, false);
await rejects(t.accounts.list(), "locked");
await rejects(t.vault.create(), "bad_argument");
await rejects(t.vault.create(5), "bad_argument");
await rejects(t.vault.create("short"), "weak_passphrase");
let start = Date.now();
await t.vault.create("correct horse");
const createMs = Date.now() - start;

const a = await t.accounts.add(`otpauth://totp/Oracle:ana?secret=${seed}&issuer=Oracle`);
assert.equal(a.label, "Oracle (ana)");
const dup = await rejects(t.accounts.add(`otpauth://totp/X:y?secret=${seed}`), "duplicate");
assert.deepEqual(dup.details, { existingId: a.id });
const h = await t.accounts.addManual({ account: "bob", secret: "JBSWY3DPEHPK3PXP", type: "hotp" });
const bad = await rejects(t.accounts.addManual({ account: "bob", secret: "JBSWY3D1" }), "bad_key");
assert.deepEqual(bad.details, { position: 8, char: "1" });
await rejects(t.accounts.addManual({ account: "bob", secret: 5 }), "bad_argument");
const codes = await t.accounts.codes(59000); // RFC 6238 Appendix B, T = 59
assert.equal(codes[0].current, "287082");
assert.equal(codes[0].remainingMs, 1000);
assert.equal((await t.accounts.nextHOTP(h.id)).counter, 0);
assert.equal((await t.accounts.nextHOTP(h.id)).counter, 1);
await t.accounts.reorder([h.id, a.id]);
await rejects(t.accounts.reorder([h.id, 7]), "bad_argument");
// Frames that are not ones are refused before the decoder (in the
// transfer module) is needed.
await rejects(t.qr.decode(new Uint8ClampedArray(3), 10, 10), "bad_frame");
await rejects(t.qr.decode([1, 2, 3], 1, 1), "bad_argument");

const backup = await t.transfer.exportBackup("backup pass");
assert.ok(backup instanceof Uint8Array);
const plain = await t.transfer.exportPlain("correct horse", "otpauth");
assert.ok(new TextDecoder().decode(plain.file).includes(seed));
for (const blob of stored.values()) { // no seed in storage, raw or base32
  const text = Buffer.from(blob).toString("latin1");
  assert.ok(!text.includes(seed) && !text.includes("12345678901234567890"));
}

await t.vault.lock();
await rejects(t.accounts.codes(59000), "locked");
start = Date.now();
await rejects(t.vault.unlock("nope nope"), "wrong_passphrase");
const unlockMs = Date.now() - start;
await t.vault.unlock("correct horse");
const list = await t.accounts.list();
assert.deepEqual(list.map((x) => x.id), [h.id, a.id]);
assert.equal(list[0].counter, 2);
await rejects(t.transfer.preview(backup, "auto", ""), "password_required");
await rejects(t.transfer.preview(backup, "auto", "wrong pass"), "wrong_password");
const again = await t.transfer.preview(backup, "auto", "backup pass");
assert.deepEqual(again.items.map((i) => [i.status, i.existingId]), [["duplicate", h.id], ["duplicate", a.id]]);
await t.transfer.cancelPreview();
await rejects(t.transfer.commit(again.id, ["add", "add"]), "not_found");
// Same name, another key: held until the person chooses.
const clash = await rejects(t.accounts.add("otpauth://totp/Oracle:ana?secret=JBSWY3DPEHPK3PXPJBSWY3DP&issuer=Oracle"), "name_conflict");
assert.deepEqual([clash.details.existingId, clash.details.label, clash.details.existingLabel], [a.id, "Oracle (ana)", "Oracle (ana)"]);
await rejects(t.accounts.resolve(clash.details.conflictId, "maybe"), "bad_argument");
assert.equal((await t.accounts.resolve(clash.details.conflictId, "keep")).label, "Oracle (ana #2)");
await rejects(t.accounts.resolve(clash.details.conflictId, "keep"), "not_found");
assert.deepEqual(await t.storage.persist(), { supported: false, persisted: false });

// The list's calls.
const edited = await t.accounts.edit(a.id, { issuer: "Oracle", account: "ana", icon: "o", tags: ["Work", " work ", ""] });
assert.deepEqual([edited.icon, edited.tags], ["O", ["Work"]]);
await rejects(t.accounts.edit(a.id, { issuer: "Oracle", account: "ana", tags: [1] }), "bad_argument");
await rejects(t.accounts.edit(a.id, { issuer: "Oracle", account: "ana", icon: "ab" }), "invalid_account");
assert.equal((await t.accounts.setPinned(a.id, true)).pinned, true);
await t.accounts.setSettings({ sort: "name", hideCodes: true });
assert.deepEqual(await t.accounts.settings(), { sort: "name", hideCodes: true });
await rejects(t.accounts.setSettings({ sort: "name" }), "bad_argument");
assert.equal((await t.accounts.list())[0].id, a.id); // pinned first
assert.equal((await t.accounts.setCounter(h.id, 3)).counter, 3);
await rejects(t.accounts.setCounter(h.id, 1.5), "bad_argument");
await rejects(t.accounts.resync(h.id, "000000", "000000"), "resync_failed");
// sync.remove takes one id or a list of ids; anything else is refused
// before the vault is read (sync is off here).
await rejects(t.sync.remove(5), "bad_argument");
await rejects(t.sync.remove([1]), "bad_argument");
await rejects(t.sync.remove("sdv_aaaa"), "sync_off");
await rejects(t.sync.remove(["sdv_aaaa", "sdv_bbbb"]), "sync_off");
await t.accounts.markUsed(a.id);
assert.ok((await t.accounts.list())[0].lastUsedMs > 0);

// A native format previews without the transfer module; another app's
// file loads it once, then its entries are previewed and committed.
const links = new TextEncoder().encode("otpauth://totp/List:one?secret=MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U\n");
const native = await t.transfer.preview(links, "auto", "");
assert.deepEqual([native.format, native.items.map((i) => i.status)], ["otpauth", ["new"]]);
assert.equal(fetched, 0);
const freeotp = new TextEncoder().encode(JSON.stringify({ tokenOrder: ["F:x"], tokens: [
  { algo: "SHA1", counter: 0, digits: 6, issuerExt: "F", label: "x", period: 30, secret: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -1, -2, -3, -4, -5, -6], type: "TOTP" },
  { algo: "MD5", counter: 0, digits: 6, issuerExt: "Old", label: "md5", period: 30, secret: [1, 2, 3], type: "TOTP" }] }));
const p = await t.transfer.preview(freeotp, "auto", "");
assert.equal(fetched, 1);
assert.deepEqual([p.format, p.formatName, p.items.map((i) => i.status)], ["freeotp-plus", "FreeOTP+", ["new", "skipped"]]);
assert.equal(p.items[1].code, "unsupported_account");
await rejects(t.transfer.preview(freeotp.slice(0, 40), "auto", ""), "damaged_file");
await rejects(t.transfer.commit(p.id, ["add"]), "bad_argument");
const committed = await t.transfer.commit(p.id, ["add", ""]);
assert.deepEqual(committed.added.map((x) => x.label), ["F (x)"]);
await rejects(t.transfer.exportPlain("wrong pass", "aegis"), "wrong_passphrase");
const aegis = await t.transfer.exportPlain("correct horse", "aegis");
assert.ok(aegis.file instanceof Uint8Array && new TextDecoder().decode(aegis.file).includes('"issuer": "F"'));
const ga = await t.transfer.exportPlain("correct horse", "google");
assert.ok(ga.codes.length >= 1 && ga.codes[0].modules.length === ga.codes[0].size ** 2 && ga.file === null);
const one = await t.transfer.exportPlain("correct horse", "qr", a.id);
assert.equal(one.codes.length, 1);
// QR codes are decoded in the transfer module, already loaded.
await rejects(t.qr.decode(new Uint8ClampedArray(4 * 10 * 10), 10, 10), "no_qr");
assert.equal(fetched, 1); // loaded once
await t.shutdown();
assert.equal(globalThis.twofold, undefined);
console.log(`ok: create ${createMs} ms, wrong-passphrase unlock ${unlockMs} ms (Argon2id m=64 MiB t=3 p=1)`);
// Exit now: a Go program that has exited may leave a runtime timer (the
// memory scavenger's, after the transfer module's large messages) scheduled
// in wasm_exec.js, whose callback then throws "Go program has already
// exited" into node's event loop after every check above has passed.
process.exit(0);
