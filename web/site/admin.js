// Twofold demo site: the organisation's administration (/admin: policy and
// settings, /admin/users, /admin/groups, /admin/audit, /admin/outbox). The
// pages call the same /api/v1/admin routes as `twofold admin`; this module
// adds them to site.js's registry and uses its helpers, so errors, Retry,
// the menu and signing out work as on every other page.
//
// Every admin route needs an admin whose session confirmed a second factor.
// Without one the server answers admin_step_up_required, and the admin is
// sent to confirm with a code (or, with no authenticator to confirm with,
// to set one up) and back.

import {
  $, api, leaving, here, eventName, eventNames, params, go, fieldError, clearError, showError, hideError, feedback, load,
  emailProblem, busy, digitsOnly, isCode, requireSignedIn, fmt, td, uaCell, copyText, pages,
} from './site.js';

let me = null; // the signed-in admin (GET /session)

// notAdmin replaces the page by a sentence: members cannot administer.
function notAdmin() {
  $('#checking').hidden = true;
  $('#admin-content').hidden = true;
  $('#admin-nav').hidden = true;
  const el = $('#page-error');
  el.replaceChildren('This page is for administrators of your organisation, and your account is not one. ');
  const a = document.createElement('a');
  a.href = '/account';
  a.textContent = 'Back to your account';
  el.append(a);
  el.hidden = false;
  return new Promise(() => {});
}

// adminAPI calls an /admin route; see the top of this file for the step-up.
async function adminAPI(method, path, body) {
  try {
    return await api(method, '/admin' + path, body);
  } catch (x) {
    if (x.code === 'admin_step_up_required') {
      return me && me.user.mfa_enrolled ? leaving('/second-factor?step-up=1', 'step-up-admin', here()) : leaving('/enable-mfa', 'enroll-admin', here());
    }
    if (x.code === 'not_admin') return notAdmin();
    throw x;
  }
}

// adminPage runs an admin page: wire (once) attaches its handlers, render
// loads its data after the checks (a Retry runs render again).
function adminPage(wire, render) {
  wire();
  return load(async () => {
    try {
      me = await requireSignedIn();
      if (!me) return;
      if (me.user.role !== 'admin') return notAdmin();
      const org = await adminAPI('GET', '/org');
      $('#org-lead').textContent = 'Organisation: ' + org.name;
      await render(org);
      $('#admin-nav').hidden = false;
      $('#admin-content').hidden = false;
    } finally {
      $('#checking').hidden = true;
    }
  });
}

// modal makes a <dialog> a modal with a focus trap (Tab and Shift+Tab
// cycle through its controls) whose Escape is its Cancel: onClose runs
// however it closes, then the focus goes back to what opened it.
function modal(dlg, onClose) {
  let opener = null;
  dlg.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Tab') return;
    const f = [...dlg.querySelectorAll('button, input, select, textarea, a[href]')].filter((e) => !e.disabled && e.getClientRects().length > 0);
    if (f.length === 0) return;
    const first = f[0], last = f[f.length - 1];
    if (ev.shiftKey && (document.activeElement === first || !dlg.contains(document.activeElement))) {
      ev.preventDefault();
      last.focus();
    } else if (!ev.shiftKey && (document.activeElement === last || !dlg.contains(document.activeElement))) {
      ev.preventDefault();
      first.focus();
    }
  });
  dlg.addEventListener('close', () => {
    if (onClose) onClose();
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  });
  return {
    open(focus) {
      opener = document.activeElement;
      for (const e of dlg.querySelectorAll('.error')) hideError(e);
      dlg.showModal();
      if (focus) focus.focus();
    },
    close() { if (dlg.open) dlg.close(); },
    get isOpen() { return dlg.open; },
  };
}

const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
};

const plural = (n, one, many) => n + ' ' + (n === 1 ? one : many);

const statusNames = { enrolled: 'Enrolled', 'not-enrolled': 'Not enrolled', exempt: 'Exempt' };

// statusCell shows a user's MFA status as a badge, with the exemption's
// reason.
function statusCell(u) {
  const b = el('span', { class: 'badge ' + ({ enrolled: 'on', 'not-enrolled': 'pending', exempt: 'exempt' }[u.mfa_status] || ''), text: statusNames[u.mfa_status] || u.mfa_status });
  const cell = td('MFA', b);
  if (u.mfa_status === 'exempt' && u.exempt_reason) cell.append(el('span', { class: 'reason', text: ' ' + u.exempt_reason }));
  return cell;
}

// findUser finds a user of the organisation by exact email address.
async function findUser(email) {
  const r = await adminAPI('GET', '/users?limit=50&q=' + encodeURIComponent(email));
  return r.users.find((u) => u.email.toLowerCase() === email.toLowerCase()) || null;
}

