// sync.js is the page's side of sync between browsers (docs/vault-format.md,
// "Sync between browsers"): turning sync on (after saying that without the
// recovery key nobody can restore), the recovery key shown once with an
// "I saved it" check, the pairing code and its confirmation number, joining
// by a scanned code, the device list with its last sync, removal (of the
// browsers selected, together: one change of key), recovery
// on a fresh browser, and live updates while the page is open. Everything
// secret stays in the Go core (twofold.sync); this script draws.

import { el } from "./notices.js";

const $ = (sel, root = document) => root.querySelector(sel);

function api() {
  const ns = globalThis.twofold && globalThis.twofold.sync;
  if (!ns) throw Object.assign(new Error("Sync is not available in this version of the authenticator."), { code: "sync_server" });
  return ns;
}

async function call(name, ...args) {
  try {
    return await api()[name](...args);
  } catch (err) {
    if (err instanceof Error) throw err;
    throw Object.assign(new Error((err && err.message) || String(err)), { code: err && err.code });
  }
}

function when(iso) {
  if (!iso) return "never";
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleString();
}

function browserName() {
  const ua = navigator.userAgent;
  const b = /Firefox\//.test(ua) ? "Firefox" : /Edg\//.test(ua) ? "Edge" : /Chrome\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : "Browser";
  const p = /Windows/.test(ua) ? "Windows" : /Mac OS/.test(ua) ? "macOS" : /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Linux/.test(ua) ? "Linux" : "";
  return p ? `${b} on ${p}` : b;
}

// drawQR paints a QR code's modules (size × size, 1 dark) on a canvas,
// with a quiet zone of 4 modules.
function drawQR(canvas, size, modules, scale = 6) {
  const n = size + 8;
  canvas.width = canvas.height = n * scale;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#000";
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (modules[y * size + x]) ctx.fillRect((x + 4) * scale, (y + 4) * scale, scale, scale);
    }
  }
}

// printSheet prints the recovery key alone (not the page behind it), from
// a blank window of this origin that runs no script.
function printSheet(r) {
  const w = window.open("", "_blank");
  if (!w) { window.print(); return; }
  const pre = w.document.createElement("pre");
  pre.style.font = "16pt monospace";
  pre.textContent = `Twofold recovery key\n\n${r.recoveryKey}\n\nSync identity: ${r.identity}\nServer: ${r.server}\n\n` +
    "Keep this safe. With it, anyone can restore your accounts; without it and your browsers, nobody can.";
  w.document.body.append(pre);
  w.document.title = "Twofold recovery key";
  w.print();
  w.close();
}

