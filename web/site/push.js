// push.js fills the second-factor page's #push-option: send a sign-in
// prompt to the authenticator, show the number to pick there, follow the
// challenge's server-sent events and finish the sign-in the moment it is
// approved (docs/push.md). It is separate from site.js and needs only the
// page's existing CSP (script and connect 'self').

const box = document.getElementById('push-option');
const params = new URLSearchParams(location.search);

function nextPath(fallback) {
  const n = params.get('next');
  return n && n.startsWith('/') && !n.startsWith('//') && !n.startsWith('/\\') ? n : fallback;
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

async function post(path) {
  let resp;
  try {
    resp = await fetch('/api/v1' + path, { method: 'POST', credentials: 'same-origin' });
  } catch {
    throw Object.assign(new Error('The server cannot be reached. Check your connection and try again.'), { code: 'network' });
  }
  let data = null;
  try { data = await resp.json(); } catch { data = null; }
  if (!resp.ok) {
    const e = data && data.error;
    throw Object.assign(new Error(e ? e.message : 'Something went wrong (' + resp.status + '). Try again.'), { code: e ? e.code : 'http', status: resp.status });
  }
  return data;
}

const ENDINGS = {
  denied: 'The sign-in was denied in your authenticator. If that was you by mistake, send another prompt or enter a code.',
  reported: 'This sign-in was reported as not you in the authenticator, so push is paused. If it was you, sign in with a code (or a recovery code); that turns prompts back on.',
  failed: 'The number picked in the authenticator did not match. Send another prompt or enter a code.',
  expired: 'The prompt expired before it was answered. Send another or enter a code.',
  cancelled: 'The prompt was withdrawn. Send another or enter a code.',
};

// After this long without an answer the page says where prompts go: an
// authenticator gets them only while its page is open and unlocked.
const NUDGE_MS = 10000;

// passwordAdvice follows a reported prompt: whoever started the sign-in
// knows the password, so the page links to changing it (the Security page
// asks for the second factor first).
function passwordAdvice() {
  return el('span', { class: 'push-advice' }, ' If you did not start it, someone knows your password: ',
    el('a', { href: '/account#password', id: 'push-change-password', text: 'change your password' }),
    ' after signing in with a code.');
}

function start() {
  const lead = el('p', { class: 'lead', text: 'Or approve this sign-in in your authenticator: no code to type.' });
  const send = el('button', { type: 'button', class: 'wide', id: 'push-send', text: 'Send a push to your authenticator' });
  const number = el('p', { class: 'push-number', id: 'push-number', 'aria-live': 'polite', hidden: '' });
  const msg = el('p', { class: 'notice', id: 'push-status', role: 'status', hidden: '' });
  const err = el('p', { class: 'error', id: 'push-error', role: 'alert', hidden: '' });
  box.replaceChildren(el('hr'), lead, send, number, msg, err);
  box.hidden = false;

  let source = null;
  let timer = 0;
  let lost = false; // the event stream dropped and the browser is reconnecting
  const say = (node, text) => { node.textContent = text || ''; node.hidden = !text; };
  const stop = () => { if (source) source.close(); source = null; clearInterval(timer); };

  function end(text, advice) {
    stop();
    number.hidden = true;
    say(msg, '');
    say(err, text);
    if (advice) err.append(passwordAdvice());
    send.disabled = false;
    send.textContent = 'Send another push';
  }

  async function complete(id) {
    say(msg, 'Approved. Signing you in…');
    try {
      await post('/push/challenges/' + encodeURIComponent(id) + '/complete');
      location.assign(nextPath('/account'));
    } catch (x) {
      end(x.message);
    }
  }

  send.addEventListener('click', async () => {
    stop();
    say(err, '');
    send.disabled = true;
    let ch;
    try {
      ch = await post('/push/challenges');
    } catch (x) {
      end(x.message, x.code === 'push_paused');
      if (x.code === 'push_disabled') box.hidden = true;
      // Paused or not set up: another push cannot work; the code form can.
      if (x.code === 'push_paused' || x.code === 'push_not_registered') send.disabled = true;
      return;
    }
    number.replaceChildren(el('span', { class: 'push-number-label', text: 'Pick this number in your authenticator' }),
      el('strong', { class: 'push-number-value', id: 'push-number-value', text: String(ch.number) }));
    number.hidden = false;
    const expires = Date.parse(ch.expires_at);
    const sent = Date.now();
    lost = false;
    const left = () => {
      // The server sends "expired" a second after expiry; a stream that is
      // down then cannot, so the page stops waiting by itself.
      if (Date.now() > expires + 5000) {
        end(lost ? 'The connection to the server was lost and the prompt has expired. Send another push or enter a code.' : ENDINGS.expired);
        return;
      }
      const s = Math.max(0, Math.ceil((expires - Date.now()) / 1000));
      if (lost) say(msg, 'The connection to the server was lost; reconnecting… (the prompt is valid for ' + s + ' s more)');
      else if (Date.now() - sent < NUDGE_MS) say(msg, 'Prompt sent. Waiting for your answer… (' + s + ' s left)');
      else say(msg, 'No answer yet (' + s + ' s left). Open and unlock your authenticator: prompts reach it only while it is open and unlocked. Or enter a code.');
    };
    left();
    timer = setInterval(left, 1000);
    source = new EventSource('/api/v1/push/challenges/' + encodeURIComponent(ch.id) + '/events');
    source.addEventListener('open', () => {
      if (lost) { lost = false; left(); }
    });
    source.addEventListener('state', (ev) => {
      let st;
      try { st = JSON.parse(ev.data).state; } catch { return; }
      if (st === 'pending') return;
      stop();
      if (st === 'approved') complete(ch.id);
      else end(ENDINGS[st] || 'The prompt was not approved. Send another or enter a code.', st === 'reported');
    });
    source.addEventListener('error', () => {
      // The stream ends after the final state (and is closed by then);
      // while pending the browser reconnects by itself, and the page says
      // so. A refused stream (closed) ends the wait.
      if (!source) return;
      if (source.readyState === EventSource.CLOSED) {
        end('The connection to the server was lost. Send another push or enter a code.');
        return;
      }
      lost = true;
      left();
    });
  });
}

async function init() {
  if (!box) return;
  try {
    // The status, not GET /session: without a session that answers 401,
    // which the browser logs as an error.
    const resp = await fetch('/api/v1/session/status', { credentials: 'same-origin' });
    if (!resp.ok) return;
    const s = await resp.json();
    if (s && s.signed_in && s.stage === 'partial') start();
  } catch {
    // no session or no server: the code form is still there
  }
}

init();
