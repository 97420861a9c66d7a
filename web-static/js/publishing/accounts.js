// Accounts: the connected platform accounts, a connect form whose credential fields follow the platform
// (secrets in password inputs, cleared after every attempt and never shown again), and disconnecting after
// an explicit confirmation.
import { api } from '../api.js';
import { el, errorText } from '../ui.js';
import { clearFieldErrors, showFieldErrors } from '../content/fields.js';
import { platformName } from './time.js';

/** Credential fields per platform: [key, label, type, required, hint]. Export-bundle platforms share one set. */
const CREDENTIALS = {
  mastodon: [
    ['instance', 'Instance URL', 'url', true, 'For example https://mastodon.social'],
    ['access_token', 'Access token', 'password', true, 'From Preferences → Development → New application (scope write:statuses, read:accounts).'],
  ],
  bluesky: [
    ['identifier', 'Handle or email', 'text', true, 'For example ada.bsky.social'],
    ['app_password', 'App password', 'password', true, 'Settings → App passwords; not your account password.'],
    ['service', 'PDS service URL (optional)', 'url', false, 'Leave empty for https://bsky.social'],
  ],
  webhook: [
    ['url', 'Webhook URL', 'url', true, 'Posts are sent here as JSON (Zapier, n8n, a Discord or Slack bridge).'],
    ['secret', 'Signing secret', 'password', true, 'Each request is signed with HMAC-SHA256 over "timestamp.body" with this secret.'],
  ],
  export: [
    ['directory', 'Export folder (absolute path on the server)', 'text', true, 'Inside the daemon\'s exports folder (<data directory>/exports). Each post becomes a folder there, ready to upload by hand; it stays "awaiting manual upload" until you confirm it in its panel.'],
  ],
};
const credentialFields = platform => CREDENTIALS[platform] || CREDENTIALS.export;

/**
 * @param {object} hub  announce(text), accountsChanged(list) after every load
 * @returns {{element: HTMLElement, load: () => Promise<object[]>}}
 */