const button = (text, cls, label, onClick) => {
  const b = el('button', { type: 'button', class: 'small-btn ' + cls, text });
  if (label) b.setAttribute('aria-label', label);
  b.addEventListener('click', onClick);
  return b;
};

// Policy and settings (/admin).

// A requirement chosen by an admin who has no authenticator yet waits here
// (this tab only) while they set one up; /admin applies it when they come
// back, within half an hour.
const pendingPolicyKey = 'twofold.admin.pending-requirement';

function describeScope(scope, groups, ids) {
  if (scope === 'everyone') return 'everyone in the organisation';
  const names = groups.filter((g) => ids.includes(g.id)).map((g) => g.name);
  return (names.length === 1 ? 'the members of the group ' : 'the members of the groups ') + names.join(', ');
}

function requirementResult(r, choice, scope) {
  const n = r.sessions_changed;
  const sessions = choice === 'sign_out'
    ? plural(n, 'session', 'sessions') + ' signed out'
    : plural(n, 'session', 'sessions') + (n === 1 ? ' goes' : ' go') + ' to enrollment at the next request';
  return 'Two-factor sign-in is now required of ' + scope + ': ' + plural(r.affected_users, 'user', 'users') + ' covered, ' + sessions + '.';
}

pages['admin'] = () => {
  let org = null, groups = [];
  let choice = null; // the requirement the require dialog is about: {scope, group_ids, text}
  const form = $('#policy-form'), status = feedback($('#policy-status'), $('#policy-error'));
  const radios = () => [...form.querySelectorAll('input[name="scope"]')];
  const scopeNow = () => (radios().find((r) => r.checked) || {}).value;
  const syncGroups = () => {
    const on = scopeNow() === 'groups';
    for (const c of $('#group-choices').querySelectorAll('input')) c.disabled = !on;
  };

  // showPolicy puts the saved policy in the form.
  const showPolicy = () => {
    for (const r of radios()) r.checked = r.value === org.require_mfa;
    for (const c of $('#group-choices').querySelectorAll('input')) {
      c.checked = groups.some((g) => g.id === c.value && g.require_mfa);
    }
    syncGroups();
    const badge = $('#policy-badge');
    badge.textContent = { off: 'Off', groups: 'Chosen groups', everyone: 'Everyone' }[org.require_mfa] || org.require_mfa;
    badge.className = 'badge' + (org.require_mfa === 'off' ? '' : ' on');
  };

  const rememberAndEnroll = (c) => {
    sessionStorage.setItem(pendingPolicyKey, JSON.stringify({ scope: c.scope, group_ids: c.group_ids, sessions: c.sessions, text: c.text, at: Date.now() }));
    return leaving('/enable-mfa', 'enroll-admin-policy', '/admin');
  };

  // apply turns the requirement on as chosen, or sends an admin with no
  // authenticator to set one up first.
  const apply = async (c) => {
    if (!me.user.mfa_enrolled) return rememberAndEnroll(c);
    try {
      const r = await adminAPI('POST', '/mfa-requirement', { scope: c.scope, group_ids: c.group_ids, sessions: c.sessions });
      return r;
    } catch (x) {
      if (x.code === 'admin_not_enrolled') return rememberAndEnroll(c);
      throw x;
    }
  };

  const requireDlg = modal($('#require-dialog'), () => {
    // Closed without a choice (Cancel, Escape): nothing changes.
    if (choice) showPolicy();
    choice = null;
  });
  const choose = async (sessions) => {
    const c = { ...choice, sessions };
    const btns = $('#require-dialog').querySelectorAll('button');
    for (const b of btns) b.disabled = true;
    try {
      const r = await apply(c);
      choice = null; // applied: the close below keeps the form as it is
      requireDlg.close();
      await render();
      status.ok(requirementResult(r, sessions, c.text));
    } catch (x) {
      showError($('#require-error'), x.message);
    } finally {
      for (const b of btns) b.disabled = false;
    }
  };

  // Turning it off: a code emailed to this admin, valid 5 minutes. Each
  // opening of the dialog sends a new one; so does the next attempt after
  // the code has expired.
  let sent = null; // {to, until}
  const offCode = $('#off-code'), offErr = $('#off-error');
  const offDlg = modal($('#off-dialog'), () => {
    sent = null;
    showPolicy();
  });
  const sendCode = async (why) => {
    $('#off-form').hidden = true;
    $('#off-submit').hidden = true;
    $('#off-resend').hidden = true;
    hideError(offErr);
    const line = $('#off-sent');
    line.textContent = 'Sending a code to your email address…';
    line.hidden = false;
    try {
      const r = await adminAPI('POST', '/mfa-requirement/off-code');
      sent = { to: r.sent_to, until: Date.now() + r.expires_in_seconds * 1000 };
      const mins = Math.round(r.expires_in_seconds / 60);
      line.textContent = (why ? why + ' ' : '') + 'We sent a 6-digit code to ' + r.sent_to + '. It is valid for ' + plural(mins, 'minute', 'minutes') + ' and works once.';
      offCode.value = '';
      $('#off-form').hidden = false;
      $('#off-submit').hidden = false;
      $('#off-resend').hidden = false;
      offCode.focus();
    } catch (x) {
      line.hidden = true;
      showError(offErr, x.message, () => sendCode());
    }
  };
  $('#off-resend').addEventListener('click', () => sendCode());
  $('#off-cancel').addEventListener('click', () => offDlg.close());
  $('#off-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearError(offErr, offCode);
    if (!offCode.value.trim()) return fieldError(offErr, offCode, 'Enter the 6-digit code from the email.');
    if (!isCode(offCode.value)) return fieldError(offErr, offCode, 'The code is the 6 digits in the email.');
    if (!sent || Date.now() > sent.until) return sendCode('That code had expired (codes last 5 minutes), so we sent a new one.');
    busy($('#off-dialog'), async () => {
      try {
        await adminAPI('DELETE', '/mfa-requirement', { code: digitsOnly(offCode.value) });
        offDlg.close();
        await render();
        status.ok('Two-factor sign-in is no longer required. Users who have not set it up sign in with their password alone again.');
      } catch (x) {
        offCode.value = '';
        if (x.code === 'email_code_failed') {
          return fieldError(offErr, offCode, 'That code was not accepted. Check it against the email: a code works once and lasts 5 minutes, and after 5 wrong tries it stops working. Send a new code if in doubt.');
        }
        fieldError(offErr, x.code === 'network' ? null : offCode, x.message);
      }
    });
  });

  const wire = () => {
    for (const r of radios()) r.addEventListener('change', syncGroups);
    $('#require-sign-out').addEventListener('click', () => choose('sign_out'));
    $('#require-keep').addEventListener('click', () => choose('keep'));
    $('#require-cancel').addEventListener('click', () => requireDlg.close());
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      status.clear();
      const scope = scopeNow();
      if (!scope) return fieldError($('#policy-error'), null, 'Choose who must use two-factor sign-in.');
      if (scope === 'off') {
        if (org.require_mfa === 'off') return status.ok('The requirement is off already.');
        offDlg.open();
        sendCode();
        return;
      }
      const ids = [...$('#group-choices').querySelectorAll('input:checked')].map((c) => c.value);
      if (scope === 'groups' && ids.length === 0) return fieldError($('#policy-error'), null, 'Tick at least one group, or choose another option.');
      choice = { scope, group_ids: scope === 'groups' ? ids : [], text: describeScope(scope, groups, ids) };
      $('#require-text').textContent = 'From now on, ' + choice.text + ' must sign in with a second factor (exempt users excepted). Those who have no authenticator will set one up at their next sign-in or request.';
      requireDlg.open($('#require-cancel'));
    });

    const orgForm = $('#org-form'), name = $('#org-name'), days = $('#trust-days'), open = $('#open-signup');
    const orgStatus = feedback($('#org-status'), $('#org-error'));
    orgForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      clearError($('#org-error'), name, days);
      orgStatus.clear();
      const n = name.value.trim();
      if (!n) return fieldError($('#org-error'), name, 'Give the organisation a name.');
      if ([...n].length > 64) return fieldError($('#org-error'), name, 'A name is at most 64 characters.');
      const d = Number(days.value);
      if (days.value.trim() === '' || !Number.isInteger(d) || d < 0 || d > 365) {
        return fieldError($('#org-error'), days, 'Enter a whole number of days from 0 (off) to 365.');
      }
      busy(orgForm, async () => {
        try {
          org = await adminAPI('PATCH', '/org', { name: n, trust_days: d, open_signup: open.checked });
          $('#org-lead').textContent = 'Organisation: ' + org.name;
          orgStatus.ok('Saved. ' + (org.trust_days === 0 ? '"Don\'t ask again on this browser" is off.' : 'Browsers may skip the code for ' + plural(org.trust_days, 'day', 'days') + '.') +
            (org.open_signup ? ' Anyone may sign up.' : ' Sign-up is by invitation.'));
        } catch (x) {
          fieldError($('#org-error'), x.code === 'invalid_organisation' || x.code === 'organisation_taken' ? name : x.code === 'invalid_trust_days' ? days : null, x.message);
        }
      });
    });
  };

  const render = async (fresh) => {
    org = fresh || await adminAPI('GET', '/org');
    ({ groups } = await adminAPI('GET', '/groups'));
    $('#group-choices').replaceChildren(...groups.map((g) => el('div', { class: 'check' },
      el('input', { type: 'checkbox', id: 'g-' + g.id, value: g.id }),
      el('label', { for: 'g-' + g.id, text: g.name + ' (' + plural(g.members, 'member', 'members') + ')' }))));
    $('#no-groups').hidden = groups.length > 0;
    $('#scope-groups').disabled = groups.length === 0 && org.require_mfa !== 'groups';
    showPolicy();
    $('#org-name').value = org.name;
    $('#trust-days').value = String(org.trust_days);
    $('#open-signup').checked = org.open_signup;
  };

  // Back from setting up an authenticator with a requirement waiting.
  const applyPending = async () => {
    const saved = sessionStorage.getItem(pendingPolicyKey);
    if (!saved) return;
    sessionStorage.removeItem(pendingPolicyKey);
    let c;
    try { c = JSON.parse(saved); } catch { return; }
    if (!c || Date.now() - c.at > 30 * 60 * 1000) return;
    if (!me.user.mfa_enrolled) {
      status.fail('You chose to require two-factor sign-in, but your own account has no authenticator yet, so nothing changed. Set one up on your Security page, then choose again.');
      return;
    }
    try {
      const r = await apply(c);
      await render();
      status.ok('Your authenticator is set up, so the setting you chose now applies. ' + requirementResult(r, c.sessions, c.text));
    } catch (x) {
      status.fail('The setting you chose could not be applied: ' + x.message, () => { sessionStorage.setItem(pendingPolicyKey, saved); load(applyPending); });
    }
  };

  return adminPage(wire, async (fresh) => {
    await render(fresh);
    await applyPending();
  });
};

