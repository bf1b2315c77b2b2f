// Caseload and report dashboard: caseload by phase, overdue reviews,
// completeness (programmes under the threshold marked), outcomes and
// flags, from GET /api/v1/reports/KIND. Each card is shown only when the
// role may read what its report needs (docs/registry.md, "Audit and
// roles"), and fails on its own: one refused report does not blank the rest.
// Every rate is shown with its numerator and denominator, and a rate on
// fewer than SMALL_N subjects is marked as a small group.

import { api, ApiError, may, query, token } from './api.js';
import { clear, dec, el, figure, int, message, pct, table, today, date, SMALL_N, ratio, episodeLink } from './dom.js';
import { t, tv } from './i18n.js';

export const name = 'dashboard';

const CARDS = [
  { kind: 'caseload', needs: 'aggregate', grouped: true, draw: caseload },
  { kind: 'overdue', needs: 'attendance', draw: overdue },
  { kind: 'completeness', needs: 'aggregate', draw: completeness },
  { kind: 'outcomes', needs: 'aggregate', grouped: true, draw: outcomes },
  { kind: 'flags', needs: 'episode', draw: flags },
];

let me = null;

export function allowed(who) {
  return CARDS.some((c) => may(who, 'read', c.needs));
}

export function setup() {
  document.getElementById('dash-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    load();
  });
}

export function start(who) {
  me = who;
  const d = document.getElementById('dash-asof');
  if (!d.value) d.value = today();
  load();
}

