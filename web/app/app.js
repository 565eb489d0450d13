// Twofold authenticator page. Everything secret lives in the Go/WebAssembly
// core (web/app/twofold.d.ts documents its bridge); this script only draws the
// page, talks to the browser (camera, files, clipboard, storage, service
// worker) and hands pixels and typed text to the core. No seed ever passes
// through the DOM except while a person types one into the manual form,
// which is cleared as soon as the account is added or the vault locks.

import { createCore } from "./core.js";
import { createPushUI } from "./push.js";
import { createSyncUI } from "./sync.js";

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

const SETTINGS_KEY = "twofold.settings";
const CLOCK_WARN_MS = 15000;
const CAMERA_LONG_SIDE = 800;  // camera frames are scaled to this before Go sees them
const SCREEN_LONG_SIDE = 1920; // screens: (nearly) full size, the code may be small
const IMAGE_LONG_SIDE = 4096;  // files: full size (Go downscales what it must)
const NEXT_CODE_SECONDS = 7;   // show the next code this close to the end of a period

let core = null;
let pushUI = null; // push.js: sign-in prompts
let syncUI = null; // sync.js: sync between browsers
const state = {
  unlocked: false,
  accounts: [],
  editing: false,
  filter: "",
  lastActivity: Date.now(),
  settings: loadSettings(),
  clock: { measured: null, source: "", dismissed: false, applied: 0 },
  hotp: new Map(), // HOTP codes revealed with "Next code" in this session
  persisted: null,
  scanner: null, // the running camera or screen scanner
};

// ---------------------------------------------------------------------------
// Small helpers

// Settings that are not secret live in localStorage; the clock correction
// lives in the vault.
function loadSettings() {
  const defaults = { autoLockMinutes: 5 };
  try {
    const raw = localStorage.getItem(SETTINGS_KEY);
    if (!raw) return defaults;
    const s = JSON.parse(raw);
    return {
      autoLockMinutes: Number.isFinite(s.autoLockMinutes) ? s.autoLockMinutes : defaults.autoLockMinutes,
    };
  } catch (_) {
    return defaults;
  }
}

function saveSettings() {
  try {
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(state.settings));
  } catch (_) {
    // private mode without storage: settings last for this visit only
  }
}

// message turns whatever went wrong into a sentence a person can read.
function message(err) {
  let m = err && typeof err === "object" && "message" in err ? String(err.message) : String(err || "");
  m = m.replace(/^(?:[a-z0-9]+: )+/, ""); // package prefixes such as "otpauth: "
  if (m === "") m = "something went wrong";
  return m.charAt(0).toUpperCase() + m.slice(1);
}

let statusTimer = 0;
function status(text, { error = false, ms = 4000 } = {}) {
  const el = $("#status");
  el.textContent = text;
  el.classList.toggle("show", text !== "");
  el.classList.toggle("error-toast", error);
  clearTimeout(statusTimer);
  if (text !== "") statusTimer = setTimeout(() => { el.classList.remove("show"); el.textContent = ""; }, ms);
}

function showError(el, text) {
  const node = typeof el === "string" ? $(el) : el;
  node.textContent = text ? message(text) : "";
  node.hidden = !text;
}

// on wires an event to a handler that may be async; a failure is shown to
// the person instead of becoming an unhandled rejection.
function on(target, type, handler, opts) {
  const el = typeof target === "string" ? $(target) : target;
  el.addEventListener(type, (ev) => {
    let r;
    try {
      r = handler(ev);
    } catch (err) {
      status(message(err), { error: true });
      return;
    }
    if (r && typeof r.then === "function") r.catch((err) => status(message(err), { error: true }));
  }, opts);
}

async function busy(button, label, fn) {
  const old = button.textContent;
  button.disabled = true;
  if (label) button.textContent = label;
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.textContent = old;
  }
}

// groupCode splits a code for reading: "123 456", "123 4567", "1234 5678".
export function groupCode(code) {
  if (!code) return "";
  const s = String(code);
  if (s.length < 6) return s;
  const cut = s.length === 8 ? 4 : 3;
  return s.slice(0, cut) + " " + s.slice(cut);
}

function label(acc) {
  return acc.issuer && acc.account ? `${acc.issuer} (${acc.account})` : acc.issuer || acc.account || "this account";
}

function download(name, data, type) {
  const blob = data instanceof Blob ? data : new Blob([data], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30000);
}

function today() {
  return new Date().toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------
// Views

function showView(name) {
  for (const v of ["loading", "error", "create", "unlock", "codes"]) {
    $("#view-" + v).hidden = v !== name;
  }
  document.documentElement.dataset.view = name;
  $("#bar-actions").hidden = name !== "codes";
  const first = {
    create: "#create-pass",
    unlock: "#unlock-pass",
  }[name];
  if (first) $(first).focus();
}

function fatal(text) {
  $("#error-msg").textContent = text;
  showView("error");
}

// ---------------------------------------------------------------------------
// Start

async function start() {
  registerServiceWorker();
  try {
    core = await createCore();
  } catch (err) {
    fatal(message(err));
    return;
  }
  $("#about").textContent = core.version ? `Twofold ${core.version}` : "";
  pushUI = createPushUI(core, {
    status, message, label,
    refresh: { accounts: refreshAccounts, account: (id) => state.accounts.find((a) => a.id === id) },
  });
  syncUI = createSyncUI({ status, message, refresh: refreshAccounts });
  wire();
  core.onOtherTab(followOtherTab);
  core.onVaultChange((err) => {
    if (err.code === "passphrase_changed") lock(message(err));
    else if (state.unlocked) refreshAccounts().catch(() => {});
  });
  window.addEventListener("pagehide", (ev) => {
    if (ev.persisted) {
      lock(); // kept for back/forward: come back locked
    } else {
      state.leaving = true;
      core.shutdown();
    }
  });
  core.exited.then(() => {
    if (!state.leaving) fatal("Twofold's program stopped. Reload the page; your vault is safe.");
  }, (err) => fatal(message(err)));
  await showLockedView();
  checkClock();
}

async function showLockedView() {
  const exists = await core.vaultExists();
  if (exists) {
    showView("unlock");
  } else {
    showView("create");
  }
}

function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("sw.js", { scope: "./" }).catch(() => {
    // offline use is a bonus; the page works without it
  });
}

// ---------------------------------------------------------------------------
// Vault: create, unlock, lock, auto-lock

