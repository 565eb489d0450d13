// Twofold authenticator page. Everything secret lives in the Go/WebAssembly
// core (web/app/twofold.d.ts documents its bridge); this script only draws the
// page, talks to the browser (camera, files, clipboard, storage, service
// worker) and hands pixels and typed text to the core. No seed ever passes
// through the DOM except while a person types one into the manual form,
// which is cleared as soon as the account is added or the vault locks.

import { createCore } from "./core.js";
import { createPushUI } from "./push.js";
import { createTransferUI } from "./transfer.js";
import { createPasskeyUI } from "./passkey.js";
import { createStorageNotice, el, fitAddMethods, humane, showKeyCheck } from "./notices.js";
import { createSyncUI } from "./sync.js";

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

const SETTINGS_KEY = "twofold.settings";
const CLOCK_WARN_MS = 15000;
const CAMERA_LONG_SIDE = 800;  // camera frames are scaled to this before Go sees them
const SCREEN_LONG_SIDE = 1920; // screens: (nearly) full size, the code may be small
const IMAGE_LONG_SIDE = 4096;  // files: full size (Go downscales what it must)
const NEXT_CODE_SECONDS = 7;   // show the next code this close to the end of a period
const REVEAL_MS = 20000;       // a hidden code shows this long once selected
const CLIPBOARD_CLEAR_MS = 45000; // the clipboard is cleared this long after a copy

let core = null;
let pushUI = null; // push.js: sign-in prompts
let transferUI = null; // transfer.js: import with a preview, exports, QR codes
let passkeyUI = null; // passkey.js: unlock with a passkey
let storageNotice = null; // notices.js: until the person acts on it
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
  list: { sort: "manual", hideCodes: false }, // the list's settings, kept in the vault
  group: "", // the group filter
  revealed: new Map(), // hidden codes shown: id → until (ms)
  clipboard: { timer: 0, pending: false }, // clearing the clipboard after a copy
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
  m = humane(m.replace(/^(?:[a-z0-9]+: )+/, "")); // package prefixes such as "otpauth: "
  if (m === "") m = "something went wrong";
  return m.charAt(0).toUpperCase() + m.slice(1);
}

let statusTimer = 0;
function status(text, { error = false, ms = 4000, action = null } = {}) {
  const box = $("#status");
  box.textContent = text;
  if (action) {
    box.append(" ", el("button", { type: "button", class: "toast-action", text: action.label,
      onclick: () => { box.classList.remove("show"); box.textContent = ""; action.run(); } }));
  }
  box.classList.toggle("show", text !== "");
  box.classList.toggle("error-toast", error);
  clearTimeout(statusTimer);
  if (text !== "") statusTimer = setTimeout(() => { box.classList.remove("show"); box.textContent = ""; }, ms);
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
  if (name === "unlock" && passkeyUI) passkeyUI.onUnlockView();
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
  transferUI = createTransferUI(core, {
    status, message, label, showError, busy, download, today, refreshAccounts, focusAccount,
    account: (id) => state.accounts.find((a) => a.id === id),
  });
  passkeyUI = createPasskeyUI(core, { status, message, showError, busy, enterVault });
  syncUI = createSyncUI({ status, message, refresh: refreshAccounts });
  wire();
  storageNotice = createStorageNotice({ requestPersistence, openBackup: () => openBackup("#export-pass"), status });
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
      : "Your vault is ready. Add your first account.",
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
  await loadListSettings();
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
  state.revealed.clear();
  state.group = "";
  transferUI.reset();
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
    const view = document.documentElement.dataset.view;
    if (view === "create") await showLockedView();
    // A passkey added or removed there shows or hides "Unlock with passkey" here.
    else if (view === "unlock" && passkeyUI) await passkeyUI.onUnlockView();
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
    if (syncUI) await syncUI.announce(); // a conflict that tab's sync found
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
  await updatePersistStatus();
  return state.persisted;
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
  storageNotice.update({ persisted: state.persisted });
}

// ---------------------------------------------------------------------------
// Accounts and codes

async function refreshAccounts() {
  state.accounts = await core.accounts();
  storageNotice.update({ accounts: state.accounts.length });
  renderAccounts();
  tick();
}

// loadListSettings reads the list's settings from the vault.
async function loadListSettings() {
  try {
    state.list = await core.settings();
  } catch (_) {
    state.list = { sort: "manual", hideCodes: false };
  }
  $("#sort").value = state.list.sort;
  $("#hide-codes").checked = state.list.hideCodes;
}

