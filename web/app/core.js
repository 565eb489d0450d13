// core.js starts the Go/WebAssembly authenticator and adapts its bridge,
// globalThis.twofold (documented in twofold.d.ts), to what the page needs.
// It is the only file that knows the bridge's names, so a change there is a
// change here. Secrets never cross this boundary, except through exportPlain
// (the explicit plain exports, after the passphrase again) and what a person
// types into the manual form. The transfer module (twofold-transfer.wasm)
// is Go's business: the bridge loads it on the first import or export that
// needs it.

const WASM_URL = "twofold.wasm";

// BridgeError is a rejected bridge call: a stable code and a sentence.
export class BridgeError extends Error {
  constructor(code, message, details) {
    super(message);
    this.name = "BridgeError";
    this.code = code;
    this.details = details || {};
  }
}

function asError(err) {
  if (err instanceof BridgeError) return err;
  if (err && typeof err === "object" && typeof err.code === "string") {
    return new BridgeError(err.code, String(err.message || err.code), err.details);
  }
  if (err instanceof Error) return new BridgeError("internal", err.message);
  return new BridgeError("internal", String(err));
}

// Codes of a write that met another tab's save (twofold.d.ts): the page
// redraws or locks through onVaultChange before the caller shows the message.
const VAULT_CHANGES = new Set(["vault_changed", "passphrase_changed"]);
let vaultChangeHandler = null;

// call runs a bridge function and normalises its failures, sync or async.
async function call(fn, ...args) {
  try {
    return await fn(...args);
  } catch (err) {
    const e = asError(err);
    if (VAULT_CHANGES.has(e.code) && vaultChangeHandler) vaultChangeHandler(e);
    throw e;
  }
}

// Tabs of this profile share the vault. Go holds a Web Lock around each save
// and refuses a stale one; this channel tells the other tabs that a save
// landed ("changed", from Go's "twofold-saved" event) or that the person
// locked the vault ("locked").
const tabs = "BroadcastChannel" in globalThis ? new BroadcastChannel("twofold-vault") : null;
if (tabs) globalThis.addEventListener("twofold-saved", () => tabs.postMessage({ type: "changed" }));

function callSync(fn, ...args) {
  try {
    return fn(...args);
  } catch (err) {
    throw asError(err);
  }
}

async function loadWasm() {
  if (typeof WebAssembly !== "object") {
    throw new Error("This browser cannot run WebAssembly, which Twofold needs. Use a current Chrome, Edge, Firefox or Safari.");
  }
  if (typeof Go !== "function") {
    throw new Error("A part of Twofold (wasm_exec.js) did not load. Check the connection and reload.");
  }
  const go = new Go();
  let result;
  try {
    result = await WebAssembly.instantiateStreaming(fetch(WASM_URL), go.importObject);
  } catch (_) {
    // A server that does not say application/wasm: read it whole instead.
    const resp = await fetch(WASM_URL);
    if (!resp.ok) throw new Error(`Twofold's program could not be downloaded (HTTP ${resp.status}).`);
    result = await WebAssembly.instantiate(await resp.arrayBuffer(), go.importObject);
  }
  const exited = go.run(result.instance);
  return { exited };
}

