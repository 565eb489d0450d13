// Twofold demo site: every page calls the same JSON API as the CLI
// (/api/v1, see /api/v1/openapi.json). One module for all pages; each page
// names itself in <body data-page>. No inline script or style (strict CSP),
// and errors are shown next to the field they concern, never logged.

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
    throw new APIError(resp.status, e ? e.code : 'http_' + resp.status, e ? e.message : 'Something went wrong (' + resp.status + '). Try again.');
  }
  return data;
}

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
};

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

async function currentSession() {
  try {
    return await api('GET', '/session');
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

// requireSignedIn sends anonymous and half-signed-in visitors where they
// belong and returns the session of a signed-in one.
async function requireSignedIn() {
  const s = await currentSession();
  const here = location.pathname;
  if (!s) { go('/', 'sign-in', here); return null; }
  if (s.session.stage !== 'full') { go('/second-factor', null, here); return null; }
  return s;
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

async function copyText(text, statusEl) {
  try {
    await navigator.clipboard.writeText(text);
    statusEl.textContent = 'Copied.';
  } catch {
    statusEl.textContent = 'Copying is not allowed here: select the text and copy it.';
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
  const status = $('.rc-status', node);
  $('.rc-download', node).addEventListener('click', () => {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'twofold-recovery-codes.txt';
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    status.textContent = 'Downloaded twofold-recovery-codes.txt.';
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

// Pages.

const pages = {};

pages['sign-in'] = async () => {
  const s = await currentSession();
  if (s && s.session.stage === 'full') { location.assign(nextPath('/account')); return; }
  const form = $('#sign-in-form'), email = $('#email'), password = $('#password'), err = $('#sign-in-error');
  email.focus();
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearError(err, email, password);
    const e = email.value.trim();
    if (!e) return fieldError(err, email, 'Enter your email address.');
    if (e.length > 254 || !e.includes('@')) return fieldError(err, email, 'Enter a valid email address (at most 254 characters).');
    if (!password.value) return fieldError(err, password, 'Enter your password.');
    if (new TextEncoder().encode(password.value).length > 1024) return fieldError(err, password, 'That password is too long (at most 1024 bytes).');
    busy(form, async () => {
      try {
        const r = await api('POST', '/session', { email: e, password: password.value });
        const next = nextPath('/account');
        if (r.session.stage === 'partial') go('/second-factor', null, next);
        else location.assign(next);
      } catch (x) {
        password.value = '';
        fieldError(err, password, x.message);
      }
    });
  });
};

pages['sign-up'] = async () => {
  const form = $('#sign-up-form'), email = $('#email'), password = $('#password'), err = $('#sign-up-error');
  email.focus();
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearError(err, email, password);
    const e = email.value.trim();
    if (!e) return fieldError(err, email, 'Enter your email address.');
    if (e.length > 254 || !e.includes('@')) return fieldError(err, email, 'Enter a valid email address (at most 254 characters).');
    if ([...password.value].length < 8) return fieldError(err, password, 'Choose a password of at least 8 characters.');
    if (new TextEncoder().encode(password.value).length > 1024) return fieldError(err, password, 'That password is too long (at most 1024 bytes).');
    busy(form, async () => {
      try {
        await api('POST', '/users', { email: e, password: password.value });
        go('/account', 'welcome');
      } catch (x) {
        fieldError(err, x.code === 'invalid_password' ? password : email, x.message);
      }
    });
  });
};

pages['second-factor'] = async () => {
  const s = await currentSession();
  if (!s) { go('/', 'session-expired', nextPath('')); return; }
  const stepUp = params.has('step-up');
  if (s.session.stage === 'full' && !stepUp) { location.assign(nextPath('/account')); return; }
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
  const submit = (form, field, err, factor) => busy(form, async () => {
    try {
      await api('POST', '/session/mfa', factor);
      location.assign(nextPath('/account'));
    } catch (x) {
      field.value = '';
      if (x.status === 401) {
        fieldError(err, field, 'Your sign-in took too long and expired. Go back to the sign-in page and start again.');
      } else {
        fieldError(err, field, x.message);
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
};

pages['account'] = async () => {
  const s = await requireSignedIn();
  if (!s) return;
  $('#who').textContent = 'Signed in as ' + s.user.email + '.';
  const status = $('#devices-status');
  const confirmForm = $('#confirm-form'), confirmCode = $('#confirm-code'), confirmErr = $('#confirm-error');
  let confirmAction = null;

  const openConfirm = (title, text, button, action) => {
    confirmAction = action;
    $('#confirm-title').textContent = title;
    $('#confirm-text').textContent = text;
    $('#confirm-submit').textContent = button;
    clearError(confirmErr, confirmCode);
    confirmCode.value = '';
    confirmForm.hidden = false;
    confirmCode.focus();
  };
  $('#confirm-cancel').addEventListener('click', () => { confirmForm.hidden = true; confirmAction = null; });
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
        await render();
      } catch (x) {
        confirmCode.value = '';
        fieldError(confirmErr, confirmCode, x.status === 401 ? 'Your session ended. Sign in again.' : x.message);
      }
    });
  });

  const render = async () => {
    const me = await api('GET', '/session');
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
      const name = document.createElement('td');
      name.textContent = d.name;
      const state = document.createElement('td');
      const b = document.createElement('span');
      b.className = 'badge ' + (d.state === 'active' ? 'on' : 'pending');
      b.textContent = d.state === 'active' ? 'Active' : 'Inactive';
      state.append(b);
      const added = document.createElement('td');
      added.textContent = fmt(d.created_at);
      const used = document.createElement('td');
      used.textContent = d.state === 'active' ? fmt(d.last_used_at) : 'Expires ' + fmt(d.expires_at);
      const act = document.createElement('td');
      act.className = 'right';
      const del = document.createElement('button');
      del.type = 'button';
      del.className = 'danger-ghost small-btn delete-device';
      del.textContent = 'Delete';
      del.setAttribute('aria-label', 'Delete ' + d.name);
      del.addEventListener('click', async () => {
        if (d.state === 'pending') {
          try { await api('DELETE', '/totp-devices/' + d.id); status.textContent = 'Deleted the inactive device.'; await render(); }
          catch (x) { status.textContent = x.message; }
          return;
        }
        openConfirm('Delete "' + d.name + '"', 'Enter a current code from your authenticator or one of your recovery codes. Deleting your last active device turns two-factor sign-in off.',
          'Delete device', (f) => api('DELETE', '/totp-devices/' + d.id, f).then(() => { status.textContent = 'Deleted "' + d.name + '".'; }));
      });
      act.append(del);
      tr.append(name, state, added, used, act);
      return tr;
    });
    $('#devices').replaceChildren(...rows);
    $('#recovery-card').hidden = !enrolled;
    if (enrolled) {
      const { remaining } = await api('GET', '/recovery-codes');
      $('#rc-remaining').textContent = 'You have ' + remaining + ' unused recovery code' + (remaining === 1 ? '' : 's') + '.';
    }
  };

  $('#delete-inactive').addEventListener('click', async () => {
    try {
      const r = await api('DELETE', '/totp-devices/inactive');
      status.textContent = 'Removed ' + r.deleted + ' inactive device' + (r.deleted === 1 ? '' : 's') + '.';
      await render();
    } catch (x) { status.textContent = x.message; }
  });
  $('#disable-mfa').addEventListener('click', () => openConfirm('Turn off two-factor sign-in',
    'This deletes all your devices and recovery codes. Enter a current code from your authenticator or one of your recovery codes.',
    'Turn off', (f) => api('DELETE', '/mfa', f).then(() => { status.textContent = 'Two-factor sign-in is off.'; })));

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
        showRecoveryCodes($('#new-codes'), r.recovery_codes, s.user.email, async () => {
          $('#new-codes').replaceChildren();
          regen.hidden = false;
          await render();
        });
      } catch (x) {
        regenCode.value = '';
        fieldError(regenErr, regenCode, x.message);
      }
    });
  });
  await render();
};