async function onCreate(ev) {
  ev.preventDefault();
  const p1 = $("#create-pass").value;
  const p2 = $("#create-pass2").value;
  showError("#create-error", "");
  if (p1.length < 8) {
    showError("#create-error", "Choose a passphrase of at least 8 characters.");
    $("#create-pass").focus();
    return;
  }
  if (p1 !== p2) {
    showError("#create-error", "The two passphrases are not the same.");
    $("#create-pass2").focus();
    return;
  }
  await busy($("#create-submit"), "Creating the vault…", async () => {
    try {
      await core.createVault(p1);
    } catch (err) {
      showError("#create-error", err);
      return;
    }
    $("#create-form").reset();
    await requestPersistence();
    await enterVault();
    status(state.persisted
      ? "Your vault is ready, and the browser will keep it (persistent storage granted). Add your first account."
      : "Your vault is ready. The browser did not promise to keep it (persistent storage not granted), so make a backup once you have added accounts.",
    { ms: 8000 });
  });
}

async function onUnlock(ev) {
  ev.preventDefault();
  const pass = $("#unlock-pass").value;
  showError("#unlock-error", "");
  if (pass === "") {
    showError("#unlock-error", "Enter your passphrase.");
    return;
  }
  await busy($("#unlock-submit"), "Unlocking…", async () => {
    try {
      await core.unlock(pass);
    } catch (err) {
      if (core.isWrongPassphrase(err)) {
        showError("#unlock-error", "Wrong passphrase");
        $("#unlock-pass").select();
        return;
      }
      showError("#unlock-error", err);
      return;
    }
    $("#unlock-form").reset();
    await enterVault();
  });
}

async function enterVault() {
  state.unlocked = true;
  state.lastActivity = Date.now();
  state.filter = "";
  state.hotp.clear();
  $("#search").value = "";
  try {
    state.clock.applied = (await core.status()).clockOffsetMs || 0;
  } catch (_) {
    state.clock.applied = 0;
  }
  renderClock();
  await refreshAccounts();
  showView("codes");
  updatePersistStatus();
  pushUI.start().catch((err) => status(message(err), { error: true }));
  syncUI.start();
  const first = $(".account-main");
  (first || $("#add-btn")).focus();
}

function lock(reason) {
  if (!state.unlocked) return;
  stopScanner();
  for (const d of $$("dialog")) if (d.open) d.close();
  state.unlocked = false;
  core.lock().catch(() => {}); // hides the accounts at once, then wipes them (and closes push connections)
  pushUI.reset();
  syncUI.reset();
  status(""); // a toast may name an account
  state.accounts = [];
  state.hotp.clear();
  $("#accounts").replaceChildren();
  for (const f of $$("form")) f.reset();
  resetManualHint();
  showView("unlock");
  if (reason) {
    $("#unlock-lead").textContent = reason;
  } else {
    $("#unlock-lead").textContent = "Enter your passphrase to see your codes.";
  }
}

// followOtherTab acts on another tab's message: a save there is reloaded
// here (or, before a vault exists here, the page offers to unlock it); an
// explicit lock there locks here too. The auto-lock stays per tab.
async function followOtherTab(msg) {
  if (msg.type === "locked") {
    lock("Locked in another tab. Enter your passphrase to continue.");
    return;
  }
  if (msg.type !== "changed") return;
  if (!state.unlocked) {
    if (document.documentElement.dataset.view === "create") await showLockedView();
    return;
  }
  let changed = false;
  try {
    changed = await core.reload();
  } catch (err) {
    if (err.code !== "passphrase_changed" && err.code !== "locked") status(message(err), { error: true });
    return;
  }
  if (changed) {
    await refreshAccounts();
    status("The list was updated with a change made in another tab.");
  }
}

function noteActivity() {
  state.lastActivity = Date.now();
}

function checkAutoLock() {
  const min = state.settings.autoLockMinutes;
  if (!state.unlocked || !min) return;
  if (Date.now() - state.lastActivity >= min * 60000) {
    lock(`Locked after ${min === 1 ? "1 minute" : min + " minutes"} without activity. Enter your passphrase to continue.`);
  }
}

async function requestPersistence() {
  if (!navigator.storage || !navigator.storage.persist) {
    state.persisted = null;
    return;
  }
  try {
    state.persisted = await navigator.storage.persisted() || await navigator.storage.persist();
  } catch (_) {
    state.persisted = false;
  }
  updatePersistStatus();
}

async function updatePersistStatus() {
  const el = $("#storage-status");
  const ask = $("#storage-ask");
  if (!navigator.storage || !navigator.storage.persisted) {
    el.textContent = "This browser does not say whether it keeps your vault. Keep a backup.";
    ask.hidden = true;
    return;
  }
  try {
    state.persisted = await navigator.storage.persisted();
  } catch (_) {
    state.persisted = false;
  }
  if (state.persisted) {
    el.textContent = "Persistent storage: granted. The browser will not delete your vault to free space.";
    ask.hidden = true;
  } else {
    el.textContent = "Persistent storage: not granted. The browser may delete your vault when the disk is nearly full, so keep an encrypted backup.";
    ask.hidden = false;
  }
  document.documentElement.dataset.persisted = String(state.persisted);
}

// ---------------------------------------------------------------------------
// Accounts and codes

async function refreshAccounts() {
  state.accounts = await core.accounts();
  renderAccounts();
  tick();
}

function renderAccounts() {
  const list = $("#accounts");
  const tpl = $("#account-tpl");
  const focusedId = document.activeElement?.closest?.(".account")?.dataset.id;
  const focusedClass = document.activeElement?.classList?.[0];
  const items = [];
  state.accounts.forEach((acc, i) => {
    const li = tpl.content.firstElementChild.cloneNode(true);
    li.dataset.id = acc.id;
    li.dataset.type = acc.type;
    $(".issuer", li).textContent = acc.issuer || acc.account;
    $(".name", li).textContent = acc.issuer ? acc.account : "";
    const main = $(".account-main", li);
    main.title = "Copy the code";
    const hotp = acc.type === "hotp";
    $(".ring", li).toggleAttribute("hidden", hotp); // an SVG element has no .hidden
    $(".hotp-next", li).hidden = !hotp;
    $(".hotp-next", li).setAttribute("aria-label", `Next code for ${label(acc)}`);
    $(".act-up", li).disabled = i === 0;
    $(".act-down", li).disabled = i === state.accounts.length - 1;
    for (const [cls, verb] of [["act-up", "Move up"], ["act-down", "Move down"], ["act-rename", "Rename"], ["act-delete", "Delete"]]) {
      $("." + cls, li).setAttribute("aria-label", `${verb}: ${label(acc)}`);
    }
    $(".edit-actions", li).hidden = !state.editing;
    pushUI.decorate(li, acc);
    items.push(li);
  });
  list.replaceChildren(...items);
  applyFilter();
  $("#empty").hidden = state.accounts.length !== 0;
  $("#list-help").hidden = state.accounts.length === 0;
  $(".toolbar .search").hidden = state.accounts.length === 0;
  $("#edit-btn").hidden = state.accounts.length === 0;
  if (focusedId) {
    const li = list.querySelector(`[data-id="${CSS.escape(focusedId)}"]`);
    const target = li && (li.querySelector("." + focusedClass + ":not(:disabled)") || li.querySelector(".account-main"));
    if (target) target.focus();
  }
}

