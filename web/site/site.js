// Twofold demo site: every page calls the same JSON API as the CLI
// (/api/v1, see /api/v1/openapi.json). One module for all pages; each page
// names itself in <body data-page>. No inline script or style (strict CSP).
// Errors are shown, never logged: next to the field they concern, or in
// one error style (.error, role=alert) with a Retry where one helps;
// successes in .status (role=status). The admin pages' module (admin.js)
// imports the helpers exported at the end and adds its pages to the same
// registry before the page runs (DOMContentLoaded).

const $ = (sel, root = document) => root.querySelector(sel);

class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch('/api/v1' + path, init);
  } catch {
    throw new APIError(0, 'network', 'The server cannot be reached. Check your connection and try again.');
  }
  const text = await resp.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!resp.ok) {
    const e = data && data.error;
    const x = new APIError(resp.status, e ? e.code : 'http_' + resp.status, e ? e.message : 'Something went wrong (' + resp.status + '). Try again.');
    // A session the organisation sent to enrollment ("keep sessions", or a
    // Reset MFA's next sign-in) can do nothing else: wherever it is, it
    // goes there, and back here afterwards.
    if (x.code === 'enrollment_required' && document.body.dataset.page !== 'enable-mfa') return toEnrollment();
    throw x;
  }
  return data;
}

// here is this page's address, for next= (what to come back to), without
// the message it was sent with.
function here() {
  const q = new URLSearchParams(location.search);
  q.delete('msg');
  const s = q.toString();
  return location.pathname + (s ? '?' + s : '') + location.hash;
}

// leaving sends the browser elsewhere and gives a promise that never
// settles, so the code that asked waits for the navigation instead of
// showing an error for a request it no longer needs.
function leaving(path, msg, next) {
  go(path, msg, next);
  return new Promise(() => {});
}

const toEnrollment = () => leaving('/enable-mfa', 'enroll-required', here());

// Messages a page may be sent with (?msg=KEY): fixed texts, never text
// from the URL.
const messages = {
  'signed-out': 'You are signed out.',
  'sign-in': 'Sign in to continue.',
  'session-expired': 'Your sign-in took too long and expired. Sign in again.',
  'welcome': 'Your account is ready. Turn on two-factor sign-in below to protect it.',
  'mfa-on': 'Two-factor sign-in is on. Sign out and back in to try it.',
  'step-up': 'This area needs a fresh confirmation: enter a code from your authenticator (or a recovery code).',
  'step-up-tokens': 'Creating an application token needs a fresh confirmation: enter a code from your authenticator (or a recovery code).',
  'step-up-devices': 'Changing your two-factor devices needs a fresh confirmation: enter a code from your authenticator (or a recovery code).',
  'enroll-first': 'The protected area needs two-factor sign-in. Set it up here first; it takes a minute.',
  'session-ended': 'Your session ended. Sign in again.',
  'signed-out-everywhere': 'You are signed out everywhere, this browser too.',
  'enroll-required': 'Your organisation requires two-factor sign-in. Set up an authenticator to continue: until then you can do nothing else.',
  'enrolled': 'Two-factor sign-in is set up, and you are signed in.',
  'step-up-admin': 'Administration needs a session that confirmed a second factor: enter a code from your authenticator (or a recovery code).',
  'enroll-admin': 'Administration needs two-factor sign-in on your own account. Set it up here first; then confirm with a code.',
  'enroll-admin-policy': 'Before you require two-factor sign-in of others, set it up for your own account. The setting you chose takes effect as soon as you have.',
};

// What each amr value means, for people.
const methodNames = { pwd: 'password', otp: 'authenticator code', recovery: 'recovery code', push: 'push approval', trusted_browser: 'trusted browser' };

// What each audit event type means, for people (the API's enum,
// openapi.json AuditEvent.type).
const eventNames = {
  sign_up: 'Signed up', sign_in_success: 'Signed in', sign_in_failure: 'Sign-in refused', verification_failure: 'Code refused',
  step_up: 'Confirmed with a code', lockout: 'Codes locked for a while', sign_out: 'Signed out', sign_out_everywhere: 'Signed out everywhere',
  device_enrolled: 'Device added (pending)', device_activated: 'Device activated', device_renamed: 'Device renamed',
  device_deleted: 'Device deleted', inactive_devices_deleted: 'Inactive devices removed', mfa_disabled: 'Two-factor sign-in turned off',
  recovery_code_used: 'Recovery code used', recovery_codes_generated: 'Recovery codes made',
  unverified_sessions_ended: 'Password-only sessions ended', password_changed: 'Password changed', session_ended: 'Session signed out',
  password_lockout: 'Password locked for a while', mfa_requirement_on: 'MFA requirement on', mfa_requirement_off: 'MFA requirement off',
  organisation_changed: 'Organisation settings changed', role_changed: 'Role changed', exemption_changed: 'Exemption changed',
  mfa_reset: 'Reset MFA', group_created: 'Group created', group_deleted: 'Group deleted', group_changed: 'Group changed',
  group_member_added: 'Added to a group', group_member_removed: 'Removed from a group', user_invited: 'Invited',
  device_deleted_by_admin: 'Pending device deleted by an admin', email_code_sent: 'Email code sent', email_code_failed: 'Email code refused',
  push_registered: 'Push prompts set up', push_sent: 'Push prompt sent', push_approved: 'Push prompt approved',
  push_denied: 'Push prompt denied', push_reported: 'Push prompt reported', push_resumed: 'Push prompts resumed',
  app_token_created: 'Token created', app_token_revoked: 'Token revoked', app_token_used: 'Token used',
  browser_trusted: 'Browser trusted', trusted_browser_revoked: 'Trusted browser revoked', device_seed_regenerated: 'New key for a pending device',
  cli_grant_created: 'CLI signed in through the browser',
  sync_identity_created: 'Authenticator sync turned on', sync_device_added: 'Browser added to authenticator sync',
  sync_device_removed: 'Browser removed from authenticator sync', sync_epoch_rotated: 'Authenticator sync key changed',
  sync_recovered: 'Authenticator restored with its recovery key',
};
const eventName = (type) => eventNames[type] || type;

const params = new URLSearchParams(location.search);

function showFlash() {
  const key = params.get('msg');
  const el = $('#flash');
  if (el && key && messages[key]) {
    el.textContent = messages[key];
    el.hidden = false;
  }
}

// nextPath is where to go after success: a same-site path only.
function nextPath(fallback) {
  const n = params.get('next');
  return n && n.startsWith('/') && !n.startsWith('//') && !n.startsWith('/\\') ? n : fallback;
}

function go(path, msg, next) {
  const q = new URLSearchParams();
  if (msg) q.set('msg', msg);
  if (next) q.set('next', next);
  const s = q.toString();
  location.assign(path + (s ? (path.includes('?') ? '&' : '?') + s : ''));
}