export function createSyncUI({ status, message, refresh }) {
  const panel = $("#sync-panel");
  const body = $("#sync-body");
  let running = false;
  let generation = 0;
  let pairTimer = null;
  const conflictsSeenKey = "twofold-sync-conflicts-seen"; // the latest report said, for every tab

  function show(...nodes) { body.replaceChildren(...nodes); }
  function error(err) {
    const p = el("p", { class: "error", role: "alert", text: message(err) });
    body.append(p);
  }

  async function render() {
    if (!panel) return;
    let st;
    try {
      st = await call("status");
    } catch (err) {
      show(el("p", { class: "muted", text: message(err) }));
      return;
    }
    if (!st.on) return renderOff();
    const last = st.lastSyncMs ? new Date(st.lastSyncMs).toLocaleString() : "not yet";
    const list = el("ul", { class: "sync-devices", id: "sync-devices" });
    const conflicts = st.conflicts || [];
    const reports = conflicts.length ? [
      el("h4", { text: "Edited on two browsers" }),
      el("p", { class: "muted", text: "These accounts were changed on two browsers before they synced; the later change was kept. Check that each still shows the right name and code." }),
      el("ul", { class: "sync-conflicts", id: "sync-conflicts" }, ...conflicts.slice().reverse().map((c) =>
        el("li", { "data-id": c.id, text: `${c.label || "An account since deleted"} — found ${new Date(c.atMs).toLocaleString()}` }))),
      el("div", { class: "actions" }, el("button", { type: "button", id: "sync-conflicts-dismiss", text: "Dismiss", onclick: async () => {
        try { await call("dismissConflicts"); } catch (err) { error(err); return; }
        render();
      } })),
    ] : [];
    show(
      el("p", { id: "sync-state", text: `Sync is on (${st.name}). Last sync: ${last}.${st.pending ? ` ${st.pending} change(s) waiting to be sent.` : ""}` }),
      el("p", { class: "muted small-print", text: `Sync identity: ${st.identity}` }),
      el("div", { class: "actions" },
        el("button", { type: "button", id: "sync-pair", text: "Add a browser (show a pairing code)", onclick: openPairing }),
        el("button", { type: "button", id: "sync-now", text: "Sync now", onclick: () => syncOnce(0).then(render) })),
      ...reports,
      el("h4", { text: "Browsers" }), list,
    );
    try {
      const d = await call("devices");
      if (d.rotationDue) list.before(el("p", { class: "warning", id: "sync-rotation", text: "A browser was removed or this one was recovered: select the browsers you no longer have and remove them together, so the key is changed once." }));
      const others = d.devices.filter((dev) => !dev.this);
      const boxes = [];
      const removeSelected = el("button", { type: "button", id: "sync-remove-selected", text: "Remove selected", disabled: true,
        onclick: () => removeBrowsers(others.filter((_, i) => boxes[i].checked)) });
      for (const dev of d.devices) {
        const name = dev.name || dev.id;
        const text = `${name}${dev.this ? " (this browser)" : ""} — last sync ${when(dev.lastSeenAt)}`;
        const li = el("li", { "data-device": dev.id });
        if (dev.this) {
          li.append(el("span", { text }));
        } else {
          const box = el("input", { type: "checkbox", id: `sync-select-${dev.id}`, class: "sync-select" });
          box.onchange = () => { removeSelected.disabled = !boxes.some((b) => b.checked); };
          boxes.push(box);
          li.append(el("span", { class: "check" }, box, el("label", { for: box.id, text })),
            el("button", { type: "button", class: "ghost", text: "Remove", "aria-label": `Remove ${name}`, onclick: () => removeBrowsers([dev]) }));
        }
        list.append(li);
      }
      if (others.length) list.after(el("div", { class: "actions" }, removeSelected));
    } catch (err) {
      error(err);
    }
  }

  // removeBrowsers removes the browsers devs (the list's entries) in one
  // call, after one confirm naming them: the key is changed once.
  async function removeBrowsers(devs) {
    if (!devs.length) return;
    const names = devs.map((dev) => dev.name || dev.id);
    const ask = devs.length === 1
      ? `Remove ${names[0]}? It will get nothing new (the key is changed).`
      : `Remove ${devs.length} browsers: ${names.join(", ")}? They will get nothing new (the key is changed once).`;
    if (!confirm(ask)) return;
    for (const b of body.querySelectorAll("#sync-devices button, #sync-remove-selected")) b.disabled = true;
    try {
      await call("remove", devs.map((dev) => dev.id));
      await refresh(); // the change of key merged what the server had
      status(devs.length === 1 ? "1 browser removed; the key was changed once." : `${devs.length} browsers removed; the key was changed once.`);
    } catch (err) {
      status(message(err), { error: true });
    }
    render();
  }

  function renderOff() {
    const name = el("input", { type: "text", id: "sync-name", value: browserName(), maxLength: 100 });
    const understood = el("input", { type: "checkbox", id: "sync-understood" });
    const on = el("button", { type: "button", class: "primary", id: "sync-enable", text: "Turn sync on", disabled: true });
    understood.onchange = () => { on.disabled = !understood.checked; };
    on.onclick = async () => {
      on.disabled = true;
      try {
        const r = await call("enable", name.value.trim() || browserName());
        showRecoveryKey(r);
      } catch (err) {
        on.disabled = false;
        error(err);
      }
    };
    const code = el("input", { type: "text", id: "sync-join-code", placeholder: "twofold-pair:v1?…", autocomplete: "off" });
    const file = el("input", { type: "file", id: "sync-join-image", accept: "image/*" });
    file.onchange = () => file.files[0] && joinFromImage(file.files[0]);
    const rid = el("input", { type: "text", id: "sync-recover-identity", placeholder: "sid_…", autocomplete: "off" });
    const rkey = el("input", { type: "text", id: "sync-recover-key", placeholder: "XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX", autocomplete: "off", spellcheck: false });
    show(
      el("p", { text: "Sync keeps this vault the same in every browser you pair, through this server. Everything is encrypted in the browser: the server stores only ciphertext and can read no key, name or code." }),
      el("p", { class: "warning", text: "You get a recovery key when you turn sync on. If you lose every browser and the recovery key, nobody can bring the accounts back — not even the server's operator." }),
      el("div", { class: "field" }, el("label", { for: "sync-name", text: "This browser's name in the device list" }), name),
      el("label", { class: "check" }, understood, " I understand: without the recovery key, nobody can restore my accounts."),
      el("div", { class: "actions" }, on),
      el("h4", { text: "Join sync from another browser" }),
      el("p", { class: "muted", text: "On a browser where sync is on, choose “Add a browser”, then scan its code here: Add account → camera or screen, or choose a screenshot of it. This browser joins under the name above." }),
      el("div", { class: "field" }, el("label", { for: "sync-join-image", text: "Screenshot of the pairing code" }), file),
      el("div", { class: "field" }, el("label", { for: "sync-join-code", text: "Or paste the code's text" }), code),
      el("div", { class: "actions" }, el("button", { type: "button", id: "sync-join", text: "Join", onclick: () => join(code.value.trim()) })),
      el("h4", { text: "Recover on this browser" }),
      el("div", { class: "field" }, el("label", { for: "sync-recover-identity", text: "Sync identity (printed beside the recovery key)" }), rid),
      el("div", { class: "field" }, el("label", { for: "sync-recover-key", text: "Recovery key" }), rkey),
      el("div", { class: "actions" }, el("button", { type: "button", id: "sync-recover", text: "Recover", onclick: async () => {
        try {
          await call("recover", rid.value.trim(), rkey.value, browserName());
          rkey.value = "";
          status("Recovered. Select the browsers you lost below and remove them together.");
          await refresh();
          render();
          start();
        } catch (err) {
          error(err);
        }
      } })),
    );
  }

  function showRecoveryKey(r) {
    const saved = el("input", { type: "checkbox", id: "sync-saved" });
    const check = el("input", { type: "text", id: "sync-check", placeholder: "last 4 characters", maxLength: 4, autocomplete: "off" });
    const done = el("button", { type: "button", class: "primary", id: "sync-saved-done", text: "Done", disabled: true });
    const last = r.recoveryKey.slice(-4);
    const update = () => { done.disabled = !(saved.checked && check.value.trim().toUpperCase() === last); };
    saved.onchange = update;
    check.oninput = update;
    done.onclick = () => { show(); render(); start(); };
    show(
      el("p", { text: "Sync is on. This is your recovery key: print it or write it down now. It is shown only once." }),
      el("pre", { class: "recovery-key", id: "sync-recovery-key", text: `${r.recoveryKey}\nSync identity: ${r.identity}\nServer: ${r.server}` }),
      el("div", { class: "actions" }, el("button", { type: "button", text: "Print", onclick: () => printSheet(r) })),
      el("label", { class: "check" }, saved, " I saved it"),
      el("div", { class: "field" }, el("label", { for: "sync-check", text: "Type its last 4 characters" }), check),
      el("div", { class: "actions" }, done),
    );
  }

  async function openPairing() {
    clearInterval(pairTimer);
    let p;
    try {
      p = await call("pairingOpen");
    } catch (err) {
      error(err);
      return;
    }
    const canvas = el("canvas", { id: "sync-pair-qr", "aria-label": "Pairing code" });
    drawQR(canvas, p.size, p.modules);
    const info = el("p", { id: "sync-pair-info", role: "status", text: "Scan this code with the new browser (Add account → camera, screen, or a screenshot). It works for 5 minutes." });
    const approve = el("button", { type: "button", class: "primary", id: "sync-approve", text: "Approve", hidden: true });
    show(canvas, info, el("div", { class: "actions" }, approve,
      el("button", { type: "button", text: "Cancel", onclick: () => { clearInterval(pairTimer); render(); } })));
    approve.onclick = async () => {
      approve.disabled = true;
      try {
        await call("pairingApprove");
        status("Browser added.");
      } catch (err) {
        status(message(err), { error: true });
      }
      render();
    };
    pairTimer = setInterval(async () => {
      try {
        const j = await call("pairingPoll");
        if (!j.joined) return;
        clearInterval(pairTimer);
        canvas.hidden = true;
        info.textContent = `“${j.name}” wants to join. Approve only if it shows the same number: ${j.confirm}`;
        info.dataset.confirm = j.confirm;
        approve.hidden = false;
        approve.focus();
      } catch (err) {
        clearInterval(pairTimer);
        info.textContent = message(err);
      }
    }, 1500);
  }

  async function joinFromImage(file) {
    try {
      const bitmap = await createImageBitmap(file);
      const c = document.createElement("canvas");
      c.width = bitmap.width;
      c.height = bitmap.height;
      const ctx = c.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(bitmap, 0, 0);
      bitmap.close();
      const img = ctx.getImageData(0, 0, c.width, c.height);
      const r = await globalThis.twofold.qr.decode(img.data, img.width, img.height);
      if (r.kind !== "twofold-pair") throw new Error("This is not a Twofold pairing code.");
      await join(r.pairing);
    } catch (err) {
      error(err);
    }
  }

  // join answers a pairing code and waits for the other browser's Approve.
  async function join(code) {
    if (!panel) return;
    let confirmNumber;
    const name = ($("#sync-name")?.value || "").trim() || browserName();
    try {
      confirmNumber = await call("join", code, name);
    } catch (err) {
      status(message(err), { error: true });
      error(err);
      return;
    }
    const dialog = panel.closest("dialog");
    if (dialog && !dialog.open) dialog.showModal();
    show(el("p", { id: "sync-join-confirm", role: "status", "data-confirm": confirmNumber,
      text: `Check that the other browser shows ${confirmNumber}, then press Approve there.` }));
    for (let i = 0; i < 200; i++) {
      await new Promise((r) => setTimeout(r, 1500));
      try {
        if (await call("joined")) {
          status("This browser joined sync.");
          await refresh();
          render();
          start();
          return;
        }
      } catch (err) {
        error(err);
        return;
      }
    }
  }

  async function syncOnce(wait) {
    const r = await call("now", wait);
    if (r.changed) await refresh();
    await announce(); // what this round found, or a background push or another tab did
    return r;
  }

  // announce says, once per profile (whichever tab sees it first), each
  // conflict report the vault keeps that was not said yet: reports are
  // kept in the vault by whatever round found them (a background push,
  // another tab's long-poll), and stay in Settings until dismissed.
  async function announce() {
    let st;
    try { st = await call("status"); } catch (_) { return; }
    const seen = Number(localStorage.getItem(conflictsSeenKey) || 0);
    const fresh = (st.conflicts || []).filter((c) => c.atMs > seen);
    if (!fresh.length) return;
    localStorage.setItem(conflictsSeenKey, String(Math.max(...fresh.map((c) => c.atMs))));
    const names = fresh.map((c) => c.label || "An account");
    status(fresh.length === 1
      ? `${names[0]} was edited on two browsers; the later edit was kept.`
      : `${fresh.length} accounts were edited on two browsers (${names.join(", ")}); the later edits were kept.`, { ms: 9000 });
    if (body && body.isConnected && body.closest("dialog")?.open) render();
  }

  // start catches up, then keeps a long-poll open while the vault is
  // unlocked and sync is on.
  async function start() {
    if (running) return;
    let st;
    try { st = await call("status"); } catch (_) { return; }
    if (!st.on) { render(); return; }
    running = true;
    const mine = ++generation;
    const loop = async () => {
      let backoff = 1000;
      let first = true; // catch up at once (pending edits too), then wait
      let said = ""; // the last error code shown
      while (running && mine === generation) {
        try {
          await syncOnce(first || backoff !== 1000 ? 0 : 25);
          first = false;
          backoff = 1000;
          said = "";
        } catch (err) {
          if (err.code === "locked" || err.code === "sync_off") break;
          if (err.code === "sync_device_removed") {
            status("This browser was removed from sync on another browser: it gets nothing new. Its accounts stay here.", { error: true, ms: 10000 });
            break;
          }
          // What waiting will not mend is said, once per kind: the
          // network's own failures are retried quietly.
          if (err.code && err.code.startsWith("sync_") && err.code !== said) {
            said = err.code;
            status(message(err), { error: true, ms: 10000 });
          }
          await new Promise((r) => setTimeout(r, backoff));
          backoff = Math.min(backoff * 2, 60000);
        }
      }
    };
    // One tab of a profile keeps the long-poll; the others follow its
    // saves (the vault's own tab coordination) and take over if it closes.
    if (navigator.locks && navigator.locks.request) {
      await navigator.locks.request("twofold-sync-loop", () => loop()).catch(() => {});
    } else {
      await loop();
    }
    if (mine === generation) running = false;
  }

  function reset() {
    running = false;
    generation++;
    clearInterval(pairTimer);
    if (body) body.replaceChildren();
  }

  // syncEdits sends an edit at once rather than at the next long-poll.
  function kick() { if (running) call("now", 0).catch(() => {}); }

  // isOn: this tab runs sync (or waits to, behind another tab).
  // onSettings redraws the panel's main view (conflict reports, devices)
  // when Settings opens; a pairing code, an approval or the recovery key
  // shown once are left as they are.
  function onSettings() { if (body && body.querySelector("#sync-state")) render(); }

  return { start: () => { render(); start(); }, reset, join, render, kick, announce, onSettings, isOn: () => running };
}
