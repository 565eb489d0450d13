// transfer.js: importing another app's file with a preview, the plaintext
// exports (otpauth links, an Aegis file, Google Authenticator transfer QR
// codes) and one account's QR code for a second device. Go reads and writes
// the files (twofold.transfer in twofold.d.ts; other apps' formats through
// the transfer module it loads on first use); this script asks, shows and
// downloads. The exports hold secrets: the passphrase is asked again, the
// page says what the file holds, and QR codes are drawn on a canvas that is
// cleared when the dialog closes.

const $ = (sel, root = document) => root.querySelector(sel);

// Each export's warning, and what the person acknowledges.
const EXPORTS = {
  otpauth: {
    warning: "A text file with one otpauth:// link per account, with its secret key in readable form. Anyone who sees the file, or any program that reads it, can make your codes for as long as the keys are valid. Import it into the other app, then delete it.",
    button: "Download the links",
  },
  aegis: {
    warning: "An unencrypted Aegis file (JSON) with every account and its secret key in readable form; Aegis imports it (Import from file, Aegis). Anyone who gets the file can make your codes. Import it, then delete it.",
    button: "Download the Aegis file",
  },
  google: {
    warning: "QR codes that Google Authenticator reads with Transfer accounts → Import accounts, shown one after another. Each holds up to ten accounts with their secret keys: show them only to your own phone, with nobody and no camera watching. Steam accounts and codes of other periods than 30 seconds cannot go to Google Authenticator and are left out.",
    button: "Show the QR codes",
  },
};

const MAX_FILE = 32 << 20;