// fieldError shows msg under the form's fields and marks the field.
function fieldError(errEl, field, msg) {
  errEl.textContent = msg;
  errEl.hidden = false;
  if (field) {
    field.setAttribute('aria-invalid', 'true');
    field.focus();
  }
}

function clearError(errEl, ...fields) {
  errEl.hidden = true;
  errEl.textContent = '';
  for (const f of fields) f.removeAttribute('aria-invalid');
}

// showError shows a failure in an error element (.error, role=alert),
// with a Retry button when retry is given; Retry hides the error and
// calls it.
function showError(el, text, retry) {
  el.replaceChildren(text);
  if (retry) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'small-btn retry';
    b.textContent = 'Retry';
    b.addEventListener('click', () => { hideError(el); retry(); });
    el.append(' ', b);
  }
  el.hidden = false;
}

function hideError(el) {
  el.hidden = true;
  el.replaceChildren();
}

// feedback pairs a status element (successes) with an error element
// (failures): each message replaces the other.
function feedback(okEl, errEl) {
  return {
    ok(text) { hideError(errEl); okEl.textContent = text; },
    fail(text, retry) { okEl.textContent = ''; showError(errEl, text, retry); },
    clear() { hideError(errEl); okEl.textContent = ''; },
  };
}

// load runs a page's loading step. A failure shows in #page-error with a
// Retry that runs the step again; an ended session goes to sign-in.
async function load(step) {
  const el = $('#page-error');
  hideError(el);
  try {
    await step();
  } catch (x) {
    if (x.status === 401) { go('/', 'session-ended', location.pathname); return; }
    showError(el, x.message, () => load(step));
  }
}

// factorMessage is the sentence for a refused code or recovery code: the
// server has one answer for both ("wait for a new code"), which does not
// fit a recovery code.
function factorMessage(x, factor) {
  if (x.status === 401) return 'Your session ended. Sign in again.';
  if (x.code === 'verification_failed' && factor && factor.recovery_code) {
    return 'That recovery code was not accepted. Check it against the codes you saved (each works only once); after repeated failures, wait a few minutes.';
  }
  return x.message;
}

// emailProblem says what is wrong with an email address, or ''. A new
// account's address needs a dot in its domain ("dana@example" is a typo),
// as the server requires; signing in does not (older accounts).
function emailProblem(e, forNewAccount) {
  if (!e) return 'Enter your email address.';
  if (e.length > 254) return 'An email address is at most 254 characters.';
  const at = e.lastIndexOf('@');
  const domain = e.slice(at + 1);
  if (at < 1 || !domain || /\s/.test(e)) return 'Enter your email address, like name@example.com.';
  if (forNewAccount && (domain.indexOf('.') < 1 || domain.endsWith('.'))) {
    return 'Enter a full email address: its domain has a dot, like name@example.com.';
  }
  return '';
}

// nameProblem says what is wrong with a device name, or '' (the server's
// rule: 1 to 64 printable characters).
function nameProblem(n) {
  if (!n) return 'Give this device a name, so you can tell it apart from your others.';
  if ([...n].length > 64) return 'A device name is at most 64 characters.';
  if (/[\u0000-\u001f\u007f-\u009f]/.test(n)) return 'A device name cannot contain control characters.';
  return '';
}

// busy disables a form's submit button while a request runs.
async function busy(form, fn) {
  const btn = form.querySelector('button[type="submit"]');
  if (btn) btn.disabled = true;
  try { await fn(); } finally { if (btn) btn.disabled = false; }
}

const digitsOnly = (s) => s.replace(/[\s-]/g, '');
const isCode = (s) => /^\d{6}$/.test(digitsOnly(s));

// factorOf reads one input as a TOTP code (digits) or a recovery code.
function factorOf(value) {
  const v = value.trim();
  return /^[\d\s-]+$/.test(v) ? { code: digitsOnly(v) } : { recovery_code: v };
}

// sessionStatus tells whether this browser is signed in, and at which
// stage, without the 401 (a console error) that GET /session answers then.
// One request per page load; a failed one is asked again (Retry).
let statusAsked = null;
function sessionStatus() {
  statusAsked ??= api('GET', '/session/status').catch((x) => { statusAsked = null; throw x; });
  return statusAsked;
}