export function createAccounts(hub) {
  let connectable = [];
  const list = el('div', { id: 'accounts-list' });
  const platform = el('select', { id: 'connect-platform', name: 'platform' });
  const label = el('input', { type: 'text', id: 'connect-label', maxlength: '100', autocomplete: 'off' });
  const credentials = el('div', { class: 'cs-form pub-credentials', id: 'connect-credentials' });
  const status = el('div', { class: 'cs-message', id: 'connect-message', 'aria-live': 'polite' });
  const submit = el('button', { type: 'submit', class: 'cs-primary', id: 'connect-submit' }, 'Connect');
  const form = el('form', { id: 'connect-form', class: 'pub-connect', novalidate: true },
    el('h4', {}, 'Connect an account'),
    el('p', { class: 'cs-hint' }, 'The credentials are checked with the platform now, stored encrypted on this server, and never shown again.'),
    el('div', { class: 'cs-form' },
      el('div', { class: 'cs-field', 'data-field': 'platform', 'data-label': 'Platform' }, el('label', { for: 'connect-platform' }, 'Platform'), platform,
        el('p', { class: 'cs-field-error error', id: 'connect-platform-error', hidden: true })),
      el('div', { class: 'cs-field', 'data-field': 'label', 'data-label': 'Label' }, el('label', { for: 'connect-label' }, 'Label (optional)'), label,
        el('p', { class: 'cs-field-error error', id: 'connect-label-error', hidden: true }))),
    // The group's own error line comes first: the shared helper shows an error in the first line it finds.
    el('div', { 'data-field': 'credentials', 'data-label': 'Credentials:', class: 'cs-field' },
      el('p', { class: 'cs-field-error error', id: 'connect-credentials-error', hidden: true }), credentials),
    el('div', { class: 'cs-actions' }, submit), status);
  const element = el('div', { class: 'pub-accounts' }, el('h3', {}, 'Connected accounts'), list, form);

  function drawCredentials() {
    credentials.replaceChildren(...credentialFields(platform.value).map(([key, text, type, required, hint]) => {
      const id = `connect-${key}`;
      const input = el('input', {
        id, name: key, type, required, 'aria-describedby': hint ? `${id}-hint` : null,
        autocomplete: type === 'password' ? 'new-password' : 'off', spellcheck: 'false',
      });
      return el('div', { class: 'cs-field', 'data-field': `cred_${key}`, 'data-label': text.replace(/ \(optional\)$/, '') },
        el('label', { for: id }, text), input,
        hint ? el('p', { class: 'cs-hint', id: `${id}-hint` }, hint) : null,
        el('p', { class: 'cs-field-error error', id: `${id}-error`, hidden: true }));
    }));
  }

  function drawList(accounts) {
    if (!accounts.length) {
      list.replaceChildren(el('p', { class: 'notice', id: 'accounts-none' }, 'No account connected yet.'));
      return;
    }
    list.replaceChildren(el('table', { class: 'cs-table pub-accounts-table', id: 'accounts-table' },
      el('thead', {}, el('tr', {}, ['Platform', 'Label', 'Handle', 'Text limit', 'Connected', 'Actions'].map(h => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, accounts.map(a => {
        const actions = el('td', { class: 'actions' });
        const ask = () => {
          actions.replaceChildren(el('div', { class: 'cs-actions', role: 'group', 'aria-label': `Confirm disconnecting ${a.label || a.handle}` },
            el('span', {}, 'Disconnect? Its stored credentials are deleted; scheduled posts to it will fail.'),
            el('button', { type: 'button', class: 'cs-danger', 'data-confirm': a.id, onclick: () => disconnect(a) }, 'Yes, disconnect'),
            el('button', { type: 'button', onclick: () => { actions.replaceChildren(button()); actions.querySelector('button').focus(); } }, 'Keep')));
          actions.querySelector('[data-confirm]').focus();
        };
        const button = () => el('button', { type: 'button', class: 'cs-danger', 'data-disconnect': a.id, 'aria-label': `Disconnect ${platformName(a.platform)} ${a.label || a.handle}` }, 'Disconnect…');
        actions.append(button());
        actions.addEventListener('click', event => { if (event.target.matches('[data-disconnect]')) ask(); });
        return el('tr', { 'data-account': a.id, 'data-platform': a.platform },
          el('th', { scope: 'row' }, platformName(a.platform)), el('td', {}, a.label || '—'), el('td', {}, a.handle || '—'),
          el('td', {}, a.text_limit ? String(a.text_limit) : '—'), el('td', {}, a.created_at ? new Date(a.created_at).toLocaleDateString() : '—'), actions);
      }))));
  }

  async function disconnect(account) {
    status.replaceChildren();
    try {
      await api(`/api/v1/platform-accounts/${encodeURIComponent(account.id)}`, { method: 'DELETE' });
      hub.announce(`Disconnected ${account.label || account.handle}.`);
      await load();
      status.replaceChildren(el('p', { class: 'notice' }, `Disconnected ${platformName(account.platform)} ${account.label || account.handle}.`));
    } catch (error) {
      status.replaceChildren(errorText(`Could not disconnect: ${error.message}`));
    }
  }

  async function load() {
    const answer = await api('/api/v1/platform-accounts');
    const accounts = answer.data || [];
    if (Array.isArray(answer.platforms) && answer.platforms.join() !== connectable.join()) {
      connectable = answer.platforms;
      const keep = platform.value;
      platform.replaceChildren(...connectable.map(id => el('option', { value: id, selected: id === keep }, platformName(id))));
      if (!keep && connectable.includes('mastodon')) platform.value = 'mastodon';
      drawCredentials();
    }
    drawList(accounts);
    hub.accountsChanged(accounts);
    return accounts;
  }

  platform.addEventListener('change', () => { clearFieldErrors(form); drawCredentials(); });
  form.addEventListener('submit', async event => {
    event.preventDefault();
    clearFieldErrors(form);
    status.replaceChildren();
    const values = {};
    const missing = [];
    for (const [key, text, , required] of credentialFields(platform.value)) {
      const value = credentials.querySelector(`#connect-${key}`).value.trim();
      if (value) values[key] = value;
      else if (required) missing.push({ field: `cred_${key}`, message: 'is required.' });
    }
    if (!platform.value) missing.push({ field: 'platform', message: 'is required.' });
    if (missing.length) { showFieldErrors(form, missing); return; }
    const body = { platform: platform.value, credentials: values };
    if (label.value.trim()) body.label = label.value.trim();
    submit.disabled = true;
    status.replaceChildren(el('p', { class: 'notice' }, `Checking with ${platformName(platform.value)}…`));
    try {
      const account = await api('/api/v1/platform-accounts', { method: 'POST', body });
      form.reset();
      platform.value = body.platform;
      drawCredentials();
      await load();
      status.replaceChildren(el('p', { class: 'notice', id: 'connect-done' }, `Connected ${platformName(account.platform)} as ${account.handle || account.label}.`));
      hub.announce(`Connected ${platformName(account.platform)}.`);
    } catch (error) {
      const errors = (error.problem?.errors || []).map(e => {
        const match = /^credentials\.(.+)$/.exec(e.field || '');
        return match ? { ...e, field: `cred_${match[1]}` } : e;
      });
      status.replaceChildren();
      const unmatched = showFieldErrors(form, errors);
      if (unmatched.length || !errors.length) status.replaceChildren(errorText(`Not connected: ${error.message}`));
    } finally {
      // Secrets never linger in the page after an attempt.
      for (const input of credentials.querySelectorAll('input[type=password]')) input.value = '';
      submit.disabled = false;
    }
  });

  return { element, load };
}
