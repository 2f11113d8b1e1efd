// The API client: the caller's credential (a bearer token or an API key) on every request, kept
// in sessionStorage only (this tab, until it closes). Errors keep the API's {error, message,
// details} so the page can show the API's own message.
import { t } from './i18n.js';

const KEY = 'console.credential';
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
let onSignedOut = () => {};

export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : t('error.generic', { status }));
    this.status = status;
    this.error = (body && body.error) || `http_${status}`;
    this.details = (body && body.details) || {};
  }
}

export const credential = {
  get: () => sessionStorage.getItem(KEY),
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

export function whenSignedOut(callback) { onSignedOut = callback; }

function authHeaders(secret) {
  if (!secret) return {};
  return JWT_SHAPE.test(secret) ? { Authorization: `Bearer ${secret}` } : { 'X-API-Key': secret };
}

// A message for a refused credential that tells the user what to do.
export function signInMessage(err) {
  if (err.status !== 401) return err.message;
  const reason = err.details && err.details.reason;
  if (reason === 'expired') return t('error.expired');
  return t('error.invalid', { reason: reason || err.message });
}

// What a view shows for a failed call: a refused role is told so, anything else gets the API's text.
export function errorText(err) {
  return err.status === 403 ? t('error.not_permitted', { message: err.message }) : (err.message || String(err));
}

export async function api(path, { method = 'GET', body, params, secret } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  const headers = { Accept: 'application/json', ...authHeaders(secret ?? credential.get()) };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(url, { method, headers, cache: 'no-store',
                                  body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, { error: 'network', message: t('error.network') });
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!response.ok) {
    const err = new ApiError(response.status, data);
    if (response.status === 401 && secret === undefined) onSignedOut(signInMessage(err));
    throw err;
  }
  return data;
}
