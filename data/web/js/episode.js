// One episode by numeric id or ref (GET /api/v1/episodes/ID). The page
// shows exactly the sections the server returned for this role and lists
// the ones it withheld; it never asks for or fills in what was left out.
// The server also limits which episodes a user sees at all (scope.h): the
// court liaison only those a court referred or ordered, a user with a
// site only that site's. A role without refs (the analyst) looks up by
// number only.

import { api, ApiError, may, query } from './api.js';
import { clear, DASH, el, int, message, table, date, daysBetween } from './dom.js';
import { t, tv } from './i18n.js';

export const name = 'episode';

let me = null;

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

export function start(who) {
  me = who;
  // Without identities there are no refs to look up (the server refuses).
  const byRef = may(who, 'read', 'identity');
  document.getElementById('ep-id-label').textContent = t(byRef ? 'ep.id_or_ref' : 'ep.id_only');
  document.getElementById('ep-id').setAttribute('inputmode', byRef ? 'text' : 'numeric');
  list(0);
}

// Opens one episode (a link from the dashboard or the queue).
export function open(id) {
  document.getElementById('ep-id').value = id;
  load(id);
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
    const openBtn = (x) => el('button', { type: 'button', class: 'link', 'data-id': x.episode_id,
      onclick: () => load(String(x.episode_id)), text: x.episode || x.pseudonym });
    const first = r.total ? r.offset + 1 : 0, last = r.offset + r.episodes.length;
    const court = me && me.court_only;
    out.append(table(t('ep.list_caption', { first: int(first), last: int(last), total: int(r.total), date: date(r.as_of) }), [
      { label: r.episodes.some((x) => x.pseudonym) ? t('col.pseudonym') : t('col.episode'), get: openBtn },
      { label: t('col.programme'), get: (x) => v(x.programme) },
      { label: t('col.site'), get: (x) => v(x.site) },
      { label: t('col.phase'), get: (x) => v(tv(x.phase)) },
      { label: t('col.status'), get: (x) => v(tv(x.status)) },
      { label: t('col.start'), get: (x) => date(x.start) },
      ...(court ? [{ label: t('col.order_expiry'), get: (x) => expiry(x.order_expiry) }] : []),
    ], r.episodes, { id: 'epl-table' }),
    court ? message('muted', t('ep.court_scope')) : null,
    el('div', { class: 'pager' },
      el('button', { type: 'button', id: 'epl-prev', disabled: r.offset === 0, onclick: () => list(Math.max(0, r.offset - PAGE)), text: t('common.previous') }),
      el('button', { type: 'button', id: 'epl-next', disabled: last >= r.total, onclick: () => list(r.offset + PAGE), text: t('common.next') })));
  } catch (e) {
    out.append(message('error', e instanceof ApiError ? e.human() : String(e)));
  }
}

// An order's expiry with how far off it is ("in 30 days", "expired").
function expiry(d) {
  if (!d) return DASH;
  const left = -daysBetween(d);
  return `${date(d)} (${left < 0 ? t('ep.expired') : t('ep.days_left', { n: int(left) })})`;
}

const v = (x) => (x === null || x === undefined || x === '' ? DASH : typeof x === 'boolean' ? (x ? t('common.yes') : t('common.no')) : String(x));

function dl(pairs) {
  return el('dl', { class: 'facts' }, pairs.filter(([, x]) => x !== undefined)
    .map(([k, x]) => [el('dt', { text: t(k) }), el('dd', { text: v(x) })]));
}

function section(key, title, ...body) {
  return el('section', { class: 'card', id: `ep-sec-${key}`, 'aria-labelledby': `ep-sec-${key}-h` },
    el('h3', { id: `ep-sec-${key}-h`, text: title }), ...body);
}

// The TOP fields of a review, in the forms' order.
const TOP = ['alcohol_days', 'opioid_days', 'crack_days', 'cocaine_days', 'amphetamine_days', 'cannabis_days',
  'synthetic_days', 'other_days', 'injecting_days', 'sharing', 'shoplifting_days', 'selling_days',
  'theft_days', 'assault_days', 'psych_health', 'phys_health', 'quality_of_life', 'work_days',
  'education_days', 'housing_acute', 'housing_risk'];