async function saveListSettings(change) {
  const next = { ...state.list, ...change };
  await core.setSettings(next);
  state.list = next;
}

// Avatars: a letter on a colour picked by the issuer's name, so one
// service's accounts share a colour. Every colour keeps white text above
// 4.5:1 contrast.
const AVATAR_COLOURS = ["#1f6f5c", "#2b5797", "#7a3e9d", "#b3261e", "#8a5300", "#00695c", "#4a5a8c", "#9c2f6b", "#3b6e22", "#5d4037", "#0b6e99", "#6b4fbb"];

function avatarOf(acc) {
  const name = (acc.issuer || acc.account || "?").trim();
  let h = 5381;
  for (const ch of name.toLowerCase()) h = ((h * 33) ^ ch.codePointAt(0)) >>> 0;
  const letter = acc.icon || Array.from(name)[0] || "?";
  return { letter: letter.toLocaleUpperCase(), colour: AVATAR_COLOURS[h % AVATAR_COLOURS.length] };
}

// manual reports whether the list is in the order the person sets.
const manualOrder = () => state.list.sort === "manual";

function renderAccounts() {
  performance.mark("twofold-render-start");
  const list = $("#accounts");
  const tpl = $("#account-tpl");
  const focusedId = document.activeElement?.closest?.(".account")?.dataset.id;
  // The row's control that had the focus, by the class that names it
  // ("small ghost act-up": act-up), so it gets the focus back.
  const focusedClass = Array.from(document.activeElement?.classList || []).find((c) => /^(act-|drag-handle$|hotp-next$|account-main$)/.test(c));
  const items = state.accounts.map((acc, i) => accountRow(tpl, acc, i));
  list.replaceChildren(...items);
  list.classList.toggle("editing", state.editing);
  renderGroups();
  applyFilter();
  $("#empty").hidden = state.accounts.length !== 0;
  $("#list-help").hidden = state.accounts.length === 0;
  $(".toolbar .search").hidden = state.accounts.length === 0;
  $("#list-controls").hidden = state.accounts.length === 0;
  $("#edit-btn").hidden = state.accounts.length === 0;
  if (focusedId) {
    const li = list.querySelector(`[data-id="${CSS.escape(focusedId)}"]`);
    const target = li && (li.querySelector("." + focusedClass + ":not(:disabled)") || li.querySelector(".account-main"));
    if (target) target.focus();
  }
  performance.measure("twofold-render", "twofold-render-start");
}

// accountRow draws one account: avatar, names, groups, its actions.
function accountRow(tpl, acc, i) {
  const li = tpl.content.firstElementChild.cloneNode(true);
  li.dataset.id = acc.id;
  li.dataset.type = acc.type;
  li.classList.toggle("pinned", acc.pinned);
  const av = avatarOf(acc);
  const avatar = $(".avatar", li);
  avatar.textContent = av.letter;
  avatar.style.setProperty("--avatar", av.colour);
  $(".pin-mark", li).hidden = !acc.pinned;
  $(".issuer", li).textContent = acc.issuer || acc.account;
  $(".name", li).textContent = acc.issuer ? acc.account : "";
  $(".tags", li).replaceChildren(...acc.tags.map((t) => Object.assign(document.createElement("span"), { className: "tag", textContent: t })));
  const main = $(".account-main", li);
  main.title = state.list.hideCodes ? "Show the code" : "Copy the code";
  const hotp = acc.type === "hotp";
  $(".ring", li).toggleAttribute("hidden", hotp); // an SVG element has no .hidden
  $(".hotp-next", li).hidden = !hotp;
  $(".hotp-next", li).setAttribute("aria-label", `Next code for ${label(acc)}`);
  const counter = $(".counter", li);
  counter.hidden = !hotp;
  counter.textContent = hotp ? `counter ${acc.counter}` : "";
  // Moves stay among the pinned, or among the others, in manual order.
  const prev = state.accounts[i - 1];
  const next = state.accounts[i + 1];
  $(".act-up", li).disabled = !prev || prev.pinned !== acc.pinned;
  $(".act-down", li).disabled = !next || next.pinned !== acc.pinned;
  for (const cls of ["act-up", "act-down", "drag-handle"]) $("." + cls, li).hidden = !manualOrder();
  const pin = $(".act-pin", li);
  pin.textContent = acc.pinned ? "Unpin" : "Pin";
  pin.setAttribute("aria-pressed", String(acc.pinned));
  for (const [cls, verb] of [["act-up", "Move up"], ["act-down", "Move down"], ["act-pin", acc.pinned ? "Unpin" : "Pin"],
    ["act-rename", "Edit"], ["act-qr", "Show the QR code of"], ["act-delete", "Delete"], ["drag-handle", "Move"]]) {
    $("." + cls, li).setAttribute("aria-label", `${verb}: ${label(acc)}`);
  }
  $(".edit-actions", li).hidden = !state.editing;
  pushUI.decorate(li, acc);
  return li;
}