async function currentSession() {
  try {
    return await api('GET', '/session');
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

// requireSignedIn sends anonymous and half-signed-in visitors where they
// belong (a session the organisation sent to enrollment: there, unless the
// page is the enrollment itself) and returns the session of a signed-in
// one. The account navigation's Admin link shows for admins only.
async function requireSignedIn({ allowEnroll = false } = {}) {
  const s = await currentSession();
  if (!s) { go('/', 'sign-in', here()); return null; }
  if (s.session.stage === 'enroll' && !allowEnroll) { go('/enable-mfa', 'enroll-required', here()); return null; }
  if (s.session.stage !== 'full' && s.session.stage !== 'enroll') { go('/second-factor', null, here()); return null; }
  showAdminLink(s);
  return s;
}

function showAdminLink(s) {
  const link = $('#admin-link');
  if (link) link.hidden = !(s && s.session.stage === 'full' && s.user.role === 'admin');
}

// wireSignOut signs out and says so only once the server has ended the
// session (or had none: 401). A request that fails otherwise leaves the
// session valid: the page says that, and offers Retry.
function wireSignOut() {
  const btn = $('#sign-out');
  if (!btn) return;
  let notice = null;
  async function signOut() {
    btn.disabled = true;
    try {
      await api('DELETE', '/session');
    } catch (e) {
      if (e.status !== 401) {
        btn.disabled = false;
        failed(e);
        return;
      }
    }
    go('/', 'signed-out');
  }
  function failed(e) {
    if (!notice) {
      const text = document.createElement('p');
      text.id = 'sign-out-msg';
      const retry = document.createElement('button');
      retry.type = 'button';
      retry.id = 'sign-out-retry';
      retry.textContent = 'Retry signing out';
      retry.addEventListener('click', signOut);
      notice = document.createElement('div');
      notice.className = 'error';
      notice.id = 'sign-out-error';
      notice.setAttribute('role', 'alert');
      notice.append(text, retry);
      $('main').prepend(notice);
    }
    notice.querySelector('#sign-out-msg').textContent = 'Signing out failed, so you are still signed in. ' + e.message;
    notice.querySelector('#sign-out-retry').focus();
  }
  btn.addEventListener('click', signOut);
}

const fmt = (t) => t ? new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—';

// td makes a table cell; label names it where a narrow screen shows each
// row as a card (table.stack in site.css).
function td(label, ...content) {
  const c = document.createElement('td');
  c.dataset.label = label;
  c.append(...content);
  return c;
}

// uaCell shows a user agent as "Chrome on Linux" (as the server
// summarises a session's browser), the whole string one click away.
function uaCell(ua) {
  if (!ua) return '—';
  let browser = 'A browser';
  for (const [token, name] of [['Edg/', 'Edge'], ['OPR/', 'Opera'], ['Firefox/', 'Firefox'], ['Chrome/', 'Chrome'], ['Safari/', 'Safari'], ['curl/', 'curl'], ['Go-http-client', 'A program']]) {
    if (ua.includes(token)) { browser = name; break; }
  }
  for (const [token, name] of [['Android', 'Android'], ['iPhone', 'iPhone'], ['iPad', 'iPad'], ['CrOS', 'ChromeOS'], ['Windows', 'Windows'], ['Macintosh', 'macOS'], ['Linux', 'Linux']]) {
    if (ua.includes(token)) { browser += ' on ' + name; break; }
  }
  const d = document.createElement('details');
  d.className = 'ua';
  const s = document.createElement('summary');
  s.textContent = browser;
  const full = document.createElement('span');
  full.textContent = ua;
  d.append(s, full);
  return d;
}

async function copyText(text, fb) {
  try {
    await navigator.clipboard.writeText(text);
    fb.ok('Copied.');
  } catch {
    fb.fail('Copying is not allowed here: select the text and copy it.');
  }
}

// showRecoveryCodes renders the codes once, with download, print, copy and
// the "I have saved these" check that unlocks Done.
function showRecoveryCodes(container, codes, email, onDone) {
  const node = $('#recovery-codes-tpl').content.firstElementChild.cloneNode(true);
  const list = $('.codes-list', node);
  for (const c of codes) {
    const li = document.createElement('li');
    li.textContent = c;
    list.append(li);
  }
  const text = 'Twofold recovery codes for ' + email + '\nEach code works once.\n\n' + codes.join('\n') + '\n';
  const status = feedback($('.rc-status', node), $('.rc-error', node));
  $('.rc-download', node).addEventListener('click', () => {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'twofold-recovery-codes.txt';
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    status.ok('Downloaded twofold-recovery-codes.txt.');
  });
  $('.rc-print', node).addEventListener('click', () => window.print());
  $('.rc-copy', node).addEventListener('click', () => copyText(text, status));
  const saved = $('.rc-saved', node);
  const done = $('.rc-done', node);
  saved.addEventListener('change', () => { done.disabled = !saved.checked; });
  done.addEventListener('click', onDone);
  container.replaceChildren(node);
  list.scrollIntoView({ block: 'center' });
}

// wireMenu makes the menu button (shown on narrow screens only) open and
// close the navigation: aria-expanded says which, Escape closes it and
// gives the focus back to the button.
function wireMenu() {
  const btn = $('#menu-button'), bar = btn && btn.closest('.bar');
  if (!bar) return;
  const open = (yes) => {
    btn.setAttribute('aria-expanded', String(yes));
    bar.classList.toggle('open', yes);
  };
  btn.addEventListener('click', () => open(btn.getAttribute('aria-expanded') !== 'true'));
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && btn.getAttribute('aria-expanded') === 'true') {
      open(false);
      btn.focus();
    }
  });
}

// Pages.

const pages = {};

pages['sign-in'] = async () => {
  const form = $('#sign-in-form'), email = $('#email'), password = $('#password'), err = $('#sign-in-error');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearError(err, email, password);
    const e = email.value.trim();
    const bad = emailProblem(e, false);
    if (bad) return fieldError(err, email, bad);
    if (!password.value) return fieldError(err, password, 'Enter your password.');
    if (new TextEncoder().encode(password.value).length > 1024) return fieldError(err, password, 'That password is too long (at most 1024 bytes).');
    busy(form, async () => {
      try {
        const r = await api('POST', '/session', { email: e, password: password.value });
        const next = nextPath('/account');
        if (r.session.stage === 'partial') go('/second-factor', null, next);
        else if (r.session.stage === 'enroll') go('/enable-mfa', 'enroll-required', next);
        else location.assign(next);
      } catch (x) {
        if (x.code === 'network') return fieldError(err, null, x.message);
        password.value = '';
        fieldError(err, password, x.message);
      }
    });
  });
  email.focus();
  // Signed in already? Then this page is not needed. If the server cannot
  // be reached the form stays, and its submit says so.
  try {
    const st = await sessionStatus();
    if (st.signed_in && st.stage === 'full') location.assign(nextPath('/account'));
    if (st.signed_in && st.stage === 'enroll') go('/enable-mfa', 'enroll-required', nextPath('/account'));
  } catch { /* the form is there */ }
};

// An invitation link (/sign-up?invitation=TOKEN, as emailed) is read once
// and kept in this tab only (sessionStorage, so a reload keeps it): the
// token leaves the address bar, and so the history, bookmarks and Referer.
const invitationKey = 'twofold.invitation';

pages['sign-up'] = async () => {
  const form = $('#sign-up-form'), email = $('#email'), password = $('#password'), err = $('#sign-up-error');
  let invitation = params.get('invitation');
  if (invitation) {
    sessionStorage.setItem(invitationKey, invitation);
    history.replaceState(null, '', location.pathname);
  } else {
    invitation = sessionStorage.getItem(invitationKey);
  }
  // byInvitation says sign-up is by invitation; on load the form goes
  // too, after a refused submit it stays with the error under it.
  const byInvitation = (onLoad) => {
    if (onLoad) form.hidden = true;
    $('#sign-up-lead').hidden = true;
    $('#by-invitation').hidden = false;
  };
  if (invitation) {
    $('#invited').hidden = false;
    $('#sign-up-lead').hidden = true;
  }
  email.focus();
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearError(err, email, password);
    const e = email.value.trim();
    const bad = emailProblem(e, true);
    if (bad) return fieldError(err, email, bad);
    if ([...password.value].length < 8) return fieldError(err, password, 'Choose a password of at least 8 characters.');
    if (new TextEncoder().encode(password.value).length > 1024) return fieldError(err, password, 'That password is too long (at most 1024 bytes).');
    const body = { email: e, password: password.value };
    if (invitation) body.invitation = invitation;
    busy(form, async () => {
      try {
        const r = await api('POST', '/users', body);
        sessionStorage.removeItem(invitationKey);
        if (r.session.stage === 'enroll') go('/enable-mfa', 'enroll-required', '/account');
        else go('/account', 'welcome');
      } catch (x) {
        if (x.code === 'signup_closed') {
          byInvitation(false);
          return fieldError(err, null, x.message);
        }
        if (x.code === 'invitation_invalid') return fieldError(err, null, x.message);
        fieldError(err, x.code === 'network' ? null : x.code === 'invalid_password' ? password : email, x.message);
      }
    });
  });
  // Sign-up closed (and no invitation): the page says how to get in. A
  // session sent to enrollment goes there.
  try {
    const st = await sessionStatus();
    if (st.signed_in && st.stage === 'enroll') go('/enable-mfa', 'enroll-required', '/account');
    else if (!invitation && st.signup_open === false) byInvitation(true);
  } catch { /* the form is there */ }
};