function applyFilter() {
  const q = state.filter.trim().toLowerCase();
  let shown = 0;
  for (const li of $$("#accounts .account")) {
    const acc = state.accounts.find((a) => a.id === li.dataset.id);
    const hit = !q || `${acc.issuer} ${acc.account}`.toLowerCase().includes(q);
    li.hidden = !hit;
    if (hit) shown++;
  }
  const nm = $("#no-match");
  nm.hidden = !(q && shown === 0 && state.accounts.length > 0);
  nm.textContent = nm.hidden ? "" : `No account matches “${state.filter.trim()}”.`;
}

let tickTimer = 0;
let ticking = false;
function tick() {
  clearTimeout(tickTimer);
  checkAutoLock();
  if (state.unlocked && !ticking) {
    ticking = true;
    core.codes().then(drawCodes, (err) => {
      if (state.unlocked && err.code !== "locked") status(message(err), { error: true });
    }).finally(() => { ticking = false; });
  }
  // Wake up just after the next whole second.
  tickTimer = setTimeout(tick, 1000 - (Date.now() % 1000) + 15);
}

function drawCodes(codes) {
  if (!state.unlocked) return;
  const byId = new Map(codes.map((c) => [c.id, c]));
  for (const li of $$("#accounts .account")) {
    const c = byId.get(li.dataset.id);
    if (!c) continue;
    const codeEl = $(".code", li);
    if (li.dataset.type === "hotp") {
      const shown = state.hotp.get(li.dataset.id) || "";
      const text = shown ? groupCode(shown) : "Select “Next code” for a code";
      if (codeEl.textContent !== text) codeEl.textContent = text;
      codeEl.classList.toggle("placeholder", !shown);
      li.dataset.code = shown;
      continue;
    }
    {
      const grouped = groupCode(c.code);
      if (codeEl.textContent !== grouped) codeEl.textContent = grouped;
      li.dataset.code = c.code;
      const remaining = c.remaining;
      const period = c.period;
      li.dataset.remaining = String(remaining);
      const fg = $(".ring-fg", li);
      fg.setAttribute("stroke-dashoffset", String(Math.round(100 * (1 - remaining / period) * 10) / 10));
      $(".ring-text", li).textContent = String(remaining);
      const low = remaining <= NEXT_CODE_SECONDS;
      li.classList.toggle("low", low);
      const next = $(".next", li);
      if (low && c.next) {
        next.textContent = "next " + groupCode(c.next);
        next.hidden = false;
      } else if (!next.hidden) {
        next.hidden = true;
        next.textContent = "";
      }
    }
  }
}

async function copyCode(li) {
  const acc = state.accounts.find((a) => a.id === li.dataset.id);
  if (!acc) return;
  if (acc.type === "hotp" && !li.dataset.code) await nextHOTP(acc.id);
  const code = li.dataset.code;
  if (!code) return;
  let ok = false;
  try {
    await navigator.clipboard.writeText(code);
    ok = true;
  } catch (_) {
    ok = legacyCopy(code);
  }
  if (ok) {
    li.classList.add("copied");
    setTimeout(() => li.classList.remove("copied"), 900);
    status(`Copied the code for ${label(acc)}.`);
  } else {
    status("The browser did not allow copying. Select the code and copy it yourself.", { error: true });
  }
}

function legacyCopy(text) {
  const ta = document.createElement("textarea");
  ta.value = text;
  ta.setAttribute("readonly", "");
  ta.className = "visually-hidden";
  document.body.append(ta);
  ta.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch (_) {
    ok = false;
  }
  ta.remove();
  return ok;
}

async function moveAccount(id, delta) {
  const ids = state.accounts.map((a) => a.id);
  const i = ids.indexOf(id);
  const j = i + delta;
  if (i < 0 || j < 0 || j >= ids.length) return;
  [ids[i], ids[j]] = [ids[j], ids[i]];
  await core.reorder(ids);
  await refreshAccounts();
  const acc = state.accounts.find((a) => a.id === id);
  status(`Moved ${label(acc)} to position ${j + 1} of ${ids.length}.`);
}

let pendingRename = null;
function openRename(id) {
  const acc = state.accounts.find((a) => a.id === id);
  if (!acc) return;
  pendingRename = id;
  $("#rename-issuer").value = acc.issuer;
  $("#rename-account").value = acc.account;
  showError("#rename-error", "");
  $("#rename-dialog").showModal();
  $("#rename-issuer").focus();
}

async function onRename(ev) {
  ev.preventDefault();
  const id = pendingRename;
  try {
    await core.rename(id, $("#rename-issuer").value.trim(), $("#rename-account").value.trim());
  } catch (err) {
    showError("#rename-error", err);
    return;
  }
  $("#rename-dialog").close();
  await refreshAccounts();
  const acc = state.accounts.find((a) => a.id === id);
  status(`Renamed to ${label(acc)}.`);
  $(`#accounts [data-id="${CSS.escape(id)}"] .act-rename`)?.focus();
}

let pendingDelete = null;
function openDelete(id) {
  const acc = state.accounts.find((a) => a.id === id);
  if (!acc) return;
  pendingDelete = id;
  $("#delete-msg").textContent = `${label(acc)} will be removed from this vault, and this browser will no longer show its codes.`;
  $("#delete-dialog").showModal();
  $("#delete-cancel").focus();
}

async function onDelete() {
  const id = pendingDelete;
  const acc = state.accounts.find((a) => a.id === id);
  const idx = state.accounts.findIndex((a) => a.id === id);
  await core.remove(id);
  $("#delete-dialog").close();
  await refreshAccounts();
  status(`Deleted ${label(acc)}.`);
  const rows = $$("#accounts .account-main");
  (rows[Math.min(idx, rows.length - 1)] || $("#add-btn")).focus();
}