// renderGroups fills the group filter with the groups in use.
function renderGroups() {
  const groups = [...new Set(state.accounts.flatMap((a) => a.tags))].sort((a, b) => a.localeCompare(b));
  if (state.group && !groups.includes(state.group)) state.group = "";
  const sel = $("#group-filter");
  sel.replaceChildren(new Option("All groups", ""), ...groups.map((g) => new Option(g, g)));
  sel.value = state.group;
  $("#group-control").hidden = groups.length === 0;
  $("#known-tags").replaceChildren(...groups.map((g) => Object.assign(document.createElement("option"), { value: g })));
}

// matches reports whether an account shows under the search and the group.
function matches(acc, words) {
  if (state.group && !acc.tags.includes(state.group)) return false;
  const hay = `${acc.issuer}\u0000${acc.account}\u0000${acc.tags.join("\u0000")}`.toLowerCase();
  return words.every((w) => hay.includes(w));
}

function applyFilter() {
  performance.mark("twofold-filter-start");
  const words = state.filter.trim().toLowerCase().split(/\s+/).filter((w) => w !== "");
  const byId = new Map(state.accounts.map((a) => [a.id, a]));
  let shown = 0;
  for (const li of $$("#accounts .account")) {
    const hit = matches(byId.get(li.dataset.id), words);
    li.hidden = !hit;
    if (hit) shown++;
  }
  const nm = $("#no-match");
  const q = state.filter.trim();
  nm.hidden = !((q || state.group) && shown === 0 && state.accounts.length > 0);
  nm.textContent = nm.hidden ? "" : q ? `No account matches “${q}”${state.group ? ` in ${state.group}` : ""}.` : `No account in ${state.group}.`;
  performance.measure("twofold-filter", "twofold-filter-start");
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
  const now = Date.now();
  for (const li of $$("#accounts .account")) {
    const c = byId.get(li.dataset.id);
    if (!c) continue;
    if (li.dataset.type === "hotp") drawHOTP(li, c);
    else drawTimed(li, c, now);
  }
}

// hidden reports whether a row's code is hidden (the setting, until the
// person selects it).
function hidden(id, now = Date.now()) {
  if (!state.list.hideCodes) return false;
  const until = state.revealed.get(id) || 0;
  if (until > now) return false;
  state.revealed.delete(id);
  return true;
}

function drawHOTP(li, c) {
  const codeEl = $(".code", li);
  const shown = state.hotp.get(li.dataset.id) || "";
  const text = shown ? groupCode(shown) : "Select “Next code” for a code";
  if (codeEl.textContent !== text) codeEl.textContent = text;
  codeEl.classList.toggle("placeholder", !shown);
  li.dataset.code = shown;
  const counter = $(".counter", li);
  counter.textContent = `counter ${c.counter}`;
}

// drawTimed draws a TOTP or Steam code with its countdown and, in the last
// seconds of the period, the next code.
function drawTimed(li, c, now) {
  const codeEl = $(".code", li);
  const conceal = hidden(li.dataset.id, now);
  const grouped = conceal ? groupCode("•".repeat(c.code.length)) : groupCode(c.code);
  if (codeEl.textContent !== grouped) codeEl.textContent = grouped;
  codeEl.classList.toggle("concealed", conceal);
  li.dataset.code = c.code;
  li.dataset.hidden = String(conceal);
  const remaining = c.remaining;
  li.dataset.remaining = String(remaining);
  $(".ring-fg", li).setAttribute("stroke-dashoffset", String(Math.round(100 * (1 - remaining / c.period) * 10) / 10));
  $(".ring-text", li).textContent = String(remaining);
  const low = remaining <= NEXT_CODE_SECONDS;
  li.classList.toggle("low", low);
  const next = $(".next", li);
  if (low && c.next && !conceal) {
    next.textContent = "next " + groupCode(c.next);
    next.hidden = false;
  } else if (!next.hidden) {
    next.hidden = true;
    next.textContent = "";
  }
}