pages['second-factor'] = async () => {
  const codeForm = $('#code-form'), recForm = $('#recovery-form');
  const code = $('#code'), rec = $('#recovery-code');
  const useRec = $('#use-recovery'), useCode = $('#use-code');
  code.focus();
  useRec.addEventListener('click', () => {
    codeForm.hidden = true; recForm.hidden = false; useRec.hidden = true; useCode.hidden = false; rec.focus();
  });
  useCode.addEventListener('click', () => {
    codeForm.hidden = false; recForm.hidden = true; useRec.hidden = false; useCode.hidden = true; code.focus();
  });
  // "Don't ask again on this browser", when the organisation offers it
  // (the status's trust_days) and this is a sign-in, not a step-up.
  const trust = $('#trust-browser');
  const submit = (form, field, err, factor) => busy(form, async () => {
    try {
      const body = { ...factor };
      if (!$('#trust-line').hidden && trust.checked) body.trust_browser = true;
      await api('POST', '/session/mfa', body);
      location.assign(nextPath('/account'));
    } catch (x) {
      field.value = '';
      if (x.status === 401) {
        fieldError(err, field, 'Your sign-in took too long and expired. Go back to the sign-in page and start again.');
      } else {
        fieldError(err, field, factorMessage(x, factor));
      }
    }
  });
  codeForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const err = $('#code-error');
    clearError(err, code);
    if (!code.value.trim()) return fieldError(err, code, 'Enter the 6-digit code from your authenticator.');
    if (!isCode(code.value)) return fieldError(err, code, 'A code is the 6 digits your authenticator shows.');
    submit(codeForm, code, err, { code: digitsOnly(code.value) });
  });
  recForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const err = $('#recovery-error');
    clearError(err, rec);
    const v = rec.value.trim();
    if (!v) return fieldError(err, rec, 'Enter one of your recovery codes.');
    if (v.length > 64) return fieldError(err, rec, 'A recovery code looks like XXXX-XXXX-XXXX-XXXX.');
    submit(recForm, rec, err, { recovery_code: v });
  });

  // Where does this visitor stand? Signed out: to the sign-in page; signed
  // in fully without asking for a step-up: on to where they were going.
  await load(async () => {
    const st = await sessionStatus();
    if (!st.signed_in) { go('/', 'session-expired', nextPath('')); return; }
    if (st.stage === 'enroll') { go('/enable-mfa', 'enroll-required', nextPath('/account')); return; }
    const stepUp = params.has('step-up');
    if (st.stage === 'full' && !stepUp) { location.assign(nextPath('/account')); return; }
    if (st.stage === 'partial' && st.trust_days > 0) {
      const n = st.trust_days;
      $('#trust-label').textContent = "Don't ask again on this browser for " + n + (n === 1 ? ' day' : ' days');
      $('#trust-line').hidden = false;
    }
    if (st.stage === 'full') {
      // A step-up: the visitor is signed in, so the account's navigation
      // and a way back instead of the sign-in page's.
      $('#guest-nav').hidden = true;
      $('#menu-button').hidden = false;
      $('#site-nav').hidden = false;
      $('#lost-line').hidden = true;
      showAdminLink(await currentSession());
      const next = nextPath('/account');
      $('#cancel-step-up').href = next === '/tokens' ? '/tokens' : '/account';
      $('#step-up-cancel').hidden = false;
    }
  });
};