async function nextHOTP(id) {
  const r = await core.nextHOTP(id);
  state.hotp.set(id, r.code);
  const li = $(`#accounts [data-id="${CSS.escape(id)}"]`);
  if (li) {
    const codeEl = $(".code", li);
    codeEl.textContent = groupCode(r.code);
    codeEl.classList.remove("placeholder");
    li.dataset.code = r.code;
  }
  const acc = state.accounts.find((a) => a.id === id);
  status(`New code for ${label(acc)} (counter ${r.counter}).`);
}

// ---------------------------------------------------------------------------
// Adding accounts: scanned or pasted text, images, camera, screen, manual

// addFromText handles a pasted otpauth:// or otpauth-migration:// link.
async function addFromText(text, where) {
  const t = text.trim();
  if (/^otpauth-migration:/i.test(t)) {
    await importExports([t]);
    return true;
  }
  let acc;
  try {
    acc = await core.addURI(t);
  } catch (err) {
    if (isConflict(err)) return addConflict(err);
    reportAddError(message(err), where);
    return false;
  }
  await added(acc);
  return true;
}

// added shows an account that was just added.
async function added(acc) {
  closeDialog("#add-dialog");
  await refreshAccounts();
  status(`Added ${label(acc)}.`);
  focusAccount(acc.id);
}

// afterScan shows what a QR code did: an account added, or part of a Google
// Authenticator export imported.
async function afterScan(result) {
  if (result.kind === "twofold-pair") { // sync.js: a pairing code
    closeDialog("#add-dialog");
    stopScanner();
    await syncUI.join(result.pairing);
    return;
  }
  if (result.kind === "otpauth-migration" && result.import) {
    closeDialog("#add-dialog");
    await showImport([result.import], "Google Authenticator");
    return;
  }
  if (result.account) await added(result.account);
}

function reportAddError(text, where) {
  if ($("#add-dialog").open) {
    showError("#add-error", text);
  } else {
    status(text + (where ? ` (${where})` : ""), { error: true, ms: 7000 });
  }
}

function focusAccount(id) {
  $(`#accounts [data-id="${CSS.escape(id)}"] .account-main`)?.focus();
}

function closeDialog(sel) {
  const d = $(sel);
  if (d.open) d.close();
}

function openAdd() {
  if (!state.unlocked) return;
  showError("#add-error", "");
  showError("#manual-error", "");
  $("#add-dialog").showModal();
  $("#scan-camera").focus();
}

// pixelsOf draws an image source on a canvas no larger than longSide and
// returns its RGBA pixels.
function pixelsOf(source, width, height, longSide) {
  const scale = Math.min(1, longSide / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const canvas = pixelsOf.canvas || (pixelsOf.canvas = document.createElement("canvas"));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(source, 0, 0, w, h);
  return ctx.getImageData(0, 0, w, h);
}

// scanImageFile reads the QR code of an image file and adds what it holds;
// it returns the scan result, or null when the image has no readable code.
async function scanImageFile(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch (_) {
    throw new Error(`${file.name || "This file"} is not an image the browser can read.`);
  }
  try {
    const img = pixelsOf(bitmap, bitmap.width, bitmap.height, IMAGE_LONG_SIDE);
    return await core.scan(img.data, img.width, img.height);
  } finally {
    bitmap.close();
  }
}

async function addFromImages(files, where) {
  const images = Array.from(files).filter((f) => f.type.startsWith("image/") || f.type === "");
  if (images.length === 0) {
    reportAddError("That is not an image. Choose a picture or screenshot of the QR code.", where);
    return;
  }
  showError("#add-error", "");
  const imports = [];
  for (const f of images) {
    let r;
    try {
      r = await scanImageFile(f);
    } catch (err) {
      if (isConflict(err)) await addConflict(err);
      else reportAddError(images.length > 1 ? `${f.name}: ${message(err)}` : message(err), where);
      continue;
    }
    if (!r) {
      reportAddError(images.length > 1 ? `No QR code found in ${f.name}.` : "No QR code found in this image. Try a sharper or larger picture, or type the key.", where);
      continue;
    }
    if (r.kind === "otpauth-migration" && r.import) imports.push(r.import);
    else await afterScan(r);
  }
  if (imports.length) {
    closeDialog("#add-dialog");
    await showImport(imports, "Google Authenticator");
  }
}

// Scanner: camera (getUserMedia) or screen (getDisplayMedia).

async function startScanner(kind, onResult) {
  stopScanner();
  const dialog = $("#camera-dialog");
  const video = $("#camera-video");
  const statusEl = $("#camera-status");
  $("#camera-title").textContent = kind === "screen" ? "Scan a QR code on your screen" : "Scan a QR code";
  statusEl.textContent = kind === "screen" ? "Choose the screen or window that shows the code…" : "Starting the camera…";
  dialog.showModal();
  let stream;
  try {
    if (kind === "screen") {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } else {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
      });
    }
  } catch (err) {
    statusEl.textContent = mediaError(err, kind);
    return;
  }
  if (!dialog.open) { // closed while the browser asked
    stream.getTracks().forEach((t) => t.stop());
    return;
  }
  const scanner = { kind, stream, timer: 0, stopped: false };
  state.scanner = scanner;
  document.documentElement.dataset.scanner = kind;
  for (const track of stream.getVideoTracks()) {
    track.addEventListener("ended", () => {
      if (state.scanner === scanner) {
        stopScanner();
        statusEl.textContent = kind === "screen" ? "Screen sharing stopped." : "The camera stopped.";
      }
    });
  }
  video.srcObject = stream;
  try {
    await video.play();
  } catch (_) {
    // autoplay of a muted video is allowed; if not, frames still arrive
  }
  statusEl.textContent = kind === "screen"
    ? "Looking for a QR code on the shared screen…"
    : "Hold the QR code inside the frame.";
  const longSide = kind === "screen" ? SCREEN_LONG_SIDE : CAMERA_LONG_SIDE;
  const scan = async () => {
    if (scanner.stopped) return;
    if (video.readyState >= 2 && video.videoWidth > 0) {
      const img = pixelsOf(video, video.videoWidth, video.videoHeight, longSide);
      let result = null;
      let failure = null;
      try {
        result = await core.scan(img.data, img.width, img.height);
      } catch (err) {
        failure = err;
      }
      if (scanner.stopped) return;
      if (result || failure) {
        stopScanner(); // the camera goes off as soon as a code is read
        dialog.close();
        if (failure) {
          if (isConflict(failure)) await addConflict(failure);
          else reportAddError(message(failure), kind);
          return;
        }
        await onResult(result);
        return;
      }
    }
    scanner.timer = setTimeout(() => { scan().catch((err) => status(message(err), { error: true })); }, 120);
  };
  scan().catch((err) => status(message(err), { error: true }));
}

