// The registry's JSON API as seen from the page: the token, requests and
// readable errors. The token lives in sessionStorage only (never in a URL,
// a cookie or localStorage), so it goes when the tab closes, and it is
// sent as an Authorization header, which no other site can make this
// browser attach.

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
// names (400 answers say which field and which line of the body).
export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super((body && body.error) || `HTTP ${status}`);
    this.status = status;
    this.field = (body && body.field) || null;
    // A stable machine code ("future_date", "not_in_list", ...) that the
    // page says in the user's language (i18n.js, err.CODE).
    this.code = (body && body.code) || null;
    this.line = (body && body.line) || null;
    this.retryAfter = retryAfter;
  }

  // What a person should read: why, and what to do about it.
  human() {
    switch (this.status) {
      case 401:
        return 'The token was not accepted. Check that you pasted all 64 characters, ' +
          'or ask the administrator for a new one.';
      case 403:
        return `Your role may not do this (${this.message}).`;
      case 429: {
        const wait = this.retryAfter ? ` Try again in ${this.retryAfter} s.` : ' Wait a moment and try again.';
        return 'Too many attempts from here.' + wait;
      }
      case 404:
        return `Not found (${this.message}).`;
      case 400:
        return this.field ? `Field “${this.field}”: ${this.message}` : this.message;
      case 409:
        return `Already exists (${this.message}).`;
      default:
        return `The server could not answer (${this.status}: ${this.message}).`;
    }
  }
}

// GET or POST `path` (under /api/v1/) with the session's token (or `tok`).
// Resolves to the parsed JSON, the text for JSON Lines and CSV, or throws
// ApiError. A 401 means the token is no good any more: the page listens
// for 'pw-unauthorised' and returns to the sign-in form.
export async function api(path, { method = 'GET', body, tok, type } = {}) {
  const headers = { Accept: 'application/json' };
  const t = tok || token();
  if (t) headers.Authorization = `Bearer ${t}`;
  if (body !== undefined) headers['Content-Type'] = type || 'application/x-ndjson';
  let res;
  try {
    res = await fetch(BASE + path, { method, headers, body, cache: 'no-store', credentials: 'omit' });
  } catch (e) {
    throw new ApiError(0, { error: 'the server cannot be reached' });
  }
  const type = res.headers.get('Content-Type') || '';
  const text = await res.text();
  let data = text;
  if (type.startsWith('application/json')) {
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new ApiError(res.status, { error: 'the answer is not valid JSON' });
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
