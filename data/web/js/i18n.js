// The page's languages: English, Russian and Kazakh (Cyrillic). Every
// string the page shows comes from a flat JSON file per language,
// /i18n/LANG.json (key -> string), which a translator edits without
// touching code; `{name}` in a string is replaced by params.name. Static
// markup names its key in data-i18n (text), data-i18n-placeholder or
// data-i18n-aria-label. The choice is remembered in localStorage (a
// preference, not a secret: the token stays in sessionStorage). Numbers
// and dates are formatted with Intl in the chosen language's locale.

export const LANGS = ['en', 'ru', 'kk'];
// Intl locales of the languages (Kazakh as used in Kazakhstan).
const LOCALE = { en: 'en-GB', ru: 'ru-RU', kk: 'kk-KZ' };
const KEY = 'pathways.lang';

let cur = 'en';
let dict = {};
let fallback = {};

async function fetchDict(lang) {
  const res = await fetch(`/i18n/${lang}.json`, { cache: 'no-cache' });
  if (!res.ok) throw new Error(`i18n/${lang}.json: HTTP ${res.status}`);
  return res.json();
}

// The language to start with: the one chosen before, else the browser's
// when it is one of ours, else English.
export function preferred() {
  const saved = localStorage.getItem(KEY);
  if (LANGS.includes(saved)) return saved;
  for (const l of navigator.languages || [navigator.language || '']) {
    const base = String(l).slice(0, 2).toLowerCase();
    if (LANGS.includes(base)) return base;
  }
  return 'en';
}

// Loads `lang` (and English, the fallback for a key a file lacks), makes
// it current, and remembers it when `remember` is set.
export async function setLang(lang, remember = false) {
  if (!LANGS.includes(lang)) lang = 'en';
  if (!Object.keys(fallback).length) fallback = await fetchDict('en');
  dict = lang === 'en' ? fallback : await fetchDict(lang);
  cur = lang;
  if (remember) localStorage.setItem(KEY, lang);
  document.documentElement.lang = lang;
  applyStatic(document);
}

export function lang() {
  return cur;
}

export function locale() {
  return LOCALE[cur];
}

// 1 if the key is in the current language or the fallback.
export function has(key) {
  return key in dict || key in fallback;
}

// The string of `key` with {name} replaced from params; the key itself
// when no file has it (the i18n test makes that a failure).
export function t(key, params) {
  let s = key in dict ? dict[key] : key in fallback ? fallback[key] : key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
  return s;
}

// A value from the server's vocabularies (a phase, a status, a legal
// basis, a role) in the current language: `val.VALUE`, else as sent
// with underscores as spaces.
export function tv(value) {
  if (value === null || value === undefined || value === '') return value;
  const k = `val.${value}`;
  return has(k) ? t(k) : String(value).replace(/_/g, ' ');
}

export function applyStatic(root) {
  for (const e of root.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of root.querySelectorAll('[data-i18n-placeholder]')) e.setAttribute('placeholder', t(e.dataset.i18nPlaceholder));
  for (const e of root.querySelectorAll('[data-i18n-aria-label]')) e.setAttribute('aria-label', t(e.dataset.i18nAriaLabel));
  if (root === document) document.title = t('app.title');
}
