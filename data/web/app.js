// The registry's web front-end: sign-in, then the views the signed-in
// role can use. The server enforces every permission itself; this page
// only leaves out what the role's `read`/`write` lists (GET /api/v1/me,
// taken from the server's permission matrix) say it cannot use.

import { api, ApiError, clearToken, setToken, token } from './js/api.js';
import { clear, el } from './js/dom.js';
import * as dashboard from './js/dashboard.js';
import * as survival from './js/survival.js';
import * as episode from './js/episode.js';
import * as record from './js/record.js';
import * as audit from './js/audit.js';
import * as users from './js/users.js';

// Order of the navigation. Each view says from the role's permissions
// whether it has anything to offer.
const VIEWS = [dashboard, survival, episode, record, audit, users];

let me = null;
const started = new Set();

const $ = (id) => document.getElementById(id);

function setStatus(text) {
  $('status').textContent = text || '';
}

function showView(name) {
  for (const s of document.querySelectorAll('main > .view')) s.hidden = s.id !== `view-${name}`;
  for (const a of document.querySelectorAll('#nav-list a')) {
    if (a.dataset.view === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const v = VIEWS.find((x) => x.name === name);
  if (v && me && !started.has(name)) {
    started.add(name);
    v.start(me);
  }
  // Move focus to the view's heading so keyboard and screen-reader users
  // land where the new content is.
  const h = document.querySelector(`#view-${name} h2`);
  if (h) {
    h.tabIndex = -1;
    h.focus({ preventScroll: true });
  }
}

// The view named in the location's hash (only view names go there, never
// a token or a person's ref), or the role's first view.
function route() {
  if (!me) {
    showView('signin');
    return;
  }
  const want = location.hash.replace(/^#/, '');
  const allowed = VIEWS.filter((v) => v.allowed(me));
  const v = allowed.find((x) => x.name === want) || allowed[0];
  if (!v) {
    showView('signin');
    setStatus('Your role has no view in this application.');
    return;
  }
  showView(v.name);
}

function buildNav() {
  const list = clear($('nav-list'));
  for (const v of VIEWS.filter((x) => x.allowed(me)))
    list.append(el('li', {}, el('a', { href: `#${v.name}`, 'data-view': v.name, text: v.label })));
  $('nav').hidden = false;
}

function signedIn(who) {
  me = who;
  started.clear();
  $('who-name').textContent = who.name;
  $('who-role').textContent = who.role.replace('_', ' ');
  $('whoami').hidden = false;
  document.body.dataset.role = who.role;
  buildNav();
  route();
}

function signOut(msg) {
  clearToken();
  me = null;
  started.clear();
  $('whoami').hidden = true;
  $('nav').hidden = true;
  delete document.body.dataset.role;
  // Drop every view's content: nothing of the last user's records may
  // stay in the page for the next one.
  for (const id of ['dash-cards', 'surv-out', 'epl-out', 'ep-out', 'rec-out', 'aud-out', 'aud-verify-out', 'usr-out'])
    clear($(id));
  history.replaceState(null, '', location.pathname);
  setStatus(msg || '');
  route();
}

async function onSignIn(ev) {
  ev.preventDefault();
  const input = $('token');
  const errp = $('signin-error');
  const t = input.value.trim();
  errp.hidden = true;
  if (!t) {
    errp.textContent = 'Paste your token first.';
    errp.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  try {
    const who = await api('me', { tok: t });
    setToken(t);
    input.value = '';
    input.removeAttribute('aria-invalid');
    setStatus('');
    signedIn(who);
  } catch (e) {
    errp.textContent = e instanceof ApiError ? e.human() : String(e);
    errp.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }
}

async function init() {
  $('signin-form').addEventListener('submit', onSignIn);
  $('signout').addEventListener('click', () => signOut('Signed out.'));
  window.addEventListener('hashchange', route);
  window.addEventListener('pw-unauthorised', () => signOut('Your session has ended: sign in again.'));
  for (const v of VIEWS) v.setup();
  // A reload of the tab keeps the session: ask the server who we are.
  if (token()) {
    try {
      signedIn(await api('me'));
      return;
    } catch (e) {
      clearToken();
    }
  }
  route();
}

init();
