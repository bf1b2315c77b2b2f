// The auditor's view: verify the hash chain (GET /api/v1/audit/verify)
// and read the log (GET /api/v1/audit, JSON Lines), newest first.

import { api, ApiError, jsonLines, may } from './api.js';
import { clear, el, int, message, table, datetime } from './dom.js';
import { t } from './i18n.js';

export const name = 'audit';

// Rows drawn at once; the filter searches all of them.
const SHOW = 500;
let entries = [];

export function allowed(who) {
  return may(who, 'read', 'audit');
}

export function setup() {
  document.getElementById('aud-verify').addEventListener('click', verify);
  document.getElementById('aud-load').addEventListener('click', list);
  document.getElementById('aud-filter').addEventListener('input', drawList);
}

export function start() {
  verify();
}

const human = (e) => (e instanceof ApiError ? e.human() : String(e));

async function verify() {
  const out = clear(document.getElementById('aud-verify-out'));
  try {
    const r = await api('audit/verify');
    out.append(r.ok
      ? message('ok', t('aud.intact', { n: int(r.entries) }))
      : message('error', t('aud.broken', { seq: int(r.first_bad), reason: r.reason })));
  } catch (e) {
    out.append(message('error', human(e)));
  }
}

async function list() {
  const out = clear(document.getElementById('aud-out'));
  try {
    entries = jsonLines(await api('audit')).reverse();
    drawList();
  } catch (e) {
    out.append(message('error', human(e)));
  }
}

function drawList() {
  const out = clear(document.getElementById('aud-out'));
  const q = document.getElementById('aud-filter').value.trim().toLowerCase();
  const hit = q ? entries.filter((e) => [e.user, e.role, e.action, e.object, e.detail].some((x) => x && String(x).toLowerCase().includes(q))) : entries;
  if (!entries.length) return;
  // Actions and objects are the log's own words (they are what a search
  // of the log matches), shown as stored.
  out.append(table(t('aud.caption', { shown: int(Math.min(hit.length, SHOW)), hit: int(hit.length), total: int(entries.length) }), [
    { label: t('aud.seq'), num: true, get: (e) => int(e.seq) },
    { label: t('aud.time'), get: (e) => el('time', { datetime: e.time, text: datetime(e.time) }) },
    { label: t('aud.user'), get: (e) => e.user },
    { label: t('aud.role'), get: (e) => e.role },
    { label: t('aud.action'), get: (e) => e.action },
    { label: t('aud.object'), get: (e) => e.object },
    { label: t('aud.detail'), get: (e) => e.detail || '' },
  ], hit.slice(0, SHOW), { id: 'audit-table', rowClass: (e) => (e.action === 'denied' || e.action === 'login_failed' ? 'warn' : null) }));
}