function stopScanner() {
  const s = state.scanner;
  if (!s) return;
  s.stopped = true;
  clearTimeout(s.timer);
  s.stream.getTracks().forEach((t) => t.stop());
  const video = $("#camera-video");
  video.pause();
  video.srcObject = null;
  state.scanner = null;
  delete document.documentElement.dataset.scanner;
}

function mediaError(err, kind) {
  const what = kind === "screen" ? "screen sharing" : "the camera";
  switch (err && err.name) {
    case "NotAllowedError":
    case "SecurityError":
      return kind === "screen"
        ? "Screen sharing was cancelled or is not allowed. You can take a screenshot and read it as an image instead."
        : "The browser did not allow the camera. Allow it in the site settings, or read an image instead.";
    case "NotFoundError":
    case "OverconstrainedError":
      return "No camera was found. Read an image or type the key instead.";
    case "NotReadableError":
      return "The camera is in use by another program.";
    default:
      if (!navigator.mediaDevices) return `This page cannot use ${what}: it needs a secure (https) connection.`;
      return `Could not start ${what}: ${message(err)}`;
  }
}

// Manual entry

function resetManualHint() {
  const msg = $("#m-secret-msg");
  msg.textContent = "Letters A–Z and digits 2–7, as the service shows it. Spaces do not matter.";
  msg.className = "hint";
  $("#m-secret").removeAttribute("aria-invalid");
}

function onSecretInput() {
  const v = $("#m-secret").value;
  const msg = $("#m-secret-msg");
  if (v.trim() === "") {
    resetManualHint();
    return;
  }
  const check = core.checkKey(v);
  if (check.ok) {
    msg.textContent = check.bits ? `Looks right: a ${check.bits}-bit key.` : "Looks right.";
    msg.className = "hint good";
    $("#m-secret").removeAttribute("aria-invalid");
  } else {
    msg.textContent = message(check.message);
    msg.className = "hint bad";
    $("#m-secret").setAttribute("aria-invalid", "true");
  }
}

function onTypeChange() {
  const hotp = $("#m-type").value === "hotp";
  $("#m-period-field").hidden = hotp;
  $("#m-counter-field").hidden = !hotp;
}

async function onManual(ev) {
  ev.preventDefault();
  showError("#manual-error", "");
  const type = $("#m-type").value;
  const fields = {
    issuer: $("#m-issuer").value.trim(),
    account: $("#m-account").value.trim(),
    secret: $("#m-secret").value,
    type,
    algorithm: $("#m-algo").value,
    digits: Number($("#m-digits").value),
    period: type === "totp" ? Number($("#m-period").value) : 0,
    counter: type === "hotp" ? Number($("#m-counter").value) : 0,
  };
  if (!fields.issuer && !fields.account) {
    showError("#manual-error", "Give the account a service or an account name, so you can tell it apart.");
    $("#m-account").focus();
    return;
  }
  const check = core.checkKey(fields.secret);
  if (!check.ok) {
    showError("#manual-error", check.message);
    $("#m-secret").focus();
    return;
  }
  let acc;
  try {
    acc = await core.addManual(fields);
  } catch (err) {
    if (!isConflict(err)) {
      showError("#manual-error", err);
    } else if (await addConflict(err)) {
      $("#manual-form").reset();
      resetManualHint();
      onTypeChange();
    }
    return;
  }
  $("#manual-form").reset();
  resetManualHint();
  onTypeChange();
  closeDialog("#add-dialog");
  await refreshAccounts();
  status(`Added ${label(acc)}.`);
  focusAccount(acc.id);
}

// Paste and drag and drop, anywhere on the page.

function onPaste(ev) {
  if (!state.unlocked) return;
  const dt = ev.clipboardData;
  if (!dt) return;
  const files = Array.from(dt.files || []).filter((f) => f.type.startsWith("image/"));
  if (files.length === 0) {
    for (const item of Array.from(dt.items || [])) {
      if (item.kind === "file" && item.type.startsWith("image/")) {
        const f = item.getAsFile();
        if (f) files.push(f);
      }
    }
  }
  if (files.length > 0) {
    ev.preventDefault();
    addFromImages(files, "pasted image").catch((err) => reportAddError(message(err), "pasted image"));
    return;
  }
  const text = dt.getData("text/plain");
  const inField = ev.target instanceof HTMLInputElement || ev.target instanceof HTMLTextAreaElement;
  if (!inField && /^\s*otpauth(-migration)?:\/\//i.test(text)) {
    ev.preventDefault();
    addFromText(text, "pasted link").catch((err) => reportAddError(message(err), "pasted link"));
  }
}

let dragDepth = 0;
function hasFiles(ev) {
  return ev.dataTransfer && Array.from(ev.dataTransfer.types || []).includes("Files");
}
function onDragEnter(ev) {
  if (!state.unlocked || !hasFiles(ev)) return;
  ev.preventDefault();
  dragDepth++;
  $("#drop-overlay").hidden = false;
}
function onDragOver(ev) {
  if (!state.unlocked || !hasFiles(ev)) return;
  ev.preventDefault();
  ev.dataTransfer.dropEffect = "copy";
}
function onDragLeave() {
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) $("#drop-overlay").hidden = true;
}
function onDrop(ev) {
  if (!hasFiles(ev)) return;
  ev.preventDefault();
  dragDepth = 0;
  $("#drop-overlay").hidden = true;
  if (!state.unlocked) {
    status("Unlock the vault first, then drop the image again.", { error: true });
    return;
  }
  return addFromImages(ev.dataTransfer.files, "dropped image");
}

// ---------------------------------------------------------------------------
// Same name, another key: the person chooses

// isConflict tells a name_conflict: an account with this name and another
// key is in the list; Go holds the new one until resolve().
const isConflict = (err) => !!err && err.code === "name_conflict" && !!err.details && !!err.details.conflictId;