pages['account'] = async () => {
  let me = null; // the session and user, as of the last render
  const status = feedback($('#devices-status'), $('#devices-error'));
  const confirmForm = $('#confirm-form'), confirmCode = $('#confirm-code'), confirmErr = $('#confirm-error');
  let confirmAction = null;

  const openConfirm = (title, text, button, action) => {
    confirmAction = action;
    $('#rename-form').hidden = true;
    $('#confirm-title').textContent = title;
    $('#confirm-text').textContent = text;
    $('#confirm-submit').textContent = button;
    clearError(confirmErr, confirmCode);
    confirmCode.value = '';
    confirmForm.hidden = false;
    confirmCode.focus();
  };
  $('#confirm-cancel').addEventListener('click', () => { confirmForm.hidden = true; confirmAction = null; });

  // Renaming a device: a small form under the table.
  const renameForm = $('#rename-form'), renameName = $('#rename-name'), renameErr = $('#rename-error');
  let renaming = null; // the device being renamed
  const closeRename = () => {
    renameForm.hidden = true;
    const back = renaming && $('#devices tr[data-id="' + renaming.id + '"] .rename-device');
    renaming = null;
    if (back) back.focus();
  };
  const openRename = (d) => {
    confirmForm.hidden = true;
    renaming = d;
    $('#rename-title').textContent = 'Rename "' + d.name + '"';
    clearError(renameErr, renameName);
    renameName.value = d.name;
    renameForm.hidden = false;
    renameName.focus();
    renameName.select();
  };
  $('#rename-cancel').addEventListener('click', closeRename);
  renameForm.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') closeRename(); });
  renameForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearError(renameErr, renameName);
    const n = renameName.value.trim();
    const bad = nameProblem(n);
    if (bad) return fieldError(renameErr, renameName, bad);
    busy(renameForm, async () => {
      try {
        const d = await api('PATCH', '/totp-devices/' + renaming.id, { name: n });
        status.ok('Renamed "' + renaming.name + '" to "' + d.name + '".');
        renaming = null;
        renameForm.hidden = true;
        await load(render);
        const again = $('#devices tr[data-id="' + d.id + '"] .rename-device'); // the focus goes back to the row
        if (again) again.focus();
      } catch (x) {
        fieldError(renameErr, x.code === 'network' ? null : renameName, x.status === 401 ? 'Your session ended. Sign in again.' : x.message);
      }
    });
  });
  confirmForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearError(confirmErr, confirmCode);
    const v = confirmCode.value.trim();
    if (!v) return fieldError(confirmErr, confirmCode, 'Enter a current code from your authenticator, or a recovery code.');
    if (v.length > 64) return fieldError(confirmErr, confirmCode, 'That is too long for a code or a recovery code.');
    busy(confirmForm, async () => {
      try {
        await confirmAction(factorOf(v));
        confirmForm.hidden = true;
        await load(render);
      } catch (x) {
        confirmCode.value = '';
        fieldError(confirmErr, confirmCode, factorMessage(x, factorOf(v)));
      }
    });
  });

  const render = async () => {
    me = await requireSignedIn();
    if (!me) return;
    $('#who').textContent = 'Signed in as ' + me.user.email + '.';
    $('#pw-username').value = me.user.email;
    const { devices } = await api('GET', '/totp-devices');
    const enrolled = me.user.mfa_enrolled;
    // Pending (inactive) devices first: they are the ones to clean up.
    devices.sort((a, b) => (a.state === b.state ? 0 : a.state === 'pending' ? -1 : 1));
    const badge = $('#mfa-badge');
    badge.textContent = enrolled ? 'On' : 'Off';
    badge.className = 'badge' + (enrolled ? ' on' : '');
    $('#mfa-off').hidden = enrolled;
    $('#mfa-on').hidden = !enrolled;
    $('#devices-wrap').hidden = devices.length === 0;
    $('#add-device').hidden = !enrolled;
    $('#disable-mfa').hidden = !enrolled;
    const pending = devices.filter((d) => d.state === 'pending').length;
    $('#delete-inactive').hidden = pending === 0;
    $('#delete-inactive').textContent = 'Remove inactive devices (' + pending + ')';
    const rows = devices.map((d) => {
      const tr = document.createElement('tr');
      tr.dataset.id = d.id;
      tr.dataset.state = d.state;
      const b = document.createElement('span');
      b.className = 'badge ' + (d.state === 'active' ? 'on' : 'pending');
      b.textContent = d.state === 'active' ? 'Active' : 'Inactive';
      const active = d.state === 'active';
      const name = td('Device', d.name), state = td('State', b), added = td('Added', fmt(d.created_at));
      // A pending device has never been used; it expires unless activated.
      const used = td('Last used', active ? (d.last_used_at ? fmt(d.last_used_at) : 'Never') : '—');
      const expires = td('Expires', active ? '—' : fmt(d.expires_at));
      const act = td('');
      act.className = 'right';
      const ren = document.createElement('button');
      ren.type = 'button';
      ren.className = 'small-btn rename-device';
      ren.textContent = 'Rename';
      ren.setAttribute('aria-label', 'Rename ' + d.name);
      ren.addEventListener('click', () => openRename(d));
      const del = document.createElement('button');
      del.type = 'button';
      del.className = 'danger-ghost small-btn delete-device';
      del.textContent = 'Delete';
      del.setAttribute('aria-label', 'Delete ' + d.name);
      del.addEventListener('click', async () => {
        if (d.state === 'pending') {
          try { await api('DELETE', '/totp-devices/' + d.id); status.ok('Deleted the inactive device "' + d.name + '".'); await load(render); }
          catch (x) { status.fail(x.message); }
          return;
        }
        openConfirm('Delete "' + d.name + '"', 'Enter a current code from your authenticator or one of your recovery codes. Deleting your last active device turns two-factor sign-in off.',
          'Delete device', (f) => api('DELETE', '/totp-devices/' + d.id, f).then(() => status.ok('Deleted "' + d.name + '".')));
      });
      act.append(ren, del);
      tr.append(name, state, added, used, expires, act);
      return tr;
    });
    $('#devices').replaceChildren(...rows);
    $('#recovery-card').hidden = !enrolled;
    if (enrolled) {
      const { remaining } = await api('GET', '/recovery-codes');
      showRemaining(remaining);
    }
    await loadSessions();
    await loadTrusted();
    await loadEvents();
  };

  // browserRow starts the row of a browser (a trusted one, a session): its
  // id, "This browser" on the current one, and the name its buttons use.
  const browserRow = (x) => {
    const tr = document.createElement('tr');
    tr.dataset.id = x.id;
    if (x.current) tr.dataset.current = 'yes';
    const act = td('');
    act.className = 'right';
    if (x.current) {
      const badge = document.createElement('span');
      badge.className = 'badge on';
      badge.textContent = 'This browser';
      act.append(badge);
    }
    return { tr, act, where: x.browser + (x.client_addr ? ' (' + x.client_addr + ')' : '') };
  };

  // Trusted browsers: those that skip the second factor ("Don't ask again
  // on this browser"), each with Revoke.
  const trustStatus = feedback($('#trusted-status'), $('#trusted-error'));
  const loadTrusted = async () => {
    const { browsers } = await api('GET', '/trusted-browsers');
    $('#no-trusted').hidden = browsers.length > 0;
    $('#trusted-table').hidden = browsers.length === 0;
    $('#trusted').replaceChildren(...browsers.map((b) => {
      const { tr, where, act } = browserRow(b);
      const btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'small-btn revoke-trust';
      btn.textContent = 'Revoke';
      btn.setAttribute('aria-label', 'Revoke ' + where);
      btn.addEventListener('click', async () => {
        try {
          await api('DELETE', '/trusted-browsers/' + encodeURIComponent(b.id));
          trustStatus.ok('Revoked ' + where + ': its next sign-in asks for a code again.');
          await load(loadTrusted);
        } catch (x) {
          if (x.status === 401) { go('/', 'session-ended', '/account'); return; }
          trustStatus.fail(x.code === 'not_found' ? 'That browser was no longer trusted.' : x.message);
          if (x.code === 'not_found') await load(loadTrusted);
        }
      });
      act.append(btn);
      tr.append(td('Browser', where), td('Trusted since', fmt(b.created_at)), td('Last used', fmt(b.last_used_at)), td('Until', fmt(b.expires_at)), act);
      return tr;
    }));
  };

  // The account's own security events, newest first, a page at a time; an
  // event an admin caused names them.
  let olderThan = null;
  const eventRow = (e) => {
    const tr = document.createElement('tr');
    const what = document.createElement('span');
    what.textContent = eventName(e.type);
    what.title = e.type;
    const cell = td('Event', what);
    if (e.actor_email) {
      const by = document.createElement('span');
      by.className = 'by-admin';
      by.textContent = ' by admin ' + e.actor_email;
      cell.append(by);
    }
    tr.append(td('When', fmt(e.at)), cell, td('From', e.client_addr || '—'), td('Browser', uaCell(e.user_agent)));
    return tr;
  };
  const loadEvents = async (more) => {
    const q = more && olderThan ? '?limit=20&before=' + olderThan : '?limit=20';
    const r = await api('GET', '/audit-events' + q);
    const rows = r.events.map(eventRow);
    if (more) $('#events').append(...rows);
    else $('#events').replaceChildren(...rows);
    olderThan = r.next_before;
    $('#older-events').hidden = !olderThan;
    $('#no-events').hidden = $('#events').children.length > 0;
  };
  $('#older-events').addEventListener('click', () => load(() => loadEvents(true)));

  // Signed-in sessions: this one marked, the others each with Sign out.
  const sessStatus = feedback($('#sessions-status'), $('#sessions-error'));
  const loadSessions = async () => {
    const { sessions } = await api('GET', '/sessions');
    $('#sessions').replaceChildren(...sessions.map((x) => {
      const { tr, where, act } = browserRow(x);
      if (!x.current) {
        const btn = document.createElement('button');
        btn.type = 'button';
        btn.className = 'small-btn end-session';
        btn.textContent = 'Sign out';
        btn.setAttribute('aria-label', 'Sign out ' + where);
        btn.addEventListener('click', async () => {
          try {
            await api('DELETE', '/sessions/' + encodeURIComponent(x.id));
            sessStatus.ok('Signed out ' + where + '.');
            await loadSessions();
          } catch (e) {
            if (e.status === 401) { go('/', 'session-ended', '/account'); return; }
            sessStatus.fail(e.code === 'not_found' ? 'That session had already ended.' : e.message);
            if (e.code === 'not_found') await load(loadSessions);
          }
        });
        act.append(btn);
      }
      const how = x.stage === 'full' ? x.amr.map((m) => methodNames[m] || m).join(' + ') : 'password, waiting for the second step';
      tr.append(td('Browser', x.browser), td('From', x.client_addr || '—'), td('Signed in', fmt(x.created_at)), td('With', how), act);
      return tr;
    }));
  };
  $('#sign-out-everywhere').addEventListener('click', async () => {
    try {
      await api('DELETE', '/sessions');
      go('/', 'signed-out-everywhere');
    } catch (e) {
      if (e.status === 401) { go('/', 'session-ended', '/account'); return; }
      sessStatus.fail(e.message);
    }
  });

  // Changing the password: the current one, the new one twice, and a code
  // when the server asks for a fresh confirmation.
  const pwForm = $('#password-form'), cur = $('#current-password'), pw1 = $('#new-password'), pw2 = $('#new-password2');
  const pwCodeField = $('#pw-code-field'), pwCode = $('#pw-code'), pwErr = $('#password-error'), pwStatus = $('#password-status');
  pwForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    pwStatus.textContent = '';
    clearError(pwErr, cur, pw1, pw2, pwCode);
    if (!cur.value) return fieldError(pwErr, cur, 'Enter your current password.');
    if ([...pw1.value].length < 8) return fieldError(pwErr, pw1, 'Choose a new password of at least 8 characters.');
    if (new TextEncoder().encode(pw1.value).length > 1024) return fieldError(pwErr, pw1, 'That password is too long (at most 1024 bytes).');
    if (pw2.value !== pw1.value) return fieldError(pwErr, pw2, 'The two new passwords are not the same: type the new one again.');
    if (pw1.value === cur.value) return fieldError(pwErr, pw1, 'The new password is the same as the current one: choose another.');
    const body = { current_password: cur.value, new_password: pw1.value };
    let factor = null;
    if (!pwCodeField.hidden) {
      const v = pwCode.value.trim();
      if (!v) return fieldError(pwErr, pwCode, 'Enter a current code from your authenticator, or a recovery code.');
      if (v.length > 64) return fieldError(pwErr, pwCode, 'That is too long for a code or a recovery code.');
      factor = factorOf(v);
      Object.assign(body, factor);
    }
    busy(pwForm, async () => {
      try {
        const r = await api('POST', '/password', body);
        for (const f of [cur, pw1, pw2, pwCode]) f.value = '';
        pwCodeField.hidden = true;
        const n = r.signed_out_sessions;
        pwStatus.textContent = 'Your password is changed. ' +
          (n === 0 ? 'No other session was signed in.' : 'We signed out ' + n + (n === 1 ? ' other session.' : ' other sessions.'));
        await load(loadSessions);
      } catch (x) {
        if (x.code === 'fresh_factor_required') {
          pwCodeField.hidden = false;
          return fieldError(pwErr, pwCode, 'Changing your password needs a fresh confirmation: enter a current code from your authenticator (or a recovery code), then choose Change password again.');
        }
        if (x.code === 'wrong_password') { cur.value = ''; return fieldError(pwErr, cur, x.message); }
        if (x.code === 'invalid_password') return fieldError(pwErr, pw1, x.message);
        if (factor && ['verification_failed', 'invalid_code_format', 'invalid_recovery_code_format'].includes(x.code)) {
          pwCode.value = '';
          return fieldError(pwErr, pwCode, factorMessage(x, factor));
        }
        fieldError(pwErr, null, factorMessage(x, factor));
      }
    });
  });

  const showRemaining = (n) => {
    $('#rc-remaining').textContent = 'You have ' + n + ' unused recovery code' + (n === 1 ? '' : 's') + '.';
  };

  $('#delete-inactive').addEventListener('click', async () => {
    try {
      const r = await api('DELETE', '/totp-devices/inactive');
      status.ok('Removed ' + r.deleted + ' inactive device' + (r.deleted === 1 ? '' : 's') + '.');
      await load(render);
    } catch (x) { status.fail(x.message); }
  });
  $('#disable-mfa').addEventListener('click', () => openConfirm('Turn off two-factor sign-in',
    'This deletes all your devices and recovery codes. Enter a current code from your authenticator or one of your recovery codes.',
    'Turn off', (f) => api('DELETE', '/mfa', f).then(() => status.ok('Two-factor sign-in is off.'))));

  const regen = $('#regenerate-form'), regenCode = $('#regenerate-code'), regenErr = $('#regenerate-error');
  regen.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearError(regenErr, regenCode);
    const v = regenCode.value.trim();
    if (!v) return fieldError(regenErr, regenCode, 'Enter a current code from your authenticator.');
    if (v.length > 64) return fieldError(regenErr, regenCode, 'That is too long for a code or a recovery code.');
    busy(regen, async () => {
      try {
        const r = await api('POST', '/recovery-codes', factorOf(v));
        regenCode.value = '';
        regen.hidden = true;
        // The old set is gone: the count says so at once, not after Done.
        showRemaining(r.recovery_codes.length);
        showRecoveryCodes($('#new-codes'), r.recovery_codes, me.user.email, async () => {
          $('#new-codes').replaceChildren();
          regen.hidden = false;
          await load(render);
        });
      } catch (x) {
        regenCode.value = '';
        fieldError(regenErr, regenCode, factorMessage(x, factorOf(v)));
      }
    });
  });
  await load(render);
  // Sent here to change the password (the push page's advice after a
  // reported prompt): start there.
  if (location.hash === '#password' && me) cur.focus();
};