function scores(r) {
  const got = TOP.filter((k) => r[k] !== null && r[k] !== undefined);
  return got.length ? got.map((k) => `${t(`field.${k}`)} ${v(r[k])}`).join(', ') : DASH;
}

// TOP trends: each measure with a value in any review, across the reviews
// in date order, and the change from the first to the last (for days of
// use and crime, down is better; for the 0-20 ratings, up is better).
const TREND = [
  ['use_days', (r) => sum(r, ['alcohol_days', 'opioid_days', 'crack_days', 'cocaine_days', 'amphetamine_days', 'cannabis_days', 'synthetic_days', 'other_days']), -1],
  ['injecting_days', (r) => r.injecting_days, -1],
  ['crime_days', (r) => sum(r, ['shoplifting_days', 'selling_days', 'theft_days', 'assault_days']), -1],
  ['psych_health', (r) => r.psych_health, 1],
  ['phys_health', (r) => r.phys_health, 1],
  ['quality_of_life', (r) => r.quality_of_life, 1],
  ['work_days', (r) => r.work_days, 1],
];

function sum(r, keys) {
  const got = keys.filter((k) => r[k] !== null && r[k] !== undefined);
  return got.length ? got.reduce((a, k) => a + r[k], 0) : null;
}

function trends(reviews) {
  const rows = TREND.map(([key, get, good]) => ({ key, good, vals: reviews.map(get) }))
    .filter((x) => x.vals.some((y) => y !== null && y !== undefined));
  if (reviews.length < 2 || !rows.length) return message('muted', t('ep.trend_need_two'));
  return table(t('ep.trend_caption'), [
    { label: t('col.measure'), get: (x) => t(`trend.${x.key}`) },
    ...reviews.map((r, i) => ({ label: date(r.date), num: true, get: (x) => v(x.vals[i]) })),
    { label: t('col.change'), num: true, get: (x) => change(x) },
  ], rows, { id: 'top-trends' });
}

function change(x) {
  const vals = x.vals.filter((y) => y !== null && y !== undefined);
  if (vals.length < 2) return DASH;
  const d = vals[vals.length - 1] - vals[0];
  const better = d * x.good > 0, worse = d * x.good < 0;
  return el('span', { class: better ? 'better' : worse ? 'worse' : null },
    `${d > 0 ? '+' : ''}${int(d)} ${better ? t('trend.better') : worse ? t('trend.worse') : t('trend.same')}`);
}

// The court's summary of what it may see: attendance, tests, violations.
function compliance(e) {
  const att = e.attendance || [], tests = e.tests || [], viol = e.violations || [];
  const n = (arr, f) => arr.filter(f).length;
  return el('ul', { class: 'summary', id: 'ep-compliance-summary' },
    el('li', { text: t('ep.sum_reviews', { held: int(n(att, (a) => a.state === 'held')), missed: int(n(att, (a) => a.state === 'missed')), upcoming: int(n(att, (a) => a.state === 'upcoming')) }) }),
    e.tests ? el('li', { text: t('ep.sum_tests', { total: int(tests.length), negative: int(n(tests, (x) => x.result === 'negative')), positive: int(n(tests, (x) => x.result === 'positive')), missed: int(n(tests, (x) => x.result === 'missed')) }) }) : null,
    e.violations ? el('li', { text: t('ep.sum_violations', { confirmed: int(n(viol, (x) => x.adjudication === 'confirmed')), total: int(viol.length) }) }) : null,
    el('li', { text: t('ep.sum_order', { expiry: expiry(e.order_expiry) }) }));
}

// A member's dissent: a name, or {member, reason}.
const dissentText = (d) => (typeof d === 'string' ? d : [d.member, d.reason].filter(Boolean).join(': '));