// The card's report as a spreadsheet (?format=csv|xlsx), fetched with the
// token (never put in a URL) and handed to the browser as a download.
async function download(c, format, params) {
  const res = await fetch(`/api/v1/reports/${c.kind}${query({ ...params, format })}`, {
    headers: { Authorization: `Bearer ${token()}` }, cache: 'no-store', credentials: 'omit',
  });
  if (!res.ok) return;
  const url = URL.createObjectURL(await res.blob());
  const a = el('a', { href: url, download: `${c.kind}-${params.as_of || 'today'}.${format}` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// A subject as the role may see it: the episode ref, or the pseudonym,
// as a link that opens the episode.
function subject(r) {
  return episodeLink(r.episode_id, r.episode || r.pseudonym || `#${r.episode_id}`);
}

async function load() {
  const asOf = document.getElementById('dash-asof').value;
  const by = document.getElementById('dash-by').value;
  const box = clear(document.getElementById('dash-cards'));
  const cards = CARDS.filter((c) => may(me, 'read', c.needs));
  const slots = cards.map((c) => {
    const body = el('div', { class: 'card-body', 'aria-busy': 'true' }, el('p', { class: 'muted', text: t('common.loading') }));
    box.append(el('section', { class: 'card', id: `card-${c.kind}`, 'aria-labelledby': `card-${c.kind}-h` },
      el('h3', { id: `card-${c.kind}-h`, text: t(`dash.card.${c.kind}`) }), body,
      el('div', { class: 'export' }, ['csv', 'xlsx'].map((f) => el('button', {
        type: 'button', class: 'secondary', id: `card-${c.kind}-${f}`,
        'aria-label': t('export.label', { card: t(`dash.card.${c.kind}`), format: t(`export.${f}`) }),
        text: t(`export.${f}`),
        onclick: () => download(c, f, { as_of: asOf, by: c.grouped ? by : '' }),
      })))));
    return body;
  });
  await Promise.all(cards.map(async (c, i) => {
    try {
      const rep = await api(`reports/${c.kind}${query({ as_of: asOf, by: c.grouped ? by : '' })}`);
      // Not every report echoes its grouping (outcomes does not).
      if (c.grouped && !rep.by) rep.by = by;
      clear(slots[i]).append(...[].concat(c.draw(rep)));
    } catch (e) {
      clear(slots[i]).append(message('error', e instanceof ApiError ? e.human() : String(e)));
    }
    slots[i].removeAttribute('aria-busy');
  }));
}

const groupLabel = (by) => (by === 'none' ? t('col.group') : t(`by.${by}`));

function caseload(r) {
  const rows = [];
  for (const g of r.groups)
    for (const [phase, n] of Object.entries(g.by_phase)) rows.push({ group: g.group, phase, n });
  return [
    figure(t('dash.open_episodes'), int(r.open), 'dash-open'),
    rows.length
      ? table(t('dash.caseload_caption', { date: date(r.as_of), by: groupLabel(r.by) }), [
        { label: groupLabel(r.by), get: (x) => x.group },
        { label: t('col.phase'), get: (x) => tv(x.phase) },
        { label: t('col.open'), num: true, get: (x) => int(x.n) },
      ], rows, { id: 'caseload-table' })
      : message('muted', t('dash.no_open')),
  ];
}

function overdue(r) {
  const shown = r.overdue.slice(0, 25);
  return [
    figure(t('dash.reviews_overdue'), int(r.count), 'dash-overdue'),
    shown.length
      ? table(r.count > shown.length ? t('dash.most_overdue', { shown: int(shown.length), count: int(r.count) }) : t('dash.card.overdue'), [
        { label: t('col.episode'), get: subject },
        { label: t('col.programme'), get: (x) => x.programme },
        { label: t('col.stage'), get: (x) => tv(x.stage) },
        { label: t('col.due'), get: (x) => date(x.due) },
        { label: t('col.days_overdue'), num: true, get: (x) => int(x.days_overdue) },
      ], [...shown].sort((a, b) => b.days_overdue - a.days_overdue), { id: 'overdue-table' })
      : message('muted', t('dash.none_overdue')),
  ];
}

function completeness(r) {
  const below = r.programmes.filter((p) => p.flag).length;
  return [
    figure(t('dash.due_held', { due: int(r.due) }), pct(r.completeness), 'dash-completeness'),
    table(t('dash.under_marked', { threshold: pct(r.threshold) }), [
      { label: t('col.programme'), get: (x) => x.programme },
      { label: t('col.due'), num: true, get: (x) => int(x.due) },
      { label: t('col.held'), num: true, get: (x) => int(x.held) },
      // The mark is a word as well as a colour, for screen readers and
      // colour-blind readers.
      { label: t('col.completeness'), num: true, get: (x) => (x.flag ? [el('span', { class: 'badge low', text: t('dash.below_target') }), ' ', ratio(x.held, x.due, x.completeness)] : ratio(x.held, x.due, x.completeness)) },
    ], r.programmes, { rowClass: (x) => (x.flag ? 'low' : null), id: 'completeness-table' }),
    message('muted', t('dash.below_count', { below: int(below), total: int(r.programmes.length) })),
  ];
}

function outcomes(r) {
  const small = r.groups.some((g) => g.episodes < SMALL_N);
  return [
    table(t('dash.outcomes_caption'), [
      { label: groupLabel(r.by), get: (g) => g.group },
      { label: t('col.episodes'), num: true, get: (g) => int(g.episodes) },
      { label: t('out.retained'), num: true, get: (g) => ratio(g.retention_12_weeks.retained, g.retention_12_weeks.n, g.retention_12_weeks.rate) },
      { label: t('out.completed'), num: true, get: (g) => ratio(g.successful_completion.successful, g.successful_completion.discharged, g.successful_completion.rate) },
      { label: t('out.represented'), num: true, get: (g) => ratio(g.re_presentation_6_months.re_presented, g.re_presentation_6_months.n, g.re_presentation_6_months.rate) },
      { label: t('out.abstinent'), num: true, get: (g) => ratio(g.six_month_review.abstinent, g.six_month_review.n, g.six_month_review.abstinent_rate) },
    ], r.groups, { id: 'outcomes-table' }),
    el('p', { class: small ? 'warn-text' : 'muted', id: 'outcomes-note', text: t('out.small_note', { n: SMALL_N }) }),
  ];
}

// A reason for a review in the reader's language, from its code and
// values (report_outcomes.c); the server's English sentence where the
// report has no code for it (an older server).
function finding(f) {
  return t(`dash.flag.${f.code}`, {
    stage: tv(f.stage), date: date(f.due || f.date), n: int(f.n), from: int(f.from), to: int(f.to),
    rating: f.rating ? t(`field.${f.rating}`) : '',
  });
}

function programmeReason(p) {
  if (!['relapse', 're_presentation'].includes(p.measure)) return p.reason;
  return t(`dash.flag.programme.${p.measure}`, { days: int(p.days), value: pct(p.value), others: pct(p.others), z: dec(p.z) });
}

function flags(r) {
  const out = [];
  out.push(figure(t('dash.flagged'), int(r.persons.length), 'dash-flags'));
  // The coded reasons by episode, in the order the server gives them.
  const coded = new Map();
  for (const f of r.findings || []) coded.set(f.episode_id, [...(coded.get(f.episode_id) || []), f]);
  if (r.persons.length)
    out.push(el('ul', { class: 'flags', id: 'flags-list' }, r.persons.map((p) => el('li', {},
      el('strong', {}, subject(p)), ': ',
      (coded.has(p.episode_id) ? coded.get(p.episode_id).map(finding) : p.reasons).join('; ')))));
  if (r.programmes.length)
    out.push(table(t('dash.programmes_flagged'), [
      { label: t('col.programme'), get: (p) => p.programme },
      { label: t('col.measure'), get: (p) => tv(p.measure) },
      { label: t('col.why'), get: programmeReason },
    ], r.programmes));
  out.push(message('muted', t('dash.checks_run', { checks: r.checked.map(tv).join(', ') })));
  return out;
}
