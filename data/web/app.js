// The registry's web front-end: sign-in, then the views the signed-in
// role can use. The server enforces every permission itself; this page
// only leaves out what the role's `read`/`write` lists (GET /api/v1/me,
// taken from the server's permission matrix) say it cannot use.

import { api, ApiError, clearToken, setToken, token } from './js/api.js';
import { clear, el } from './js/dom.js';
import { lang, preferred, setLang, t, tv } from './js/i18n.js';
import * as dashboard from './js/dashboard.js';
import * as survival from './js/survival.js';
import * as queue from './js/queue.js';
import * as episode from './js/episode.js';
import * as record from './js/record.js';
import * as audit from './js/audit.js';
import * as users from './js/users.js';

// Order of the navigation. Each view says from the role's permissions
// whether it has anything to offer.
const VIEWS = [queue, dashboard, survival, episode, record, audit, users];

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
  // A view that lists work waiting (the panel's queue) is fetched afresh
  // each time it is shown; the others once per sign-in.
  if (v && me && (!started.has(name) || v.fresh)) {
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
    setStatus(t('app.no_view'));
    return;
  }
  showView(v.name);
}

function buildNav() {
  const list = clear($('nav-list'));
  for (const v of VIEWS.filter((x) => x.allowed(me)))
    list.append(el('li', {}, el('a', { href: `#${v.name}`, 'data-view': v.name, text: t(`nav.${v.name}`) })));
  $('nav').hidden = false;
}

function signedIn(who) {
  me = who;
  started.clear();
  $('who-name').textContent = who.name;
  $('who-role').textContent = tv(who.role);
  // The user's scope as the server applies it (scope.h): a site, or the
  // court's episodes only.
  const scope = [who.site ? t('app.scope_site', { site: who.site }) : null,
    who.court_only ? t('app.scope_court') : null].filter(Boolean).join('; ');
  $('who-scope').textContent = scope ? ` · ${scope}` : '';
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
  for (const id of ['queue-out', 'dash-cards', 'surv-out', 'epl-out', 'ep-out', 'rec-out', 'aud-out', 'aud-verify-out', 'usr-out'])
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
    errp.textContent = t('signin.empty');
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
  $('signout').addEventListener('click', () => signOut(t('app.signed_out')));
  window.addEventListener('hashchange', route);
  // The queue's "decide": the panel-decision form for that episode.
  window.addEventListener('pw-record', (ev) => {
    record.prefill(ev.detail.type, ev.detail.values);
    if (location.hash !== '#record') history.pushState(null, '', '#record');
    route();
    record.applyPrefill();
  });
  // A link to an episode from another view (overdue, flags, the queue).
  window.addEventListener('pw-open-episode', (ev) => {
    if (location.hash !== '#episode') history.pushState(null, '', '#episode');
    route();
    episode.open(ev.detail);
  });
  window.addEventListener('pw-unauthorised', () => signOut(t('app.session_ended')));
  // The language: the one chosen before (localStorage), else the
  // browser's. A change redraws the open view in the new language.
  await setLang(preferred());
  $('lang').value = lang();
  $('lang').addEventListener('change', async () => {
    await setLang($('lang').value, true);
    if (me) {
      const keep = me;
      signedIn(keep);
    }
  });
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