// Users (/admin/users): the list with filters, one user's panel, and
// invitations.

pages['admin-users'] = () => {
  const limit = 20;
  let offset = 0, total = 0, groups = [];
  let current = null; // the user in the panel
  const q = $('#f-q'), fStatus = $('#f-status'), fGroup = $('#f-group');
  const listErr = $('#users-error');

  // The filters live in the address, so a reload or a link keeps them.
  const filters = () => {
    const f = new URLSearchParams();
    if (q.value.trim()) f.set('q', q.value.trim());
    if (fStatus.value) f.set('status', fStatus.value);
    if (fGroup.value) f.set('group', fGroup.value);
    return f;
  };

  const renderUsers = async () => {
    const f = filters();
    const csv = new URLSearchParams(f);
    csv.set('format', 'csv');
    $('#users-csv').href = '/api/v1/admin/users?' + csv;
    f.set('offset', String(offset));
    f.set('limit', String(limit));
    const r = await adminAPI('GET', '/users?' + f);
    total = r.total;
    $('#users').replaceChildren(...r.users.map((u) => {
      const tr = el('tr');
      tr.dataset.id = u.id;
      tr.dataset.email = u.email;
      const role = u.role === 'admin' ? el('span', { class: 'badge on', text: 'Admin' }) : 'Member';
      const manage = button('Manage', 'manage-user', 'Manage ' + u.email, (ev) => openUser(u.id, ev.currentTarget));
      const act = td('', manage);
      act.className = 'right';
      tr.append(td('Email', u.email), td('Role', role), td('Groups', u.groups.length ? u.groups.join(', ') : '—'), statusCell(u),
        td('Last sign-in', u.last_sign_in_at ? fmt(u.last_sign_in_at) : 'Never'), act);
      return tr;
    }));
    $('#users-table').hidden = r.users.length === 0;
    $('#no-users').hidden = r.users.length > 0;
    $('#users-count').textContent = r.users.length === 0 ? '' : 'Showing ' + (offset + 1) + '–' + (offset + r.users.length) + ' of ' + plural(total, 'user', 'users') + '.';
    $('#prev-page').disabled = offset === 0;
    $('#next-page').disabled = offset + r.users.length >= total;
  };

  const showList = () => load(async () => {
    try {
      hideError(listErr);
      await renderUsers();
    } catch (x) {
      showError(listErr, x.message, showList);
    }
  });

  // One user: role, exemption, devices, Reset MFA.
  const panel = $('#user-panel'), userStatus = feedback($('#user-status'), $('#user-error'));
  let panelOpener = null;
  const fillUser = async (id) => {
    const { user: u, devices } = await adminAPI('GET', '/users/' + encodeURIComponent(id));
    current = u;
    $('#user-title').textContent = u.email;
    $('#u-role').textContent = u.role === 'admin' ? 'Admin' : 'Member';
    $('#u-status').replaceChildren(...statusCell(u).childNodes);
    $('#u-groups').textContent = u.groups.length ? u.groups.join(', ') : '—';
    $('#u-last').textContent = u.last_sign_in_at ? fmt(u.last_sign_in_at) : 'Never';
    $('#u-created').textContent = fmt(u.created_at);
    $('#u-role-select').value = u.role;
    $('#exempt-on').hidden = u.mfa_status !== 'exempt';
    $('#exempt-form').hidden = u.mfa_status === 'exempt';
    $('#u-reason').textContent = u.exempt_reason || '';
    $('#exempt-reason').value = '';
    $('#reset-open').hidden = u.id === me.user.id;
    $('#u-devices').replaceChildren(...devices.map((d) => {
      const tr = el('tr');
      tr.dataset.id = d.id;
      const active = d.state === 'active';
      const act = td('');
      act.className = 'right';
      if (!active) {
        act.append(button('Delete', 'danger-ghost delete-device', 'Delete the pending device ' + d.name, async () => {
          try {
            await adminAPI('DELETE', '/users/' + encodeURIComponent(u.id) + '/devices/' + encodeURIComponent(d.id));
            await fillUser(u.id);
            userStatus.ok('Deleted the pending device "' + d.name + '".');
          } catch (x) { userStatus.fail(x.message); }
        }));
      }
      tr.append(td('Device', d.name), td('State', el('span', { class: 'badge ' + (active ? 'on' : 'pending'), text: active ? 'Active' : 'Pending' })),
        td('Added', fmt(d.created_at)), td('Last used', d.last_used_at ? fmt(d.last_used_at) : active ? 'Never' : '—'), act);
      return tr;
    }));
    $('#u-devices-table').hidden = devices.length === 0;
    $('#u-no-devices').hidden = devices.length > 0;
  };
  const openUser = async (id, opener) => {
    panelOpener = opener;
    userStatus.clear();
    try {
      await fillUser(id);
    } catch (x) {
      showError(listErr, x.message, () => openUser(id, opener));
      return;
    }
    panel.hidden = false;
    $('#user-title').focus();
  };
  // Closing gives the focus back to the row's Manage (the list may have
  // been drawn again meanwhile).
  const closeUser = () => {
    panel.hidden = true;
    const id = current && current.id;
    current = null;
    const back = panelOpener && panelOpener.isConnected ? panelOpener : id && $('#users tr[data-id="' + id + '"] .manage-user');
    if (back) back.focus();
  };
  // After a change to the user: the panel and the list show it.
  const changed = async (text) => {
    await fillUser(current.id);
    userStatus.ok(text);
    await showList();
  };

  const resetDlg = modal($('#reset-dialog'));
  const resetReason = $('#reset-reason'), resetErr = $('#reset-error');
  resetReason.addEventListener('input', () => clearError(resetErr, resetReason));

  // Invitations.
  const renderInvitations = async () => {
    const { invitations } = await adminAPI('GET', '/invitations');
    const now = Date.now();
    $('#invitations').replaceChildren(...invitations.map((i) => {
      const state = i.used_at ? ['Used', 'on'] : Date.parse(i.expires_at) <= now ? ['Expired', ''] : ['Pending', 'pending'];
      const tr = el('tr');
      tr.dataset.id = i.id;
      tr.append(td('Email', i.email), td('Role', i.role === 'admin' ? 'Admin' : 'Member'), td('Sent', fmt(i.created_at)),
        td('Expires', fmt(i.expires_at)), td('State', el('span', { class: 'badge ' + state[1], text: state[0] })));
      return tr;
    }));
    $('#invitations-table').hidden = invitations.length === 0;
    $('#no-invitations').hidden = invitations.length > 0;
  };

  const wire = () => {
    const f = params;
    q.value = f.get('q') || '';
    fStatus.value = f.get('status') || '';
    $('#filter-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      offset = 0;
      const s = filters().toString();
      history.replaceState(null, '', location.pathname + (s ? '?' + s : ''));
      showList();
    });
    for (const s of [fStatus, fGroup]) s.addEventListener('change', () => $('#filter-form').requestSubmit());
    $('#prev-page').addEventListener('click', () => { offset = Math.max(0, offset - limit); showList(); });
    $('#next-page').addEventListener('click', () => { offset += limit; showList(); });

    $('#panel-close').addEventListener('click', closeUser);
    panel.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') closeUser(); });
    $('#role-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const role = $('#u-role-select').value;
      if (role === current.role) return userStatus.ok(current.email + ' is ' + (role === 'admin' ? 'an admin' : 'a member') + ' already.');
      busy($('#role-form'), async () => {
        try {
          await adminAPI('PATCH', '/users/' + encodeURIComponent(current.id), { role });
          if (current.id === me.user.id && role !== 'admin') { go('/account'); return; }
          await changed(current.email + ' is now ' + (role === 'admin' ? 'an admin.' : 'a member.'));
        } catch (x) {
          $('#u-role-select').value = current.role;
          userStatus.fail(x.code === 'last_admin'
            ? current.email + ' is the organisation\'s only administrator, so they stay one: promote someone else first.'
            : x.message);
        }
      });
    });
    $('#exempt-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const reason = $('#exempt-reason');
      clearError($('#user-error'), reason);
      const v = reason.value.trim();
      if (!v) return fieldError($('#user-error'), reason, 'Give a reason for the exemption (it goes to the audit log).');
      if (v.length > 200) return fieldError($('#user-error'), reason, 'A reason is at most 200 characters.');
      busy($('#exempt-form'), async () => {
        try {
          await adminAPI('PATCH', '/users/' + encodeURIComponent(current.id), { exempt: true, exempt_reason: v });
          await changed(current.email + ' is exempt from the MFA requirement.');
        } catch (x) { fieldError($('#user-error'), reason, x.message); }
      });
    });
    $('#clear-exempt').addEventListener('click', async () => {
      try {
        await adminAPI('PATCH', '/users/' + encodeURIComponent(current.id), { exempt: false });
        await changed(current.email + ' is no longer exempt: the requirement applies to them again.');
      } catch (x) { userStatus.fail(x.message); }
    });

    $('#reset-open').addEventListener('click', () => {
      $('#reset-title').textContent = 'Reset MFA of ' + current.email;
      $('#reset-text').textContent = 'This removes every authenticator, recovery code, push registration and trusted browser of ' + current.email +
        ' and signs them out everywhere. At their next sign-in they must set up an authenticator again. They get an email saying so.';
      resetReason.value = '';
      clearError(resetErr, resetReason);
      resetDlg.open(resetReason);
    });
    $('#reset-cancel').addEventListener('click', () => resetDlg.close());
    $('#reset-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      clearError(resetErr, resetReason);
      const v = resetReason.value.trim();
      if (!v) return fieldError(resetErr, resetReason, 'Give a reason: it goes to the audit log and to the user\'s email.');
      if (v.length > 200) return fieldError(resetErr, resetReason, 'A reason is at most 200 characters.');
      busy($('#reset-form'), async () => {
        try {
          await adminAPI('POST', '/users/' + encodeURIComponent(current.id) + '/mfa-reset', { reason: v });
          resetDlg.close();
          await changed('Reset MFA of ' + current.email + ': their authenticators, recovery codes and trusted browsers are gone, and they are signed out. They set up an authenticator at their next sign-in.');
        } catch (x) { fieldError(resetErr, x.code === 'reason_required' ? resetReason : null, x.message); }
      });
    });

    const inv = $('#invite-form'), invEmail = $('#invite-email'), invErr = $('#invite-error');
    inv.addEventListener('submit', (ev) => {
      ev.preventDefault();
      clearError(invErr, invEmail);
      const e = invEmail.value.trim();
      const bad = emailProblem(e, true);
      if (bad) return fieldError(invErr, invEmail, bad.replace('your email address', 'their email address'));
      busy(inv, async () => {
        try {
          const r = await adminAPI('POST', '/invitations', { email: e, role: $('#invite-role').value });
          invEmail.value = '';
          $('#invite-to').textContent = r.invitation.email;
          $('#invite-link').textContent = r.link;
          $('#invite-created').hidden = false;
          $('#copy-invite').onclick = () => copyText(r.link, feedback($('#invite-copy-status'), $('#invite-copy-error')));
          await load(renderInvitations);
        } catch (x) {
          fieldError(invErr, x.code === 'network' ? null : invEmail, x.message);
        }
      });
    });
  };

  return adminPage(wire, async () => {
    ({ groups } = await adminAPI('GET', '/groups'));
    const want = fGroup.value || params.get('group') || '';
    fGroup.replaceChildren(el('option', { value: '', text: 'Any' }), ...groups.map((g) => el('option', { value: g.id, text: g.name })));
    fGroup.value = groups.some((g) => g.id === want) ? want : '';
    await renderUsers();
    await renderInvitations();
  });
};

