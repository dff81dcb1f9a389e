// The admin API client (docs/admin-api.yaml): JSON in and out, the session's
// CSRF token on every state-changing request, 401 -> signed out.

let csrfToken = '';
let onUnauthenticated = () => {};

export function setCsrfToken(token) {
  csrfToken = token || '';
}

export function whenUnauthenticated(callback) {
  onUnauthenticated = callback;
}

// An answer that was not 2xx: status, the error code and message, and the
// field errors of a 422 ({field, code, message}).
export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || fallbackMessage(status));
    this.status = status;
    this.code = error.code || '';
    this.errors = (body && Array.isArray(body.errors)) ? body.errors : [];
    this.body = body || {};
  }
}

function fallbackMessage(status) {
  if (status === 0) return 'サーバーに接続できません。ネットワークを確認して、もう一度お試しください。';
  return `エラーが発生しました (HTTP ${status})。しばらくしてから再度お試しください。`;
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, null);
  }
  let json = null;
  const text = await response.text();
  if (text) {
    try {
      json = JSON.parse(text);
    } catch (e) {
      json = null;
    }
  }
  if (response.status === 401) {
    onUnauthenticated();
    throw new ApiError(401, json);
  }
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

// A query string from the non-empty values of an object.
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
