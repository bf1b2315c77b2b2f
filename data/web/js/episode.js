// One episode by numeric id or ref (GET /api/v1/episodes/ID). The page
// shows exactly the sections the server returned for this role and lists
// the ones it withheld; it never asks for or fills in what was left out.

import { api, ApiError, may, query } from './api.js';
import { clear, DASH, el, int, message, table } from './dom.js';
import { t } from './i18n.js';

export const name = 'episode';
export const label = 'Episodes';

export function allowed(who) {
  return may(who, 'read', 'episode');
}

export function setup() {
  document.getElementById('ep-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const id = document.getElementById('ep-id').value.trim();
    if (id) load(id);
  });
  document.getElementById('epl-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    list(0);
  });
}

export function start() {
  list(0);
}

// Rows per page of the list (the server allows up to 500).
const PAGE = 20;

// A page of GET /api/v1/episodes; each row opens its episode.
async function list(offset) {
  const out = clear(document.getElementById('epl-out'));
  const q = query({
    programme: document.getElementById('epl-programme').value.trim(),
    phase: document.getElementById('epl-phase').value.trim(),
    limit: String(PAGE),
    offset: offset ? String(offset) : '',
  });
  try {
    const r = await api(`episodes${q}`);
    const open = (x) => el('button', { type: 'button', class: 'link', 'data-id': x.episode_id,
      onclick: () => load(String(x.episode_id)), text: x.episode || x.pseudonym });
    const first = r.total ? r.offset + 1 : 0, last = r.offset + r.episodes.length;
    out.append(table(`Episodes ${int(first)}–${int(last)} of ${int(r.total)} (phase as of ${r.as_of})`, [
      { label: r.episodes.some((x) => x.pseudonym) ? 'pseudonym' : 'episode', get: open },
      { label: 'programme', get: (x) => v(x.programme) },
      { label: 'phase', get: (x) => v(x.phase) },
      { label: 'status', get: (x) => v(x.status) },
      { label: 'start', get: (x) => v(x.start) },
    ], r.episodes, { id: 'epl-table' }),
    el('div', { class: 'pager' },
      el('button', { type: 'button', id: 'epl-prev', disabled: r.offset === 0, onclick: () => list(Math.max(0, r.offset - PAGE)), text: 'Previous' }),
      el('button', { type: 'button', id: 'epl-next', disabled: last >= r.total, onclick: () => list(r.offset + PAGE), text: 'Next' })));
  } catch (e) {
    out.append(message('error', e instanceof ApiError ? e.human() : String(e)));
  }
}

// What each withheld part means, for the sentence under the record.
const PARTS = {
  identity: 'name and national ID', person: 'the person', case: 'the assessed case and the engine\'s recommendation',
  panel: 'panel decisions', attendance: 'attendance', reviews: 'review scores', notes: 'clinical notes',
  tests: 'drug tests', compliance: 'violations and legal completion', discharge: 'the clinical discharge',
  outcomes: 'relapses, follow-ups, death and imprisonment',
};

const v = (x) => (x === null || x === undefined || x === '' ? DASH : typeof x === 'boolean' ? (x ? 'yes' : 'no') : String(x));

function dl(pairs) {
  return el('dl', { class: 'facts' }, pairs.filter(([, x]) => x !== undefined)
    .map(([k, x]) => [el('dt', { text: k }), el('dd', { text: v(x) })]));
}

function section(key, title, ...body) {
  return el('section', { class: 'card', id: `ep-sec-${key}`, 'aria-labelledby': `ep-sec-${key}-h` },
    el('h3', { id: `ep-sec-${key}-h`, text: title }), ...body);
}

// The TOP fields of a review that carry a value, as "label value" pairs.
const TOP = [
  ['alcohol_days', 'alcohol days'], ['opioid_days', 'opioid days'], ['crack_days', 'crack days'],
  ['cocaine_days', 'cocaine days'], ['amphetamine_days', 'amphetamine days'], ['cannabis_days', 'cannabis days'],
  ['synthetic_days', 'synthetic days'], ['other_days', 'other drug days'], ['injecting_days', 'injecting days'],
  ['sharing', 'sharing'], ['shoplifting_days', 'shoplifting days'], ['selling_days', 'selling days'],
  ['theft_days', 'theft days'], ['assault_days', 'assault days'], ['psych_health', 'psychological health'],
  ['phys_health', 'physical health'], ['quality_of_life', 'quality of life'], ['work_days', 'work days'],
  ['education_days', 'education days'], ['housing_acute', 'acute housing problem'], ['housing_risk', 'housing at risk'],
];

function scores(r) {
  const got = TOP.filter(([k]) => r[k] !== null && r[k] !== undefined);
  return got.length ? got.map(([k, l]) => `${l} ${v(r[k])}`).join(', ') : DASH;
}

