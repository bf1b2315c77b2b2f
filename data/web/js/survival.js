// Relapse-free survival: the Kaplan-Meier curves of
// GET /api/v1/reports/relapse-survival with their 95% bands (log-log,
// Greenwood; docs/registry.md "relapse-survival"), censoring marks, and
// the cumulative incidence of relapse beside death and imprisonment
// (Aalen-Johansen), drawn as inline SVG built here, with the numbers
// beside them as tables. The time axis runs to the longest follow-up, so
// the censored tail is never cut off; a group with fewer than SMALL_N
// subjects is marked.

import { api, ApiError, may, query } from './api.js';
import { clear, dec, el, int, message, pct, svg, table, today, date, SMALL_N } from './dom.js';
import { t, tv } from './i18n.js';

export const name = 'survival';

// A group's name as people read it: the server's own words (a substance,
// a regime, "all" without grouping, "unknown") in the chosen language
// (val.NAME); programmes, sites and oblasts keep the registry's names.
function groupName(by, g) {
  return ['none', 'substance', 'regime'].includes(by) || g === 'unknown' ? tv(g) : g;
}

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
  out.append(el('p', { class: 'muted', text: t('common.loading') }));
  try {
    const rep = await api(`reports/relapse-survival${query({
      as_of: document.getElementById('surv-asof').value,
      by: document.getElementById('surv-by').value,
    })}`);
    clear(out).append(...draw(rep, out.clientWidth));
  } catch (e) {
    clear(out).append(message('error', e instanceof ApiError ? e.human() : String(e)));
  }
}

// A round axis end at or above x (days): 30, 60, 90, 180, 365, then years.
function niceEnd(x) {
  for (const v of [30, 60, 90, 180, 365, 730, 1095, 1825, 3650]) if (x <= v) return v;
  return Math.ceil(x / 365) * 365;
}

function ticksX(end, narrow) {
  let step = end <= 60 ? 10 : end <= 90 ? 30 : end <= 365 ? (end === 365 ? 73 : 30) : 365;
  // Fewer labels on a phone, so they do not run into each other.
  if (narrow && end / step > 6) step *= 2;
  const out = [];
  for (let v = 0; v <= end + 1e-9; v += step) out.push(v);
  if (out[out.length - 1] !== end) out.push(end);
  return out;
}

// Step-function points of one series from (0, y0) to the end of the axis.
// `pick` chooses the value after each point.
function steps(points, pick, y0, end, x, y) {
  let s = y0;
  const pts = [[x(0), y(y0)]];
  for (const p of points) {
    pts.push([x(p.t_days), y(s)]);
    s = pick(p);
    pts.push([x(p.t_days), y(s)]);
  }
  pts.push([x(end), y(s)]);
  return pts;
}

const path = (pts) => pts.map((p, i) => `${i ? 'L' : 'M'}${p[0].toFixed(1)},${p[1].toFixed(1)}`).join('');

// The survival at day t of a curve (right-continuous step function).
function survAt(curve, tday) {
  let s = 1;
  for (const p of curve) if (p.t_days <= tday) s = p.survival;
  return s;
}

// The geometry for a box `width` px wide: the SVG's user units are about
// pixels, so its 12-unit text stays about 12 px on a phone too.
function geometry(width) {
  const W = Math.max(320, Math.min(900, Math.round(width || 720)));
  const narrow = W < 560;
  return { W, H: narrow ? 300 : 380, M: { l: narrow ? 44 : 56, r: 14, t: 14, b: 46 }, narrow };
}

function frame(root, g, end, x, y, yTicks, yLabel) {
  const { W, H, M } = g;
  const grid = svg('g', { class: 'grid' });
  for (const s of yTicks) {
    grid.append(svg('line', { x1: M.l, x2: W - M.r, y1: y(s), y2: y(s) }));
    grid.append(svg('text', { x: M.l - 6, y: y(s) + 4, 'text-anchor': 'end', text: pct(s).replace(/[.,]0/, '') }));
  }
  for (const tk of ticksX(end, g.narrow)) {
    grid.append(svg('line', { x1: x(tk), x2: x(tk), y1: M.t, y2: H - M.b, class: 'vgrid' }));
    grid.append(svg('text', { x: x(tk), y: H - M.b + 17, 'text-anchor': 'middle', class: 'xtick', text: int(tk) }));
  }
  grid.append(svg('text', { x: (M.l + W - M.r) / 2, y: H - 8, 'text-anchor': 'middle', class: 'axis-label', text: t('surv.x_axis') }));
  grid.append(svg('text', { x: 12, y: (M.t + H - M.b) / 2, 'text-anchor': 'middle', class: 'axis-label', transform: `rotate(-90 12 ${(M.t + H - M.b) / 2})`, text: yLabel }));
  root.append(grid);
}