function render(e) {
  const out = [];
  const head = [['ep.f.id', e.id], ['ep.f.ref', e.ref], ['col.programme', e.programme], ['col.site', e.site],
    ['ep.f.oblast', e.oblast], ['ep.f.regime', tv(e.regime)],
    ['col.status', tv(e.status)], ['ep.f.legal_basis', tv(e.legal_basis)], ['ep.f.referral', tv(e.referral_source)],
    ['ep.f.order', e.order_ref], ['col.order_expiry', e.order_expiry ? expiry(e.order_expiry) : null],
    ['col.start', e.start ? date(e.start) : null], ['ep.f.active', e.active ? date(e.active) : null],
    ['ep.f.substance', tv(e.substance)]];
  out.push(section('episode', t('ep.s.episode'), dl(head)));
  if (e.person)
    out.push(section('person', t('ep.s.person'), dl([['ep.f.ref', e.person.ref], ['col.pseudonym', e.person.pseudonym],
      ['ep.f.name', e.person.name], ['ep.f.national_id', e.person.national_id],
      ['ep.f.birth_date', e.person.birth_date ? date(e.person.birth_date) : undefined],
      ['ep.f.birth_year', e.person.birth_year], ['ep.f.sex', tv(e.person.sex)]])));
  if (e.court_only || (me && me.court_only && e.attendance))
    out.push(section('court', t('ep.s.court'), compliance(e)));
  if (e.phases)
    out.push(section('phases', t('ep.s.phases'), e.phases.length ? table(null, [
      { label: t('col.phase'), get: (p) => tv(p.phase) }, { label: t('col.start'), get: (p) => date(p.start) },
      { label: t('col.due'), get: (p) => date(p.due) }, { label: t('ep.f.end'), get: (p) => date(p.end) }], e.phases)
      : message('muted', e.status === 'pending_panel' ? t('ep.plan_waits') : t('ep.no_phases'))));
  if (e.attendance)
    out.push(section('attendance', t('ep.s.attendance'), e.attendance.length ? table(null, [
      { label: t('col.stage'), get: (a) => tv(a.stage) }, { label: t('col.due'), get: (a) => date(a.due) },
      { label: t('ep.f.window'), num: true, get: (a) => int(a.window_days) },
      { label: t('ep.f.state'), get: (a) => el('span', { class: `state ${a.state}`, 'data-state': a.state, text: a.state === 'held' ? t('ep.held_on', { date: date(a.held) }) : t(`state.${a.state || 'upcoming'}`) }) }],
    e.attendance, { id: 'ep-attendance' }) : message('muted', t('ep.no_reviews_due'))));
  if (e.reviews)
    out.push(section('reviews', t('ep.s.reviews'), e.reviews.length ? [table(null, [
      { label: t('col.date'), get: (r) => date(r.date) }, { label: t('ep.col.id'), num: true, get: (r) => r.id },
      { label: t('col.stage'), get: (r) => tv(r.stage) },
      { label: t('ep.f.scores'), get: scores },
      ...(e.reviews.some((r) => 'notes' in r) ? [{ label: t('field.notes'), get: (r) => v(r.notes) }] : [])], e.reviews),
    el('h4', { text: t('ep.trends') }), trends(e.reviews)]
      : message('muted', t('ep.no_review'))));
  if (e.tests)
    out.push(section('tests', t('ep.s.tests'), e.tests.length ? table(null, [
      { label: t('col.date'), get: (x) => date(x.date) }, { label: t('ep.col.id'), num: true, get: (x) => x.id },
      { label: t('field.analyte'), get: (x) => tv(x.analyte) },
      { label: t('field.result'), get: (x) => el('span', { class: `result ${x.result}`, text: tv(x.result) }) }], e.tests)
      : message('muted', t('ep.no_test'))));
  if (e.violations || 'legal_completion' in e)
    out.push(section('compliance', t('ep.s.compliance'), dl([['field.legal_completion', tv(e.legal_completion)]]),
      e.violations && e.violations.length ? table(null, [
        { label: t('col.date'), get: (x) => date(x.date) }, { label: t('field.kind'), get: (x) => tv(x.kind) },
        { label: t('field.adjudication'), get: (x) => tv(x.adjudication) }, { label: t('field.response'), get: (x) => v(x.response) }], e.violations)
        : message('muted', t('ep.no_violation'))));
  if (e.panel)
    out.push(section('panel', t('ep.s.panel'), e.panel.length ? table(null, [
      { label: t('col.date'), get: (p) => date(p.date) }, { label: t('field.decision'), get: (p) => v(tv(p.decision)) },
      { label: t('field.members'), get: (p) => (p.members || []).join(', ') || DASH },
      // A dissent is part of the decision: shown beside it, never hidden.
      { label: t('field.dissent'), get: (p) => (p.dissent && p.dissent.length ? el('span', { class: 'dissent', text: p.dissent.map(dissentText).join('; ') }) : t('ep.no_dissent')) },
      { label: t('col.programme'), get: (p) => v(p.programme) }, { label: t('field.reason'), get: (p) => v(p.reason) }], e.panel, { id: 'ep-panel' })
      : message('muted', t('ep.no_panel'))));
  if ('case' in e)
    out.push(section('case', t('ep.s.case'), dl([['ep.f.recommended', tv(e.recommended_disposition)]]),
      e.recommendation ? el('details', {}, el('summary', { text: t('ep.engine_json') }),
        el('pre', { text: JSON.stringify(e.recommendation, null, 2) })) : null));
  if (e.discharge)
    out.push(section('discharge', t('ep.s.discharge'), dl([['col.date', e.discharge.date ? date(e.discharge.date) : null], ['field.reason', tv(e.discharge.reason)]])));
  if (e.outcomes) {
    const o = e.outcomes;
    out.push(section('outcomes', t('ep.s.outcomes'), dl([
      ['ep.f.relapses', (o.relapses || []).map((r) => date(r.date || r)).join(', ')],
      ['ep.f.followups', (o.followups || []).map((f) => `${date(f.date)} ${tv(f.status)}`).join(', ')],
      ['ep.f.death', (o.death || []).map((d) => date(d.date || d)).join(', ')],
      ['ep.f.imprisonment', (o.imprisonment || []).map((i) => date(i.date || i.start || i)).join(', ')]])));
  }
  // Corrections without loss: the earlier value of every amended field,
  // with why, when and by whom; the sections above show the current one.
  if (e.amendments)
    out.push(section('history', t('ep.history'), e.amendments.length ? table(null, [
      { label: t('ep.col.date'), get: (a) => date(a.date) },
      { label: t('ep.col.record'), get: (a) => `${tv(a.record)} ${a.id}` },
      { label: t('ep.col.field'), get: (a) => a.field },
      { label: t('ep.col.before'), get: (a) => (a.before === null ? DASH : String(a.before)) },
      { label: t('ep.col.after'), get: (a) => (a.after === null ? DASH : String(a.after)) },
      { label: t('ep.col.reason'), get: (a) => a.reason },
      { label: t('ep.col.by'), get: (a) => v(a.by) }], e.amendments, { id: 'ep-history' })
      : message('muted', t('ep.history_none'))));
  if (e.consent)
    out.push(section('consent', t('ep.consent'), e.consent.length ? table(null, [
      { label: t('ep.col.date'), get: (c) => date(c.date) },
      { label: t('ep.col.scope'), get: (c) => t(`opt.${c.scope}`) },
      { label: t('ep.col.status'), get: (c) => t(`opt.${c.status}`) }], e.consent)
      : message('muted', t('ep.consent_none'))));
  const withheld = e.withheld || [];
  out.push(section('withheld', t('ep.s.withheld'), withheld.length
    ? el('ul', { id: 'ep-withheld' }, withheld.map((w) => el('li', { 'data-part': w, text: t(`part.${w}`) })))
    : message('muted', t('ep.nothing_withheld'))));
  return out;
}

async function load(id) {
  const out = clear(document.getElementById('ep-out'));
  out.append(el('p', { class: 'muted', text: t('common.loading') }));
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
