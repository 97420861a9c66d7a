// Small fetch wrapper: JSON in and out, the bearer token added, one silent refresh on 401,
// problem+json errors as exceptions with a readable message.
import { refresh, token } from './auth.js';

export class ApiError extends Error {
  constructor(problem, status) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function send(path, method, body, headers) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, credentials: 'same-origin' };
  const bearer = token();
  if (bearer) init.headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  return fetch(path, init);
}

export async function api(path, { method = 'GET', body, headers = {} } = {}) {
  let response = await send(path, method, body, headers);
  if (response.status === 401 && !path.startsWith('/api/v1/auth/') && await refresh()) {
    response = await send(path, method, body, headers);
  }
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) throw new ApiError(typeof data === 'object' ? data : { detail: String(data) }, response.status);
  return data;
}