function axisEnd(groups) {
  // The longest follow-up of any group (the report's max_follow_up_days),
  // never only the last relapse: people followed past it are shown.
  const last = Math.max(1, ...groups.map((gr) => gr.max_follow_up_days || 0),
    ...groups.flatMap((gr) => gr.curve.map((p) => p.t_days)));
  return niceEnd(last);
}

function plot(rep, g) {
  const { W, H, M } = g;
  const groups = rep.groups;
  const end = axisEnd(groups);
  const x = (tday) => M.l + (tday / end) * (W - M.l - M.r);
  const y = (s) => M.t + (1 - s) * (H - M.t - M.b);

  const desc = groups.map((gr) => t('surv.desc', { group: groupName(rep.by, gr.group), n: gr.n, events: gr.events, censored: gr.censored,
    median: gr.median_days === null ? t('surv.not_reached') : t('surv.days', { n: int(gr.median_days) }) })).join('; ');
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, class: 'km', role: 'img', 'aria-labelledby': 'km-title km-desc', id: 'km-svg', 'data-axis-end': end },
    svg('title', { id: 'km-title', text: t('surv.svg_title', { by: t(`by.${rep.by}`), date: date(rep.as_of) }) }),
    svg('desc', { id: 'km-desc', text: desc }));
  frame(root, g, end, x, y, [0, 0.25, 0.5, 0.75, 1], t('surv.y_axis'));

  groups.forEach((gr, k) => {
    const cls = `series-${k % SERIES}`;
    const hi = steps(gr.curve, (p) => p.hi, 1, end, x, y);
    const lo = steps(gr.curve, (p) => p.lo, 1, end, x, y);
    // The step function runs to the group's own longest follow-up, not
    // past it (nothing is known beyond).
    const gEnd = Math.max(gr.max_follow_up_days || 0, ...gr.curve.map((p) => p.t_days));
    root.append(svg('path', { class: `band ${cls}`, d: `${path(hi)}L${lo.reverse().map((p) => `${p[0].toFixed(1)},${p[1].toFixed(1)}`).join('L')}Z`, 'data-group': gr.group }));
    root.append(svg('path', { class: `curve ${cls}`, d: path(steps(gr.curve, (p) => p.survival, 1, gEnd, x, y)), 'data-group': gr.group }));
    // Censoring marks: a short vertical tick on the curve at each day
    // someone left observation without a relapse (title: how many).
    const marks = svg('g', { class: `censor ${cls}`, 'data-group': gr.group });
    for (const c of gr.censor_marks || []) {
      const cx = x(c.t_days), cy = y(survAt(gr.curve, c.t_days));
      marks.append(svg('line', { x1: cx, x2: cx, y1: cy - 6, y2: cy + 6, class: 'censor-mark' },
        svg('title', { text: t('surv.censor_title', { n: c.n, day: int(c.t_days) }) })));
    }
    root.append(marks);
  });
  root.append(svg('rect', { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, class: 'frame' }));
  return root;
}

