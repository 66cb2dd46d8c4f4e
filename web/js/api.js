// The API client: every request goes to this page's own origin (relative URLs, same-origin
// credentials), and writes carry the session's CSRF token.

import { ENDED_CODES } from './wipe.js';

let csrfToken = null;
let onUnauthorized = null;
let onEnded = null;
let answered = () => {};
const read = new Set();

/**
 * Called with every answer: `{fromCache, syncedAt}`, where `fromCache` says the service worker
 * answered with a kept copy (no network) made at `syncedAt` (see web/sw/worker.js).
 */
export function onAnswer(handler) {
  answered = handler;
}

/** The paths this page has read (GET), for the service worker to keep after the first visit. */
export const readSoFar = () => [...read];

function note(method, path, response) {
  if (method === 'GET') read.add(path);
  const fromCache = response.headers.get('x-antq-from-cache') === '1';
  if (fromCache || response.ok) answered({ fromCache, syncedAt: response.headers.get('x-antq-synced-at') });
}

/** Called when a signed-in page gets 401 (the session expired or was ended elsewhere). */
export function whenSignedOut(handler) {
  onUnauthorized = handler;
}

/**
 * Called with the code when any answer says an admin ended the session or disabled the user (or
 * it was signed out): the device must wipe what it keeps. Awaited before the request fails.
 */
export function whenSessionEnded(handler) {
  onEnded = handler;
}

/** A 401: a session ended on the server goes to the wipe; any other to `whenSignedOut`. */
async function unauthorized(path, data) {
  if (ENDED_CODES.has(data?.code) && onEnded) await onEnded(data.code);
  else if (onUnauthorized && !path.startsWith('/auth/')) onUnauthorized();
}

/** An error answered by the API, with its status and JSON `code`/`description`. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.description || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code;
    this.body = body;
  }
}

export function setCsrf(token) {
  csrfToken = token || null;
}

async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  note(method, path, response);
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (response.status === 401) await unauthorized(path, data);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const get = (path) => request('GET', path);

/**
 * A versioned write (`POST`/`PATCH`/`DELETE`): `{data, etag}`. `ifMatch` is the version read
 * (the server refuses a stale one with 412 and the current item); `type` a non-JSON body's
 * content type (the body is then sent as it is); `key` the write's `Idempotency-Key`.
 */
export async function send(method, path, body, { ifMatch, type, key } = {}) {
  const headers = { Accept: 'application/json' };
  if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  if (ifMatch) headers['If-Match'] = ifMatch;
  // The same key on a retry: the server answers what it answered first and writes nothing.
  if (key) headers['Idempotency-Key'] = `"${key}"`;
  if (body !== undefined) headers['Content-Type'] = type || 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined || type ? body : JSON.stringify(body),
  });
  note(method, path, response);
  const data = await response.json().catch(() => null);
  if (response.status === 401) await unauthorized('', data);
  if (!response.ok) throw new ApiError(response.status, data);
  return { data, etag: response.headers.get('ETag') };
}
export const post = (path, body) => request('POST', path, body);

/** `?a=1&b=2` from an object, leaving out empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

const cache = new Map();

/** GET with a cache per URL (the layers do not change while the page is open). */
export function getCached(path) {
  if (!cache.has(path)) {
    const pending = get(path).catch((error) => {
      cache.delete(path);
      throw error;
    });
    cache.set(path, pending);
  }
  return cache.get(path);
}

export function clearCache() {
  cache.clear();
}
