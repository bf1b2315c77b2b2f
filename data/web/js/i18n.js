// The translation layer: flat JSON files under /i18n/ (en.json, ru.json,
// kk.json: key -> string) that a translator edits without touching code.
// t(key, params) gives the string of the chosen language, else the English
// one, else the key itself (so a missing string shows, and the test that
// compares the three files catches it). {name} in a string is replaced by
// params.name. Elements with data-i18n="key" get their text from apply().

const KEY = 'pathways.lang';
export const LANGS = ['en', 'ru', 'kk'];

function chosen() {
  const stored = localStorage.getItem(KEY);
  if (LANGS.includes(stored)) return stored;
  const nav = (navigator.language || 'en').slice(0, 2).toLowerCase();
  return LANGS.includes(nav) ? nav : 'en';
}

async function load(lang) {
  try {
    const res = await fetch(`/i18n/${lang}.json`, { cache: 'no-cache' });
    return res.ok ? await res.json() : {};
  } catch (e) {
    return {};
  }
}

export const lang = chosen();
const en = await load('en');
const mine = lang === 'en' ? en : await load(lang);

export function has(key) {
  return key in mine || key in en;
}

export function t(key, params = {}) {
  const s = key in mine ? mine[key] : key in en ? en[key] : key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
}

export function setLang(l) {
  if (LANGS.includes(l)) localStorage.setItem(KEY, l);
}

// Text of every element with data-i18n under `root`.
export function apply(root = document) {
  for (const e of root.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
}