// askConflict shows the choice for one held account and resolves with
// "replace", "keep" or "skip" (Skip, Escape, or a lock closing it).
function askConflict(c, i, n) {
  const d = $("#conflict-dialog");
  const as = c.existingLabel && c.existingLabel !== c.label ? ` (as ${c.existingLabel})` : "";
  $("#conflict-msg").textContent = `${c.label} is already in your list${as}, with another key. Replace the old key, or keep both?`;
  $("#conflict-count").textContent = `Account ${i + 1} of ${n}`;
  $("#conflict-count").hidden = n < 2;
  $("#conflict-all-row").hidden = n - i < 2;
  d.returnValue = "skip";
  return new Promise((resolve) => {
    d.addEventListener("close", () => resolve(d.returnValue || "skip"), { once: true });
    d.showModal();
    $("#conflict-keep").focus();
  });
}

// askConflicts asks about each held account in turn and applies the
// choices: {said: one sentence per account, accounts: those added}.
async function askConflicts(conflicts) {
  $("#conflict-all").checked = false;
  const out = { said: [], accounts: [] };
  let all = "";
  for (const [i, c] of conflicts.entries()) {
    if (!state.unlocked) break;
    const choice = all || await askConflict(c, i, conflicts.length);
    if ($("#conflict-all").checked) all = choice;
    try {
      const acc = await core.resolve(c.id, choice);
      if (acc) out.accounts.push(acc);
      out.said.push(choice === "replace" ? `Replaced the key of ${label(acc)}.`
        : choice === "keep" ? `Kept both: the new one is listed as ${label(acc)}.` : `Skipped ${c.label}: nothing changed.`);
    } catch (err) {
      out.said.push(`${c.label}: ${message(err)}.`);
    }
  }
  return out;
}

// addConflict asks about one account whose add met a name conflict, says
// what was done, and reports whether an account was added.
async function addConflict(err) {
  const d = err.details;
  const r = await askConflicts([{ id: d.conflictId, label: d.label, existingLabel: d.existingLabel }]);
  if (!state.unlocked) return false;
  if (r.accounts.length) closeDialog("#add-dialog");
  await refreshAccounts();
  status(r.said.join(" "), { ms: 8000 });
  if (r.accounts.length) focusAccount(r.accounts[0].id);
  return r.accounts.length > 0;
}

// ---------------------------------------------------------------------------
// Google Authenticator export, otpauth lists, backups

// importExports imports Google Authenticator export links.
async function importExports(uris) {
  const results = [];
  for (const uri of uris) results.push(await core.importGA(uri));
  await showImport(results, "Google Authenticator");
}

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
const partList = (idx) => `part${idx.length > 1 ? "s" : ""} ${idx.map((i) => i + 1).join(", ")}`;

// showImport says what imports did: accounts added, duplicates skipped,
// problems, and for a Google Authenticator export split over several QR
// codes, which parts are read and which are still missing.
async function showImport(results, source) {
  let added = 0;
  let dups = 0;
  const problems = [];
  const conflicts = [];
  let batch = null;
  for (const r of results) {
    added += r.added.length;
    for (const p of r.problems || []) {
      if (p.code === "duplicate") dups++;
      else problems.push(p);
    }
    conflicts.push(...(r.conflicts || []));
    for (const b of r.batches || []) batch = b;
  }
  let resolved = null;
  if (conflicts.length) resolved = await askConflicts(conflicts);
  await refreshAccounts();
  let text = `Imported ${plural(added, "account", "accounts")}` + (source ? ` from ${source}` : "");
  if (dups) text += ` (${dups} already in your list, with the same key)`;
  text += ".";
  if (resolved) text += " " + resolved.said.join(" ");
  if (batch && batch.size > 1) {
    text += ` Export ${partList(batch.received)} of ${batch.size} read.`;
    if (batch.missing.length) text += ` Still missing: ${partList(batch.missing)}. Scan or choose ${batch.missing.length > 1 ? "them" : "it"} too.`;
  }
  if (problems.length) {
    text += ` ${plural(problems.length, "entry", "entries")} could not be read: ` +
      problems.slice(0, 3).map((p) => message(p.message)).join("; ") + (problems.length > 3 ? "…" : "");
  }
  const progress = $("#ga-progress");
  if (source === "Google Authenticator") {
    progress.textContent = text;
    progress.hidden = false;
  }
  status(text, { ms: 9000, error: problems.length > 0 && added === 0 });
  return text;
}

async function onGAImport(ev) {
  ev.preventDefault();
  showError("#ga-error", "");
  const files = Array.from($("#ga-files").files || []);
  const lines = $("#ga-text").value.split(/\s+/).filter((l) => l !== "");
  for (const line of lines) {
    if (!/^otpauth-migration:/i.test(line)) {
      showError("#ga-error", "Paste links that start with otpauth-migration://, one per line.");
      return;
    }
  }
  if (files.length === 0 && lines.length === 0) {
    showError("#ga-error", "Choose the screenshots of the export codes, or paste the export links.");
    return;
  }
  await busy($("#ga-submit"), "Importing…", async () => {
    const results = [];
    for (const f of files) {
      let r;
      try {
        r = await scanImageFile(f);
      } catch (err) {
        if (isConflict(err)) await addConflict(err);
        else showError("#ga-error", `${f.name}: ${message(err)}`);
        continue;
      }
      if (!r) {
        showError("#ga-error", `No QR code found in ${f.name}.`);
        continue;
      }
      if (r.import) results.push(r.import);
      else if (r.account) results.push({ added: [r.account], problems: [], batches: [] });
    }
    for (const line of lines) {
      try {
        results.push(await core.importGA(line));
      } catch (err) {
        showError("#ga-error", err);
      }
    }
    if (results.length) await showImport(results, "Google Authenticator");
  });
  $("#ga-form").reset();
}

async function onURIsImport(ev) {
  ev.preventDefault();
  showError("#uris-error", "");
  const f = $("#uris-file").files[0];
  if (!f) {
    showError("#uris-error", "Choose a text file first.");
    return;
  }
  if (f.size > 1 << 20) {
    showError("#uris-error", "This file is too large for a list of links.");
    return;
  }
  const text = await f.text();
  let r;
  try {
    r = await core.importURIs(text);
  } catch (err) {
    showError("#uris-error", err);
    return;
  }
  $("#uris-form").reset();
  const msg = await showImport([r], "");
  const bad = (r.problems || []).filter((p) => p.code !== "duplicate");
  if (bad.length) showError("#uris-error", msg);
}