// copyCode copies a row's code; with hidden codes, the first selection
// shows it instead (for REVEAL_MS) and the next one copies it.
async function copyCode(li) {
  const acc = state.accounts.find((a) => a.id === li.dataset.id);
  if (!acc) return;
  if (acc.type !== "hotp" && li.dataset.hidden === "true") {
    state.revealed.set(acc.id, Date.now() + REVEAL_MS);
    li.dataset.hidden = "false";
    tick();
    status(`Showing the code for ${label(acc)}. Select it again to copy it.`);
    return;
  }
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
  if (!ok) {
    status("The browser did not allow copying. Select the code and copy it yourself.", { error: true });
    return;
  }
  li.classList.add("copied");
  const note = $(".copied-note", li);
  note.hidden = false;
  setTimeout(() => { li.classList.remove("copied"); note.hidden = true; }, 1500);
  status(`Copied the code for ${label(acc)}. The clipboard is cleared in ${CLIPBOARD_CLEAR_MS / 1000} seconds.`);
  scheduleClipboardClear();
  acc.lastUsedMs = Date.now();
  core.markUsed(acc.id).catch(() => {}); // the "recent use" order; losing one mark is harmless
}

// scheduleClipboardClear empties the clipboard CLIPBOARD_CLEAR_MS after the
// last copy. Browsers let a page write the clipboard only while it has the
// focus: if it has not then, it is cleared when the page gets it back.
function scheduleClipboardClear() {
  const cb = state.clipboard;
  clearTimeout(cb.timer);
  cb.pending = false;
  cb.timer = setTimeout(() => {
    if (document.hasFocus()) clearClipboard();
    else cb.pending = true;
  }, CLIPBOARD_CLEAR_MS);
}

