// The admin shell: sign-in (or first-admin setup) first, then hash routing between sections,
// the status panel, the account box and the phone menu.
import { api } from './api.js';
import * as auth from './auth.js';
import { sections } from './sections.js';
import { el, errorText } from './ui.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const toggle = document.getElementById('menu-toggle');
const shell = document.getElementById('shell');
const authScreen = document.getElementById('auth-screen');
const account = document.getElementById('account');

toggle.addEventListener('click', () => {
  const open = nav.classList.toggle('open');
  toggle.setAttribute('aria-expanded', String(open));
});

document.getElementById('sign-out').addEventListener('click', () => { auth.signOut(); });

function currentSection() {
  const name = (location.hash.replace(/^#\/?/, '').split('/')[0]) || 'dashboard';
  return sections[name] ? name : 'dashboard';
}

async function render() {
  if (!auth.currentUser() && !auth.unavailable()) return;
  const name = currentSection();
  for (const link of nav.querySelectorAll('a[data-section]')) {
    if (link.dataset.section === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  nav.classList.remove('open');
  toggle.setAttribute('aria-expanded', 'false');
  document.title = `${sections[name].title} · Creator Studio`;
  main.replaceChildren();
  try {
    await sections[name].render(main);
  } catch (error) {
    main.append(el('p', { class: 'error' }, `Could not load ${sections[name].title}: ${error.message}`));
  }
  main.focus({ preventScroll: true });
}

async function refreshStatus() {
  const dot = document.getElementById('status-dot');
  const text = document.getElementById('status-text');
  try {
    const [health, version] = await Promise.all([api('/healthz'), api('/api/v1/version')]);
    dot.className = health.status === 'ok' ? 'dot ok' : 'dot bad';
    text.textContent = `v${version.version} · ${health.status === 'ok' ? 'healthy' : 'unhealthy'}`;
    text.dataset.version = version.version;
  } catch (error) {
    dot.className = 'dot bad';
    text.textContent = 'Daemon unreachable';
  }
}

// user is null only when the daemon has no accounts routes (nothing to sign in to).
function showShell(user) {
  authScreen.hidden = true;
  authScreen.replaceChildren();
  shell.hidden = false;
  account.hidden = !user;
  if (user) document.getElementById('user-name').textContent = `${user.display_name} (${user.role})`;
  for (const item of nav.querySelectorAll('li[data-admin]')) item.hidden = user ? user.role !== 'admin' : false;
  render();
}

// The sign-in form, or the first-admin form when the daemon has no user yet.
async function showAuth(message) {
  shell.hidden = true;
  account.hidden = true;
  main.replaceChildren();
  document.title = 'Sign in · Creator Studio';
  const setup = await auth.setupNeeded();
  const status = el('div', { id: 'auth-message', role: 'alert' }, message ? errorText(message) : null);
  const field = (id, label, attributes) => [el('label', { for: id }, label), el('input', { id, name: id, required: true, ...attributes })];
  const submit = el('button', { type: 'submit', id: setup ? 'setup-submit' : 'signin-submit' }, setup ? 'Create admin and sign in' : 'Sign in');
  const form = el('form', { class: 'auth-form', id: setup ? 'setup-form' : 'signin-form', novalidate: false },
    setup ? [
      el('p', {}, 'No one can sign in yet. Enter the one-time setup token the daemon printed when it started (or run ',
        el('code', {}, 'studio user create --role admin'), ' on the host).'),
      ...field('setup-token', 'Setup token', { type: 'text', autocomplete: 'off', spellcheck: 'false' }),
      ...field('setup-email', 'Email', { type: 'email', autocomplete: 'username' }),
      el('label', { for: 'setup-name' }, 'Name'), el('input', { id: 'setup-name', name: 'setup-name', type: 'text', autocomplete: 'name' }),
      ...field('setup-password', 'Password (12 characters or more)', { type: 'password', autocomplete: 'new-password', minlength: '12' }),
    ] : [
      ...field('signin-email', 'Email', { type: 'email', autocomplete: 'username', autofocus: true }),
      ...field('signin-password', 'Password', { type: 'password', autocomplete: 'current-password' }),
    ],
    submit, status);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    submit.disabled = true;
    status.replaceChildren();
    const value = id => form.querySelector(`#${id}`).value;
    try {
      if (setup) await auth.completeSetup(value('setup-token').trim(), value('setup-email'), value('setup-name'), value('setup-password'));
      else await auth.signIn(value('signin-email'), value('signin-password'));
    } catch (error) {
      status.replaceChildren(errorText(error.message));
      submit.disabled = false;
      const password = form.querySelector('input[type=password]');
      password.value = '';
      password.focus();
    }
  });
  authScreen.replaceChildren(el('div', { class: 'card auth-card' },
    el('h2', { id: 'auth-heading' }, setup ? 'Set up the first admin' : 'Sign in'), form));
  authScreen.hidden = false;
  form.querySelector('input').focus();
}

auth.onChange(user => { if (user) showShell(user); else showAuth(); });
window.addEventListener('hashchange', render);
addStyle();
refreshStatus();
setInterval(refreshStatus, 15000);
auth.refresh().then(ok => { if (!ok) { if (auth.unavailable()) showShell(null); else showAuth(); } });

// Layout of the sign-in screen, the account box and the account sections. A constructed stylesheet,
// because the page's Content-Security-Policy (style-src 'self') blocks inline <style> elements.
function addStyle() {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(`
    .auth-screen { display: flex; justify-content: center; padding: 3rem 1rem; }
    .auth-card { width: 100%; max-width: 26rem; }
    .auth-form { display: grid; gap: .35rem; }
    .auth-form label { margin-top: .4rem; }
    .auth-form button { margin-top: .8rem; justify-self: start; }
    .account { display: flex; align-items: center; gap: .5rem; font-size: .9rem; color: var(--muted); }
    .account[hidden], .auth-screen[hidden], .layout[hidden], nav li[hidden] { display: none; }
    .auth-form input, .account button, .admin-form input, .admin-form select, .admin-table button, .admin-table select, .admin-form button, .secret-box button {
      font: inherit; padding: .3rem .5rem; border: 1px solid var(--border); border-radius: 4px; background: var(--panel); color: var(--text); }
    .admin-form { display: flex; flex-wrap: wrap; gap: .5rem .75rem; align-items: end; margin: 1rem 0; }
    .admin-form label { display: grid; gap: .2rem; font-size: .9rem; color: var(--muted); }
    .admin-form fieldset { border: 1px solid var(--border); border-radius: 4px; display: flex; gap: .6rem; padding: .2rem .6rem; }
    .admin-table td { text-align: left; vertical-align: middle; }
    .admin-table td.actions { white-space: nowrap; }
    .secret-box { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; padding: .75rem; border: 2px solid var(--accent); border-radius: 6px; margin: 1rem 0; }
    .secret-box input { font-family: ui-monospace, monospace; flex: 1; min-width: 20rem; padding: .3rem; }
    .muted { color: var(--muted); }
  `);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}
