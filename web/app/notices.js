// notices.js is what a newcomer needs said plainly on the authenticator
// page (issue 12): the add dialog offers only what this device can do, the
// key field says what Go's check found (once, in words a person knows),
// the storage notice stays until the person acts, and errors look like
// errors with sentences instead of the browser's exception names. app.js
// calls these; the checks themselves are Go's (accounts.validateKey).

const $ = (sel, root = document) => root.querySelector(sel);

// el makes an element: props "class", "text", aria-*, data-*, role and
// "for" as attributes, the rest as properties; then the children. The
// page's scripts (push.js, sync.js, app.js) draw with it.
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("aria-") || k.startsWith("data-") || k === "role" || k === "for") node.setAttribute(k, v);
    else node[k] = v;
  }
  node.append(...children);
  return node;
}

// ---------------------------------------------------------------------------
// What this device can do

// touchFirst: a phone or tablet, whose main pointer is a finger and which
// has no hover (no keyboard shortcut to advertise there).
export function touchFirst() {
  return typeof matchMedia === "function" && matchMedia("(hover: none) and (pointer: coarse)").matches;
}

// fitAddMethods shows in the add dialog only the ways this device has:
// the camera where getUserMedia exists (it does not on a plain-http page),
// screen capture where getDisplayMedia exists (not on phones), and the
// paste hint with this platform's shortcut, not on touch devices. It
// returns the first method shown, for the focus: the camera on a phone.
export function fitAddMethods() {
  const md = navigator.mediaDevices;
  const camera = $("#scan-camera");
  const screen = $("#scan-screen");
  camera.hidden = !(md && typeof md.getUserMedia === "function");
  screen.hidden = !(md && typeof md.getDisplayMedia === "function");
  const hint = $("#add-paste-hint");
  if (hint) {
    hint.hidden = touchFirst();
    const mac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent || "");
    hint.textContent = `You can also drop an image on this page, or paste an image or an otpauth link with ${mac ? "⌘V" : "Ctrl+V"}.`;
  }
  // Without a camera API the likely reason is a plain-http page: say so
  // once, rather than leave the camera missing without a word.
  let why = $("#add-no-camera");
  if (camera.hidden && !why) {
    why = document.createElement("p");
    why.id = "add-no-camera";
    why.className = "muted small-print";
    $(".methods").after(why);
  }
  if (why) {
    why.hidden = !camera.hidden;
    why.textContent = globalThis.isSecureContext === false
      ? "The camera can be used only on a secure (https) page; read an image or type the key instead."
      : "This browser offers no camera to pages; read an image or type the key instead.";
  }
  return [camera, screen, $("#scan-file")].find((b) => b && !b.hidden) || null;
}

// ---------------------------------------------------------------------------
// The key field

export const KEY_HINT = "Letters A–Z and digits 2–7, as the service shows it. Spaces do not matter. A whole otpauth:// link works too.";

// showKeyCheck writes Go's verdict on the typed key (twofold.d.ts KeyCheck)
// under the field: the one place it is said. A short key is a warning,
// not a success; a link says what adding it does.
export function showKeyCheck(check, input, msg) {
  if (!check) {
    msg.textContent = KEY_HINT;
    msg.className = "hint";
    input.removeAttribute("aria-invalid");
    return;
  }
  if (check.ok) {
    msg.textContent = check.summary || "Looks right.";
    msg.className = check.warnings && check.warnings.length && !check.link ? "hint warn" : "hint good";
    input.removeAttribute("aria-invalid");
  } else {
    msg.textContent = sentence(check.message);
    msg.className = "hint bad";
    input.setAttribute("aria-invalid", "true");
  }
}

// ---------------------------------------------------------------------------
// Errors: one style, sentences

// humane replaces the browser's names for a failed request with what
// happened and what to do.
export function humane(text) {
  if (/^(TypeError: )?(Failed to fetch|NetworkError when attempting to fetch resource\.?|Load failed)$/i.test(text)) {
    return "Could not reach the server. Check the connection and try again.";
  }
  return text;
}

function sentence(m) {
  const s = humane(String(m || ""));
  return s ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}

// ---------------------------------------------------------------------------
// Storage that the browser may clear

const BACKED_UP_KEY = "twofold.backedUpAt";

// The notice says, until the person acts, that the browser has not
// promised to keep the vault: "Ask the browser to keep it" requests
// persistent storage; "Download a backup" opens the backup dialog, and a
// backup downloaded answers it. Nothing secret is kept: the date of the
// last backup, in localStorage.
export function createStorageNotice({ requestPersistence, openBackup, status }) {
  const box = document.createElement("div");
  box.id = "storage-notice";
  box.className = "banner warn";
  box.setAttribute("role", "region");
  box.setAttribute("aria-labelledby", "storage-notice-msg");
  box.hidden = true;
  const text = document.createElement("p");
  text.id = "storage-notice-msg";
  const actions = document.createElement("div");
  actions.className = "banner-actions";
  const ask = document.createElement("button");
  ask.type = "button";
  ask.className = "primary small";
  ask.id = "storage-notice-ask";
  ask.textContent = "Ask the browser to keep it";
  const backup = document.createElement("button");
  backup.type = "button";
  backup.className = "small";
  backup.id = "storage-notice-backup";
  backup.textContent = "Download a backup";
  actions.append(ask, backup);
  box.append(text, actions);
  const toolbar = $("#view-codes .toolbar");
  toolbar.parentNode.insertBefore(box, toolbar);

  let persisted = null;
  let accounts = 0;
  let refused = false;

  function backedUp() {
    try {
      return !!localStorage.getItem(BACKED_UP_KEY);
    } catch (_) {
      return false;
    }
  }

  function render() {
    // With no account yet there is nothing to lose, and the first thing
    // to do is to add one.
    const show = persisted === false && accounts > 0 && !backedUp();
    box.hidden = !show;
    if (!show) return;
    if (refused) {
      text.textContent = "The browser would not promise to keep your vault, so it may delete it when the disk is nearly full. Download an encrypted backup and keep it somewhere else.";
    } else {
      text.textContent = "This browser may delete your vault when the disk is nearly full: storage is not persistent. Ask it to keep the vault, or download an encrypted backup.";
    }
    ask.hidden = refused;
  }

  ask.addEventListener("click", async () => {
    ask.disabled = true;
    try {
      const ok = await requestPersistence();
      refused = !ok;
      status(ok ? "The browser will keep your vault." : "The browser did not grant persistent storage. Keep an encrypted backup.", { error: !ok });
    } finally {
      ask.disabled = false;
      render();
      if (!box.hidden) (refused ? backup : ask).focus();
    }
  });
  backup.addEventListener("click", () => openBackup());

  return {
    // update follows the browser's answer (persisted: null when it cannot
    // say) and the number of accounts.
    update(changes) {
      if ("persisted" in changes) persisted = changes.persisted;
      if ("accounts" in changes) accounts = changes.accounts;
      render();
    },
    // backedUp is called once a backup is downloaded.
    backedUp() {
      try {
        localStorage.setItem(BACKED_UP_KEY, new Date().toISOString());
      } catch (_) {
        // private mode: the notice stays for this visit, which is right
      }
      render();
    },
  };
}