// The pending device this tab is setting up, so that reloading the page
// reuses it (with a new key, said plainly) instead of leaving a pending
// device behind on every load.
const pendingKey = 'twofold.enable-mfa.pending';

// enrollOrReuse gives the enrollment to show: a new key for the tab's own
// pending device when there is one, else a new device. It returns null
// after sending the visitor to confirm with a code.
async function enrollOrReuse(s) {
  const stepUp = (x) => {
    if (x.code === 'fresh_factor_required' || x.code === 'mfa_required') {
      go('/second-factor?step-up=1', 'step-up-devices', '/enable-mfa' + location.search);
      return true;
    }
    return false;
  };
  const pending = sessionStorage.getItem(pendingKey);
  if (pending) {
    try {
      const enr = await api('POST', '/totp-devices/' + encodeURIComponent(pending) + '/seed');
      return { enr, reused: true };
    } catch (x) {
      if (stepUp(x)) return null;
      sessionStorage.removeItem(pendingKey); // activated, expired, deleted or another session's: start afresh
    }
  }
  try {
    const enr = await api('POST', '/totp-devices', { name: s.user.mfa_enrolled ? 'Another authenticator' : 'Authenticator' });
    sessionStorage.setItem(pendingKey, enr.device.id);
    return { enr, reused: false };
  } catch (x) {
    if (stepUp(x)) return null;
    throw x;
  }
}

