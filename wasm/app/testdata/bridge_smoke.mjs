// Runs the built twofold.wasm in node against a minimal asynchronous fake of
// the IndexedDB calls the bridge makes, and checks the public API end to end.
// Usage: node bridge_smoke.mjs GOROOT/lib/wasm twofold.wasm
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
await rejects(t.qr.decode(new Uint8ClampedArray(4 * 10 * 10), 10, 10), "no_qr");
await rejects(t.qr.decode(new Uint8ClampedArray(3), 10, 10), "bad_frame");
await rejects(t.qr.decode([1, 2, 3], 1, 1), "bad_argument");

const backup = await t.transfer.exportBackup("backup pass");
assert.ok(backup instanceof Uint8Array);
assert.ok((await t.transfer.exportURIs()).includes(seed));
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
const imported = await t.transfer.importBackup(backup, "backup pass");
assert.equal(imported.added.length, 0);
assert.equal(imported.problems.length, 2);
assert.deepEqual(imported.conflicts, []);
// Same name, another key: held until the person chooses.
const clash = await rejects(t.accounts.add("otpauth://totp/Oracle:ana?secret=JBSWY3DPEHPK3PXPJBSWY3DP&issuer=Oracle"), "name_conflict");
assert.deepEqual([clash.details.existingId, clash.details.label, clash.details.existingLabel], [a.id, "Oracle (ana)", "Oracle (ana)"]);
await rejects(t.accounts.resolve(clash.details.conflictId, "maybe"), "bad_argument");
assert.equal((await t.accounts.resolve(clash.details.conflictId, "keep")).label, "Oracle (ana #2)");
await rejects(t.accounts.resolve(clash.details.conflictId, "keep"), "not_found");
assert.deepEqual(await t.storage.persist(), { supported: false, persisted: false });
await t.shutdown();
assert.equal(globalThis.twofold, undefined);
console.log(`ok: create ${createMs} ms, wrong-passphrase unlock ${unlockMs} ms (Argon2id m=64 MiB t=3 p=1)`);
