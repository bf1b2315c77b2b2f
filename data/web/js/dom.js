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

const intFmt = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
const pctFmt = new Intl.NumberFormat('en-GB', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const decFmt = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 3, maximumFractionDigits: 3 });

// Missing values are shown as a dash, never as 0.
export const DASH = '–';
export function int(n) {
  return n === null || n === undefined ? DASH : intFmt.format(n);
}
export function pct(x) {
  return x === null || x === undefined ? DASH : pctFmt.format(x);
}
export function dec(x) {
  return x === null || x === undefined ? DASH : decFmt.format(x);
}
export function date(s) {
  return s ? String(s).slice(0, 10) : DASH;
}
// Today in UTC as YYYY-MM-DD (the server's days are UTC days).
export function today() {
  return new Date().toISOString().slice(0, 10);
}

// A table from column specs [{label, get(row), num?}] and rows; numeric
// columns are right-aligned. `rowClass(row)` may mark a row.
export function table(caption, cols, rows, { rowClass, id } = {}) {
  return el('table', { class: 'data', id },
    caption ? el('caption', { text: caption }) : null,
    el('thead', {}, el('tr', {}, cols.map((c) => el('th', { scope: 'col', class: c.num ? 'num' : null, text: c.label })))),
    el('tbody', {}, rows.map((r) => el('tr', { class: rowClass ? rowClass(r) : null },
      cols.map((c, i) => el(i === 0 ? 'th' : 'td', { scope: i === 0 ? 'row' : null, class: c.num ? 'num' : null },
        c.get(r)))))));
}

// A labelled number as on a dashboard tile.
export function figure(label, value, id) {
  return el('div', { class: 'figure' }, el('span', { class: 'figure-value', id, text: value }),
    el('span', { class: 'figure-label', text: label }));
}

export function message(kind, text) {
  return el('p', { class: kind, role: kind === 'error' ? 'alert' : 'status', text });
}
