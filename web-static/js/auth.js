// Signing in: the access token lives in this module's memory only (never localStorage, never a cookie);
// the refresh token lives in an HttpOnly, SameSite=Strict cookie scoped to /api/v1/auth that scripts
// cannot read. On load and whenever the API answers 401, one silent refresh through the cookie is tried.
let accessToken = null;
let user = null;
let refreshTimer = null;
let pending = null;
let missing = false;
const listeners = new Set();

/** True when the daemon has no accounts routes at all (an older build): there is nothing to sign in to. */
export function unavailable() { return missing; }

/** The current access token, or null when signed out. */
export function token() { return accessToken; }

/** The signed-in user (`GET /api/v1/me`), or null. */
export function currentUser() { return user; }

/** Calls `callback(user)` whenever the user signs in or out (null). */
export function onChange(callback) { listeners.add(callback); }

function notify() { for (const callback of listeners) callback(user); }

async function post(path, body) {
  return fetch(path, {
    method: 'POST', credentials: 'same-origin', cache: 'no-store',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function problem(response) {
  try { const data = await response.json(); return data.detail || data.title || `HTTP ${response.status}`; } catch { return `HTTP ${response.status}`; }
}

// Keeps the token, forgets the refresh token the body also carries (the cookie holds it), and
// schedules a refresh a minute before the access token expires.
function adopt(data) {
  accessToken = data.access_token;
  clearTimeout(refreshTimer);
  const lead = Math.max(10, (data.expires_in || 900) - 60) * 1000;
  refreshTimer = setTimeout(() => { refresh(); }, lead);
}

async function loadUser() {
  const response = await fetch('/api/v1/me', { headers: { Accept: 'application/json', Authorization: `Bearer ${accessToken}` }, cache: 'no-store' });
  if (!response.ok) throw new Error(await problem(response));
  user = await response.json();
}

function forget() {
  accessToken = null;
  clearTimeout(refreshTimer);
  const had = user !== null;
  user = null;
  if (had) notify();
}

/** Exchanges the cookie for a new access token; resolves true on success. Concurrent callers share one request. */
export function refresh() {
  if (!pending) {
    pending = (async () => {
      try {
        const response = await post('/api/v1/auth/refresh', {});
        missing = response.status === 404;
        if (!response.ok) { forget(); return false; }
        adopt(await response.json());
        if (!user) { await loadUser(); notify(); }
        return true;
      } catch {
        return false;
      }
    })().finally(() => { pending = null; });
  }
  return pending;
}

/** Signs in; throws an Error with the daemon's message when refused. */
export async function signIn(email, password) {
  const response = await post('/api/v1/auth/login', { email, password });
  if (!response.ok) throw new Error(await problem(response));
  adopt(await response.json());
  await loadUser();
  notify();
}

/** Ends the session on the daemon (the whole refresh family) and here. */
export async function signOut() {
  try { await post('/api/v1/auth/logout', {}); } finally { forget(); }
}

/** Whether the daemon has no user yet and offers first-admin setup. */
export async function setupNeeded() {
  const response = await fetch('/api/v1/setup', { headers: { Accept: 'application/json' }, cache: 'no-store' });
  if (!response.ok) return false;
  return (await response.json()).needed === true;
}

/** Creates the first admin with the token the daemon printed, then signs in as them. */
export async function completeSetup(setupToken, email, displayName, password) {
  const body = { setup_token: setupToken, email, password };
  if (displayName) body.display_name = displayName;
  const response = await post('/api/v1/setup', body);
  if (!response.ok) throw new Error(await problem(response));
  await signIn(email, password);
}