pages['enable-mfa'] = async () => {
  let s = null; // the session and user
  let enr = null; // the device being set up, with its key
  const form = $('#activate-form'), code = $('#code'), err = $('#activate-error');
  const name = $('#device-name'), nameErr = $('#name-error');
  const showName = () => { $('#activating-name').textContent = name.value.trim() || '(no name yet)'; };
  name.addEventListener('input', () => { clearError(nameErr, name); showName(); });
  $('#copy-key').addEventListener('click', () => copyText(enr.enrollment.secret, feedback($('#copy-status'), $('#copy-error'))));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearError(err, code);
    clearError(nameErr, name);
    const n = name.value.trim();
    const bad = nameProblem(n);
    if (bad) return fieldError(nameErr, name, bad);
    if (!code.value.trim()) return fieldError(err, code, 'Enter the 6-digit code your authenticator shows.');
    if (!isCode(code.value)) return fieldError(err, code, 'A code is the 6 digits your authenticator shows.');
    busy(form, async () => {
      // The name first: a refused name leaves the device pending, the code unspent.
      if (n !== enr.device.name) {
        try {
          enr.device = await api('PATCH', '/totp-devices/' + enr.device.id, { name: n });
        } catch (x) {
          if (x.code === 'network') fieldError(err, null, x.message);
          else if (x.code === 'device_expired' || x.code === 'not_found') fieldError(err, null, 'This setup expired before it was activated. Reload the page to start again with a new key.');
          else fieldError(nameErr, name, x.message);
          return;
        }
      }
      try {
        const r = await api('POST', '/totp-devices/' + enr.device.id + '/activate', { code: digitsOnly(code.value) });
        sessionStorage.removeItem(pendingKey);
        $('#setup').hidden = true;
        $('#done').hidden = false;
        $('#done-device').textContent = '"' + r.device.name + '" is active.';
        if (r.signed_out_sessions > 0) {
          const n = r.signed_out_sessions;
          $('#signed-out-notice').textContent = 'We signed out ' + n + (n === 1 ? ' other session' : ' other sessions') +
            ' that had signed in with only your password. If that was not you, change your password.';
          $('#signed-out-notice').hidden = false;
        }
        // A forced enrollment's activation completes the sign-in: on to
        // where the user was going.
        const msg = r.sign_in_completed ? 'enrolled' : 'mfa-on';
        if (r.sign_in_completed) {
          $('#test-it').hidden = true;
          $('#done-continue').textContent = 'Continue';
          $('#done-continue').href = nextPath('/account');
        }
        if (r.recovery_codes && r.recovery_codes.length) {
          $('#done-actions').hidden = true;
          showRecoveryCodes($('#new-codes'), r.recovery_codes, s.user.email, () => go(nextPath('/account'), msg));
        } else {
          $('#done-title').focus();
        }
      } catch (x) {
        code.value = '';
        const msg = x.code === 'device_expired' ? 'This setup expired before it was activated. Reload the page to start again with a new key.' : x.message;
        fieldError(err, x.code === 'network' ? null : code, msg);
      }
    });
  });
  await load(async () => {
    s = await requireSignedIn({ allowEnroll: true });
    if (!s) return;
    if (s.session.stage === 'enroll') {
      // Only this page and signing out until an authenticator is active.
      for (const a of document.querySelectorAll('#site-nav a')) a.hidden = true;
      $('#activate-cancel').hidden = true;
      const flash = $('#flash');
      flash.textContent = messages['enroll-required'];
      flash.hidden = false;
    }
    if (s.user.mfa_enrolled && !s.session.mfa_totp_verified) {
      go('/second-factor?step-up=1', 'step-up-devices', '/enable-mfa');
      return;
    }
    const got = await enrollOrReuse(s);
    if (!got) return;
    enr = got.enr;
    $('#reused-notice').hidden = !got.reused;
    const k = enr.enrollment;
    $('#qr').src = k.qr_png;
    $('#k-issuer').textContent = k.issuer;
    $('#k-account').textContent = k.account;
    $('#k-secret').textContent = k.secret_grouped;
    $('#k-settings').textContent = 'Time based (TOTP), ' + k.digits + ' digits, every ' + k.period + ' seconds, ' + k.algorithm;
    $('#expires-hint').textContent = 'This setup stays open until ' + fmt(enr.device.expires_at) + ' (10 minutes).';
    name.value = enr.device.name;
    showName();
    $('#setup').hidden = false;
    name.focus();
    name.select();
  });
};

pages['tokens'] = async () => {
  const status = feedback($('#tokens-status'), $('#tokens-list-error'));
  const render = async () => {
    const { tokens } = await api('GET', '/app-tokens');
    $('#no-tokens').hidden = tokens.length > 0;
    $('#tokens-table').hidden = tokens.length === 0;
    $('#tokens').replaceChildren(...tokens.map((t) => {
      const tr = document.createElement('tr');
      tr.dataset.id = t.id;
      tr.append(td('Name', t.name), td('Created', fmt(t.created_at)), td('Expires', t.expires_at ? fmt(t.expires_at) : 'Never'),
        td('Last used', t.last_used_at ? fmt(t.last_used_at) + (t.last_used_addr ? ' from ' + t.last_used_addr : '') : 'Never used'));
      const act = td('');
      act.className = 'right';
      const btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'danger-ghost small-btn revoke';
      btn.textContent = 'Revoke';
      btn.setAttribute('aria-label', 'Revoke ' + t.name);
      btn.addEventListener('click', async () => {
        if (btn.dataset.armed !== 'yes') {
          btn.dataset.armed = 'yes';
          btn.textContent = 'Click again to revoke';
          return;
        }
        try {
          await api('DELETE', '/app-tokens/' + t.id);
          status.ok('Revoked "' + t.name + '".');
          await load(render);
        } catch (x) { status.fail(x.message); }
      });
      act.append(btn);
      tr.append(act);
      return tr;
    }));
  };
  const form = $('#token-form'), name = $('#token-name'), expiry = $('#token-expiry'), err = $('#token-error');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearError(err, name);
    const n = name.value.trim();
    if (!n) return fieldError(err, name, 'Give the token a name, so you know later what it is for.');
    if ([...n].length > 64) return fieldError(err, name, 'A token name is at most 64 characters.');
    const body = { name: n };
    if (expiry.value) body.expires_at = new Date(Date.now() + Number(expiry.value) * 86400000).toISOString();
    busy(form, async () => {
      try {
        const r = await api('POST', '/app-tokens', body);
        name.value = '';
        $('#token-secret').textContent = r.secret;
        $('#token-created').hidden = false;
        $('#copy-token').onclick = () => copyText(r.secret, feedback($('#token-status'), $('#token-copy-error')));
        await load(render);
      } catch (x) {
        if (x.code === 'fresh_factor_required' || x.code === 'mfa_required') { go('/second-factor?step-up=1', 'step-up-tokens', '/tokens'); return; }
        fieldError(err, x.code === 'network' ? null : name, x.message);
      }
    });
  });
  await load(async () => {
    if (await requireSignedIn()) await render();
  });
};

