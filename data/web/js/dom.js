import { locale, t } from './i18n.js';

// DOM building and number and date formatting. Everything from the server
// goes into the page as text nodes (never as markup), so a record's text
// can never become script; the CSP would refuse inline script anyway.

export function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  append(e, kids);
  return e;
}

function append(e, kids) {
  for (const k of kids) {
    if (k === null || k === undefined || k === false) continue;
    if (Array.isArray(k)) append(e, k);
    else e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
}

const SVGNS = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs = {}, ...kids) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined) continue;
    if (k === 'text') e.textContent = v;
    else e.setAttribute(k, String(v));
  }
  for (const k of kids) if (k) e.append(k);
  return e;
}

export function clear(e) {
  e.replaceChildren();
  return e;
}

// Formatters in the chosen language's locale (i18n.js), made once per
// locale.
const fmts = new Map();
function fmt(kind) {
  const key = `${locale()}|${kind}`;
  if (!fmts.has(key)) {
    const opts = {
      int: { maximumFractionDigits: 0 },
      pct: { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 },
      dec: { minimumFractionDigits: 3, maximumFractionDigits: 3 },
      date: { dateStyle: 'medium', timeZone: 'UTC' },
      time: { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' },
    }[kind];
    fmts.set(key, kind === 'date' || kind === 'time' ? new Intl.DateTimeFormat(locale(), opts)
      : new Intl.NumberFormat(locale(), opts));
  }
  return fmts.get(key);
}

// Missing values are shown as a dash, never as 0.
export const DASH = '–';
export function int(n) {
  return n === null || n === undefined ? DASH : fmt('int').format(n);
}
export function pct(x) {
  return x === null || x === undefined ? DASH : fmt('pct').format(x);
}
export function dec(x) {
  return x === null || x === undefined ? DASH : fmt('dec').format(x);
}
// A server date (YYYY-MM-DD, a UTC day) in the chosen locale, e.g.
// "6 Dec 2026", "6 дек. 2026 г.": spelled-out months are not ambiguous
// across the sites' conventions the way 06/12 would be. Inputs stay ISO.
export function date(s) {
  if (!s) return DASH;
  const d = new Date(`${String(s).slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? String(s) : fmt('date').format(d);
}
// A server timestamp (ISO 8601, UTC) in the chosen locale.
export function datetime(s) {
  if (!s) return DASH;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? String(s) : fmt('time').format(d);
}
// Whole days from the day `s` (YYYY-MM-DD) to the day `to` (default today).
export function daysBetween(s, to) {
  const a = Date.parse(`${String(s).slice(0, 10)}T00:00:00Z`);
  const b = Date.parse(`${(to || today())}T00:00:00Z`);
  return Math.round((b - a) / 86400000);
}
// Today in UTC as YYYY-MM-DD (the server's days are UTC days).
export function today() {
  return new Date().toISOString().slice(0, 10);
}

// A table from column specs [{label, get(row), num?}] and rows; numeric
// columns are right-aligned. `rowClass(row)` may mark a row.
// The table sits in a box of its own that scrolls sideways on a narrow
// screen, so a wide table never widens the page.
export function table(caption, cols, rows, { rowClass, id } = {}) {
  return el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption || t('common.table') }, el('table', { class: 'data', id },
    caption ? el('caption', { text: caption }) : null,
    el('thead', {}, el('tr', {}, cols.map((c) => el('th', { scope: 'col', class: c.num ? 'num' : null, text: c.label })))),
    el('tbody', {}, rows.map((r) => el('tr', { class: rowClass ? rowClass(r) : null },
      cols.map((c, i) => el(i === 0 ? 'th' : 'td', { scope: i === 0 ? 'row' : null, class: c.num ? 'num' : null },
        c.get(r))))))));
}

// A labelled number as on a dashboard tile.
export function figure(label, value, id) {
  return el('div', { class: 'figure' }, el('span', { class: 'figure-value', id, text: value }),
    el('span', { class: 'figure-label', text: label }));
}

export function message(kind, text) {
  return el('p', { class: kind, role: kind === 'error' ? 'alert' : 'status', text });
}

// Below this many subjects a rate is marked as a small group: one person
// more or less moves it by 10 percentage points or more (our choice; the
// same threshold is stated on the page).
export const SMALL_N = 10;

// A rate with its numerator and denominator, "50.0% (3 / 6)", and a
// small-group mark when the denominator is under SMALL_N. `rate` is the
// server's; null (no denominator) shows as a dash.
export function ratio(num, den, rate) {
  const parts = [el('span', { class: 'rate', text: pct(rate) }), ' ',
    el('span', { class: 'frac', text: `(${int(num)} / ${int(den)})` })];
  if (den > 0 && den < SMALL_N)
    parts.push(' ', el('span', { class: 'small-group', title: t('out.small_title', { n: SMALL_N }), text: t('out.small') }));
  return parts;
}

// A link that opens episode `id` in the episode view (app.js listens).
export function episodeLink(id, text) {
  return el('a', {
    href: '#episode', class: 'ep-link', 'data-episode': id, text,
    onclick: (ev) => {
      ev.preventDefault();
      window.dispatchEvent(new CustomEvent('pw-open-episode', { detail: String(id) }));
    },
  });
}
