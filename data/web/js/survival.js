// Relapse-free survival: the Kaplan-Meier curves of
// GET /api/v1/reports/relapse-survival with their 95% bands (log-log,
// Greenwood; docs/registry.md "relapse-survival"), drawn as inline SVG
// built here, with the numbers beside them as tables.

import { api, ApiError, may, query } from './api.js';
import { clear, dec, el, int, message, pct, svg, table, today } from './dom.js';

export const name = 'survival';
export const label = 'Relapse survival';

// Plot geometry in SVG user units (the SVG scales to its box).
const W = 720, H = 380, M = { l: 56, r: 16, t: 16, b: 48 };
// Colours come from CSS classes .series-0 .. .series-5 (no inline style).
const SERIES = 6;

export function allowed(who) {
  return may(who, 'read', 'aggregate');
}

export function setup() {
  document.getElementById('surv-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    load();
  });
}

export function start() {
  const d = document.getElementById('surv-asof');
  if (!d.value) d.value = today();
  load();
}

async function load() {
  const out = clear(document.getElementById('surv-out'));
  out.append(el('p', { class: 'muted', text: 'Loading…' }));
  try {
    const rep = await api(`reports/relapse-survival${query({
      as_of: document.getElementById('surv-asof').value,
      by: document.getElementById('surv-by').value,
    })}`);
    clear(out).append(...draw(rep));
  } catch (e) {
    clear(out).append(message('error', e instanceof ApiError ? e.human() : String(e)));
  }
}

// A round axis end at or above x (days): 30, 60, 90, 180, 365, then years.
function niceEnd(x) {
  for (const v of [30, 60, 90, 180, 365, 730, 1095, 1825, 3650]) if (x <= v) return v;
  return Math.ceil(x / 365) * 365;
}

function ticksX(end) {
  const step = end <= 60 ? 10 : end <= 90 ? 30 : end <= 365 ? (end === 365 ? 73 : 30) : 365;
  const t = [];
  for (let v = 0; v <= end + 1e-9; v += step) t.push(v);
  if (t[t.length - 1] !== end) t.push(end);
  return t;
}

// Step-function points of one curve from (0, 1) to the end of the axis.
// `pick` chooses survival, lo or hi.
function steps(curve, pick, end, x, y) {
  let s = 1;
  const pts = [[x(0), y(1)]];
  for (const p of curve) {
    pts.push([x(p.t_days), y(s)]);
    s = pick(p);
    pts.push([x(p.t_days), y(s)]);
  }
  pts.push([x(end), y(s)]);
  return pts;
}

const path = (pts) => pts.map((p, i) => `${i ? 'L' : 'M'}${p[0].toFixed(1)},${p[1].toFixed(1)}`).join('');

function plot(rep) {
  const groups = rep.groups;
  const last = Math.max(1, ...groups.flatMap((g) => g.curve.map((p) => p.t_days)));
  const end = niceEnd(last * 1.1);
  const x = (t) => M.l + (t / end) * (W - M.l - M.r);
  const y = (s) => M.t + (1 - s) * (H - M.t - M.b);

  const desc = groups.map((g) => `${g.group}: ${g.n} subjects, ${g.events} relapses, median ${g.median_days === null ? 'not reached' : `${g.median_days} days`}`).join('; ');
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'km', role: 'img', 'aria-labelledby': 'km-title km-desc', id: 'km-svg' },
    svg('title', { id: 'km-title', text: `Relapse-free survival by ${rep.by}, as of ${rep.as_of}` }),
    svg('desc', { id: 'km-desc', text: desc }));

  // Grid and axes.
  const grid = svg('g', { class: 'grid' });
  for (const s of [0, 0.25, 0.5, 0.75, 1]) {
    grid.append(svg('line', { x1: M.l, x2: W - M.r, y1: y(s), y2: y(s) }));
    grid.append(svg('text', { x: M.l - 8, y: y(s) + 4, 'text-anchor': 'end', text: pct(s).replace('.0', '') }));
  }
  for (const t of ticksX(end)) {
    grid.append(svg('line', { x1: x(t), x2: x(t), y1: M.t, y2: H - M.b, class: 'vgrid' }));
    grid.append(svg('text', { x: x(t), y: H - M.b + 18, 'text-anchor': 'middle', text: int(t) }));
  }
  grid.append(svg('text', { x: (M.l + W - M.r) / 2, y: H - 8, 'text-anchor': 'middle', class: 'axis-label', text: 'days since successful discharge' }));
  grid.append(svg('text', { x: 14, y: (M.t + H - M.b) / 2, 'text-anchor': 'middle', class: 'axis-label', transform: `rotate(-90 14 ${(M.t + H - M.b) / 2})`, text: 'relapse-free' }));
  root.append(grid);

  groups.forEach((g, k) => {
    const cls = `series-${k % SERIES}`;
    const hi = steps(g.curve, (p) => p.hi, end, x, y);
    const lo = steps(g.curve, (p) => p.lo, end, x, y);
    root.append(svg('path', { class: `band ${cls}`, d: `${path(hi)}L${lo.reverse().map((p) => `${p[0].toFixed(1)},${p[1].toFixed(1)}`).join('L')}Z`, 'data-group': g.group }));
    root.append(svg('path', { class: `curve ${cls}`, d: path(steps(g.curve, (p) => p.survival, end, x, y)), 'data-group': g.group }));
  });
  root.append(svg('rect', { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, class: 'frame' }));
  return root;
}

function draw(rep) {
  if (!rep.groups.length)
    return [message('muted', `No successful discharge on or before ${rep.as_of}: there is no curve to draw.`)];
  const legend = el('ul', { class: 'legend' }, rep.groups.map((g, k) => el('li', {},
    el('span', { class: `swatch series-${k % SERIES}`, 'aria-hidden': 'true' }), `${g.group} (n = ${int(g.n)})`)));
  const summary = table('Per group', [
    { label: rep.by, get: (g) => g.group },
    { label: 'subjects', num: true, get: (g) => int(g.n) },
    { label: 'relapses', num: true, get: (g) => int(g.events) },
    { label: 'median days', num: true, get: (g) => (g.median_days === null ? 'not reached' : int(g.median_days)) },
    { label: 'censored', num: true, get: (g) => int(g.censored) },
    { label: 'deaths', num: true, get: (g) => int(g.competing.death) },
    { label: 'imprisoned', num: true, get: (g) => int(g.competing.imprisonment) },
    ...['30', '90', '180', '365'].map((d) => ({ label: `at risk ${d} d`, num: true, get: (g) => int(g.n_risk_at[d]) })),
  ], rep.groups, { id: 'surv-summary' });
  const points = rep.groups.map((g) => el('details', {},
    el('summary', { text: `Curve points: ${g.group}` }),
    table(null, [
      { label: 'day', num: true, get: (p) => int(p.t_days) },
      { label: 'at risk', num: true, get: (p) => int(p.n_risk) },
      { label: 'relapses', num: true, get: (p) => int(p.events) },
      { label: 'relapse-free', num: true, get: (p) => dec(p.survival) },
      { label: '95% low', num: true, get: (p) => dec(p.lo) },
      { label: '95% high', num: true, get: (p) => dec(p.hi) },
    ], g.curve)));
  return [el('figure', { class: 'km-figure' }, plot(rep),
    el('figcaption', {}, 'Kaplan-Meier estimate with its 95% band (log-log). Death and imprisonment are censored. ', legend)),
  summary, ...points];
}
