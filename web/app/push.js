// push.js is the page's side of push sign-in prompts: per account, turning
// prompts on and off and the connection's state; the prompt dialog (what
// is being signed into, from where, the countdown, three numbers or type
// it, Approve / Deny / "Deny, this wasn't me"); a notification when the
// page is hidden. It talks to the authenticator only through core.js.

import { el } from "./notices.js";

const OUTCOMES = {
  approved: "Sign-in approved.",
  denied: "Sign-in denied.",
  reported: "Sign-in denied and reported. Someone knows your password: change it. Prompts for this account are paused until you sign in with a code.",
  failed: "The server refused the sign-in: the number picked was not the one on the sign-in page (or the account is locked after too many failed attempts).",
  expired: "The sign-in request expired.",
  rejected: "That request was already answered or has expired.",
  cancelled: "The sign-in request was withdrawn.",
};

function host(origin) {
  try {
    return new URL(origin).host;
  } catch (_) {
    return origin || "the server";
  }
}

// stateText says what a push status means for the person.
function stateText(st) {
  if (!st) return "Sign-in prompts are on.";
  const where = host(st.server);
  switch (st.state) {
    case "connected": return `Sign-in prompts are on: connected to ${where}.`;
    case "connecting": return `Sign-in prompts: connecting to ${where}…`;
    case "waiting": {
      const s = Math.max(1, Math.round((st.retryAtMs - Date.now()) / 1000));
      return `Sign-in prompts: ${where} cannot be reached; trying again in ${s} s.`;
    }
    case "stopped":
      switch (st.reason) {
        case "replaced": return "Sign-in prompts: another tab or device took over this connection. Reconnect to receive them here.";
        case "rejected": return `Sign-in prompts: ${where} no longer accepts this authenticator's key. Turn prompts off and on again.`;
        case "revoked": return `Sign-in prompts: ${where} removed this device.`;
        default: return "Sign-in prompts are on but not connected.";
      }
    default: return "Sign-in prompts are off.";
  }
}

