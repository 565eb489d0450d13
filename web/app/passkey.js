// passkey.js unlocks the vault with a passkey: Face ID, Touch ID, Windows
// Hello or a security key, through the WebAuthn PRF extension. The
// passkey's PRF output on the vault's salt (32 bytes) goes to Go, which
// derives the key that opens the vault's passkey slot, uses it and wipes
// it; this file zeroes its own copy at once. Nothing is sent anywhere, and
// no WebAuthn signature is checked: only the authenticator can compute the
// PRF output, and the vault opens only with it (docs/vault-format.md,
// "Passkey unlock"). The passphrase always works as well.
//
// Two places: Settings ("Unlock with a passkey": add, list, remove) and the
// lock screen ("Unlock with passkey" beside the passphrase). It talks to
// the authenticator only through core.js.

const $ = (sel) => document.querySelector(sel);

// WebAuthn wants bytes; the bridge takes credential ids and the salt as
// base64url without padding.
function toB64url(buf) {
  const bytes = new Uint8Array(buf);
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromB64url(s) {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function random(n) {
  return crypto.getRandomValues(new Uint8Array(n));
}

const IP_HOST = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/i;

// support says whether this browser offers passkeys with PRF here, and if
// not, why: {ok: true} or {ok: false, why}.
async function support() {
  if (!globalThis.isSecureContext) {
    return { ok: false, why: "Passkeys work only on a secure page (https, or localhost). Open Twofold by its https address to use one." };
  }
  if (typeof globalThis.PublicKeyCredential !== "function" || !navigator.credentials) {
    return { ok: false, why: "This browser does not support passkeys (WebAuthn). Your passphrase keeps working." };
  }
  if (IP_HOST.test(location.hostname)) {
    return { ok: false, why: "Passkeys need the page to be opened by a name (such as localhost or id.example.com), not by an IP address." };
  }
  const noPRF = "This browser does not report support for the passkey PRF extension, which Twofold needs to unlock the vault with a passkey (current Chrome, Edge, Safari and Firefox have it). Your passphrase keeps working.";
  if (typeof PublicKeyCredential.getClientCapabilities !== "function") return { ok: false, why: noPRF };
  try {
    const caps = await PublicKeyCredential.getClientCapabilities();
    if (!caps || caps["extension:prf"] !== true) return { ok: false, why: noPRF };
  } catch (_) {
    return { ok: false, why: noPRF };
  }
  return { ok: true };
}

// ceremonyError turns a WebAuthn rejection into a sentence.
function ceremonyError(err, adding) {
  const name = err && err.name;
  if (name === "NotAllowedError" || name === "AbortError") {
    return adding
      ? "No passkey was made: the request was cancelled, timed out, or the browser found no authenticator that can do it."
      : "The passkey was not used: the request was cancelled or timed out, or this device no longer has the passkey.";
  }
  if (name === "InvalidStateError") return "This authenticator already has a passkey for this vault.";
  if (name === "SecurityError") return "The browser does not allow passkeys for this address.";
  if (name === "NotSupportedError") return "This authenticator cannot make a passkey of a kind Twofold uses.";
  return (err && err.message) || "The passkey request failed.";
}

// prfOf reads a credential's PRF output on the first salt, or null.
function prfOf(cred) {
  const ext = cred.getClientExtensionResults ? cred.getClientExtensionResults() : {};
  const first = ext && ext.prf && ext.prf.results && ext.prf.results.first;
  return first ? new Uint8Array(first) : null;
}

// assert asks for one of ids' passkeys and evaluates its PRF on salt.
async function assert(ids, salt) {
  return navigator.credentials.get({
    publicKey: {
      challenge: random(32),
      allowCredentials: ids.map((id) => ({ type: "public-key", id: fromB64url(id) })),
      userVerification: "required",
      timeout: 60000,
      extensions: { prf: { eval: { first: salt } } },
    },
  });
}

function dateOf(ms) {
  try {
    return new Date(ms).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
  } catch (_) {
    return new Date(ms).toISOString().slice(0, 10);
  }
}

export function createPasskeyUI(core, { status, message, showError, busy, enterVault }) {
  let supported = null; // the promise of support(), asked once
  const check = () => (supported ||= support());

  // --- lock screen -------------------------------------------------------

  // onUnlockView shows "Unlock with passkey" when the vault has a passkey
  // and this browser can use it.
  // A vault with a passkey opened where passkeys cannot work (another
  // address, a browser without PRF) says why the button is missing.
  async function onUnlockView() {
    const btn = $("#passkey-unlock-btn");
    const why = $("#passkey-unlock-why");
    btn.hidden = true;
    why.hidden = true;
    if (!core.hasPasskey) return;
    let info;
    try {
      info = await core.passkeyList();
    } catch (_) {
      return; // no vault yet, or damaged: the passphrase path says so
    }
    if (info.passkeys.length === 0) return;
    const s = await check();
    btn.hidden = !s.ok;
    if (!s.ok) {
      why.textContent = `This vault also opens with a passkey, but not here. ${s.why}`;
      why.hidden = false;
    }
  }

  // fallBack shows why the passkey did not open the vault and hands over to
  // the passphrase.
  function fallBack(text) {
    showError("#unlock-error", text);
    $("#unlock-pass").focus();
  }

  async function unlock() {
    showError("#unlock-error", "");
    let info;
    try {
      info = await core.passkeyList();
    } catch (err) {
      fallBack(message(err));
      return;
    }
    if (info.passkeys.length === 0) {
      fallBack("This vault has no passkey any more. Unlock with your passphrase.");
      $("#passkey-unlock-btn").hidden = true;
      return;
    }
    let cred;
    try {
      cred = await assert(info.passkeys.map((p) => p.id), fromB64url(info.salt));
    } catch (err) {
      fallBack(`${ceremonyError(err, false)} Unlock with your passphrase.`);
      return;
    }
    const prf = prfOf(cred);
    if (!prf) {
      fallBack("The passkey did not give Twofold the key it needs (the PRF extension). Unlock with your passphrase.");
      return;
    }
    try {
      await core.passkeyUnlock(toB64url(cred.rawId), prf);
    } catch (err) {
      fallBack(message(err));
      return;
    } finally {
      prf.fill(0);
    }
    $("#unlock-form").reset();
    await enterVault();
  }

  // --- settings ----------------------------------------------------------

  async function renderList() {
    const list = $("#passkey-list");
    let info = { passkeys: [] };
    try {
      info = await core.passkeyList();
    } catch (_) {
      // shown empty; adding reports the problem
    }
    list.replaceChildren(...info.passkeys.map((p, i) => {
      const li = document.createElement("li");
      const text = document.createElement("span");
      text.textContent = `Passkey ${i + 1}, added ${dateOf(p.addedMs)}`;
      const rm = document.createElement("button");
      rm.type = "button";
      rm.className = "small";
      rm.textContent = "Remove";
      rm.setAttribute("aria-label", `Remove passkey ${i + 1}, added ${dateOf(p.addedMs)}`);
      rm.addEventListener("click", () => remove(p.id, rm));
      li.append(text, rm);
      return li;
    }));
    list.hidden = info.passkeys.length === 0;
    $("#passkey-none").hidden = info.passkeys.length !== 0;
  }

  async function onSettings() {
    showError("#passkey-error", "");
    const s = await check();
    const about = $("#passkey-about");
    $("#passkey-form").hidden = !s.ok || !core.hasPasskey;
    if (!s.ok) {
      about.textContent = s.why;
      $("#passkey-list").hidden = true;
      $("#passkey-none").hidden = true;
      return;
    }
    about.textContent = "Open the vault with Face ID, Touch ID, Windows Hello or a security key instead of typing the passphrase. The passphrase keeps working, and a passkey added here works in this browser only.";
    await renderList();
  }

  async function remove(id, button) {
    showError("#passkey-error", "");
    try {
      await busy(button, "Removing…", () => core.passkeyRemove(id));
    } catch (err) {
      showError("#passkey-error", err);
      return;
    }
    await renderList();
    status("Passkey removed: it no longer opens the vault. You can also delete it from your device's passkeys.");
    $("#passkey-pass").focus();
  }

  async function add(ev) {
    ev.preventDefault();
    showError("#passkey-error", "");
    const pass = $("#passkey-pass").value;
    if (pass === "") {
      showError("#passkey-error", "Enter your passphrase to add a passkey.");
      $("#passkey-pass").focus();
      return;
    }
    await busy($("#passkey-add"), "Waiting for the passkey…", async () => {
      let salt, info;
      try {
        salt = fromB64url(await core.passkeySalt(pass));
        info = await core.passkeyList();
      } catch (err) {
        showError("#passkey-error", core.isWrongPassphrase(err) ? "The passphrase is wrong; no passkey was made" : err);
        if (core.isWrongPassphrase(err)) $("#passkey-pass").select();
        return;
      }
      let cred;
      try {
        cred = await navigator.credentials.create({
          publicKey: {
            rp: { name: "Twofold" },
            user: { id: random(16), name: "Twofold vault", displayName: "Twofold vault" },
            challenge: random(32),
            pubKeyCredParams: [
              { type: "public-key", alg: -7 },   // ES256
              { type: "public-key", alg: -8 },   // Ed25519
              { type: "public-key", alg: -257 }, // RS256
            ],
            authenticatorSelection: { residentKey: "preferred", userVerification: "required" },
            excludeCredentials: info.passkeys.map((p) => ({ type: "public-key", id: fromB64url(p.id) })),
            timeout: 120000,
            extensions: { prf: { eval: { first: salt } } },
          },
        });
      } catch (err) {
        showError("#passkey-error", ceremonyError(err, true));
        return;
      }
      const ext = cred.getClientExtensionResults().prf;
      if (!ext || ext.enabled === false) {
        showError("#passkey-error", "This authenticator made a passkey but cannot derive keys with it (no PRF support), so it cannot unlock the vault. Try another: Face ID, Touch ID, Windows Hello or a recent security key.");
        return;
      }
      const id = toB64url(cred.rawId);
      let prf = prfOf(cred);
      if (!prf) {
        // Some authenticators evaluate the PRF only when signing in: ask once more.
        try {
          prf = prfOf(await assert([id], salt));
        } catch (err) {
          showError("#passkey-error", ceremonyError(err, false));
          return;
        }
        if (!prf) {
          showError("#passkey-error", "The passkey did not give Twofold the key it needs (the PRF extension), so it cannot unlock the vault.");
          return;
        }
      }
      try {
        await core.passkeyAdd(pass, id, prf);
      } catch (err) {
        showError("#passkey-error", core.isWrongPassphrase(err) ? "The passphrase is wrong; the passkey was not added" : err);
        if (core.isWrongPassphrase(err)) $("#passkey-pass").select();
        return;
      } finally {
        prf.fill(0);
      }
      $("#passkey-form").reset();
      await renderList();
      status("Passkey added: the lock screen now offers “Unlock with passkey”.");
    });
  }

  $("#passkey-unlock-btn").addEventListener("click", () => {
    busy($("#passkey-unlock-btn"), "Waiting for the passkey…", unlock).catch((err) => fallBack(message(err)));
  });
  $("#passkey-form").addEventListener("submit", (ev) => {
    add(ev).catch((err) => showError("#passkey-error", err));
  });

  return { onUnlockView, onSettings };
}