async function onExport(ev) {
  ev.preventDefault();
  showError("#export-error", "");
  const p1 = $("#export-pass").value;
  const p2 = $("#export-pass2").value;
  if (p1.length < 8) {
    showError("#export-error", "Choose a backup passphrase of at least 8 characters.");
    return;
  }
  if (p1 !== p2) {
    showError("#export-error", "The two passphrases are not the same.");
    return;
  }
  await busy($("#export-submit"), "Encrypting…", async () => {
    const bytes = await core.exportBackup(p1);
    download(`twofold-backup-${today()}.twofold`, bytes, "application/octet-stream");
  });
  $("#export-form").reset();
  status(`Backup downloaded with ${state.accounts.length} account${state.accounts.length === 1 ? "" : "s"}. Keep the file and its passphrase apart.`, { ms: 8000 });
}

async function onRestore(ev) {
  ev.preventDefault();
  showError("#restore-error", "");
  const f = $("#restore-file").files[0];
  const pass = $("#restore-pass").value;
  if (!f) {
    showError("#restore-error", "Choose the backup file first.");
    return;
  }
  if (pass === "") {
    showError("#restore-error", "Enter the passphrase of the backup.");
    return;
  }
  const bytes = new Uint8Array(await f.arrayBuffer());
  let r;
  try {
    r = await busy($("#restore-submit"), "Decrypting…", () => core.importBackup(bytes, pass));
  } catch (err) {
    showError("#restore-error", core.isWrongPassphrase(err) ? "Wrong passphrase for this backup" : err);
    $("#restore-pass").select();
    return;
  }
  $("#restore-form").reset();
  await showImport([r], "the backup");
}

async function onPlainExport(ev) {
  ev.preventDefault();
  if (!$("#plain-ack").checked) return;
  const text = await core.exportURIs();
  download(`twofold-otpauth-${today()}.txt`, text, "text/plain");
  $("#plain-form").reset();
  $("#plain-submit").disabled = true;
  status("Plain links downloaded. Delete the file once you have imported it elsewhere.", { ms: 8000 });
}

// ---------------------------------------------------------------------------
// Clock check

async function measureClock() {
  const url = new URL("../api/v1/time", location.href);
  const t0 = Date.now();
  const resp = await fetch(url, { cache: "no-store", headers: { Accept: "application/json" } });
  const t1 = Date.now();
  let server = NaN;
  let source = "";
  if (resp.ok) {
    try {
      const body = await resp.json();
      server = serverMillis(body);
      source = "time";
    } catch (_) {
      server = NaN;
    }
  }
  if (!Number.isFinite(server)) {
    const date = resp.headers.get("Date");
    if (date) {
      server = Date.parse(date) + 500; // the header has whole seconds
      source = "date";
    }
  }
  if (!Number.isFinite(server)) throw new Error("the server did not say what time it is");
  return { offset: Math.round(server - (t0 + t1) / 2), source };
}

// serverMillis finds the server's Unix time in milliseconds in the answer of
// GET /api/v1/time, whatever its exact shape.
function serverMillis(body) {
  if (typeof body === "number") return body;
  if (body && typeof body === "object") {
    for (const k of ["unix_ms", "unixMs", "now_ms", "nowMs", "ms", "now", "time", "unix"]) {
      const v = body[k];
      if (typeof v === "number") return v < 1e11 ? v * 1000 : v;
      if (typeof v === "string" && !Number.isNaN(Date.parse(v))) return Date.parse(v);
    }
  }
  return NaN;
}

async function checkClock() {
  let m;
  try {
    m = await measureClock();
  } catch (_) {
    state.clock.measured = null;
    $("#clock-status").textContent = "Could not reach the server to check the clock. Codes use this device's clock.";
    return;
  }
  state.clock.measured = m.offset;
  state.clock.source = m.source;
  document.documentElement.dataset.clockOffset = String(m.offset);
  renderClock();
}

function describeOffset(ms) {
  const s = Math.round(Math.abs(ms) / 1000);
  const amount = s >= 120 ? `${Math.round(s / 60)} minutes` : `${s} second${s === 1 ? "" : "s"}`;
  // offset = server - device: positive means the device is behind.
  return `${amount} ${ms > 0 ? "behind" : "ahead of"}`;
}

function renderClock() {
  const measured = state.clock.measured;
  const applied = state.clock.applied;
  const st = $("#clock-status");
  const banner = $("#clock-banner");
  if (measured === null) return;
  const residual = measured - applied;
  const off = Math.abs(measured) > CLOCK_WARN_MS;
  if (applied) {
    st.textContent = `Codes are corrected by ${Math.round(applied / 1000)} s because this device's clock is ${describeOffset(applied)} the server's.`;
  } else if (off) {
    st.textContent = `This device's clock is ${describeOffset(measured)} the server's, so its codes may be rejected.`;
  } else {
    st.textContent = `This device's clock agrees with the server's (within ${Math.max(1, Math.round(Math.abs(measured) / 1000))} s).`;
  }
  $("#clock-apply").hidden = !(Math.abs(residual) > CLOCK_WARN_MS);
  $("#clock-reset").hidden = !applied;
  const warn = Math.abs(residual) > CLOCK_WARN_MS && !state.clock.dismissed;
  banner.hidden = !warn;
  if (warn) {
    $("#clock-msg").textContent = `This device's clock is ${describeOffset(measured)} the server's. Services will likely reject its codes. Set the device clock to the right time, or let Twofold correct the codes.`;
  }
}

// applyClockOffset stores the correction in the vault (so it follows a
// backup) and redraws the codes.
async function applyClockOffset(ms) {
  await core.setClockOffset(ms);
  state.clock.applied = ms;
  renderClock();
  tick();
}

// ---------------------------------------------------------------------------
// Wiring

