// Caseload and report dashboard: caseload by phase, overdue reviews,
// completeness (programmes under the threshold marked), outcomes and
// flags, from GET /api/v1/reports/KIND. Each card is shown only when the
// role may read what its report needs (docs/registry.md, "Audit and
// roles"), and fails on its own: one refused report does not blank the rest.

import { api, ApiError, may, query, token } from './api.js';
import { t } from './i18n.js';
import { clear, el, figure, int, message, pct, table, today } from './dom.js';

export const name = 'dashboard';
export const label = 'Dashboard';

const CARDS = [
  { kind: 'caseload', title: 'Caseload by phase', needs: 'aggregate', grouped: true, draw: caseload },
  { kind: 'overdue', title: 'Overdue reviews', needs: 'attendance', draw: overdue },
  { kind: 'completeness', title: 'Review completeness', needs: 'aggregate', draw: completeness },
  { kind: 'outcomes', title: 'Outcomes', needs: 'aggregate', grouped: true, draw: outcomes },
  { kind: 'flags', title: 'Flags for plan review', needs: 'episode', draw: flags },
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

// A subject as the role may see it: the episode ref, or the pseudonym.
function subject(r) {
  return r.episode || r.pseudonym || `#${r.episode_id}`;
}

async function load() {
  const asOf = document.getElementById('dash-asof').value;
  const by = document.getElementById('dash-by').value;
  const box = clear(document.getElementById('dash-cards'));
  const cards = CARDS.filter((c) => may(me, 'read', c.needs));
  const slots = cards.map((c) => {
    const body = el('div', { class: 'card-body', 'aria-busy': 'true' }, el('p', { class: 'muted', text: 'Loading…' }));
    box.append(el('section', { class: 'card', id: `card-${c.kind}`, 'aria-labelledby': `card-${c.kind}-h` },
      el('h3', { id: `card-${c.kind}-h`, text: c.title }), body,
      el('div', { class: 'export' }, ['csv', 'xlsx'].map((f) => el('button', {
        type: 'button', class: 'secondary', id: `card-${c.kind}-${f}`,
        'aria-label': t('export.label', { card: c.title, format: t(`export.${f}`) }),
        text: t(`export.${f}`),
        onclick: () => download(c, f, { as_of: asOf, by: c.grouped ? by : '' }),
      })))));
    return body;
  });
  await Promise.all(cards.map(async (c, i) => {
    try {
      const rep = await api(`reports/${c.kind}${query({ as_of: asOf, by: c.grouped ? by : '' })}`);
      clear(slots[i]).append(...[].concat(c.draw(rep)));
    } catch (e) {
      clear(slots[i]).append(message('error', e instanceof ApiError ? e.human() : String(e)));
    }
    slots[i].removeAttribute('aria-busy');
  }));
}

function caseload(r) {
  const rows = [];
  for (const g of r.groups)
    for (const [phase, n] of Object.entries(g.by_phase)) rows.push({ group: g.group, phase, n });
  return [
    figure('open episodes', int(r.open), 'dash-open'),
    rows.length
      ? table(`Open episodes on ${r.as_of} by ${r.by} and phase`, [
        { label: r.by === 'none' ? 'group' : r.by, get: (x) => x.group },
        { label: 'phase', get: (x) => x.phase },
        { label: 'open', num: true, get: (x) => int(x.n) },
      ], rows, { id: 'caseload-table' })
      : message('muted', 'No open episodes.'),
  ];
}

function overdue(r) {
  const shown = r.overdue.slice(0, 25);
  return [
    figure('reviews overdue', int(r.count), 'dash-overdue'),
    shown.length
      ? table(r.count > shown.length ? `The ${shown.length} most overdue of ${int(r.count)}` : 'Overdue reviews', [
        { label: 'episode', get: subject },
        { label: 'programme', get: (x) => x.programme },
        { label: 'stage', get: (x) => x.stage },
        { label: 'due', get: (x) => x.due },
        { label: 'days overdue', num: true, get: (x) => int(x.days_overdue) },
      ], [...shown].sort((a, b) => b.days_overdue - a.days_overdue))
      : message('muted', 'No review is overdue.'),
  ];
}

function completeness(r) {
  const below = r.programmes.filter((p) => p.flag).length;
  return [
    figure(`of ${int(r.due)} due reviews held`, pct(r.completeness), 'dash-completeness'),
    table(`Programmes under ${pct(r.threshold)} are marked`, [
      { label: 'programme', get: (x) => x.programme },
      { label: 'due', num: true, get: (x) => int(x.due) },
      { label: 'held', num: true, get: (x) => int(x.held) },
      // The mark is a word as well as a colour, for screen readers and
      // colour-blind readers.
      { label: 'completeness', num: true, get: (x) => (x.flag ? [el('span', { class: 'badge low', text: 'below target' }), ' ', pct(x.completeness)] : pct(x.completeness)) },
    ], r.programmes, { rowClass: (x) => (x.flag ? 'low' : null), id: 'completeness-table' }),
    message('muted', `${int(below)} of ${int(r.programmes.length)} programmes below target.`),
  ];
}

function outcomes(r) {
  return table('Rates per group (definitions: docs/registry.md, outcomes)', [
    { label: 'group', get: (g) => g.group },
    { label: 'episodes', num: true, get: (g) => int(g.episodes) },
    { label: 'retained 12 weeks', num: true, get: (g) => pct(g.retention_12_weeks.rate) },
    { label: 'successful completion', num: true, get: (g) => pct(g.successful_completion.rate) },
    { label: 're-presented in 6 months', num: true, get: (g) => pct(g.re_presentation_6_months.rate) },
    { label: 'abstinent at 6 months', num: true, get: (g) => pct(g.six_month_review.abstinent_rate) },
  ], r.groups, { id: 'outcomes-table' });
}

function flags(r) {
  const out = [];
  out.push(figure('episodes flagged', int(r.persons.length), 'dash-flags'));
  if (r.persons.length)
    out.push(el('ul', { class: 'flags', id: 'flags-list' }, r.persons.map((p) => el('li', {},
      el('strong', { text: subject(p) }), ': ', p.reasons.join('; ')))));
  if (r.programmes.length)
    out.push(table('Programmes flagged', [
      { label: 'programme', get: (p) => p.programme },
      { label: 'measure', get: (p) => p.measure.replace('_', ' ') },
      { label: 'why', get: (p) => p.reason },
    ], r.programmes));
  out.push(message('muted', `Checks run for your role: ${r.checked.join(', ')}.`));
  return out;
}
