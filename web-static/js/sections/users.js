// Users (admins): list, create, change role, disable or enable, delete.
import { api } from '../api.js';
import { currentUser } from '../auth.js';
import { el, errorText, notice } from '../ui.js';

const ROLES = ['viewer', 'creator', 'admin'];

export default {
  title: 'Users',
  async render(main) {
    main.append(el('h2', {}, 'Users'));
    if (currentUser()?.role !== 'admin') { main.append(notice('Only admins manage users.')); return; }
    const message = el('div', { id: 'users-message', role: 'status', 'aria-live': 'polite' });
    const table = el('table', { class: 'admin-table', id: 'users-table' },
      el('caption', {}, 'Accounts'),
      el('thead', {}, el('tr', {}, ...['Email', 'Name', 'Role', 'Status', 'Created', ''].map(h => el('th', { scope: 'col' }, h)))),
      el('tbody'));
    main.append(createForm(message, () => load(table, message)), message, table);
    await load(table, message);
  },
};

function createForm(message, reload) {
  const input = (name, label, attributes) => el('label', {}, label, el('input', { name, id: `new-user-${name}`, required: true, ...attributes }));
  const role = el('select', { name: 'role', id: 'new-user-role' }, ROLES.map(r => el('option', { value: r, selected: r === 'creator' }, r)));
  const form = el('form', { class: 'admin-form', id: 'new-user-form', 'aria-label': 'Create a user' },
    input('email', 'Email', { type: 'email', autocomplete: 'off' }),
    el('label', {}, 'Name', el('input', { name: 'display_name', id: 'new-user-name', type: 'text', autocomplete: 'off' })),
    el('label', {}, 'Role', role),
    input('password', 'Password (12+ characters)', { type: 'password', autocomplete: 'new-password', minlength: '12' }),
    el('button', { type: 'submit' }, 'Create user'));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    if (!data.display_name) delete data.display_name;
    try {
      const user = await api('/api/v1/users', { method: 'POST', body: data });
      form.reset();
      message.replaceChildren(notice(`Created ${user.email} (${user.role}).`));
      await reload();
    } catch (error) {
      message.replaceChildren(errorText(`Could not create the user: ${error.message}`));
    }
  });
  return form;
}

async function load(table, message) {
  const rows = [];
  let after = null;
  do {
    const page = await api(`/api/v1/users?limit=200${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    rows.push(...page.data);
    after = page.next_cursor;
  } while (after);
  table.tBodies[0].replaceChildren(...rows.map(user => row(user, table, message)));
}

function row(user, table, message) {
  const me = currentUser();
  const change = async (body, done) => {
    try {
      await api(`/api/v1/users/${user.id}`, { method: 'PATCH', body });
      message.replaceChildren(notice(done));
    } catch (error) {
      message.replaceChildren(errorText(`Could not change ${user.email}: ${error.message}`));
    }
    await load(table, message);
  };
  const role = el('select', { 'aria-label': `Role of ${user.email}` }, ROLES.map(r => el('option', { value: r, selected: r === user.role }, r)));
  role.addEventListener('change', () => change({ role: role.value }, `${user.email} is now ${role.value}.`));
  const toggle = el('button', { type: 'button' }, user.status === 'active' ? 'Disable' : 'Enable');
  toggle.addEventListener('click', () => change({ status: user.status === 'active' ? 'disabled' : 'active' },
    `${user.email} is ${user.status === 'active' ? 'disabled' : 'active'}.`));
  const remove = el('button', { type: 'button' }, 'Delete');
  remove.addEventListener('click', async () => {
    if (!confirm(`Delete ${user.email}, with their sessions and API keys?`)) return;
    try {
      await api(`/api/v1/users/${user.id}`, { method: 'DELETE' });
      message.replaceChildren(notice(`Deleted ${user.email}.`));
    } catch (error) {
      message.replaceChildren(errorText(`Could not delete ${user.email}: ${error.message}`));
    }
    await load(table, message);
  });
  const self = me && me.id === user.id;
  return el('tr', { 'data-user': user.email },
    el('td', {}, user.email), el('td', {}, user.display_name), el('td', {}, role), el('td', {}, user.status),
    el('td', {}, user.created_at.slice(0, 10)),
    el('td', { class: 'actions' }, self ? el('span', { class: 'muted' }, 'you') : [toggle, ' ', remove]));
}
