// Forms to record a person, an episode, a review, a drug test, a panel
// decision, a violation, a discharge, a consent or a correction. Each POSTs
// one import record to /api/v1/records. The forms themselves are data
// (/forms.json); value lists marked 'options_from: dictionary' come from
// GET /api/v1/dictionary, the very lists the server checks against.
//
// Safe entry: a required choice starts empty and must be chosen (a form
// that started on its first option saved "accept" or "negative" for a user
// who skipped it); numbers, dates and lists are checked here, with the
// field's label in the message, and nothing is sent until they pass; the
// server checks everything again and answers with a machine code that is
// shown in the user's language. After saving, the form shows what was
// stored (the server's canonical names, e.g. a substance alias).

import { api, ApiError, may } from './api.js';
import { clear, el, message, today } from './dom.js';
import { has, t } from './i18n.js';

export const name = 'record';

let forms = null;
let dict = null;
let me = null;

// What an amendment may correct: any of these objects.
const AMENDS = ['identity', 'episode', 'review', 'test', 'compliance', 'discharge', 'outcome'];

function mayWrite(who, rec) {
  if (rec.type === 'amendment') return AMENDS.some((o) => may(who, 'write', o));
  return may(who, 'write', rec.needs);
}

export function allowed(who) {
  // Known before forms.json has loaded: the objects the forms write.
  return ['identity', 'episode', 'review', 'test', 'panel', 'compliance', 'discharge'].some((o) => may(who, 'write', o));
}

export function setup() {
  document.getElementById('rec-kind').addEventListener('change', draw);
}

// A form's or a field's label in the chosen language (formLabel,
// fieldText below).
function labelOf(x) {
  return x.type && x.fields ? formLabel(x) : fieldText(x);
}

export async function start(who) {
  me = who;
  const out = clear(document.getElementById('rec-out'));
  try {
    const res = await fetch('/forms.json', { cache: 'no-cache' });
    if (!res.ok) throw new Error(`forms.json: HTTP ${res.status}`);
    forms = await res.json();
    dict = await api('dictionary');
  } catch (e) {
    out.append(message('error', t('rec.forms_failed', { reason: e.message })));
    return;
  }
  const sel = clear(document.getElementById('rec-kind'));
  for (const f of forms.records.filter((r) => mayWrite(me, r)))
    sel.append(el('option', { value: f.type, text: formLabel(f) }));
  if (pending && forms.records.some((r) => r.type === pending.type)) sel.value = pending.type;
  draw();
}

// The dictionary's entry of a field (type, min, max, allowed).
function dictField(type, field) {
  const r = dict && dict.records.find((x) => x.type === type);
  return r ? r.fields.find((x) => x.field === field) : null;
}

function optionsOf(type, f) {
  if (f.options_from === 'dictionary') {
    if (type === 'amendment' && f.name === 'record') {
      const d = dictField('amendment', 'record');
      return d ? d.allowed : [];
    }
    const d = dictField(type, f.name);
    return d && d.allowed ? d.allowed : [];
  }
  return f.options || [];
}

function control(type, f) {
  const id = `rec-${f.name}`;
  const common = { id, name: f.name, required: f.required || null, 'aria-describedby': `rec-err-${f.name}` };
  switch (f.kind) {
    case 'select': {
      // Always an empty first option: a required choice must be made.
      const first = el('option', { value: '', text: f.required ? t('rec.choose') : t('rec.not_given') });
      const opts = optionsOf(type, f).map((o) => el('option', {
        value: o,
        text: f.option_i18n && has(f.option_i18n + o) ? t(f.option_i18n + o) : optLabel(o),
      }));
      return el('select', common, first, opts);
    }
    case 'bool':
      return el('select', common, el('option', { value: '', text: t('rec.not_asked') }),
        el('option', { value: 'true', text: t('common.yes') }), el('option', { value: 'false', text: t('common.no') }));
    case 'int':
      return el('input', { ...common, type: 'text', inputmode: 'numeric', autocomplete: 'off' });
    case 'date':
      // ISO dates typed as text: a date picker shows the browser's
      // locale format (01/02/2026), which is ambiguous across the sites.
      return el('input', { ...common, type: 'text', inputmode: 'numeric', value: f.default === 'today' ? today() : null, placeholder: t('common.date_placeholder'), pattern: '[0-9]{4}-[0-9]{2}-[0-9]{2}', autocomplete: 'off' });
    case 'textarea':
      return el('textarea', { ...common, rows: 3 });
    default: {
      const input = el('input', { ...common, type: 'text', autocomplete: 'off', list: f.suggest ? `${id}-list` : null });
      return f.suggest ? [input, el('datalist', { id: `${id}-list` }, f.suggest.map((s) => el('option', { value: s })))] : input;
    }
  }
}

function field(type, f) {
  return el('div', { class: `field kind-${f.kind}` },
    el('label', { for: `rec-${f.name}` }, labelOf(f), f.required ? el('span', { class: 'req', text: ` ${t('rec.required')}` }) : null),
    control(type, f),
    f.hint ? el('p', { class: 'hint', text: t(f.hint) }) : null,
    el('p', { class: 'field-error', id: `rec-err-${f.name}`, hidden: true }));
}