pages['enable-mfa'] = async () => {
  const s = await requireSignedIn();
  if (!s) return;
  if (s.user.mfa_enrolled && !s.session.mfa_totp_verified) {
    go('/second-factor?step-up=1', 'step-up-devices', '/enable-mfa');
    return;
  }
  const setupErr = $('#setup-error');
  let enr;
  try {
    enr = await api('POST', '/totp-devices', { name: s.user.mfa_enrolled ? 'Another authenticator' : 'Authenticator' });
  } catch (x) {
    // The server wants a fresh second factor to add another device: the
    // session verified one, but more than 5 minutes ago.
    if (x.code === 'mfa_required') { go('/second-factor?step-up=1', 'step-up-devices', '/enable-mfa'); return; }
    setupErr.textContent = x.message;
    setupErr.hidden = false;
    return;
  }
  const k = enr.enrollment;
  $('#qr').src = k.qr_png;
  $('#k-issuer').textContent = k.issuer;
  $('#k-account').textContent = k.account;
  $('#k-secret').textContent = k.secret_grouped;
  $('#k-settings').textContent = 'Time based (TOTP), ' + k.digits + ' digits, every ' + k.period + ' seconds, ' + k.algorithm;
  $('#expires-hint').textContent = 'This setup stays open until ' + fmt(enr.device.expires_at) + ' (10 minutes).';
  $('#setup').hidden = false;
  $('#copy-key').addEventListener('click', () => copyText(k.secret, $('#copy-status')));
  const form = $('#activate-form'), code = $('#code'), err = $('#activate-error');
  code.focus();
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearError(err, code);
    if (!code.value.trim()) return fieldError(err, code, 'Enter the 6-digit code your authenticator shows.');
    if (!isCode(code.value)) return fieldError(err, code, 'A code is the 6 digits your authenticator shows.');
    busy(form, async () => {
      try {
        const r = await api('POST', '/totp-devices/' + enr.device.id + '/activate', { code: digitsOnly(code.value) });
        $('#setup').hidden = true;
        $('#done').hidden = false;
        if (r.recovery_codes && r.recovery_codes.length) {
          $('#done-actions').hidden = true;
          showRecoveryCodes($('#new-codes'), r.recovery_codes, s.user.email, () => go('/account', 'mfa-on'));
        } else {
          $('#done-title').focus();
        }
      } catch (x) {
        code.value = '';
        const msg = x.code === 'device_expired' ? 'This setup expired before it was activated. Reload the page to start again with a new key.' : x.message;
        fieldError(err, code, msg);
      }
    });
  });
};

