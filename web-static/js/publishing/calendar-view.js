// The calendar: week and month views of publications in the browser's time zone, chips coloured by state and
// platform (and labelled in words), drag a scheduled chip to another day or hour to move it (or use "Move…" in
// the detail panel: the keyboard way), and a detail panel with the post text, the outcome and the attempt history.
import { api } from '../api.js';
import { el, errorText } from '../ui.js';
import {
  addDays, clock, dayKey, dayLabel, fromLocalInput, fullTime, localInputValue, monthLabel, platformName,
  rfc3339, startOfDay, startOfWeek, stateLabel, STATE_LABELS, browserZone,
} from './time.js';

const PAGE = 500;
const MAX_PAGES = 20;

/**
 * @param {object} hub  alive(), announce(text), accountName(id) → label of a connected account
 * @returns {{element: HTMLElement, load: () => Promise<void>, upsert: (p: object) => void, showDay: (d: Date) => void, setLive: (s: string) => void}}
 */
export function createCalendar(hub) {
  let view = 'week';
  let anchor = new Date();
  let range = { from: new Date(), to: new Date() };
  let openID = null;
  let dragged = null;
  let loadToken = 0;
  const publications = new Map();

  const heading = el('h3', { id: 'pub-range', 'aria-live': 'polite' });
  const live = el('span', { class: 'cs-live', id: 'pub-live', 'data-state': 'connecting' }, 'Live updates: connecting…');
  const viewButtons = ['week', 'month'].map(name => el('button', {
    type: 'button', id: `pub-view-${name}`, 'aria-pressed': String(name === view), onclick: () => { view = name; load(); },
  }, name === 'week' ? 'Week' : 'Month'));
  const toolbar = el('div', { class: 'cs-bar pub-toolbar' },
    el('div', { class: 'cs-actions' },
      el('button', { type: 'button', id: 'pub-prev', 'aria-label': 'Previous period', onclick: () => step(-1) }, '‹ Previous'),
      el('button', { type: 'button', id: 'pub-today', onclick: () => { anchor = new Date(); load(); } }, 'Today'),
      el('button', { type: 'button', id: 'pub-next', 'aria-label': 'Next period', onclick: () => step(1) }, 'Next ›')),
    heading,
    el('div', { class: 'cs-actions', role: 'group', 'aria-label': 'Calendar view' }, viewButtons, live));
  const legend = el('ul', { class: 'pub-legend', 'aria-label': 'States' },
    Object.entries(STATE_LABELS).map(([state, label]) => el('li', {}, el('span', { class: `pub-swatch pub-state-${state}`, 'aria-hidden': 'true' }), label)));
  const message = el('div', { class: 'cs-message', id: 'pub-cal-message', 'aria-live': 'polite' });
  const grid = el('div', { class: 'pub-grid', id: 'pub-calendar' });
  const detail = el('aside', { class: 'card pub-detail', id: 'pub-detail', 'aria-labelledby': 'pub-detail-heading', hidden: true });
  const element = el('div', { class: 'pub-calendar' },
    toolbar,
    el('p', { class: 'cs-hint' }, `Times are in your time zone, ${browserZone()}. Drag a scheduled post to another slot, or open it and choose Move….`),
    legend, message, el('div', { class: 'pub-cal-layout' }, grid, detail));

  function step(direction) {
    anchor = view === 'week' ? addDays(anchor, 7 * direction) : new Date(anchor.getFullYear(), anchor.getMonth() + direction, 1);
    load();
  }

  function computeRange() {
    if (view === 'week') {
      const from = startOfWeek(anchor);
      return { from, to: addDays(from, 7) };
    }
    const from = startOfWeek(new Date(anchor.getFullYear(), anchor.getMonth(), 1));
    return { from, to: addDays(from, 42) };
  }

  async function load() {
    const token = ++loadToken;
    range = computeRange();
    for (const button of viewButtons) button.setAttribute('aria-pressed', String(button.id === `pub-view-${view}`));
    heading.textContent = view === 'week'
      ? `Week of ${dayLabel(range.from)} – ${dayLabel(addDays(range.to, -1))}`
      : monthLabel(new Date(anchor.getFullYear(), anchor.getMonth(), 1));
    message.replaceChildren();
    const found = [];
    try {
      let after = null;
      for (let page = 0; page < MAX_PAGES; page++) {
        const query = new URLSearchParams({ from: range.from.toISOString(), to: range.to.toISOString(), limit: String(PAGE) });
        if (after) query.set('after', after);
        const answer = await api(`/api/v1/publications?${query}`);
        found.push(...answer.data);
        after = answer.next_cursor;
        if (!after) break;
      }
    } catch (error) {
      if (token === loadToken) message.replaceChildren(errorText(`Could not load the calendar: ${error.message}`));
      return;
    }
    if (token !== loadToken) return;
    publications.clear();
    for (const p of found) publications.set(p.id, p);
    draw();
  }

  function inRange(p) {
    const due = new Date(p.due_at);
    return due >= range.from && due < range.to;
  }

  function byDay() {
    const days = new Map();
    const sorted = [...publications.values()].filter(inRange).sort((a, b) => new Date(a.due_at) - new Date(b.due_at) || a.id - b.id);
    for (const p of sorted) {
      const due = new Date(p.due_at);
      const key = view === 'week' ? `${dayKey(due)}|${due.getHours()}` : dayKey(due);
      if (!days.has(key)) days.set(key, []);
      days.get(key).push(p);
    }
    return days;
  }

  function chip(p) {
    const due = new Date(p.due_at);
    const text = (p.parts || []).join(' ').replace(/\s+/g, ' ').trim();
    const excerpt = text.length > 60 ? `${text.slice(0, 60)}…` : text;
    const movable = p.state === 'pending';
    const button = el('button', {
      type: 'button', class: `pub-chip pub-state-${p.state} pub-platform-${p.platform}`, 'data-id': String(p.id), 'data-state': p.state,
      'data-platform': p.platform, draggable: movable ? 'true' : null, 'aria-pressed': String(openID === p.id),
      'aria-label': `${platformName(p.platform)}, ${stateLabel(p.state)}, ${clock(due)}: ${excerpt}${movable ? '. Draggable to another time.' : ''}`,
      onclick: () => open(p.id),
    },
    el('span', { class: 'pub-chip-head' }, el('span', { class: 'pub-chip-time' }, clock(due)), ' ',
      el('span', { class: 'pub-chip-platform' }, platformName(p.platform)), ' · ',
      el('span', { class: 'pub-chip-state' }, stateLabel(p.state))),
    el('span', { class: 'pub-chip-text' }, excerpt));
    if (movable) {
      button.addEventListener('dragstart', event => {
        dragged = p.id;
        event.dataTransfer.setData('text/plain', String(p.id));
        event.dataTransfer.effectAllowed = 'move';
        button.classList.add('pub-dragging');
      });
      button.addEventListener('dragend', () => { dragged = null; button.classList.remove('pub-dragging'); });
    }
    return button;
  }

  // A cell accepts a dragged scheduled chip; `at(p)` gives the new time for publication p.
  function dropTarget(cell, at) {
    cell.addEventListener('dragover', event => {
      if (dragged === null) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'move';
      cell.classList.add('pub-drop');
    });
    cell.addEventListener('dragleave', () => cell.classList.remove('pub-drop'));
    cell.addEventListener('drop', event => {
      event.preventDefault();
      cell.classList.remove('pub-drop');
      const id = Number(event.dataTransfer.getData('text/plain') || dragged);
      const p = publications.get(id);
      dragged = null;
      if (p && p.state === 'pending') move(id, at(p));
    });
    return cell;
  }

  function draw() {
    // Redrawing (a live event, a move) must not take the keyboard focus away from the chip it was on.
    const focused = grid.contains(document.activeElement) ? document.activeElement.closest('.pub-chip')?.dataset.id : null;
    const days = byDay();
    const today = dayKey(new Date());
    if (view === 'week') {
      const dates = Array.from({ length: 7 }, (_, i) => addDays(range.from, i));
      const body = el('tbody');
      for (let hour = 0; hour < 24; hour++) {
        const row = el('tr', {}, el('th', { scope: 'row', class: 'pub-hour' }, clock(new Date(2000, 0, 1, hour))));
        for (const date of dates) {
          const key = dayKey(date);
          const items = days.get(`${key}|${hour}`) || [];
          const cell = el('td', { 'data-day': key, 'data-hour': String(hour), class: key === today ? 'pub-today' : null }, items.map(chip));
          row.append(dropTarget(cell, p => {
            const due = new Date(p.due_at);
            return new Date(date.getFullYear(), date.getMonth(), date.getDate(), hour, due.getMinutes(), due.getSeconds());
          }));
        }
        body.append(row);
      }
      grid.replaceChildren(el('div', { class: 'pub-scroll' }, el('table', { class: 'pub-week', id: 'pub-week' },
        el('caption', { class: 'cs-sr-only' }, heading.textContent),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, el('span', { class: 'cs-sr-only' }, 'Hour')),
          dates.map(date => el('th', { scope: 'col', class: dayKey(date) === today ? 'pub-today' : null }, dayLabel(date))))),
        body)));
    } else {
      const month = anchor.getMonth();
      const body = el('tbody');
      for (let week = 0; week < 6; week++) {
        const row = el('tr');
        for (let day = 0; day < 7; day++) {
          const date = addDays(range.from, week * 7 + day);
          const key = dayKey(date);
          const items = days.get(key) || [];
          const classes = [date.getMonth() !== month ? 'pub-other-month' : '', key === today ? 'pub-today' : ''].filter(Boolean).join(' ');
          const cell = el('td', { 'data-day': key, class: classes || null },
            el('span', { class: 'pub-daynum' }, el('span', { class: 'cs-sr-only' }, `${dayLabel(date)}, `), String(date.getDate())),
            items.map(chip));
          row.append(dropTarget(cell, p => {
            const due = new Date(p.due_at);
            return new Date(date.getFullYear(), date.getMonth(), date.getDate(), due.getHours(), due.getMinutes(), due.getSeconds());
          }));
        }
        body.append(row);
      }
      const names = Array.from({ length: 7 }, (_, i) => new Intl.DateTimeFormat(undefined, { weekday: 'short' }).format(addDays(range.from, i)));
      grid.replaceChildren(el('div', { class: 'pub-scroll' }, el('table', { class: 'pub-month', id: 'pub-month' },
        el('caption', { class: 'cs-sr-only' }, heading.textContent),
        el('thead', {}, el('tr', {}, names.map(name => el('th', { scope: 'col' }, name)))),
        body)));
    }
    if (focused) grid.querySelector(`.pub-chip[data-id="${focused}"]`)?.focus();
    if (![...publications.values()].some(inRange)) {
      message.replaceChildren(el('p', { class: 'notice', id: 'pub-empty' }, 'Nothing scheduled or published in this period. Use Compose to schedule a post.'));
    } else if (message.querySelector('#pub-empty')) {
      message.replaceChildren();
    }
  }

  async function move(id, at) {
    message.replaceChildren();
    try {
      const updated = await api(`/api/v1/publications/${id}`, { method: 'PATCH', body: { at: rfc3339(at) } });
      upsert(updated);
      hub.announce(`Moved to ${fullTime(at)}.`);
      message.replaceChildren(el('p', { class: 'notice' }, `Moved ${platformName(updated.platform)} post to ${fullTime(at)}.`));
      return true;
    } catch (error) {
      message.replaceChildren(errorText(`Could not move the post: ${error.message}`));
      return error;
    }
  }

  /** Adds or replaces a publication (from an event or an answer) and redraws; refreshes the open detail. */
  function upsert(p) {
    if (!p || p.id === undefined) return;
    const known = publications.get(p.id);
    if (known?.updated_at && p.updated_at && new Date(p.updated_at) < new Date(known.updated_at)) return; // an older copy
    publications.set(p.id, p);
    draw();
    if (openID === p.id) open(p.id, false);
  }

  async function open(id, focus = true) {
    openID = id;
    for (const button of grid.querySelectorAll('.pub-chip')) button.setAttribute('aria-pressed', String(Number(button.dataset.id) === id));
    let p;
    try {
      p = await api(`/api/v1/publications/${id}`);
    } catch (error) {
      detail.hidden = false;
      detail.replaceChildren(errorText(`Could not load post ${id}: ${error.message}`));
      return;
    }
    if (openID !== id) return;
    // The fresh copy wins over whatever an action's answer or an event left (they can arrive in either order).
    const { attempt_history: _history, ...fresh } = p;
    publications.set(p.id, fresh);
    draw();
    renderDetail(p);
    if (focus) detail.querySelector('h3').focus();
  }

  function close() {
    const id = openID;
    openID = null;
    detail.hidden = true;
    detail.replaceChildren();
    const chipButton = grid.querySelector(`.pub-chip[data-id="${id}"]`);
    if (chipButton) { chipButton.setAttribute('aria-pressed', 'false'); chipButton.focus(); }
  }

  function renderDetail(p) {
    const due = new Date(p.due_at);
    const status = el('div', { class: 'cs-message', id: 'pub-detail-message', 'aria-live': 'polite' });
    const facts = el('dl', { class: 'facts' });
    const fact = (label, value, id) => facts.append(el('dt', {}, label), el('dd', id ? { id } : {}, value));
    fact('State', el('span', { class: `pub-badge pub-state-${p.state}` }, stateLabel(p.state)), 'pub-detail-state');
    fact('Platform', platformName(p.platform));
    fact('Account', hub.accountName(p.account_id) || p.account_id);
    fact(p.state === 'published' ? 'Due' : 'When', el('time', { datetime: p.due_at }, fullTime(due)));
    if (p.time_zone) fact('Scheduled in', p.time_zone);
    fact('Attempts', String(p.attempts ?? 0));
    if (p.post_url) fact('Post', el('a', { href: p.post_url, id: 'pub-detail-url', rel: 'noopener noreferrer', target: '_blank' }, p.post_url));
    else if (p.post_id) fact('Post id', p.post_id);
    if (p.reason) fact(p.state === 'failed' ? 'Reason' : 'Note', p.reason, 'pub-detail-reason');

    const parts = p.parts || [];
    const text = el('div', { class: 'pub-detail-text' }, parts.map((part, i) => el('div', {},
      parts.length > 1 ? el('p', { class: 'cs-hint' }, `Part ${i + 1} of ${parts.length}`) : null,
      el('pre', { class: 'cs-result-text' }, part))));

    const actions = el('div', { class: 'cs-actions' });
    const extra = el('div', { class: 'pub-detail-extra' });
    const act = async (label, run) => {
      status.replaceChildren();
      for (const b of actions.querySelectorAll('button')) b.disabled = true;
      try {
        const updated = await run();
        if (updated) upsert(updated);
        hub.announce(label);
        await open(p.id, false);
        detail.querySelector('#pub-detail-message')?.replaceChildren(el('p', { class: 'notice' }, label));
      } catch (error) {
        status.replaceChildren(errorText(error.message));
        for (const b of actions.querySelectorAll('button')) b.disabled = false;
      }
    };
    if (p.state === 'pending') {
      actions.append(el('button', { type: 'button', id: 'pub-move', 'aria-expanded': 'false', onclick: event => {
        const input = el('input', { type: 'datetime-local', id: 'pub-move-at', step: '1', value: localInputValue(due), required: true });
        const error = el('p', { class: 'cs-field-error error', id: 'pub-move-at-error', hidden: true });
        const form = el('form', { class: 'pub-inline-form', id: 'pub-move-form' },
          el('div', { class: 'cs-field' }, el('label', { for: 'pub-move-at' }, `New time (${browserZone()})`), input, error),
          el('div', { class: 'cs-actions' }, el('button', { type: 'submit', class: 'cs-primary' }, 'Move'),
            el('button', { type: 'button', onclick: () => { extra.replaceChildren(); event.target.setAttribute('aria-expanded', 'false'); event.target.focus(); } }, 'Keep the time')));
        form.addEventListener('submit', async submit => {
          submit.preventDefault();
          const at = fromLocalInput(input.value);
          if (!at) { error.textContent = 'Enter a date and time.'; error.hidden = false; input.setAttribute('aria-invalid', 'true'); input.focus(); return; }
          const outcome = await move(p.id, at);
          if (outcome !== true) {
            error.textContent = outcome.message; error.hidden = false;
            input.setAttribute('aria-invalid', 'true'); input.setAttribute('aria-describedby', error.id); input.focus();
          }
        });
        extra.replaceChildren(form);
        event.target.setAttribute('aria-expanded', 'true');
        input.focus();
      } }, 'Move…'));
      actions.append(el('button', { type: 'button', class: 'cs-danger', id: 'pub-cancel', onclick: () => {
        extra.replaceChildren(el('div', { class: 'cs-actions pub-confirm', role: 'group', 'aria-label': 'Confirm cancelling' },
          el('span', {}, 'Cancel this post? It will not be published.'),
          el('button', { type: 'button', class: 'cs-danger', id: 'pub-cancel-yes', onclick: () => act('Post cancelled.', () => api(`/api/v1/publications/${p.id}`, { method: 'DELETE' })) }, 'Yes, cancel it'),
          el('button', { type: 'button', id: 'pub-cancel-no', onclick: () => { extra.replaceChildren(); actions.querySelector('#pub-cancel').focus(); } }, 'Keep it')));
        extra.querySelector('#pub-cancel-yes').focus();
      } }, 'Cancel post…'));
    }
    if (p.state === 'failed') {
      actions.append(el('button', { type: 'button', class: 'cs-primary', id: 'pub-retry', onclick: () => act('Retry scheduled now.', () => api(`/api/v1/publications/${p.id}/retry`, { method: 'POST' })) }, 'Retry now'));
    }
    if (p.state === 'awaiting_manual') {
      const url = el('input', { type: 'url', id: 'pub-confirm-url', placeholder: 'https://…' });
      const postID = el('input', { type: 'text', id: 'pub-confirm-id' });
      const form = el('form', { class: 'pub-inline-form', id: 'pub-confirm-form' },
        el('p', { class: 'cs-hint' }, 'The post was exported as a bundle for uploading by hand. Once uploaded, confirm it here.'),
        el('div', { class: 'cs-field' }, el('label', { for: 'pub-confirm-url' }, 'Post URL (optional)'), url),
        el('div', { class: 'cs-field' }, el('label', { for: 'pub-confirm-id' }, 'Post id (optional)'), postID),
        el('button', { type: 'submit', class: 'cs-primary' }, 'Confirm uploaded'));
      form.addEventListener('submit', event => {
        event.preventDefault();
        const body = {};
        if (url.value.trim()) body.post_url = url.value.trim();
        if (postID.value.trim()) body.post_id = postID.value.trim();
        act('Marked as published.', () => api(`/api/v1/publications/${p.id}/confirm`, { method: 'POST', body }));
      });
      extra.append(form);
    }

    const history = p.attempt_history || [];
    const attempts = history.length
      ? el('table', { class: 'cs-attempts pub-attempts', id: 'pub-attempts' },
        el('caption', {}, 'Attempt history'),
        el('thead', {}, el('tr', {}, ['#', 'Kind', 'Started', 'Finished', 'Outcome', 'HTTP', 'Retry after', 'Error'].map(h => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, history.map(a => el('tr', { 'data-outcome': a.outcome || 'running' },
          el('th', { scope: 'row' }, String(a.number)), el('td', {}, a.kind || '—'),
          el('td', {}, a.started_at ? fullTime(new Date(a.started_at)) : '—'), el('td', {}, a.finished_at ? fullTime(new Date(a.finished_at)) : 'still running'),
          el('td', {}, a.outcome || '—'), el('td', {}, a.http_status ? String(a.http_status) : '—'),
          el('td', {}, a.retry_after_seconds ? `${a.retry_after_seconds} s` : '—'), el('td', { class: 'pub-error' }, a.error || '—')))))
      : el('p', { class: 'notice', id: 'pub-attempts-none' }, 'No attempts yet.');

    detail.replaceChildren(
      el('div', { class: 'cs-bar' },
        el('h3', { id: 'pub-detail-heading', tabindex: '-1' }, `${platformName(p.platform)} post #${p.id}`),
        el('button', { type: 'button', id: 'pub-detail-close', onclick: close }, 'Close')),
      facts, text, actions, extra, status, attempts);
    detail.hidden = false;
  }

  detail.addEventListener('keydown', event => { if (event.key === 'Escape') close(); });

  return {
    element,
    load,
    upsert,
    /** Shows the week holding `date`. */
    showDay(date) { view = 'week'; anchor = startOfDay(date); return load(); },
    setLive(state) {
      live.dataset.state = state;
      live.textContent = { live: 'Live updates: on', connecting: 'Live updates: connecting…', retrying: 'Live updates: reconnecting…', unavailable: 'Live updates: unavailable' }[state] || state;
    },
  };
}
