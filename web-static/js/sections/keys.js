// API keys for scripts: create (the secret is shown once, with a copy button), list, revoke.
import { api } from '../api.js';
import { currentUser } from '../auth.js';
import { el, errorText, notice } from '../ui.js';

const SCOPES_BY_ROLE = { viewer: ['read'], creator: ['read', 'write'], admin: ['read', 'write', 'admin'] };

export default {
  title: 'API keys',
  async render(main) {
    main.append(el('h2', {}, 'API keys'),
      el('p', {}, 'Scripts call the API with ', el('code', {}, 'Authorization: Bearer sk_…'), '. A key is shown once, when it is made; store it like a password.'));
    const message = el('div', { id: 'keys-message', role: 'status', 'aria-live': 'polite' });
    const secret = el('div', { id: 'new-key' });
    const table = el('table', { class: 'admin-table', id: 'keys-table' },
      el('caption', {}, currentUser()?.role === 'admin' ? 'Keys of every user' : 'Your keys'),
      el('thead', {}, el('tr', {}, ...['Name', 'Prefix', 'Scopes', 'Created', 'Last used', 'Expires', 'State', ''].map(h => el('th', { scope: 'col' }, h)))),
      el('tbody'));
    main.append(createForm(message, secret, () => load(table, message)), secret, message, table);
    await load(table, message);
  },
};

function createForm(message, secretBox, reload) {
  const scopes = SCOPES_BY_ROLE[currentUser()?.role] || ['read'];
  const form = el('form', { class: 'admin-form', id: 'new-key-form', 'aria-label': 'Create an API key' },
    el('label', {}, 'Name', el('input', { name: 'name', id: 'new-key-name', required: true, maxlength: '100', autocomplete: 'off' })),
    el('fieldset', {}, el('legend', {}, 'Scopes'),
      scopes.map(scope => el('label', {}, el('input', { type: 'checkbox', name: 'scopes', value: scope, checked: scope === 'read' }), ` ${scope}`))),
    el('label', {}, 'Expires (optional)', el('input', { name: 'expires', id: 'new-key-expires', type: 'date' })),
    el('button', { type: 'submit' }, 'Create key'));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { name: data.get('name'), scopes: data.getAll('scopes') };
    if (data.get('expires')) body.expires_at = `${data.get('expires')}T00:00:00Z`;
    try {
      const key = await api('/api/v1/api-keys', { method: 'POST', body });
      form.reset();
      showSecret(secretBox, key);
      message.replaceChildren();
      await reload();
    } catch (error) {
      message.replaceChildren(errorText(`Could not create the key: ${error.message}`));
    }
  });
  return form;
}

// The one time the secret is visible: a read-only field, a copy button, and a way to dismiss it.
function showSecret(box, key) {
  const field = el('input', { id: 'new-key-secret', readonly: true, value: key.secret, 'aria-label': `Secret of ${key.name}` });
  const copied = el('span', { role: 'status', 'aria-live': 'polite' });
  const copy = el('button', { type: 'button', id: 'copy-key' }, 'Copy');
  copy.addEventListener('click', async () => {
    field.select();
    try { await navigator.clipboard.writeText(field.value); copied.textContent = 'Copied.'; } catch { copied.textContent = 'Select the text and copy it.'; }
  });
  const done = el('button', { type: 'button' }, 'I have stored it');
  done.addEventListener('click', () => box.replaceChildren());
  box.replaceChildren(el('div', { class: 'secret-box' },
    el('strong', {}, `Key “${key.name}”: copy it now, it will not be shown again.`), field, copy, done, copied));
  field.select();
}

async function load(table, message) {
  const page = await api('/api/v1/api-keys');
  table.tBodies[0].replaceChildren(...(page.data.length ? page.data.map(key => row(key, table, message))
    : [el('tr', {}, el('td', { colspan: '8' }, 'No keys yet.'))]));
}

function row(key, table, message) {
  const date = text => (text ? text.slice(0, 10) : '–');
  const state = key.revoked_at ? 'revoked' : key.expires_at && new Date(key.expires_at) <= new Date() ? 'expired' : 'active';
  const revoke = el('button', { type: 'button' }, 'Revoke');
  revoke.addEventListener('click', async () => {
    if (!confirm(`Revoke “${key.name}”? Scripts using it stop working at once.`)) return;
    try {
      await api(`/api/v1/api-keys/${key.id}`, { method: 'DELETE' });
      message.replaceChildren(notice(`Revoked “${key.name}”.`));
    } catch (error) {
      message.replaceChildren(errorText(`Could not revoke: ${error.message}`));
    }
    await load(table, message);
  });
  return el('tr', { 'data-key': key.name },
    el('td', {}, key.name), el('td', {}, el('code', {}, `${key.prefix}…`)), el('td', {}, key.scopes.join(' ')),
    el('td', {}, date(key.created_at)), el('td', {}, date(key.last_used_at)), el('td', {}, date(key.expires_at)),
    el('td', { class: 'key-state' }, state), el('td', { class: 'actions' }, state === 'active' ? revoke : ''));
}