pages['tokens'] = async () => {
  const s = await requireSignedIn();
  if (!s) return;
  const status = $('#tokens-status');
  const render = async () => {
    const { tokens } = await api('GET', '/app-tokens');
    $('#no-tokens').hidden = tokens.length > 0;
    $('#tokens-table').hidden = tokens.length === 0;
    $('#tokens').replaceChildren(...tokens.map((t) => {
      const tr = document.createElement('tr');
      tr.dataset.id = t.id;
      const cells = [t.name, fmt(t.created_at), t.expires_at ? fmt(t.expires_at) : 'Never',
        t.last_used_at ? fmt(t.last_used_at) + (t.last_used_addr ? ' from ' + t.last_used_addr : '') : 'Never used'];
      for (const c of cells) {
        const td = document.createElement('td');
        td.textContent = c;
        tr.append(td);
      }
      const act = document.createElement('td');
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
          status.textContent = 'Revoked "' + t.name + '".';
          await render();
        } catch (x) { status.textContent = x.message; }
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
        $('#copy-token').onclick = () => copyText(r.secret, $('#token-status'));
        await render();
      } catch (x) {
        if (x.code === 'mfa_required') { go('/second-factor?step-up=1', 'step-up-tokens', '/tokens'); return; }
        fieldError(err, name, x.message);
      }
    });
  });
  await render();
};

pages['protected'] = async () => {
  try {
    const r = await api('GET', '/demo/protected');
    $('#amr').textContent = r.amr.map((m) => ({ pwd: 'password', otp: 'authenticator code', recovery: 'recovery code' })[m] || m).join(' + ');
    $('#verified-at').textContent = fmt(r.mfa_verified_at);
    $('#checking').hidden = true;
    $('#inside').hidden = false;
  } catch (x) {
    if (x.status === 401) go('/', 'sign-in', '/protected');
    else if (x.code === 'second_factor_required') go('/second-factor', null, '/protected');
    else if (x.code === 'mfa_required') go('/second-factor?step-up=1', 'step-up', '/protected');
    else if (x.code === 'mfa_not_enrolled') go('/enable-mfa', 'enroll-first', '/protected');
    else $('#checking').textContent = x.message;
  }
};

async function main() {
  showFlash();
  wireSignOut();
  const page = pages[document.body.dataset.page];
  if (!page) return;
  try {
    await page();
  } catch (x) {
    const el = $('#flash');
    if (el) {
      el.className = 'error';
      el.textContent = x.message || 'Something went wrong. Reload the page.';
      el.hidden = false;
    }
  }
}

main();