function draw() {
  const out = clear(document.getElementById('rec-out'));
  const type = document.getElementById('rec-kind').value;
  const spec = forms && forms.records.find((r) => r.type === type);
  if (!spec) return;
  // Fields the role may not write (clinical notes for a case manager)
  // are left out rather than refused after typing.
  const fields = spec.fields.filter((f) => !f.needs || may(me, 'write', f.needs));
  const form = el('form', { id: 'rec-form', class: 'card record', novalidate: true, 'data-type': spec.type },
    el('p', { class: 'error', id: 'rec-error', role: 'alert', hidden: true }));
  let box = form;
  let legends = 0;
  for (const f of fields) {
    if (f.legend) {
      legends++;
      box = el('fieldset', {}, el('legend', { text: legendText(spec, legends, f.legend) }));
      form.append(box);
    } else {
      box.append(field(spec.type, f));
    }
  }
  form.append(el('div', { class: 'actions' }, el('button', { type: 'submit', text: `${t('rec.save')}: ${labelOf(spec).toLowerCase()}` })),
    el('div', { id: 'rec-done', class: 'ok', role: 'status' }));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submit(form, spec, fields);
  });
  out.append(form, sheetForm(spec));
  applyPrefill();
}

// A spreadsheet of this record type (its template from `pathways registry
// dictionary --template TYPE`), sent as text/csv: all or nothing, through
// the same checks; an error names the file's line and the column.
function sheetForm(spec) {
  const form = el('form', { id: 'csv-form', class: 'card record' },
    el('h3', { text: t('csv.title', { type: labelOf(spec) }) }),
    el('div', { class: 'field' }, el('label', { for: 'csv-file', text: t('csv.file') }),
      el('input', { id: 'csv-file', name: 'file', type: 'file', accept: '.csv,text/csv' })),
    el('div', { class: 'actions' }, el('button', { type: 'submit', text: t('csv.send') })),
    el('p', { id: 'csv-out', role: 'status' }));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const out = form.querySelector('#csv-out');
    const file = form.elements.file.files[0];
    if (!file) return;
    try {
      const res = await api(`records?type=${encodeURIComponent(spec.type)}`,
        { method: 'POST', body: await file.text(), type: 'text/csv' });
      out.className = 'ok';
      out.textContent = t('rec.saved', { n: res.committed }).replace(/:[^:]*$/, '.');
    } catch (e) {
      out.className = 'error';
      const where = e.line ? t('csv.where', { line: e.line, field: e.field || '' }) : '';
      out.textContent = `${t('rec.nothing_saved')} ${where} ${e.code && has(`err.${e.code}`) ? t(`err.${e.code}`, { label: e.field || '' }) : e.message}`;
    }
  });
  return form;
}

// YYYY-MM-DD that is a real calendar day.
function isDate(s) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

// Dates that may lie ahead by nature (as on the server).
const FUTURE_OK = ['order_expiry', 'end'];

// One field's value for the record, or an error {code, params}.
function parse(type, f, raw) {
  const lab = labelOf(f);
  if (raw === '') return f.required ? { error: 'required', params: { label: lab } } : { skip: true };
  const d = dictField(type, f.name) || {};
  switch (f.kind) {
    case 'int': {
      if (!/^-?\d+$/.test(raw)) return { error: 'not_integer', params: { label: lab } };
      const n = Number(raw);
      const lo = f.min ?? d.min, hi = f.max ?? d.max;
      if ((lo !== undefined && n < lo) || (hi !== undefined && n > hi))
        return { error: 'out_of_range', params: { label: lab, min: lo, max: hi } };
      return { value: n };
    }
    case 'date':
      if (!isDate(raw)) return { error: 'bad_date', params: { label: lab } };
      if (raw > today() && !FUTURE_OK.includes(f.name)) return { error: 'future_date', params: { label: lab } };
      return { value: raw };
    case 'bool':
      return { value: raw === 'true' };
    case 'select': {
      const opts = optionsOf(type, f);
      if (opts.length && !opts.includes(raw)) return { error: 'not_in_list', params: { label: lab } };
      return { value: raw };
    }
    case 'list':
      return { value: raw.split(',').map((s) => s.trim()).filter(Boolean) };
    default:
      return { value: raw };
  }
}

// An amendment's new value takes the type of the field it corrects.
function parseAmendValue(form, f, raw) {
  const rec = form.elements.record.value, fname = form.elements.field.value.trim();
  const d = dictField(rec, fname);
  if (!d || raw === '') return raw === '' ? { skip: true } : { value: raw };
  const g = { name: 'value', label: labelOf(f), i18n: f.i18n, min: d.min, max: d.max };
  if (d.type === 'integer') return parse(rec, { ...g, kind: 'int' }, raw);
  if (d.type === 'date') return parse(rec, { ...g, kind: 'date' }, raw);
  if (d.type === 'boolean') {
    if (!['true', 'false', 'yes', 'no'].includes(raw)) return { error: 'not_boolean', params: { label: g.label } };
    return { value: raw === 'true' || raw === 'yes' };
  }
  if (d.type === 'choice' && d.allowed && !d.allowed.includes(raw)) return { error: 'not_in_list', params: { label: g.label } };
  return { value: raw };
}