function render(e) {
  const out = [];
  const head = [['id', e.id], ['ref', e.ref], ['programme', e.programme], ['regime', e.regime],
    ['status', e.status], ['legal basis', e.legal_basis], ['referral', e.referral_source],
    ['order', e.order_ref], ['order expires', e.order_expiry], ['start', e.start], ['active since', e.active],
    ['substance', e.substance]];
  out.push(section('episode', 'Episode', dl(head)));
  if (e.person)
    out.push(section('person', 'Person', dl([['ref', e.person.ref], ['pseudonym', e.person.pseudonym],
      ['name', e.person.name], ['national ID', e.person.national_id], ['birth date', e.person.birth_date],
      ['sex', e.person.sex]])));
  if (e.phases)
    out.push(section('phases', 'Plan phases', e.phases.length ? table(null, [
      { label: 'phase', get: (p) => p.phase }, { label: 'start', get: (p) => v(p.start) },
      { label: 'due', get: (p) => v(p.due) }, { label: 'end', get: (p) => v(p.end) }], e.phases) : message('muted', 'No phases.')));
  if (e.attendance)
    out.push(section('attendance', 'Attendance', e.attendance.length ? table(null, [
      { label: 'stage', get: (a) => a.stage }, { label: 'due', get: (a) => a.due },
      { label: 'window ± days', num: true, get: (a) => int(a.window_days) },
      { label: 'held', get: (a) => (a.held ? a.held : 'not held') }], e.attendance) : message('muted', 'No review scheduled.')));
  if (e.reviews)
    out.push(section('reviews', 'Reviews (TOP)', e.reviews.length ? table(null, [
      { label: 'date', get: (r) => r.date }, { label: 'id', num: true, get: (r) => r.id },
      { label: 'stage', get: (r) => r.stage },
      { label: 'scores', get: scores },
      ...(e.reviews.some((r) => 'notes' in r) ? [{ label: 'notes', get: (r) => v(r.notes) }] : [])], e.reviews)
      : message('muted', 'No review recorded.')));
  if (e.tests)
    out.push(section('tests', 'Drug tests', e.tests.length ? table(null, [
      { label: 'date', get: (x) => x.date }, { label: 'id', num: true, get: (x) => x.id },
      { label: 'analyte', get: (x) => x.analyte },
      { label: 'result', get: (x) => el('span', { class: `result ${x.result}`, text: x.result }) }], e.tests)
      : message('muted', 'No test recorded.')));
  if (e.violations || 'legal_completion' in e)
    out.push(section('compliance', 'Compliance', dl([['legal completion', e.legal_completion]]),
      e.violations && e.violations.length ? table(null, [
        { label: 'date', get: (x) => x.date }, { label: 'kind', get: (x) => x.kind },
        { label: 'adjudication', get: (x) => x.adjudication }, { label: 'response', get: (x) => v(x.response) }], e.violations)
        : message('muted', 'No violation recorded.')));
  if (e.panel)
    out.push(section('panel', 'Panel decisions', e.panel.length ? table(null, [
      { label: 'date', get: (p) => v(p.date) }, { label: 'decision', get: (p) => v(p.decision) },
      { label: 'members', get: (p) => (p.members || []).join(', ') || DASH },
      { label: 'programme', get: (p) => v(p.programme) }, { label: 'reason', get: (p) => v(p.reason) }], e.panel)
      : message('muted', 'No panel decision.')));
  if ('case' in e)
    out.push(section('case', 'Case and recommendation', dl([['recommended disposition', e.recommended_disposition]]),
      e.recommendation ? el('details', {}, el('summary', { text: 'The engine\'s decision (JSON)' }),
        el('pre', { text: JSON.stringify(e.recommendation, null, 2) })) : null));
  if (e.discharge)
    out.push(section('discharge', 'Discharge', dl([['date', e.discharge.date], ['reason', e.discharge.reason]])));
  if (e.outcomes) {
    const o = e.outcomes;
    out.push(section('outcomes', 'Outcomes', dl([
      ['relapses', (o.relapses || []).map((r) => r.date || r).join(', ')],
      ['follow-ups', (o.followups || []).map((f) => `${f.date} ${f.status}`).join(', ')],
      ['death', (o.death || []).map((d) => d.date || d).join(', ')],
      ['imprisonment', (o.imprisonment || []).map((i) => i.date || i.start || i).join(', ')]])));
  }
  // Corrections without loss: the earlier value of every amended field,
  // with why, when and by whom; the sections above show the current one.
  if (e.amendments)
    out.push(section('history', t('ep.history'), e.amendments.length ? table(null, [
      { label: t('ep.col.date'), get: (a) => a.date },
      { label: t('ep.col.record'), get: (a) => `${a.record} ${a.id}` },
      { label: t('ep.col.field'), get: (a) => a.field },
      { label: t('ep.col.before'), get: (a) => (a.before === null ? DASH : String(a.before)) },
      { label: t('ep.col.after'), get: (a) => (a.after === null ? DASH : String(a.after)) },
      { label: t('ep.col.reason'), get: (a) => a.reason },
      { label: t('ep.col.by'), get: (a) => v(a.by) }], e.amendments, { id: 'ep-history' })
      : message('muted', t('ep.history_none'))));
  if (e.consent)
    out.push(section('consent', t('ep.consent'), e.consent.length ? table(null, [
      { label: t('ep.col.date'), get: (c) => c.date },
      { label: t('ep.col.scope'), get: (c) => t(`opt.${c.scope}`) },
      { label: t('ep.col.status'), get: (c) => t(`opt.${c.status}`) }], e.consent)
      : message('muted', t('ep.consent_none'))));
  const withheld = e.withheld || [];
  out.push(section('withheld', 'Withheld from your role', withheld.length
    ? el('ul', { id: 'ep-withheld' }, withheld.map((w) => el('li', { 'data-part': w, text: `${w}: ${PARTS[w] || w}` })))
    : message('muted', 'Nothing: your role may read every part of this record.')));
  return out;
}

async function load(id) {
  const out = clear(document.getElementById('ep-out'));
  out.append(el('p', { class: 'muted', text: 'Loading…' }));
  try {
    const e = await api(`episodes/${encodeURIComponent(id)}`);
    clear(out).append(el('div', { class: 'cards episode' }, render(e)));
    const h = document.getElementById('ep-sec-episode-h');
    h.tabIndex = -1;
    h.focus();
  } catch (e) {
    clear(out).append(message('error', e instanceof ApiError ? e.human() : String(e)));
  }
}
