// The admin's view: add a user (POST /api/v1/users). The new token is
// shown once, here, and nowhere else: the registry keeps only its hash.

import { api, ApiError, may } from './api.js';
import { clear, el, message } from './dom.js';
import { t, tv } from './i18n.js';

export const name = 'users';

export function allowed(who) {
  return may(who, 'write', 'user');
}

export function setup() {
  document.getElementById('usr-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    add();
  });
}

export async function start() {
  const sel = clear(document.getElementById('usr-role'));
  try {
    const res = await fetch('/forms.json', { cache: 'no-cache' });
    for (const r of (await res.json()).roles) sel.append(el('option', { value: r, text: tv(r) }));
  } catch (e) {
    document.getElementById('usr-out').append(message('error', t('usr.roles_failed')));
  }
}

async function add() {
  const nameIn = document.getElementById('usr-name');
  const errp = document.getElementById('usr-error');
  const out = clear(document.getElementById('usr-out'));
  errp.hidden = true;
  nameIn.removeAttribute('aria-invalid');
  try {
    const site = document.getElementById('usr-site').value.trim();
    const u = await api('users', { method: 'POST', body: JSON.stringify({ name: nameIn.value.trim(), role: document.getElementById('usr-role').value, ...(site ? { site } : {}) }) });
    nameIn.value = '';
    const tok = el('input', { id: 'usr-token', type: 'text', readonly: true, value: u.token, 'aria-describedby': 'usr-token-help', spellcheck: 'false' });
    const copy = el('button', { type: 'button', text: t('usr.copy') });
    copy.addEventListener('click', async () => {
      tok.select();
      try {
        await navigator.clipboard.writeText(u.token);
        copy.textContent = t('usr.copied');
      } catch (e) {
        copy.textContent = t('usr.copy_by_hand');
      }
    });
    out.append(el('section', { class: 'card narrow', 'aria-labelledby': 'usr-new-h' },
      el('h3', { id: 'usr-new-h', text: t('usr.added', { name: u.name, role: tv(u.role), site: u.site || t('usr.all_sites') }) }),
      el('label', { for: 'usr-token', text: t('usr.their_token') }), el('div', { class: 'row' }, tok, copy),
      el('p', { id: 'usr-token-help', class: 'warn-text', text: t('usr.token_once') })));
    tok.focus();
    tok.select();
  } catch (e) {
    errp.textContent = e instanceof ApiError ? e.human() : String(e);
    errp.hidden = false;
    if (e.field === 'name') nameIn.setAttribute('aria-invalid', 'true');
  }
}