async function waitForBridge(exited) {
  let stopped = false;
  exited.then(() => { stopped = true; }, () => { stopped = true; });
  for (let i = 0; i < 400; i++) {
    const ns = globalThis.twofold;
    if (ns && typeof ns === "object" && ns.vault && typeof ns.vault.status === "function") return ns;
    if (stopped) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("Twofold's program stopped while starting. Reload the page to try again.");
}

function viewOf(a) {
  return {
    id: a.id,
    issuer: a.issuer || "",
    account: a.account || "",
    type: a.type,
    algorithm: a.algorithm,
    digits: a.digits,
    period: a.period,
    counter: a.counter || 0,
    pinned: !!a.pinned,
    tags: Array.isArray(a.tags) ? a.tags : [],
    icon: a.icon || "",
    lastUsedMs: a.lastUsedMs || 0,
    push: !!a.push,
    pushOffered: !!a.pushOffered,
    pushServer: a.pushServer || "",
  };
}

// createCore loads the wasm and returns the page's view of the bridge.
export async function createCore() {
  const { exited } = await loadWasm();
  const ns = await waitForBridge(exited);
  const { vault, accounts, qr, transfer } = ns;
  const push = ns.push || null;
  const passkey = ns.passkey || null;
  return {
    version: typeof ns.version === "string" ? ns.version : "",
    exited,

    async status() { return call(vault.status); },
    async vaultExists() { return call(vault.exists); },
    async createVault(passphrase) { await call(vault.create, passphrase); },
    async unlock(passphrase) { await call(vault.unlock, passphrase); },
    async lock() { await call(vault.lock); },
    async changePassphrase(oldPass, newPass) { await call(vault.changePassphrase, oldPass, newPass); },
    // reload catches up with a save of another tab; true if the accounts changed.
    async reload() { return call(vault.reload); },
    // onOtherTab receives the other tabs' messages: {type: "changed" | "locked"}.
    onOtherTab(handler) { if (tabs) tabs.addEventListener("message", (ev) => handler(ev.data || {})); },
    tellOtherTabs(type) { if (tabs) tabs.postMessage({ type }); },
    // onVaultChange receives a write's "vault_changed" (refused, the list
    // reloaded) or "passphrase_changed" (locked) error.
    onVaultChange(handler) { vaultChangeHandler = handler; },
    canChangePassphrase: typeof vault.changePassphrase === "function",
    // shutdown locks the vault and stops the Go program (page unload).
    shutdown() { if (typeof ns.shutdown === "function") ns.shutdown().catch(() => {}); },
    isWrongPassphrase(err) { return !!err && err.code === "wrong_passphrase"; },

    async accounts() { return (await call(accounts.list)).map(viewOf); },

    // codes returns, for every account, the code now (device clock plus the
    // vault's clock correction), the next one and the seconds left.
    async codes() {
      const list = await call(accounts.codes, Date.now());
      return list.map((c) => ({
        id: c.id,
        type: c.type,
        code: c.current || "",
        next: c.next || "",
        remaining: Math.max(1, Math.ceil((c.remainingMs || 0) / 1000)),
        period: c.period,
        counter: c.counter || 0,
      }));
    },

    async addURI(uri) { return viewOf(await call(accounts.add, uri)); },
    async addManual(f) {
      return viewOf(await call(accounts.addManual, {
        issuer: f.issuer,
        account: f.account,
        secret: f.secret,
        type: f.type,
        algorithm: f.algorithm,
        digits: f.digits,
        period: f.period,
        counter: f.counter,
      }));
    },
    // checkKey validates a key as it is typed: {ok, message, position, char, bits}.
    checkKey(typed) { return callSync(accounts.validateKey, typed); },

    // resolve applies the person's choice for an account held back by a
    // name conflict ("replace", "keep", "skip"): the account stored, or null.
    async resolve(conflictId, choice) {
      const a = await call(accounts.resolve, conflictId, choice);
      return a ? viewOf(a) : null;
    },
    async rename(id, issuer, account) { return viewOf(await call(accounts.rename, id, issuer, account)); },
    // edit changes an account's issuer, name, icon letter and groups.
    async edit(id, f) { return viewOf(await call(accounts.edit, id, { issuer: f.issuer, account: f.account, icon: f.icon, tags: f.tags })); },
    async setPinned(id, pinned) { return viewOf(await call(accounts.setPinned, id, pinned)); },
    // settings are the list's: {sort: "manual"|"name"|"issuer"|"recent", hideCodes}.
    async settings() { return call(accounts.settings); },
    async setSettings(s) { await call(accounts.setSettings, { sort: s.sort, hideCodes: !!s.hideCodes }); },
    async setCounter(id, counter) { return viewOf(await call(accounts.setCounter, id, counter)); },
    async resync(id, code1, code2) { return viewOf(await call(accounts.resync, id, code1, code2)); },
    async markUsed(id) { await call(accounts.markUsed, id); },
    async remove(id) { await call(accounts.delete, id); },
    trash() { return call(accounts.trash); },
    async restore(id) { return viewOf(await call(accounts.restore, id)); },
    async purge(id) { await call(accounts.purge, id); },
    async reorder(ids) { await call(accounts.reorder, ids); },
    async nextHOTP(id) { return call(accounts.nextHOTP, id); },

    // scan reads the QR code of an RGBA frame and adds what it holds:
    // {kind: "otpauth", account} or {kind: "otpauth-migration", import}, or
    // null when the frame has no readable code.
    async scan(rgba, width, height) {
      try {
        const r = await call(qr.decode, rgba, width, height);
        return {
          kind: r.kind,
          account: r.account ? viewOf(r.account) : null,
          import: r.import || null,
          pairing: r.pairing || null, // kind "twofold-pair": sync.js joins with it
        };
      } catch (err) {
        if (err.code === "no_qr") return null;
        throw err;
      }
    },

    async importGA(uri) { return call(transfer.importGA, uri); },
    async exportBackup(passphrase) { return call(transfer.exportBackup, passphrase); },
    // preview reads a file (bytes, zeroed here once read) and says what it
    // would add: {id, format, formatName, items, warnings}; nothing is saved.
    async preview(bytes, format, password) {
      try {
        return await call(transfer.preview, bytes, format, password || "");
      } finally {
        bytes.fill(0);
      }
    },
    // commit adds the preview's chosen items (one choice per item) in one save.
    async commit(previewId, choices) { return call(transfer.commit, previewId, choices); },
    async cancelPreview() { await call(transfer.cancelPreview); },
    // exportPlain checks the passphrase again and returns {format, file,
    // codes: [{size, modules}], skipped, count}: SECRETS IN PLAINTEXT.
    async exportPlain(passphrase, format, accountId) {
      return accountId ? call(transfer.exportPlain, passphrase, format, accountId) : call(transfer.exportPlain, passphrase, format);
    },
    // exportPlainWithPasskey is exportPlain confirmed by a passkey: its id
    // and PRF output, which the caller zeroes once the call settled.
    async exportPlainWithPasskey(id, prf, format, accountId) {
      return accountId ? call(transfer.exportPlainWithPasskey, id, prf, format, accountId) : call(transfer.exportPlainWithPasskey, id, prf, format);
    },
    async setClockOffset(ms) { await call(accounts.setClockOffset, ms); },

    // Passkey unlock (twofold.passkey; web/app/passkey.js runs WebAuthn).
    // Ids and the salt are base64url; a PRF output goes in as a Uint8Array,
    // which the caller zeroes once the call settled.
    hasPasskey: !!passkey,
    async passkeyList() { return call(passkey.list); },
    async passkeySalt(passphrase) { return call(passkey.salt, passphrase); },
    async passkeyAdd(passphrase, id, prf) { await call(passkey.add, passphrase, id, prf); },
    async passkeyRemove(id) { await call(passkey.remove, id); },
    async passkeyUnlock(id, prf) { await call(passkey.unlock, id, prf); },

    // Push sign-in prompts (twofold.push). The key stays in Go; events
    // arrive as "twofold-push" on globalThis: {type: "status"|"prompt"|
    // "settled", accountId, status?, prompt?, promptId?, outcome?}.
    hasPush: !!push,
    async pushEnable(id) { return call(push.enable, id); },
    async pushDisable(id) { await call(push.disable, id); },
    async pushStatus() { return call(push.status); },
    async pushStart() { await call(push.start); },
    async pushStop() { await call(push.stop); },
    async pushPrompts() { return call(push.prompts); },
    // pushAnswer resolves once the server settled the prompt: {outcome}.
    async pushAnswer(promptId, decision, number) { return call(push.answer, promptId, decision, number); },
    onPush(handler) {
      const listener = (ev) => handler(ev.detail || {});
      globalThis.addEventListener("twofold-push", listener);
      return () => globalThis.removeEventListener("twofold-push", listener);
    },
  };
}
