// Forms to record a review, a drug test, a panel decision or a violation.
// Each POSTs one import record to /api/v1/records. The server checks
// everything and writes all or nothing; a 400 names the field, and the
// message is shown next to that field. The forms themselves are data
// (/forms.json): which record types exist, their fields and value lists.

import { api, ApiError, may } from './api.js';
import { clear, el, message, today } from './dom.js';
import { has, t } from './i18n.js';

export const name = 'record';

let forms = null;
let me = null;

export function allowed(who) {
  // Known before forms.json has loaded: the objects the forms write.
  return ['identity', 'episode', 'review', 'test', 'panel', 'compliance', 'discharge'].some((o) => may(who, 'write', o));
}

export function setup() {
  document.getElementById('rec-kind').addEventListener('change', draw);
}

export async function start(who) {
  me = who;
  const out = clear(document.getElementById('rec-out'));
  try {
    const res = await fetch('/forms.json', { cache: 'no-cache' });
    if (!res.ok) throw new Error(`forms.json: HTTP ${res.status}`);
    forms = await res.json();
  } catch (e) {
    out.append(message('error', t('rec.forms_failed', { reason: e.message })));
    return;
  }
  const sel = clear(document.getElementById('rec-kind'));
  for (const f of forms.records.filter((r) => may(me, 'write', r.needs)))
    sel.append(el('option', { value: f.type, text: formLabel(f) }));
  if (pending && forms.records.some((r) => r.type === pending.type)) sel.value = pending.type;
  draw();
}

function control(f) {
  const id = `rec-${f.name}`;
  const common = { id, name: f.name, required: f.required || null, 'aria-describedby': `rec-err-${f.name}` };
  switch (f.kind) {
    case 'select':
      return el('select', common, f.required ? null : el('option', { value: '', text: t('rec.not_given') }),
        f.options.map((o) => el('option', { value: o, text: optLabel(o) })));
    case 'bool':
      return el('select', common, el('option', { value: '', text: t('rec.not_asked') }),
        el('option', { value: 'true', text: t('common.yes') }), el('option', { value: 'false', text: t('common.no') }));
    case 'int':
      return el('input', { ...common, type: 'number', inputmode: 'numeric', step: 1, min: f.min, max: f.max });
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

function field(f) {
  return el('div', { class: `field kind-${f.kind}` },
    el('label', { for: `rec-${f.name}` }, fieldText(f), f.required ? el('span', { class: 'req', text: ` ${t('rec.required')}` }) : null),
    control(f),
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
      box.append(field(f));
    }
  }
  form.append(el('div', { class: 'actions' }, el('button', { type: 'submit', text: t('rec.save') })),
    el('p', { id: 'rec-done', class: 'ok', role: 'status' }));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submit(form, spec, fields);
  });
  out.append(form);
  applyPrefill();
}

// The record as the importer wants it: only the fields that were filled
// in, integers as numbers, yes/no as booleans, lists as arrays.
function collect(form, spec, fields) {
  const rec = { type: spec.type };
  for (const f of fields) {
    if (!f.name) continue;
    const raw = form.elements[f.name].value.trim();
    if (raw === '') continue;
    if (f.kind === 'int') rec[f.name] = Number(raw);
    else if (f.kind === 'bool') rec[f.name] = raw === 'true';
    else if (f.kind === 'list') rec[f.name] = raw.split(',').map((s) => s.trim()).filter(Boolean);
    else rec[f.name] = raw;
  }
  return rec;
}

function clearErrors(form) {
  for (const p of form.querySelectorAll('.field-error')) {
    p.hidden = true;
    p.textContent = '';
  }
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
  form.querySelector('#rec-error').hidden = true;
  form.querySelector('#rec-done').textContent = '';
}

async function submit(form, spec, fields) {
  clearErrors(form);
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    const res = await api('records', { method: 'POST', body: `${JSON.stringify(collect(form, spec, fields))}\n` });
    form.querySelector('#rec-done').textContent = t('rec.saved', { n: res.committed });
    // Keep the episode and date for the next record of the same person.
    for (const f of fields)
      if (f.name && f.name !== 'episode' && f.kind !== 'date' && !f.required) form.elements[f.name].value = '';
  } catch (e) {
    const msg = e instanceof ApiError ? e.human() : String(e);
    const top = form.querySelector('#rec-error');
    top.textContent = `${t('rec.nothing_saved')} ${msg}`;
    top.hidden = false;
    const input = e.field && form.elements[e.field];
    if (input) {
      const p = form.querySelector(`#rec-err-${e.field}`);
      p.textContent = e.reason();
      p.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  } finally {
    button.disabled = false;
  }
}

// Labels in the chosen language: the form's own key, then the field's,
// then forms.json's English label (a translator adds the key to the
// i18n files; the i18n test checks every form field has one).
function formLabel(spec) {
  return has(`form.${spec.type}`) ? t(`form.${spec.type}`) : spec.label;
}
function fieldText(f) {
  if (has(`form.${currentType()}.${f.name}`)) return t(`form.${currentType()}.${f.name}`);
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
