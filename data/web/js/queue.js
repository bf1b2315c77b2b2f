// The panel's queue: placements awaiting its decision
// (GET /api/v1/episodes?status=pending_panel), oldest referral first, with
// how long each has waited and the engine's recommendation, and a button
// that opens the panel-decision form for it. The plan and its review
// schedule start on the day the panel activates the placement (the
// server moves them), so a long wait costs no overdue reviews.

import { api, ApiError, may } from './api.js';
import { clear, el, int, message, table, date, daysBetween, episodeLink } from './dom.js';
import { t, tv } from './i18n.js';

export const name = 'queue';
// Shown afresh each time (app.js): a decision just taken leaves the queue.
export const fresh = true;

export function allowed(who) {
  return may(who, 'write', 'panel') && may(who, 'read', 'episode');
}

export function setup() {}

export async function start() {
  document.getElementById('queue-intro').textContent = t('queue.intro');
  const out = clear(document.getElementById('queue-out'));
  out.append(el('p', { class: 'muted', text: t('common.loading') }));
  try {
    const r = await api('episodes?status=pending_panel&limit=500');
    const rows = [...r.episodes].sort((a, b) => String(a.start).localeCompare(String(b.start)) || a.episode_id - b.episode_id);
    clear(out).append(figureLine(r.total), rows.length ? table(t('queue.caption'), [
      { label: t('col.episode'), get: (x) => episodeLink(x.episode_id, x.episode || x.pseudonym) },
      { label: t('col.programme'), get: (x) => x.programme },
      { label: t('col.site'), get: (x) => x.site || '–' },
      { label: t('ep.f.legal_basis'), get: (x) => tv(x.legal_basis) },
      { label: t('queue.referred'), get: (x) => date(x.start) },
      { label: t('queue.waiting'), num: true, get: (x) => int(daysBetween(x.start)) },
      { label: t('ep.f.recommended'), get: (x) => tv(x.recommended_disposition) || '–' },
      { label: t('queue.action'), get: (x) => el('button', { type: 'button', class: 'decide', 'data-ref': x.episode || '', onclick: () => decide(x), text: t('queue.decide') }) },
    ], rows, { id: 'queue-table' }) : message('muted', t('queue.empty')));
  } catch (e) {
    clear(out).append(message('error', e instanceof ApiError ? e.human() : String(e)));
  }
}

function figureLine(n) {
  return el('p', { class: 'figure' }, el('span', { class: 'figure-value', id: 'queue-count', text: int(n) }),
    el('span', { class: 'figure-label', text: t('queue.awaiting') }));
}

function decide(x) {
  window.dispatchEvent(new CustomEvent('pw-record', { detail: { type: 'panel', values: { episode: x.episode } } }));
}