function showError(form, fname, text) {
  const input = form.elements[fname];
  const p = form.querySelector(`#rec-err-${fname}`);
  if (!input || !p) return false;
  p.textContent = text;
  p.hidden = false;
  input.setAttribute('aria-invalid', 'true');
  return true;
}

// The record as the importer wants it, or the errors of its fields.
function collect(form, spec, fields) {
  const rec = { type: spec.type };
  const errors = [];
  for (const f of fields) {
    if (!f.name) continue;
    const raw = form.elements[f.name].value.trim();
    const r = f.kind === 'amend_value' ? parseAmendValue(form, f, raw) : parse(spec.type, f, raw);
    if (r.error) errors.push({ field: f.name, text: t(`err.${r.error}`, r.params) });
    else if (!r.skip) rec[f.name] = r.value;
  }
  // An amendment's id is a number unless it is a person's or an episode's ref.
  if (spec.type === 'amendment' && /^\d+$/.test(rec.id || '')) rec.id = Number(rec.id);
  return { rec, errors };
}

function clearErrors(form) {
  for (const p of form.querySelectorAll('.field-error')) {
    p.hidden = true;
    p.textContent = '';
  }
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
  form.querySelector('#rec-error').hidden = true;
  clear(form.querySelector('#rec-done'));
}

// What the server stored, field by field (its canonical names).
function storedList(stored) {
  return el('dl', { class: 'stored', id: 'rec-stored' }, (stored || []).flatMap((r) =>
    Object.entries(r).filter(([k]) => k !== 'type').flatMap(([k, v]) => [
      el('dt', { text: k }), el('dd', { 'data-field': k, text: Array.isArray(v) ? v.join(', ') : String(v) })])));
}

async function submit(form, spec, fields) {
  clearErrors(form);
  const { rec, errors } = collect(form, spec, fields);
  const top = form.querySelector('#rec-error');
  if (errors.length) {
    for (const e of errors) showError(form, e.field, e.text);
    top.textContent = `${t('rec.fix_fields')} ${errors.map((e) => e.text).join(' ')}`;
    top.hidden = false;
    form.elements[errors[0].field].focus();
    return;
  }
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    const res = await api('records', { method: 'POST', body: `${JSON.stringify(rec)}\n` });
    const done = form.querySelector('#rec-done');
    done.append(el('p', { text: t('rec.saved', { n: res.committed }) }), storedList(res.stored));
    // Keep the episode and date for the next record of the same person.
    for (const f of fields)
      if (f.name && f.name !== 'episode' && f.kind !== 'date' && !f.required) form.elements[f.name].value = '';
  } catch (e) {
    let msg = e instanceof ApiError ? e.human() : String(e);
    const f = e.field && fields.find((x) => x.name === e.field);
    // The server's code, said in the user's language with the field's label.
    if (e.code && has(`err.${e.code}`)) msg = t(`err.${e.code}`, { ...(e.params || {}), label: f ? labelOf(f) : e.field || '' });
    top.textContent = `${t('rec.nothing_saved')} ${msg}`;
    top.hidden = false;
    if (f && showError(form, e.field, `${msg} (${e.message})`)) form.elements[e.field].focus();
  } finally {
    button.disabled = false;
  }
}

// Labels in the chosen language: the form's own key, then the field's,
// then forms.json's English label (a translator adds the key to the
// i18n files; the i18n test checks every form field has one).
// forms.json may name a key itself ('i18n').
function formLabel(spec) {
  if (spec.i18n && has(spec.i18n)) return t(spec.i18n);
  return has(`form.${spec.type}`) ? t(`form.${spec.type}`) : spec.label;
}
function fieldText(f) {
  if (has(`form.${currentType()}.${f.name}`)) return t(`form.${currentType()}.${f.name}`);
  if (f.i18n && has(f.i18n)) return t(f.i18n);
  return has(`field.${f.name}`) ? t(`field.${f.name}`) : f.label;
}
function legendText(spec, k, fallback) {
  return has(`form.${spec.type}.legend${k}`) ? t(`form.${spec.type}.legend${k}`) : fallback;
}
function optLabel(o) {
  return has(`val.${o}`) ? t(`val.${o}`) : o.replace(/_/g, ' ');
}
function currentType() {
  return document.getElementById('rec-kind').value;
}

// Values to put in a form when it is drawn next (the panel queue's
// "decide"): the record type and field values.
let pending = null;
export function prefill(type, values) {
  pending = { type, values };
}
export function applyPrefill() {
  const form = document.getElementById('rec-form');
  if (!pending || !form || form.dataset.type !== pending.type) {
    const sel = document.getElementById('rec-kind');
    if (pending && forms && sel.value !== pending.type && [...sel.options].some((o) => o.value === pending.type)) {
      sel.value = pending.type;
      draw();
    }
    return;
  }
  for (const [k, val] of Object.entries(pending.values))
    if (form.elements[k]) form.elements[k].value = val;
  pending = null;
}