pages['protected'] = () => load(async () => {
  $('#checking').hidden = false;
  if (!(await requireSignedIn())) return;
  try {
    const r = await api('GET', '/demo/protected');
    $('#amr').textContent = r.amr.map((m) => methodNames[m] || m).join(' + ');
    $('#verified-at').textContent = fmt(r.mfa_verified_at);
    $('#checking').hidden = true;
    $('#inside').hidden = false;
  } catch (x) {
    if (x.status === 401) go('/', 'sign-in', '/protected');
    else if (x.code === 'second_factor_required') go('/second-factor', null, '/protected');
    else if (x.code === 'mfa_required') go('/second-factor?step-up=1', 'step-up', '/protected');
    else if (x.code === 'mfa_not_enrolled') go('/enable-mfa', 'enroll-first', '/protected');
    else {
      $('#checking').hidden = true;
      throw x;
    }
  }
});

// ---------------------------------------------------------------------
// /cli-login: the browser's half of `twofold login --browser`
// (cmd/twofold/login_browser.go), in this one block. The CLI opens the
// page with its loopback port, state, PKCE challenge and token name; the
// signed-in visitor allows or cancels, and the answer goes to the CLI's
// listener as a form post, so the grant never shows in an address.

// cliLoginParams reads what the CLI put in the address, or null when
// something is missing or malformed. The port is an unprivileged one:
// the page only ever posts to 127.0.0.1 on it.
function cliLoginParams() {
  const port = params.get('port') || '', state = params.get('state') || '';
  const challenge = params.get('code_challenge') || '', name = (params.get('name') || '').trim();
  const n = /^\d{4,5}$/.test(port) ? Number(port) : 0;
  if (n < 1024 || n > 65535) return null;
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(state) || !/^[A-Za-z0-9_-]{43}$/.test(challenge)) return null;
  if (!name || [...name].length > 64 || /[\u0000-\u001f\u007f-\u009f]/.test(name)) return null;
  return { port: n, state, challenge, name };
}

// postToCLI hands fields to the CLI's listener as a top-level form post.
function postToCLI(port, fields) {
  const f = document.createElement('form');
  f.method = 'POST';
  f.action = 'http://127.0.0.1:' + port + '/callback';
  for (const [k, v] of Object.entries(fields)) {
    const i = document.createElement('input');
    i.type = 'hidden';
    i.name = k;
    i.value = v;
    f.append(i);
  }
  document.body.append(f);
  $('#cli-consent').hidden = true;
  $('#cli-sent').hidden = false;
  f.submit();
}

pages['cli-login'] = () => load(async () => {
  const p = cliLoginParams();
  if (!p) {
    $('#cli-checking').hidden = true;
    showError($('#page-error'), 'This sign-in address is incomplete or damaged. Run twofold login --browser again in your terminal and open the address it prints.');
    return;
  }
  // Not signed in (or half-way): through the sign-in pages, then back here.
  const s = await currentSession();
  if (!s) { go('/', 'sign-in', here()); return; }
  if (s.session.stage === 'partial') { go('/second-factor', null, here()); return; }
  if (s.session.stage === 'enroll') { go('/enable-mfa', 'enroll-required', here()); return; }
  $('#cli-checking').hidden = true;
  $('#cli-email').textContent = s.user.email;
  $('#cli-token-name').textContent = p.name;
  $('#cli-admin-note').hidden = !(s.user.role === 'admin' && s.user.mfa_enrolled); // its token then carries the factor
  $('#cli-consent').hidden = false;
  const form = $('#cli-form'), codeField = $('#cli-code-field'), code = $('#cli-code'), err = $('#cli-error');
  $('#cli-cancel').addEventListener('click', () => postToCLI(p.port, { state: p.state, error: 'access_denied' }));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearError(err, code);
    const body = { code_challenge: p.challenge, name: p.name };
    let factor = null;
    if (!codeField.hidden) {
      const v = code.value.trim();
      if (!v) return fieldError(err, code, 'Enter a current code from your authenticator, or a recovery code.');
      if (v.length > 64) return fieldError(err, code, 'That is too long for a code or a recovery code.');
      factor = factorOf(v);
      Object.assign(body, factor);
    }
    busy(form, async () => {
      try {
        const g = await api('POST', '/cli-grants', body);
        postToCLI(p.port, { grant: g.grant, state: p.state, email: s.user.email });
      } catch (x) {
        if (x.status === 401) { go('/', 'session-ended', here()); return; }
        if (x.code === 'fresh_factor_required') {
          codeField.hidden = false;
          return fieldError(err, code, 'Giving the CLI a token needs a fresh confirmation: enter a current code from your authenticator (or a recovery code), then choose Allow again.');
        }
        code.value = '';
        fieldError(err, factor ? code : null, factorMessage(x, factor));
      }
    });
  });
});

// ---------------------------------------------------------------------

async function main() {
  showFlash();
  wireMenu();
  wireSignOut();
  const page = pages[document.body.dataset.page];
  if (!page) return;
  try {
    await page();
  } catch (x) {
    const el = $('#page-error');
    if (el) showError(el, x.message || 'Something went wrong. Reload the page.');
  }
}

// Module scripts run before DOMContentLoaded, so every page module
// (admin.js) has added its pages by then.
document.addEventListener('DOMContentLoaded', main);

export {
  $, APIError, api, leaving, here, messages, eventName, eventNames, params, nextPath, go, fieldError, clearError, showError, hideError,
  feedback, load, emailProblem, busy, digitsOnly, isCode, requireSignedIn, fmt, td, uaCell, copyText, pages,
};