export function createTransferUI(core, ui) {
  let preview = null; // the open preview: {id, items}
  let pending = { bytes: null, name: "" }; // the file read, kept until a password is given
  const qr = { codes: [], index: 0, accountId: "" };

  const resetImport = () => {
    preview = null;
    pending = { bytes: null, name: "" };
    $("#import-preview").hidden = true;
    $("#import-pass-field").hidden = true;
    $("#import-form").hidden = false;
  };

  // readSource returns the bytes to import: the chosen file, else the text.
  async function readSource() {
    const f = $("#import-file").files[0];
    if (f) {
      if (f.size > MAX_FILE) throw new Error("This file is too large to be an export (over 32 MiB).");
      return { bytes: new Uint8Array(await f.arrayBuffer()), name: f.name };
    }
    const text = $("#import-text").value;
    if (text.trim() === "") throw new Error("Choose a file, drop one here, or paste its text.");
    return { bytes: new TextEncoder().encode(text), name: "the pasted text" };
  }

  async function onImport(ev) {
    ev.preventDefault();
    ui.showError("#import-error", "");
    let src;
    try {
      src = pending.bytes ? pending : await readSource();
    } catch (err) {
      ui.showError("#import-error", err);
      return;
    }
    const password = $("#import-pass").value;
    let p;
    try {
      // Go zeroes the bytes it is given; keep a copy while a password may be asked.
      p = await ui.busy($("#import-submit"), "Reading…", () => core.preview(src.bytes.slice(), $("#import-format").value, password));
    } catch (err) {
      importError(err, src);
      return;
    }
    src.bytes.fill(0);
    pending = { bytes: null, name: "" };
    $("#import-pass").value = "";
    showPreview(p, src.name);
  }

  // importError says what is wrong with the file; a password is asked for
  // here, and a wrong one said so, without reading the file again.
  function importError(err, src) {
    const passField = $("#import-pass-field");
    if (err.code === "password_required" || err.code === "wrong_password") {
      pending = src;
      passField.hidden = false;
      ui.showError("#import-error", err.code === "password_required"
        ? `${src.name === "the pasted text" ? "This text" : src.name} is encrypted. Enter the password it was exported with, then choose Read the file.`
        : "Wrong password for this file. Nothing was imported; check the password and try again.");
      $("#import-pass").select();
      $("#import-pass").focus();
      return;
    }
    src.bytes.fill(0);
    pending = { bytes: null, name: "" };
    passField.hidden = true;
    const why = {
      damaged_file: "The file is damaged, cut short or was changed, so nothing was imported.",
      unknown_format: "Twofold does not recognise this file. Choose its format in the list if you know it.",
      module_unavailable: "The part of Twofold that reads other apps' files could not be loaded. Check the connection and try again.",
    }[err.code];
    ui.showError("#import-error", why ? `${why} (${ui.message(err)})` : err);
  }

  function itemLine(it) {
    const li = document.createElement("li");
    const name = Object.assign(document.createElement("span"), { className: "preview-name", textContent: it.label || `Entry ${it.index}` });
    li.append(name);
    if (it.type === "steam" || it.type === "hotp") li.append(" ", Object.assign(document.createElement("span"), { className: "tag", textContent: it.type === "steam" ? "Steam" : "HOTP" }));
    return li;
  }

  // showPreview lists what the file would add: new accounts (checked),
  // accounts named like one in the list (a choice each), keys already in
  // the list, and entries that cannot be imported with the reason.
  function showPreview(p, name) {
    preview = { id: p.id, items: p.items };
    const lists = { new: $("#preview-new"), conflict: $("#preview-conflict"), duplicate: $("#preview-dup"), skipped: $("#preview-skip") };
    for (const l of Object.values(lists)) l.replaceChildren();
    p.items.forEach((it, i) => {
      const li = itemLine(it);
      if (it.status === "new") {
        const box = Object.assign(document.createElement("input"), { type: "checkbox", checked: true, id: `pv-${i}` });
        box.dataset.index = String(i);
        const lab = Object.assign(document.createElement("label"), { htmlFor: box.id });
        lab.append(...li.childNodes);
        li.append(box, lab);
        li.className = "check";
      } else if (it.status === "conflict") {
        const sel = document.createElement("select");
        sel.dataset.index = String(i);
        sel.setAttribute("aria-label", `What to do with ${it.label}`);
        sel.append(new Option("Keep both (the new one as “#2”)", "keep"), new Option("Replace the old key", "replace"), new Option("Skip it", "skip"));
        li.append(Object.assign(document.createElement("span"), { className: "muted", textContent: ` — ${it.message}. ` }), sel);
      } else {
        li.append(Object.assign(document.createElement("span"), { className: "muted", textContent: ` — ${ui.message(it.message)}` }));
      }
      lists[it.status]?.append(li);
    });
    const count = (st) => p.items.filter((it) => it.status === st).length;
    $("#preview-new-set").hidden = count("new") === 0;
    $("#preview-conflict-set").hidden = count("conflict") === 0;
    $("#preview-dup-set").hidden = count("duplicate") === 0;
    $("#preview-skip-set").hidden = count("skipped") === 0;
    $("#preview-warnings").replaceChildren(...(p.warnings || []).map((w) => Object.assign(document.createElement("li"), { textContent: ui.message(w) })));
    $("#preview-title").textContent = `${name}: ${p.formatName}`;
    $("#preview-summary").textContent = `${count("new")} new, ${count("conflict")} with a name already in your list, ${count("duplicate")} already in your list, ${count("skipped")} that cannot be imported. Nothing is added until you choose Add.`;
    $("#import-form").hidden = true;
    $("#import-preview").hidden = false;
    updateCommit();
    $("#preview-title").focus();
  }

  // choices is one choice per preview item, as Go's commit takes them.
  function choices() {
    const out = preview.items.map(() => "skip");
    for (const box of document.querySelectorAll("#preview-new input[type=checkbox]")) if (box.checked) out[Number(box.dataset.index)] = "add";
    for (const sel of document.querySelectorAll("#preview-conflict select")) out[Number(sel.dataset.index)] = sel.value;
    return out;
  }

  function updateCommit() {
    if (!preview) return;
    const n = choices().filter((c) => c !== "skip").length;
    const btn = $("#import-commit");
    btn.textContent = n === 0 ? "Nothing to add" : `Add ${n} account${n === 1 ? "" : "s"}`;
    btn.disabled = n === 0;
  }

  async function onCommit() {
    if (!preview) return;
    let r;
    try {
      r = await ui.busy($("#import-commit"), "Adding…", () => core.commit(preview.id, choices()));
    } catch (err) {
      ui.status(ui.message(err), { error: true, ms: 8000 });
      return;
    }
    resetImport();
    $("#import-form").reset();
    $("#backup-dialog").close();
    await ui.refreshAccounts();
    const problems = r.problems.length ? ` ${r.problems.length} could not be added: ${r.problems.slice(0, 3).map((p) => ui.message(p.message)).join("; ")}.` : "";
    ui.status(`Imported ${r.added.length} account${r.added.length === 1 ? "" : "s"}.${problems}`, { ms: 9000 });
    if (r.added.length) ui.focusAccount(r.added[0].id);
  }

  async function onCancel() {
    resetImport();
    await core.cancelPreview().catch(() => {});
    $("#import-file").focus();
  }

  // importFile opens the import with a file dropped on the page.
  async function importFile(file) {
    if (!$("#backup-dialog").open) $("#backup-dialog").showModal();
    resetImport();
    const dt = new DataTransfer();
    dt.items.add(file);
    $("#import-file").files = dt.files;
    $("#import-text").value = "";
    $("#import-form").requestSubmit();
  }

  // The plaintext exports.
  function onFormatChange() {
    const e = EXPORTS[$("#plain-format").value];
    $("#plain-warning").textContent = e.warning;
    $("#plain-submit").textContent = e.button;
  }

  async function onPlain(ev) {
    ev.preventDefault();
    ui.showError("#plain-error", "");
    const format = $("#plain-format").value;
    const pass = $("#plain-pass").value;
    if (!$("#plain-ack").checked) return;
    if (pass === "") {
      ui.showError("#plain-error", "Enter your vault's passphrase: an export of your secret keys needs it again.");
      return;
    }
    let out;
    try {
      out = await ui.busy($("#plain-submit"), "Checking the passphrase…", () => core.exportPlain(pass, format));
    } catch (err) {
      ui.showError("#plain-error", err.code === "wrong_passphrase" ? "Wrong passphrase: nothing was exported." : err);
      $("#plain-pass").select();
      return;
    }
    $("#plain-form").reset();
    $("#plain-submit").disabled = true;
    onFormatChange();
    const left = out.skipped.length ? ` Left out, as the format has no place for them: ${out.skipped.map((s) => s.label).join(", ")}.` : "";
    if (format === "google") {
      $("#backup-dialog").close();
      showCodes(out.codes, "Google Authenticator transfer", EXPORTS.google.warning + left);
      return;
    }
    const name = format === "aegis" ? `twofold-aegis-${ui.today()}.json` : `twofold-otpauth-${ui.today()}.txt`;
    ui.download(name, out.file, format === "aegis" ? "application/json" : "text/plain");
    out.file.fill(0);
    ui.status(`Exported ${out.count} account${out.count === 1 ? "" : "s"}. Delete the file once you have imported it elsewhere.${left}`, { ms: 9000 });
  }

  // QR codes: drawn on the canvas one at a time.
  function drawCode() {
    const canvas = $("#qr-canvas");
    const c = qr.codes[qr.index];
    const quiet = 4;
    const scale = Math.max(2, Math.floor(300 / (c.size + 2 * quiet)));
    const side = (c.size + 2 * quiet) * scale;
    canvas.width = side;
    canvas.height = side;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, side, side);
    ctx.fillStyle = "#000";
    for (let y = 0; y < c.size; y++) {
      for (let x = 0; x < c.size; x++) {
        if (c.modules[y * c.size + x]) ctx.fillRect((x + quiet) * scale, (y + quiet) * scale, scale, scale);
      }
    }
    const n = qr.codes.length;
    $("#qr-count").textContent = n > 1 ? `Code ${qr.index + 1} of ${n}: scan it, then choose Next code.` : "";
    canvas.setAttribute("aria-label", n > 1 ? `QR code ${qr.index + 1} of ${n}` : "QR code");
    $("#qr-prev").hidden = n < 2;
    $("#qr-next").hidden = n < 2;
    $("#qr-prev").disabled = qr.index === 0;
    $("#qr-next").disabled = qr.index === n - 1;
  }

  function showCodes(codes, title, warning) {
    qr.codes = codes;
    qr.index = 0;
    $("#qr-title").textContent = title;
    $("#qr-warning").textContent = warning;
    $("#qr-auth-form").hidden = true;
    $("#qr-stage").hidden = false;
    const d = $("#qr-dialog");
    if (!d.open) d.showModal();
    drawCode();
    (codes.length > 1 ? $("#qr-next") : $("#qr-done")).focus();
  }

  function showAccountQR(id) {
    const acc = ui.account(id);
    if (!acc) return;
    qr.accountId = id;
    $("#qr-title").textContent = `QR code of ${ui.label(acc)}`;
    $("#qr-warning").textContent = "This QR code holds the account's secret key: any app that scans it makes the same codes. Show it only to your own second device, with nobody and no camera watching.";
    $("#qr-auth-form").reset();
    $("#qr-auth-form").hidden = false;
    $("#qr-stage").hidden = true;
    ui.showError("#qr-error", "");
    $("#qr-dialog").showModal();
    $("#qr-pass").focus();
  }

  async function onQRAuth(ev) {
    ev.preventDefault();
    ui.showError("#qr-error", "");
    let out;
    try {
      out = await ui.busy($("#qr-show"), "Checking…", () => core.exportPlain($("#qr-pass").value, "qr", qr.accountId));
    } catch (err) {
      ui.showError("#qr-error", err.code === "wrong_passphrase" ? "Wrong passphrase." : err);
      $("#qr-pass").select();
      return;
    }
    $("#qr-auth-form").reset();
    showCodes(out.codes, $("#qr-title").textContent, $("#qr-warning").textContent);
  }

  function clearCodes() {
    for (const c of qr.codes) c.modules.fill(0);
    qr.codes = [];
    const canvas = $("#qr-canvas");
    canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
    canvas.width = 0;
    canvas.height = 0;
  }

  return {
    importFile,
    showAccountQR,
    opened() {
      ui.showError("#import-error", "");
      ui.showError("#plain-error", "");
      if (!preview) resetImport();
      onFormatChange();
    },
    reset() {
      resetImport();
      if (pending.bytes) pending.bytes.fill(0);
      clearCodes();
    },
    wire(on) {
      on("#import-form", "submit", onImport);
      on("#import-commit", "click", onCommit);
      on("#import-cancel", "click", onCancel);
      on("#import-preview", "change", updateCommit);
      on("#import-file", "change", () => { pending = { bytes: null, name: "" }; $("#import-pass-field").hidden = true; });
      on("#import-text", "input", () => { pending = { bytes: null, name: "" }; });
      on("#import-format", "change", () => { pending = { bytes: null, name: "" }; });
      // A file dropped here (or anywhere on the page) is read by the page's
      // drop handler, which hands it to importFile.
      const zone = $("#import-drop");
      zone.addEventListener("dragover", () => zone.classList.add("over"));
      for (const type of ["dragleave", "drop"]) zone.addEventListener(type, () => zone.classList.remove("over"));
      on("#plain-format", "change", onFormatChange);
      on("#plain-ack", "change", (ev) => { $("#plain-submit").disabled = !ev.target.checked; });
      on("#plain-form", "submit", onPlain);
      on("#qr-auth-form", "submit", onQRAuth);
      on("#qr-prev", "click", () => { qr.index = Math.max(0, qr.index - 1); drawCode(); });
      on("#qr-next", "click", () => { qr.index = Math.min(qr.codes.length - 1, qr.index + 1); drawCode(); });
      $("#qr-dialog").addEventListener("close", clearCodes);
      onFormatChange();
    },
  };
}
