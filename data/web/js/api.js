// The registry's JSON API as seen from the page: the token, requests and
// readable errors. The token lives in sessionStorage only (never in a URL,
// a cookie or localStorage), so it goes when the tab closes, and it is
// sent as an Authorization header, which no other site can make this
// browser attach.

import { has, t } from './i18n.js';

const KEY = 'pathways.token';
const BASE = '/api/v1/';

export function token() {
  return sessionStorage.getItem(KEY);
}

export function setToken(t) {
  sessionStorage.setItem(KEY, t);
}

export function clearToken() {
  sessionStorage.removeItem(KEY);
}

// An answer other than 2xx, with the server's own words and the field it
// names (400 answers say which field and which line of the body), and the
// stable `code` of the error when the server sends one: the page shows
// the code's sentence in the chosen language (i18n `err.CODE`), and the
// server's English words when it has no sentence for that code.
const GENERIC = ['forbidden', 'invalid', 'parse'];

export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super((body && body.error) || `HTTP ${status}`);
    this.status = status;
    this.field = (body && body.field) || null;
    // A stable machine code ("future_date", "not_in_list", ...) that the
    // page says in the user's language (i18n.js, err.CODE).
    this.code = (body && body.code) || null;
    this.line = (body && body.line) || null;
    this.params = (body && body.params) || {};
    this.retryAfter = retryAfter;
  }

  // The reason in the chosen language: by code when known, else as sent.
  // The generic codes (a refusal, a bad value, a parse error) have only a
  // placeholder sentence: the server's own words say more.
  reason() {
    if (this.code && !GENERIC.includes(this.code) && has(`err.${this.code}`))
      // {field} in the page's own sentences, {label} in the entry forms'.
      return t(`err.${this.code}`, { ...this.params, field: fieldLabel(this.field), label: fieldLabel(this.field) });
    return this.message;
  }

  // What a person should read: why, and what to do about it.
  human() {
    switch (this.status) {
      case 0:
        return t('err.unreachable');
      case 401:
        return t('err.401');
      case 403:
        return t('err.403', { reason: this.reason() });
      case 429:
        return this.retryAfter ? t('err.429_wait', { s: this.retryAfter }) : t('err.429');
      case 404:
        return t('err.404', { reason: this.reason() });
      case 400:
        return this.field ? t('err.400_field', { field: fieldLabel(this.field), reason: this.reason() }) : this.reason();
      case 409:
        return t('err.409', { reason: this.reason() });
      default:
        return t('err.other', { status: this.status, reason: this.reason() });
    }
  }
}

// A field's name as the forms label it (`field.NAME`), else as sent.
export function fieldLabel(name) {
  if (!name) return '';
  return has(`field.${name}`) ? t(`field.${name}`) : name;
}

// GET or POST `path` (under /api/v1/) with the session's token (or `tok`).
// Resolves to the parsed JSON, the text for JSON Lines and CSV, or throws
// ApiError. A 401 means the token is no good any more: the page listens
// for 'pw-unauthorised' and returns to the sign-in form.
export async function api(path, { method = 'GET', body, tok, type } = {}) {
  // The chosen language goes with every request, for a server that words
  // its messages by it; the page translates by `code` either way.
  const headers = { Accept: 'application/json', 'Accept-Language': document.documentElement.lang || 'en' };
  const t = tok || token();
  if (t) headers.Authorization = `Bearer ${t}`;
  if (body !== undefined) headers['Content-Type'] = type || 'application/x-ndjson';
  let res;
  try {
    res = await fetch(BASE + path, { method, headers, body, cache: 'no-store', credentials: 'omit' });
  } catch (e) {
    throw new ApiError(0, { error: 'the server cannot be reached', code: 'unreachable' });
  }
  // The answer's type (not the request body's `type` above).
  const ctype = res.headers.get('Content-Type') || '';
  const text = await res.text();
  let data = text;
  if (ctype.startsWith('application/json')) {
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new ApiError(res.status, { error: 'the answer is not valid JSON', code: 'bad_json' });
    }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, typeof data === 'object' ? data : null,
      res.headers.get('Retry-After'));
    if (res.status === 401 && !tok) window.dispatchEvent(new CustomEvent('pw-unauthorised'));
    throw err;
  }
  return data;
}

// JSON Lines text to an array of objects (the audit list).
export function jsonLines(text) {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}

// 1 if the signed-in role may `act` ('read' or 'write') objects `obj`
// (the names of the server's matrix: 'aggregate', 'review', ...).
export function may(me, act, obj) {
  return Array.isArray(me[act]) && me[act].includes(obj);
}

// The query string of a report: only the parameters that are set.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