// The cumulative incidence of relapse (solid) with death and imprisonment
// (dashed, dotted), which 1 - KM over-states when they compete.
function plotCif(rep, g) {
  const { W, H, M } = g;
  const groups = rep.groups;
  const end = axisEnd(groups);
  const top = Math.min(1, Math.max(0.25, ...groups.flatMap((gr) => gr.cumulative_incidence.map((p) => p.relapse + p.death + p.imprisonment))));
  const yMax = Math.ceil(top * 4) / 4;
  const x = (tday) => M.l + (tday / end) * (W - M.l - M.r);
  const y = (s) => M.t + (1 - s / yMax) * (H - M.t - M.b);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, class: 'km', role: 'img', 'aria-labelledby': 'cif-title', id: 'cif-svg' },
    svg('title', { id: 'cif-title', text: t('surv.cif_title') }));
  const yt = [];
  for (let v = 0; v <= yMax + 1e-9; v += yMax / 4) yt.push(v);
  frame(root, g, end, x, y, yt, t('surv.cif_axis'));
  groups.forEach((gr, k) => {
    const cls = `series-${k % SERIES}`;
    const gEnd = Math.max(gr.max_follow_up_days || 0, ...gr.cumulative_incidence.map((p) => p.t_days));
    for (const cause of ['relapse', 'death', 'imprisonment'])
      root.append(svg('path', { class: `cif cif-${cause} ${cls}`, 'data-group': gr.group, 'data-cause': cause,
        d: path(steps(gr.cumulative_incidence, (p) => p[cause], 0, gEnd, x, y)) }));
  });
  root.append(svg('rect', { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, class: 'frame' }));
  return root;
}

function draw(rep, width) {
  if (!rep.groups.length)
    return [message('muted', t('surv.none', { date: date(rep.as_of) }))];
  const g = geometry(width);
  const small = rep.groups.filter((gr) => gr.n < SMALL_N);
  const legend = el('ul', { class: 'legend' }, rep.groups.map((gr, k) => el('li', {},
    el('span', { class: `swatch series-${k % SERIES}`, 'aria-hidden': 'true' }), t('surv.legend', { group: groupName(rep.by, gr.group), n: int(gr.n) }))));
  const summary = table(t('surv.per_group'), [
    { label: t(`by.${rep.by}`), get: (gr) => groupName(rep.by, gr.group) },
    { label: t('surv.subjects'), num: true, get: (gr) => int(gr.n) },
    { label: t('surv.relapses'), num: true, get: (gr) => int(gr.events) },
    { label: t('surv.median'), num: true, get: (gr) => (gr.median_days === null ? t('surv.not_reached') : int(gr.median_days)) },
    { label: t('surv.censored'), num: true, get: (gr) => int(gr.censored) },
    { label: t('surv.deaths'), num: true, get: (gr) => int(gr.competing.death) },
    { label: t('surv.imprisoned'), num: true, get: (gr) => int(gr.competing.imprisonment) },
    { label: t('surv.longest'), num: true, get: (gr) => int(gr.max_follow_up_days) },
    ...['30', '90', '180', '365'].map((d) => ({ label: t('surv.at_risk', { d }), num: true, get: (gr) => int(gr.n_risk_at[d]) })),
    { label: t('surv.note'), get: (gr) => (gr.n < SMALL_N ? el('span', { class: 'small-group', text: t('out.small') }) : '') },
  ], rep.groups, { id: 'surv-summary' });
  const points = rep.groups.map((gr) => el('details', {},
    el('summary', { text: t('surv.points', { group: groupName(rep.by, gr.group) }) }),
    table(null, [
      { label: t('surv.day'), num: true, get: (p) => int(p.t_days) },
      { label: t('surv.at_risk_now'), num: true, get: (p) => int(p.n_risk) },
      { label: t('surv.relapses'), num: true, get: (p) => int(p.events) },
      { label: t('surv.y_axis'), num: true, get: (p) => dec(p.survival) },
      { label: t('surv.low'), num: true, get: (p) => dec(p.lo) },
      { label: t('surv.high'), num: true, get: (p) => dec(p.hi) },
    ], gr.curve)));
  return [
    small.length ? el('p', { class: 'warn-text', id: 'surv-small', role: 'note', text: t('surv.small_warning', { n: SMALL_N, groups: small.map((gr) => `${groupName(rep.by, gr.group)} (n = ${int(gr.n)})`).join(', ') }) }) : null,
    el('figure', { class: 'km-figure' }, el('div', { class: 'plot-wrap' }, plot(rep, g)),
      el('figcaption', {}, t('surv.caption'), ' ', legend)),
    el('figure', { class: 'km-figure' }, el('div', { class: 'plot-wrap' }, plotCif(rep, g)),
      el('figcaption', {}, t('surv.cif_caption'))),
    summary, ...points].filter(Boolean);
}