export function createPushUI(core, { status, message, label, refresh }) {
  const statuses = new Map(); // account id → status
  let prompts = []; // waiting prompts, oldest first
  let current = null; // the prompt in the dialog
  const answering = new Set(); // prompts whose answer waits for the server's verdict
  let picked = 0;
  let timer = 0;
  let waitTimer = 0;
  let active = false;
  // The prompts' expiry is the server's clock; the page knows the device's
  // offset from it as the correction codes use (vault status).
  let offsetMs = 0;
  const serverNow = () => Date.now() + offsetMs;
  function loadOffset() {
    return core.status().then((st) => { offsetMs = (st && st.clockOffsetMs) || 0; }, () => {});
  }

  // ------------------------------------------------------------ waiting
  // A banner in the codes view while prompts wait and the dialog is closed
  // (Escape leaves them waiting): "Review" opens the oldest.
  const waiting = document.getElementById("push-waiting");
  const waitingMsg = document.getElementById("push-waiting-msg");
  const review = document.getElementById("push-review");

  function requests(n) {
    return n === 1 ? "1 sign-in request" : `${n} sign-in requests`;
  }

  // prune drops expired prompts and keeps them oldest first.
  function prune() {
    const now = serverNow();
    prompts = prompts.filter((p) => p.expiresMs > now);
    prompts.sort((a, b) => a.createdMs - b.createdMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  function renderWaiting() {
    clearTimeout(waitTimer);
    prune();
    const n = prompts.length;
    if (waiting) {
      waiting.hidden = n === 0 || current !== null;
      if (waitingMsg) waitingMsg.textContent = n ? `${requests(n)} waiting for your answer.` : "";
    }
    queue.textContent = n > 1 ? `${requests(n)} waiting; this is the oldest.` : "";
    queue.hidden = n <= 1;
    if (n && !current) {
      const soonest = Math.min(...prompts.map((p) => p.expiresMs));
      waitTimer = setTimeout(renderWaiting, Math.max(0, soonest - serverNow()) + 50);
    }
  }

  // ------------------------------------------------------------ the dialog
  const numbers = el("div", { class: "push-numbers", role: "group", "aria-label": "The number shown on the sign-in page" });
  const typed = el("input", { id: "push-typed", type: "text", inputMode: "numeric", maxLength: 2, autocomplete: "off", class: "mono" });
  const approve = el("button", { type: "submit", class: "primary", id: "push-approve", text: "Approve", disabled: true });
  const deny = el("button", { type: "button", class: "ghost", id: "push-deny", text: "Deny" });
  const report = el("button", { type: "button", class: "danger-ghost", id: "push-report", text: "Deny, this wasn’t me" });
  const error = el("p", { class: "error", id: "push-error", role: "alert", hidden: true });
  const sending = el("p", { class: "muted", id: "push-sending", role: "status" });
  const typedMsg = el("p", { class: "hint bad", id: "push-typed-msg", "aria-live": "polite" });
  const queue = el("p", { class: "push-queue muted", id: "push-queue", hidden: true });
  const countdown = el("p", { class: "push-countdown muted", id: "push-countdown" });
  const who = el("p", { class: "push-who", id: "push-who" });
  const details = el("dl", { class: "push-details", id: "push-details" });
  const form = el("form", { id: "push-form", noValidate: true },
    el("p", { text: "Pick the number shown on the sign-in page:" }),
    numbers,
    el("div", { class: "field push-type" }, el("label", { for: "push-typed", text: "Or type it" }), typed, typedMsg),
    error,
    sending,
    el("div", { class: "actions push-actions" }, approve, deny, report));
  const dialog = el("dialog", { id: "push-dialog", "aria-labelledby": "push-title", "aria-describedby": "push-who" },
    el("h2", { id: "push-title", text: "Approve this sign-in?" }), queue, who, details, countdown, form);
  typed.setAttribute("aria-describedby", "push-typed-msg");
  document.body.append(dialog);

  function showError(text) {
    error.textContent = text ? message(text) : "";
    error.hidden = !text;
  }

  function pick(n) {
    picked = n;
    for (const b of numbers.children) b.setAttribute("aria-pressed", String(Number(b.dataset.number) === n));
    approve.disabled = !n || (current !== null && answering.has(current.id));
  }

  function tickCountdown() {
    clearTimeout(timer);
    if (!current) return;
    const left = Math.ceil((current.expiresMs - serverNow()) / 1000);
    if (left <= 0 && !answering.has(current.id)) { // an answer out: the server's verdict ends it
      drop(current.id);
      status(OUTCOMES.expired);
      return;
    }
    countdown.textContent = `Expires in ${left} s`;
    timer = setTimeout(tickCountdown, 1000 - (Date.now() % 1000) + 10);
  }

  function hideTypedHint() {
    typedMsg.textContent = "";
    typed.removeAttribute("aria-invalid");
  }

  function show(p) {
    if (!current) loadOffset(); // the correction may have changed in Settings
    current = p;
    showError("");
    hideTypedHint();
    who.textContent = `Someone is signing in to ${p.service || "a service"} as ${p.account || "you"}.`;
    const rows = [
      ["From", p.clientAddress || "unknown address"],
      ["Browser", p.browser || "unknown browser"],
      ["Requested", new Date(p.createdMs).toLocaleTimeString()],
    ];
    details.replaceChildren(...rows.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]));
    numbers.replaceChildren(...p.numbers.map((n) =>
      el("button", { type: "button", class: "push-number", "data-number": String(n), "aria-pressed": "false", text: String(n) })));
    typed.value = "";
    pick(0);
    showSending(p);
    if (!dialog.open) dialog.showModal();
    numbers.firstElementChild.focus();
    renderWaiting();
    tickCountdown();
  }

  // next shows the oldest waiting prompt, or closes the dialog.
  function next() {
    prune();
    if (prompts.length > 0) {
      show(prompts[0]);
      return;
    }
    current = null;
    clearTimeout(timer);
    if (dialog.open) dialog.close();
    renderWaiting();
  }

  function drop(id) {
    prompts = prompts.filter((p) => p.id !== id);
    if (current && current.id === id) next();
    else renderWaiting();
  }

  // The outcome each decision hopes for; any other verdict is shown as an error.
  const HOPED = { approve: "approved", deny: "denied", report: "reported" };

  // answer sends the decision and keeps the prompt, its buttons off, until
  // the server's verdict: an approval with a wrong number is refused there,
  // and the page says so instead of claiming success.
  async function answer(decision) {
    if (!current || answering.has(current.id)) return;
    const p = current;
    const n = decision === "approve" ? picked : 0;
    for (const b of [approve, deny, report]) b.disabled = true;
    showError("");
    answering.add(p.id);
    showSending(p);
    try {
      const { outcome } = await core.pushAnswer(p.id, decision, n);
      drop(p.id);
      const ok = outcome === HOPED[decision];
      status(OUTCOMES[outcome] || message(outcome), { error: !ok, ms: ok ? 4000 : 10000 });
    } catch (err) {
      if (err.code === "prompt_gone" || err.code === "prompt_expired" || err.code === "no_verdict") {
        drop(p.id);
        status(message(err), { error: true, ms: 10000 });
      } else {
        showError(err);
      }
    } finally {
      answering.delete(p.id);
      if (current) showSending(current);
    }
  }

  // showSending sets the dialog for p: while its answer waits for the
  // verdict (also when Review reopens it), the buttons are off and it says so.
  function showSending(p) {
    const out = answering.has(p.id);
    sending.textContent = out ? "Sent. Waiting for the server's answer…" : "";
    approve.disabled = out || !picked;
    deny.disabled = report.disabled = out;
  }

  numbers.addEventListener("click", (ev) => {
    const b = ev.target.closest(".push-number");
    if (b) {
      typed.value = "";
      hideTypedHint();
      pick(Number(b.dataset.number));
    }
  });
  typed.addEventListener("input", () => {
    const v = typed.value.replace(/\D/g, "");
    if (v !== typed.value) typed.value = v;
    pick(v.length === 2 ? Number(v) : 0);
    if (picked || v === "") hideTypedHint();
  });
  // Enter in "Or type it" with fewer than two digits does not submit (Approve
  // is disabled): say why, and stay in the field.
  function needTwoDigits() {
    typedMsg.textContent = "Type the two-digit number shown on the sign-in page.";
    typed.setAttribute("aria-invalid", "true");
    typed.focus();
  }
  typed.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !picked) {
      ev.preventDefault();
      needTwoDigits();
    }
  });
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (picked) answer("approve");
    else needTwoDigits();
  });
  deny.addEventListener("click", () => answer("deny"));
  report.addEventListener("click", () => answer("report"));
  // Escape leaves the prompt waiting (it is still listed); it does not deny.
  // The banner in the codes view brings it back.
  dialog.addEventListener("close", () => {
    current = null;
    clearTimeout(timer);
    renderWaiting();
  });
  if (review) review.addEventListener("click", () => { if (!current) next(); });

  // ------------------------------------------------------------ accounts
  // An ordinary account says nothing about prompts (issue 12, item 2). One
  // that can receive them gets a small indicator (a <details> summary:
  // available, on, connecting, stopped, paused) and, on demand, the
  // sentence and the buttons.
  function badge(acc, st) {
    if (!acc.push) return ["available", "Sign-in prompts available"];
    if (st && st.paused) return ["paused", "Sign-in prompts paused"];
    switch (st && st.state) {
      case "connected": return ["on", "Sign-in prompts on"];
      case "connecting": return ["connecting", "Sign-in prompts: connecting…"];
      case "waiting": return ["waiting", "Sign-in prompts: server unreachable"];
      case "stopped": return ["stopped", "Sign-in prompts stopped"];
      default: return ["connecting", "Sign-in prompts on"];
    }
  }

  function row(acc) {
    if (!acc.push && !acc.pushOffered) return null;
    const st = statuses.get(acc.id);
    const [kind, short] = badge(acc, st);
    const text = el("p", { class: "push-state" });
    const buttons = el("div", { class: "push-buttons" });
    const box = el("details", { class: "push-row", "data-account": acc.id, "data-state": kind },
      el("summary", { class: "push-badge", text: short }), text, buttons);
    if (acc.push) {
      text.textContent = st && st.paused ? pausedText(acc, st) : stateText(st);
      if (st && st.state === "stopped") {
        buttons.append(el("button", { type: "button", class: "small push-reconnect", text: "Reconnect", "aria-label": `Reconnect sign-in prompts for ${label(acc)}` }));
      }
      buttons.append(el("button", { type: "button", class: "small ghost push-off", text: "Turn off prompts", "aria-label": `Turn off sign-in prompts for ${label(acc)}` }));
    } else {
      text.textContent = `${host(acc.pushServer)} can ask you to approve sign-ins here instead of typing a code.`;
      buttons.append(el("button", { type: "button", class: "small primary push-on", text: "Enable sign-in prompts", "aria-label": `Enable sign-in prompts for ${label(acc)}` }));
    }
    return box;
  }

  function decorate(li, acc) {
    if (!core.hasPush) return;
    const box = row(acc);
    if (box) li.append(box);
  }

  function redraw(id) {
    const box = document.querySelector(`.push-row[data-account="${CSS.escape(id)}"]`);
    const acc = box && refresh.account(id);
    if (!acc) return;
    const next = row(acc);
    if (!next) {
      box.remove();
      return;
    }
    next.open = box.open;
    const err = box.querySelector(".push-row-error");
    if (err) next.append(err);
    box.replaceWith(next);
  }

  // A failed action says so in the row, in the error style, with Retry.
  function rowError(box, text, action) {
    box.querySelector(".push-row-error")?.remove();
    const retry = el("button", { type: "button", class: "small push-retry", text: "Retry", "data-retry": action });
    box.append(el("p", { class: "error push-row-error", role: "alert" }, el("span", { text }), " ", retry));
    box.open = true;
  }

  // ------------------------------------------------------------ paused
  // After "Deny, this wasn't me" (here or on another device) the server
  // pauses the account's prompts until its owner signs in with a code:
  // the banner says why and what to do, until the pause ends or Hide.
  function pausedText(acc, st) {
    return `Paused: a sign-in you did not start was reported, so ${host(st.server)} sends no prompts for ${label(acc)} until you next sign in there with a code.`;
  }
  const paused = el("div", { id: "push-paused", class: "banner alert", role: "region", "aria-labelledby": "push-paused-title", hidden: true });
  const hidden = new Set(); // accounts whose banner was hidden
  const toolbar = document.querySelector("#view-codes .toolbar");
  if (toolbar) toolbar.parentNode.insertBefore(paused, toolbar);

  function renderPaused() {
    const list = [...statuses.values()].filter((st) => st.paused && !hidden.has(st.accountId));
    paused.hidden = list.length === 0;
    if (!list.length) {
      paused.replaceChildren();
      return;
    }
    const st = list[0];
    const acc = refresh.account(st.accountId);
    const where = host(st.server);
    const link = el("a", { id: "push-paused-password", href: new URL("/account#password", st.server).href, target: "_blank", rel: "noopener", text: `Change your password at ${where}` });
    const hide = el("button", { type: "button", class: "ghost small", id: "push-paused-hide", text: "Hide" });
    hide.addEventListener("click", () => {
      for (const s of list) hidden.add(s.accountId);
      renderPaused();
    });
    paused.replaceChildren(
      el("div", { class: "banner-text" },
        el("h2", { id: "push-paused-title", text: `Sign-in prompts paused${acc ? " for " + label(acc) : ""}` }),
        el("p", { text: `You reported a sign-in you did not start. Whoever started it knows your password for ${where}: change it now. Prompts come back after you next sign in there with a code.` })),
      el("div", { class: "banner-actions" }, link, hide));
  }

  document.addEventListener("click", async (ev) => {
    const b = ev.target.closest(".push-row button");
    if (!b) return;
    const box = b.closest(".push-row");
    const id = box.dataset.account;
    if (b.classList.contains("push-retry")) {
      b.closest(".push-row-error").remove();
      box.querySelector("." + b.dataset.retry)?.click();
      return;
    }
    box.querySelector(".push-row-error")?.remove();
    b.disabled = true;
    try {
      if (b.classList.contains("push-on")) {
        if ("Notification" in globalThis && Notification.permission === "default") {
          Notification.requestPermission().catch(() => {});
        }
        const st = await core.pushEnable(id);
        statuses.set(id, st);
        status("Sign-in prompts are on for this account.");
        await refresh.accounts();
      } else if (b.classList.contains("push-off")) {
        await core.pushDisable(id);
        statuses.delete(id);
        renderPaused();
        status("Sign-in prompts are off for this account.");
        await refresh.accounts();
      } else if (b.classList.contains("push-reconnect")) {
        await core.pushStart();
        await loadStatus();
      }
    } catch (err) {
      b.disabled = false;
      const action = ["push-on", "push-off", "push-reconnect"].find((c) => b.classList.contains(c));
      if (b.isConnected && action) rowError(box, message(err), action);
      else status(message(err), { error: true, ms: 8000 });
    }
  });

  async function loadStatus() {
    for (const st of await core.pushStatus()) {
      statuses.set(st.accountId, st);
      redraw(st.accountId);
    }
    renderPaused();
  }

  // ------------------------------------------------------------ events
  function notify(p) {
    if (!document.hidden || !("Notification" in globalThis) || Notification.permission !== "granted") return;
    try {
      const n = new Notification("Approve this sign-in?", {
        body: `${p.service || "A service"}: ${p.account} from ${p.clientAddress || "an unknown address"}`,
        tag: p.id,
        requireInteraction: true,
      });
      n.onclick = () => { globalThis.focus(); n.close(); };
    } catch (_) {
      // some browsers allow notifications only from a service worker
    }
  }

  core.onPush((e) => {
    if (!active) return;
    switch (e.type) {
      case "status":
        if (e.status) {
          statuses.set(e.accountId, e.status);
          if (e.status.state === "off") refresh.accounts().catch(() => {});
          else redraw(e.accountId);
          renderPaused();
        }
        break;
      case "prompt":
        if (e.prompt && !prompts.some((p) => p.id === e.prompt.id)) {
          prompts.push(e.prompt);
          notify(e.prompt);
          // The oldest waiting prompt first, not necessarily this one.
          if (!current) next();
          else renderWaiting();
        }
        break;
      case "settled": {
        if (answering.has(e.promptId)) break; // answer() shows the verdict
        const mine = current && current.id === e.promptId;
        drop(e.promptId);
        if (mine && OUTCOMES[e.outcome]) status(OUTCOMES[e.outcome]);
        break;
      }
    }
  });

  return {
    decorate,
    // start connects the registered accounts (after unlock) and shows
    // prompts that are already waiting.
    async start() {
      if (!core.hasPush) return;
      active = true;
      await loadOffset();
      await core.pushStart();
      await loadStatus();
      for (const p of await core.pushPrompts()) {
        if (!prompts.some((q) => q.id === p.id)) prompts.push(p);
      }
      if (!current) next();
    },
    // reset forgets everything shown (lock: Go has closed the connections).
    reset() {
      active = false;
      prompts = [];
      statuses.clear();
      renderPaused();
      current = null;
      answering.clear();
      clearTimeout(timer);
      if (dialog.open) dialog.close();
      renderWaiting();
    },
  };
}