function clearClipboard() {
  state.clipboard.pending = false;
  if (!navigator.clipboard || !navigator.clipboard.writeText) return;
  navigator.clipboard.writeText("").then(() => {
    if (state.unlocked) status("The clipboard was cleared.", { ms: 2500 });
  }, () => {});
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

// moveAccount moves a row by delta places among the rows shown in manual
// order (pinned rows among themselves) and saves the new order.
async function moveAccount(id, delta) {
  if (!manualOrder()) return;
  const ids = state.accounts.map((a) => a.id);
  const i = ids.indexOf(id);
  const j = i + delta;
  if (i < 0 || j < 0 || j >= ids.length || state.accounts[i].pinned !== state.accounts[j].pinned) return;
  ids.splice(j, 0, ...ids.splice(i, 1));
  await core.reorder(ids);
  await refreshAccounts();
  const acc = state.accounts.find((a) => a.id === id);
  status(`Moved ${label(acc)} to position ${j + 1} of ${ids.length}.`);
}

// Drag and drop: a row is dragged by its handle (pointer events: mouse,
// pen and touch alike); the handle also moves it with the arrow keys.
let drag = null;

function onHandleDown(ev) {
  const handle = ev.target.closest(".drag-handle");
  if (!handle || !manualOrder() || ev.button > 0) return;
  const li = handle.closest(".account");
  ev.preventDefault();
  handle.setPointerCapture(ev.pointerId);
  drag = { id: li.dataset.id, li, startY: ev.clientY, target: null };
  li.classList.add("dragging");
}

function onHandleMove(ev) {
  if (!drag) return;
  drag.li.style.setProperty("--drag-y", `${ev.clientY - drag.startY}px`);
  const over = document.elementsFromPoint(ev.clientX, ev.clientY).map((el) => el.closest?.(".account")).find((el) => el && el !== drag.li);
  for (const el of $$("#accounts .drop-before, #accounts .drop-after")) el.classList.remove("drop-before", "drop-after");
  drag.target = null;
  if (!over) return;
  const acc = state.accounts.find((a) => a.id === drag.id);
  const to = state.accounts.find((a) => a.id === over.dataset.id);
  if (!acc || !to || acc.pinned !== to.pinned) return;
  const r = over.getBoundingClientRect();
  drag.after = ev.clientY > r.top + r.height / 2;
  drag.target = over.dataset.id;
  over.classList.add(drag.after ? "drop-after" : "drop-before");
}

async function onHandleUp() {
  if (!drag) return;
  const { id, li, target, after } = drag;
  drag = null;
  li.classList.remove("dragging");
  li.style.removeProperty("--drag-y");
  for (const el of $$("#accounts .drop-before, #accounts .drop-after")) el.classList.remove("drop-before", "drop-after");
  if (!target) return;
  const ids = state.accounts.map((a) => a.id).filter((x) => x !== id);
  ids.splice(ids.indexOf(target) + (after ? 1 : 0), 0, id);
  await core.reorder(ids);
  await refreshAccounts();
  const acc = state.accounts.find((a) => a.id === id);
  status(`Moved ${label(acc)} to position ${ids.indexOf(id) + 1} of ${ids.length}.`);
  $(`#accounts [data-id="${CSS.escape(id)}"] .drag-handle`)?.focus();
}

async function togglePin(id) {
  const acc = state.accounts.find((a) => a.id === id);
  if (!acc) return;
  await core.setPinned(id, !acc.pinned);
  await refreshAccounts();
  status(acc.pinned ? `Unpinned ${label(acc)}.` : `Pinned ${label(acc)} to the top of the list.`);
  $(`#accounts [data-id="${CSS.escape(id)}"] .act-pin`)?.focus();
}

// The edit dialog: names, icon letter and groups; for HOTP, the counter.
let pendingRename = null;
function openRename(id) {
  const acc = state.accounts.find((a) => a.id === id);
  if (!acc) return;
  pendingRename = id;
  $("#rename-issuer").value = acc.issuer;
  $("#rename-account").value = acc.account;
  $("#rename-icon").value = acc.icon;
  $("#rename-tags").value = acc.tags.join(", ");
  $("#rename-icon-hint").textContent = `Empty: ${avatarOf({ ...acc, icon: "" }).letter}, the first letter of the service.`;
  $("#hotp-panel").hidden = acc.type !== "hotp";
  $("#hotp-counter").value = String(acc.counter);
  $("#resync-form").reset();
  for (const e of ["#rename-error", "#hotp-error"]) showError(e, "");
  $("#rename-dialog").showModal();
  $("#rename-issuer").focus();
}

async function onRename(ev) {
  ev.preventDefault();
  const id = pendingRename;
  const tags = $("#rename-tags").value.split(",").map((t) => t.trim()).filter((t) => t !== "");
  try {
    await core.edit(id, { issuer: $("#rename-issuer").value.trim(), account: $("#rename-account").value.trim(), icon: $("#rename-icon").value.trim(), tags });
  } catch (err) {
    showError("#rename-error", err);
    return;
  }
  $("#rename-dialog").close();
  await refreshAccounts();
  const acc = state.accounts.find((a) => a.id === id);
  status(`Saved ${label(acc)}.`);
  $(`#accounts [data-id="${CSS.escape(id)}"] .act-rename`)?.focus();
}

// onCounter sets an HOTP account's counter; onResync finds it from two codes.
async function onCounter(ev) {
  ev.preventDefault();
  const n = Number($("#hotp-counter").value);
  if (!Number.isSafeInteger(n) || n < 0) {
    showError("#hotp-error", "The counter is a whole number, 0 or more.");
    return;
  }
  await hotpChange(() => core.setCounter(pendingRename, n), (acc) => `The counter of ${label(acc)} is now ${acc.counter}.`);
}

async function onResync(ev) {
  ev.preventDefault();
  const c1 = $("#resync-code1").value.trim();
  const c2 = $("#resync-code2").value.trim();
  if (!c1 || !c2) {
    showError("#hotp-error", "Enter two codes that the other device shows one after the other.");
    return;
  }
  await hotpChange(() => core.resync(pendingRename, c1, c2), (acc) => `Found it: the next code of ${label(acc)} is number ${acc.counter}.`);
  $("#resync-form").reset();
}

async function hotpChange(change, said) {
  showError("#hotp-error", "");
  let acc;
  try {
    acc = await change();
  } catch (err) {
    showError("#hotp-error", err);
    return;
  }
  state.hotp.delete(acc.id);
  $("#hotp-counter").value = String(acc.counter);
  await refreshAccounts();
  status(said(acc), { ms: 6000 });
}

let pendingDelete = null;
function openDelete(id) {
  const acc = state.accounts.find((a) => a.id === id);
  if (!acc) return;
  pendingDelete = id;
  $("#delete-msg").textContent = `${label(acc)} will be removed from the list. You can restore it from Settings → Recently deleted for 30 days${syncUI && syncUI.isOn() ? ", on every browser you sync with" : ""}.`;
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
  status(`Deleted ${label(acc)}.`, { ms: 8000, action: { label: "Undo", run: () => restoreAccount(id, label(acc)) } });
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
  if (acc) acc.counter = r.counter + 1;
  if (li) $(".counter", li).textContent = `counter ${r.counter + 1}`;
  status(`New code for ${label(acc)} (counter ${r.counter}; the next one is ${r.counter + 1}).`);
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
  const first = fitAddMethods();
  $("#add-dialog").showModal();
  (first || $("#manual summary")).focus();
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
  showKeyCheck(null, $("#m-secret"), $("#m-secret-msg"));
}

function onSecretInput() {
  const v = $("#m-secret").value;
  showKeyCheck(v.trim() === "" ? null : core.checkKey(v), $("#m-secret"), $("#m-secret-msg"));
}

function onTypeChange() {
  const type = $("#m-type").value;
  $("#m-period-field").hidden = type !== "totp";
  $("#m-counter-field").hidden = type !== "hotp";
  for (const sel of ["#m-algo", "#m-digits"]) $(sel).closest(".field").hidden = type === "steam";
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
    ...(type === "steam" ? { algorithm: "SHA1", digits: 6 } : {}),
    counter: type === "hotp" ? Number($("#m-counter").value) : 0,
  };
  const check = core.checkKey(fields.secret);
  if (check.ok && check.link) {
    // A whole otpauth link in the key field: added as a scanned one is,
    // with its own names and settings.
    if (await addFromText(fields.secret, "link")) {
      $("#manual-form").reset();
      resetManualHint();
      onTypeChange();
    }
    return;
  }
  if (!fields.issuer && !fields.account) {
    showError("#manual-error", "Give the account a service or an account name, so you can tell it apart.");
    $("#m-account").focus();
    return;
  }
  if (!check.ok) {
    // Said once, under the field (not again here).
    showKeyCheck(check, $("#m-secret"), $("#m-secret-msg"));
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
    status("Unlock the vault first, then drop the file again.", { error: true });
    return;
  }
  const files = Array.from(ev.dataTransfer.files);
  if (files.length === 1 && !files[0].type.startsWith("image/")) {
    closeDialog("#add-dialog");
    return transferUI.importFile(files[0]);
  }
  return addFromImages(files, "dropped image");
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
  storageNotice.backedUp();
  status(`Backup downloaded with ${state.accounts.length} account${state.accounts.length === 1 ? "" : "s"}. Keep the file and its passphrase apart.`, { ms: 8000 });
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
  on("#empty-import", "click", () => openBackup("#import-file"));
  on("#backup-btn", "click", () => openBackup());
  on("#settings-btn", "click", openSettings);
  on("#edit-btn", "click", () => {
    state.editing = !state.editing;
    $("#edit-btn").setAttribute("aria-pressed", String(state.editing));
    $("#edit-btn").textContent = state.editing ? "Done" : "Edit list";
    for (const el of $$("#accounts .edit-actions")) el.hidden = !state.editing;
    $("#accounts").classList.toggle("editing", state.editing);
  });
  on("#search", "input", (ev) => {
    state.filter = ev.target.value;
    applyFilter();
  });
  on("#group-filter", "change", (ev) => {
    state.group = ev.target.value;
    applyFilter();
  });
  on("#sort", "change", async (ev) => {
    const sort = ev.target.value;
    const name = ev.target.selectedOptions[0].textContent.toLowerCase(); // before the select changes again
    await saveListSettings({ sort });
    await refreshAccounts();
    status(sort === "manual" ? "The list is in your own order: arrange it in “Edit list”." : `The list is sorted by ${name}.`);
  });
  on("#hide-codes", "change", async (ev) => {
    const hideCodes = ev.target.checked;
    await saveListSettings({ hideCodes });
    state.revealed.clear();
    renderAccounts();
    tick();
    status(hideCodes ? "Codes are hidden until you select one." : "Codes are shown.");
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
    if (ev.target.closest(".act-pin")) return togglePin(id);
    if (ev.target.closest(".act-qr")) return transferUI.showAccountQR(id);
    if (ev.target.closest(".drag-handle")) return;
    if (ev.target.closest(".act-delete")) return openDelete(id);
    if (ev.target.closest(".hotp-next")) return nextHOTP(id);
    if (ev.target.closest(".account-main")) return copyCode(li);
  });
  list.addEventListener("pointerdown", onHandleDown);
  list.addEventListener("pointermove", onHandleMove);
  on(list, "pointerup", onHandleUp);
  list.addEventListener("pointercancel", onHandleUp);
  on(list, "keydown", (ev) => {
    const handle = ev.target.closest(".drag-handle");
    if (handle && (ev.key === "ArrowUp" || ev.key === "ArrowDown")) {
      ev.preventDefault();
      return moveAccount(handle.closest(".account").dataset.id, ev.key === "ArrowUp" ? -1 : 1);
    }
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
  on("#counter-form", "submit", onCounter);
  on("#resync-form", "submit", onResync);
  on("#conflict-replace", "click", () => $("#conflict-dialog").close("replace"));
  on("#conflict-keep", "click", () => $("#conflict-dialog").close("keep"));
  on("#delete-confirm", "click", onDelete);
  on("#purge-confirm", "click", onPurge);

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
  on("#ga-form", "submit", onGAImport);
  on("#ga-camera", "click", () => {
    closeDialog("#backup-dialog");
    return startScanner("camera", afterScan);
  });
  transferUI.wire(on);

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
  window.addEventListener("focus", () => {
    if (state.clipboard.pending) clearClipboard();
  });
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
  for (const id of ["#export-error", "#ga-error"]) showError(id, "");
  $("#ga-progress").hidden = true;
  transferUI.opened();
  $("#backup-dialog").showModal();
  if (focusSel) $(focusSel).focus();
}

// restoreAccount takes an account out of the trash (Undo, or Settings →
// Recently deleted).
async function restoreAccount(id, name) {
  try {
    await core.restore(id);
  } catch (err) {
    status(message(err), { error: true });
    return;
  }
  await refreshAccounts();
  if ($("#settings-dialog").open) await renderTrash();
  status(`${name} restored.`);
}

// renderTrash lists the accounts deleted in the last 30 days.
async function renderTrash() {
  const list = $("#trash-list");
  let items = [];
  try {
    items = await core.trash();
  } catch (err) {
    status(message(err), { error: true });
  }
  list.replaceChildren(...items.map((t) => el("li", { "data-id": t.id },
    el("span", { text: `${t.label} — deleted ${new Date(t.deletedMs).toLocaleString()}` }),
    el("span", { class: "trash-actions" },
      el("button", { type: "button", class: "ghost", text: "Restore", "aria-label": `Restore ${t.label}`, onclick: () => restoreAccount(t.id, t.label) }),
      el("button", { type: "button", class: "ghost danger-text", text: "Delete for good", "aria-label": `Delete ${t.label} for good`, onclick: () => openPurge(t) })))));
  list.hidden = items.length === 0;
  $("#trash-none").hidden = items.length > 0;
}

// openPurge asks before an account leaves the trash for good.
let pendingPurge = null;
function openPurge(t) {
  pendingPurge = t;
  $("#purge-msg").textContent = `${t.label} and its key will be deleted from this vault${syncUI && syncUI.isOn() ? " and from every browser you sync with" : ""}. You cannot restore it afterwards.`;
  $("#purge-dialog").showModal();
  $("#purge-cancel").focus();
}

async function onPurge() {
  const t = pendingPurge;
  $("#purge-dialog").close();
  if (!t) return;
  pendingPurge = null;
  try {
    await core.purge(t.id);
  } catch (err) {
    status(message(err), { error: true });
    return;
  }
  await renderTrash();
  status(`${t.label} was deleted for good.`);
  ($("#trash-list button") || $("#settings-dialog .close")).focus();
}

function openSettings() {
  renderTrash();
  $("#autolock").value = String(state.settings.autoLockMinutes);
  $("#pass-panel").hidden = !core.canChangePassphrase;
  showError("#pass-error", "");
  updatePersistStatus();
  renderClock();
  passkeyUI.onSettings();
  if (syncUI) syncUI.onSettings(); // its conflict reports and devices as they are now
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