// Groups (/admin/groups).

pages['admin-groups'] = () => {
  let groups = [];
  let open = null; // the group whose members are shown
  let doomed = null; // the group the delete dialog is about
  const status = feedback($('#groups-status'), $('#groups-error'));
  const membersStatus = feedback($('#members-status'), $('#member-error'));

  const render = async () => {
    ({ groups } = await adminAPI('GET', '/groups'));
    $('#groups').replaceChildren(...groups.map((g) => {
      const tr = el('tr');
      tr.dataset.id = g.id;
      const req = el('input', { type: 'checkbox', class: 'required-toggle' });
      req.checked = g.require_mfa;
      req.setAttribute('aria-label', 'Require two-factor sign-in of ' + g.name);
      req.addEventListener('change', async () => {
        try {
          await adminAPI('PATCH', '/groups/' + encodeURIComponent(g.id), { require_mfa: req.checked });
          status.ok(g.name + (req.checked ? ' is marked required.' : ' is no longer marked required.'));
          await load(render);
        } catch (x) {
          req.checked = !req.checked;
          status.fail(x.message);
        }
      });
      const act = td('', button('Members', 'show-members', 'Members of ' + g.name, (ev) => openMembers(g, ev.currentTarget)),
        button('Delete', 'danger-ghost delete-group', 'Delete ' + g.name, () => {
          doomed = g;
          $('#delete-title').textContent = 'Delete the group ' + g.name;
          $('#delete-text').textContent = 'Its ' + plural(g.members, 'member stays', 'members stay') + ' in the organisation; only the group goes. ' +
            (g.require_mfa ? 'The group is marked required: the requirement no longer covers its members through it.' : '');
          deleteDlg.open($('#delete-cancel'));
        }));
      act.className = 'right';
      const label = el('label', { class: 'inline-check' }, req, ' Required');
      tr.append(td('Group', g.name), td('Members', String(g.members)), td('Required', label), act);
      return tr;
    }));
    $('#groups-table').hidden = groups.length === 0;
    $('#no-groups').hidden = groups.length > 0;
  };

  let membersOpener = null;
  const renderMembers = async () => {
    const r = await adminAPI('GET', '/users?limit=500&group=' + encodeURIComponent(open.id));
    $('#members').replaceChildren(...r.users.map((u) => {
      const tr = el('tr');
      tr.dataset.id = u.id;
      const act = td('', button('Remove', 'danger-ghost remove-member', 'Remove ' + u.email + ' from ' + open.name, async () => {
        try {
          await adminAPI('DELETE', '/groups/' + encodeURIComponent(open.id) + '/members/' + encodeURIComponent(u.id));
          membersStatus.ok('Removed ' + u.email + ' from ' + open.name + '.');
          await load(renderMembers);
          await load(render);
        } catch (x) { membersStatus.fail(x.message); }
      }));
      act.className = 'right';
      tr.append(td('Member', u.email), statusCell(u), act);
      return tr;
    }));
    $('#members-table').hidden = r.users.length === 0;
    $('#no-members').hidden = r.users.length > 0;
  };
  const openMembers = async (g, opener) => {
    open = g;
    membersOpener = opener;
    membersStatus.clear();
    $('#members-title').textContent = 'Members of ' + g.name;
    await load(renderMembers);
    $('#members-panel').hidden = false;
    $('#members-title').focus();
  };
  const closeMembers = () => {
    $('#members-panel').hidden = true;
    open = null;
    if (membersOpener && membersOpener.isConnected) membersOpener.focus();
  };

  const deleteDlg = modal($('#delete-dialog'), () => { doomed = null; });

  const wire = () => {
    const form = $('#group-form'), name = $('#group-name'), err = $('#group-error');
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      clearError(err, name);
      status.clear();
      const n = name.value.trim();
      if (!n) return fieldError(err, name, 'Give the group a name.');
      if ([...n].length > 64) return fieldError(err, name, 'A group name is at most 64 characters.');
      busy(form, async () => {
        try {
          const g = await adminAPI('POST', '/groups', { name: n });
          name.value = '';
          status.ok('Made the group ' + g.name + '. Add its members with Members.');
          await load(render);
        } catch (x) { fieldError(err, x.code === 'network' ? null : name, x.message); }
      });
    });
    $('#delete-cancel').addEventListener('click', () => deleteDlg.close());
    $('#delete-confirm').addEventListener('click', async () => {
      const g = doomed;
      if (!g) return;
      try {
        await adminAPI('DELETE', '/groups/' + encodeURIComponent(g.id));
        deleteDlg.close();
        if (open && open.id === g.id) closeMembers();
        status.ok('Deleted the group ' + g.name + '.');
        await load(render);
      } catch (x) { showError($('#delete-error'), x.message); }
    });
    const mForm = $('#member-form'), mEmail = $('#member-email');
    mForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      clearError($('#member-error'), mEmail);
      membersStatus.clear();
      const e = mEmail.value.trim();
      if (!e) return fieldError($('#member-error'), mEmail, 'Enter the email address of a user of your organisation.');
      busy(mForm, async () => {
        try {
          const u = await findUser(e);
          if (!u) return fieldError($('#member-error'), mEmail, 'No user of your organisation has this email address.');
          await adminAPI('PUT', '/groups/' + encodeURIComponent(open.id) + '/members/' + encodeURIComponent(u.id));
          mEmail.value = '';
          membersStatus.ok('Added ' + u.email + ' to ' + open.name + '.');
          await load(renderMembers);
          await load(render);
        } catch (x) { fieldError($('#member-error'), x.code === 'network' ? null : mEmail, x.message); }
      });
    });
    $('#members-close').addEventListener('click', closeMembers);
    $('#members-panel').addEventListener('keydown', (ev) => { if (ev.key === 'Escape') closeMembers(); });
  };

  return adminPage(wire, render);
};

