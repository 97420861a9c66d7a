// The security audit log (admins): newest first, filtered by event and time, a page at a time.
import { api } from '../api.js';
import { currentUser } from '../auth.js';
import { el, errorText, notice } from '../ui.js';

const EVENTS = ['sign_in.succeeded', 'sign_in.failed', 'sign_in.locked', 'token_family.revoked', 'api_key.created', 'api_key.revoked',
  'user.created', 'user.role_changed', 'user.disabled', 'user.enabled', 'user.updated', 'user.deleted', 'user.password_changed',
  'setup.completed', 'signing_key.rotated'];

export default {
  title: 'Audit log',
  async render(main) {
    main.append(el('h2', {}, 'Audit log'));
    if (currentUser()?.role !== 'admin') { main.append(notice('Only admins read the audit log.')); return; }
    main.append(el('p', {}, 'Each entry carries the hash of the one before it; ', el('code', {}, 'studio audit verify'),
      ' on the host checks that none was edited or deleted.'));
    const event = el('select', { name: 'event', id: 'audit-event' }, el('option', { value: '' }, 'all events'), EVENTS.map(e => el('option', { value: e }, e)));
    const since = el('input', { type: 'date', name: 'since', id: 'audit-since' });
    const until = el('input', { type: 'date', name: 'until', id: 'audit-until' });
    const form = el('form', { class: 'admin-form', id: 'audit-filter' },
      el('label', {}, 'Event', event), el('label', {}, 'From', since), el('label', {}, 'Before', until), el('button', { type: 'submit' }, 'Show'));
    const table = el('table', { class: 'admin-table', id: 'audit-table' },
      el('caption', {}, 'Security events, newest first'),
      el('thead', {}, el('tr', {}, ...['#', 'When (UTC)', 'Event', 'Actor', 'Subject', 'Address', 'Detail'].map(h => el('th', { scope: 'col' }, h)))),
      el('tbody'));
    const more = el('button', { type: 'button', id: 'audit-more', hidden: true }, 'Older entries');
    const message = el('div', { role: 'status', 'aria-live': 'polite' });
    main.append(form, message, table, more);

    let cursor = null;
    const load = async append => {
      const query = new URLSearchParams({ limit: '50' });
      if (event.value) query.set('event', event.value);
      if (since.value) query.set('since', since.value);
      if (until.value) query.set('until', until.value);
      if (append && cursor) query.set('after', cursor);
      try {
        const page = await api(`/api/v1/audit?${query}`);
        const rows = page.data.map(entry => el('tr', {},
          el('td', {}, String(entry.id)), el('td', {}, entry.at.replace('T', ' ').replace('Z', '')), el('td', {}, entry.event),
          el('td', {}, entry.actor_id ? entry.actor_id.slice(0, 8) : '–'), el('td', {}, entry.subject_id ? entry.subject_id.slice(0, 8) : '–'),
          el('td', {}, entry.ip || '–'),
          el('td', {}, Object.entries(entry.detail).map(([k, v]) => `${k}: ${v}`).join('; '))));
        if (append) table.tBodies[0].append(...rows); else table.tBodies[0].replaceChildren(...rows);
        cursor = page.next_cursor;
        more.hidden = !cursor;
        message.replaceChildren();
      } catch (error) {
        message.replaceChildren(errorText(`Could not load the audit log: ${error.message}`));
      }
    };
    form.addEventListener('submit', event => { event.preventDefault(); load(false); });
    more.addEventListener('click', () => load(true));
    await load(false);
  },
};