function wire() {
  on("#create-form", "submit", onCreate);
  on("#unlock-form", "submit", onUnlock);
  on("#error-reload", "click", () => location.reload());
  on("#lock-btn", "click", () => {
    lock();
    core.tellOtherTabs("locked");
  });
  on("#add-btn", "click", openAdd);
  on("#empty-add", "click", openAdd);
  on("#empty-import", "click", () => openBackup("#restore-file"));
  on("#backup-btn", "click", () => openBackup());
  on("#settings-btn", "click", openSettings);
  on("#edit-btn", "click", () => {
    state.editing = !state.editing;
    $("#edit-btn").setAttribute("aria-pressed", String(state.editing));
    $("#edit-btn").textContent = state.editing ? "Done" : "Edit list";
    for (const el of $$("#accounts .edit-actions")) el.hidden = !state.editing;
  });
  on("#search", "input", (ev) => {
    state.filter = ev.target.value;
    applyFilter();
  });

  // The list: one listener for every row.
  const list = $("#accounts");
  on(list, "click", (ev) => {
    const li = ev.target.closest(".account");
    if (!li) return;
    const id = li.dataset.id;
    if (ev.target.closest(".act-up")) return moveAccount(id, -1);
    if (ev.target.closest(".act-down")) return moveAccount(id, +1);
    if (ev.target.closest(".act-rename")) return openRename(id);
    if (ev.target.closest(".act-delete")) return openDelete(id);
    if (ev.target.closest(".hotp-next")) return nextHOTP(id);
    if (ev.target.closest(".account-main")) return copyCode(li);
  });
  on(list, "keydown", (ev) => {
    const main = ev.target.closest(".account-main");
    if (!main) return;
    const li = main.closest(".account");
    if (ev.key === "Enter" || ev.key === " ") {
      ev.preventDefault();
      return copyCode(li);
    }
    if (ev.altKey && (ev.key === "ArrowUp" || ev.key === "ArrowDown")) {
      ev.preventDefault();
      return moveAccount(li.dataset.id, ev.key === "ArrowUp" ? -1 : 1);
    }
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      const rows = $$("#accounts .account:not([hidden]) .account-main");
      const i = rows.indexOf(main) + (ev.key === "ArrowDown" ? 1 : -1);
      if (rows[i]) rows[i].focus();
    }
  });

  // Dialog close buttons; a closed scanner dialog stops its camera.
  for (const d of $$("dialog")) {
    d.addEventListener("click", (ev) => {
      if (ev.target.closest("[data-close]")) d.close();
    });
  }
  $("#camera-dialog").addEventListener("close", stopScanner);
  on("#rename-form", "submit", onRename);
  on("#conflict-replace", "click", () => $("#conflict-dialog").close("replace"));
  on("#conflict-keep", "click", () => $("#conflict-dialog").close("keep"));
  on("#delete-confirm", "click", onDelete);

  on("#scan-camera", "click", () => startScanner("camera", afterScan));
  on("#scan-screen", "click", () => {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getDisplayMedia) {
      showError("#add-error", "This browser cannot share the screen with a page. Take a screenshot and read it as an image instead.");
      return;
    }
    return startScanner("screen", afterScan);
  });
  on("#scan-file", "click", () => $("#image-input").click());
  on("#image-input", "change", async (ev) => {
    const files = Array.from(ev.target.files || []);
    ev.target.value = "";
    if (files.length) await addFromImages(files, "image");
  });
  on("#m-secret", "input", onSecretInput);
  on("#m-type", "change", onTypeChange);
  on("#manual-form", "submit", onManual);

  on(document, "paste", onPaste);
  document.addEventListener("dragenter", onDragEnter);
  document.addEventListener("dragover", onDragOver);
  document.addEventListener("dragleave", onDragLeave);
  on(document, "drop", onDrop);

  on("#export-form", "submit", onExport);
  on("#restore-form", "submit", onRestore);
  on("#ga-form", "submit", onGAImport);
  on("#ga-camera", "click", () => {
    closeDialog("#backup-dialog");
    return startScanner("camera", afterScan);
  });
  on("#uris-form", "submit", onURIsImport);
  on("#plain-ack", "change", (ev) => { $("#plain-submit").disabled = !ev.target.checked; });
  on("#plain-form", "submit", onPlainExport);

  on("#autolock", "change", (ev) => {
    state.settings.autoLockMinutes = Number(ev.target.value);
    saveSettings();
    noteActivity();
    const m = state.settings.autoLockMinutes;
    status(m ? `The vault locks after ${m === 1 ? "1 minute" : m + " minutes"} without activity.` : "The vault no longer locks by itself.");
  });
  on("#storage-ask", "click", async () => {
    await requestPersistence();
    status(state.persisted ? "The browser will keep your vault." : "The browser did not grant persistent storage. Keep a backup.");
  });
  on("#clock-check", "click", async () => {
    state.clock.dismissed = false;
    await checkClock();
  });
  on("#clock-fix", "click", async () => {
    await applyClockOffset(state.clock.measured);
    status(`Codes are now corrected by ${Math.round(state.clock.measured / 1000)} s.`);
  });
  on("#clock-apply", "click", async () => {
    await applyClockOffset(state.clock.measured);
    status(`Codes are now corrected by ${Math.round(state.clock.measured / 1000)} s.`);
  });
  on("#clock-reset", "click", async () => {
    await applyClockOffset(0);
    status("Codes use this device's clock again.");
  });
  on("#clock-dismiss", "click", () => {
    state.clock.dismissed = true;
    $("#clock-banner").hidden = true;
  });
  on("#pass-form", "submit", onChangePassphrase);

  for (const type of ["pointerdown", "keydown", "wheel", "touchstart", "pointermove"]) {
    document.addEventListener(type, noteActivity, { passive: true, capture: true });
  }
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      checkAutoLock();
      if (state.unlocked) tick();
    }
  });
  tick();
}

function openBackup(focusSel) {
  if (!state.unlocked) return;
  for (const id of ["#export-error", "#restore-error", "#ga-error", "#uris-error"]) showError(id, "");
  $("#ga-progress").hidden = true;
  $("#backup-dialog").showModal();
  if (focusSel) $(focusSel).focus();
}

function openSettings() {
  $("#autolock").value = String(state.settings.autoLockMinutes);
  $("#pass-panel").hidden = !core.canChangePassphrase;
  showError("#pass-error", "");
  updatePersistStatus();
  renderClock();
  $("#settings-dialog").showModal();
}

async function onChangePassphrase(ev) {
  ev.preventDefault();
  showError("#pass-error", "");
  const old = $("#pass-old").value;
  const p1 = $("#pass-new").value;
  const p2 = $("#pass-new2").value;
  if (p1.length < 8) {
    showError("#pass-error", "Choose a new passphrase of at least 8 characters.");
    return;
  }
  if (p1 !== p2) {
    showError("#pass-error", "The two new passphrases are not the same.");
    return;
  }
  try {
    await busy($("#pass-submit"), "Changing…", () => core.changePassphrase(old, p1));
  } catch (err) {
    showError("#pass-error", core.isWrongPassphrase(err) ? "The current passphrase is wrong" : err);
    return;
  }
  $("#pass-form").reset();
  status("Passphrase changed.");
}

start();