// Audit log (/admin/audit).

pages['admin-audit'] = () => {
  const limit = 25;
  let cursors = [0]; // the "before" of each page shown so far (0: the newest)
  let filter = new URLSearchParams();
  const user = $('#a-user'), type = $('#a-type'), since = $('#a-since'), until = $('#a-until');
  const err = $('#audit-error');

  const row = (e) => {
    const tr = el('tr');
    tr.dataset.type = e.type;
    const what = el('span', { class: 'event-name', text: eventName(e.type), title: e.type });
    const cell = td('Event', what);
    if (e.detail) cell.append(el('span', { class: 'detail', text: e.detail }));
    tr.append(td('When', fmt(e.at)), cell, td('User', e.user_email || '—'), td('By', e.actor_email || '—'),
      td('From', e.client_addr || '—'), td('Browser', uaCell(e.user_agent)));
    return tr;
  };

  const render = async () => {
    const q = new URLSearchParams(filter);
    q.set('limit', String(limit));
    const before = cursors[cursors.length - 1];
    if (before) q.set('before', String(before));
    const r = await adminAPI('GET', '/audit-events?' + q);
    $('#audit').replaceChildren(...r.events.map(row));
    $('#no-events').hidden = r.events.length > 0;
    $('#audit-table').hidden = r.events.length === 0;
    $('#older-page').disabled = !r.next_before;
    $('#older-page').dataset.before = r.next_before || '';
    $('#newest-page').disabled = cursors.length === 1;
    const csv = new URLSearchParams(filter);
    csv.set('format', 'csv');
    $('#audit-csv').href = '/api/v1/admin/audit-events?' + csv;
  };

  const wire = () => {
    const types = Object.keys(eventNames).sort((a, b) => eventName(a).localeCompare(eventName(b)));
    type.append(...types.map((t) => el('option', { value: t, text: eventName(t) })));
    $('#audit-filter').addEventListener('submit', (ev) => {
      ev.preventDefault();
      clearError(err, user, since, until);
      busy($('#audit-filter'), async () => {
        const f = new URLSearchParams();
        const e = user.value.trim();
        try {
          if (e) {
            const u = await findUser(e);
            if (!u) return fieldError(err, user, 'No user of your organisation has this email address.');
            f.set('user', u.id);
          }
        } catch (x) { return fieldError(err, null, x.message); }
        if (type.value) f.set('type', type.value);
        for (const [input, key] of [[since, 'since'], [until, 'until']]) {
          if (!input.value) continue;
          const t = new Date(input.value);
          if (Number.isNaN(t.getTime())) return fieldError(err, input, 'Enter a date and time.');
          f.set(key, t.toISOString());
        }
        if (f.has('since') && f.has('until') && f.get('since') > f.get('until')) return fieldError(err, until, '"Until" is before "From".');
        filter = f;
        cursors = [0];
        await load(render);
      });
    });
    $('#older-page').addEventListener('click', () => {
      cursors.push(Number($('#older-page').dataset.before));
      load(render);
    });
    $('#newest-page').addEventListener('click', () => {
      cursors = [0];
      load(render);
    });
  };

  return adminPage(wire, render);
};

// Outbox (/admin/outbox).

pages['admin-outbox'] = () => {
  const render = async () => {
    const r = await adminAPI('GET', '/outbox');
    $('#no-smtp').hidden = r.smtp_configured;
    $('#smtp-on').hidden = !r.smtp_configured;
    $('#mails').replaceChildren(...r.mails.map((m) => {
      const state = m.sent_at ? 'Sent ' + fmt(m.sent_at) : m.error ? 'Not delivered: ' + m.error : r.smtp_configured ? 'Sending…' : 'Kept here, not sent';
      const li = el('li', { class: 'mail' + (m.error ? ' failed' : '') },
        el('h3', { text: m.subject }),
        el('p', { class: 'small muted', text: 'To ' + m.to + ' · ' + fmt(m.created_at) + ' · ' + state }),
        el('pre', { class: 'mail-body', text: m.body }));
      li.dataset.id = String(m.id);
      return li;
    }));
    $('#no-mail').hidden = r.mails.length > 0;
  };
  const wire = () => {
    $('#refresh-outbox').addEventListener('click', () => load(render));
  };
  return adminPage(wire, render);
};
