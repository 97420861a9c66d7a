// Generation jobs, newest first, kept current by `job.updated` events (and by polling a job someone waits
// for, so a lost event stream never leaves a result hanging).
import { api } from '../api.js';
import { el, errorText, notice } from '../ui.js';
import { dollarsFromMicros, kindLabel, shortTime } from './format.js';
import { readResult } from './result.js';

const PAGE = 20;
const FINISHED = new Set(['succeeded', 'failed']);

/** Builds the jobs panel. `hub.openContent(id)` opens a content item; `hub.announce(text)` speaks. */
export function createJobs(hub) {
  const jobs = new Map();
  const watchers = new Map();
  let cursor = null;
  let loaded = false;
  const live = el('span', { id: 'jobs-live', class: 'cs-live' }, 'Live updates: connecting…');
  const message = el('div', { id: 'jobs-message', class: 'cs-message', role: 'status', 'aria-live': 'polite' });
  const status = el('select', { id: 'jobs-status' },
    [['', 'Any status'], ['queued', 'queued'], ['running', 'running'], ['succeeded', 'succeeded'], ['failed', 'failed']]
      .map(([v, l]) => el('option', { value: v }, l)));
  status.addEventListener('change', () => load());
  const table = el('table', { id: 'jobs-table', class: 'admin-table cs-table' },
    el('caption', {}, 'Generation jobs, newest first'),
    el('thead', {}, el('tr', {}, ['Queued', 'Kind', 'Status', 'Model', 'Cost', 'Result'].map(h => el('th', { scope: 'col' }, h)),
      el('th', { scope: 'col' }, el('span', { class: 'cs-sr-only' }, 'Actions')))),
    el('tbody'));
  const more = el('button', { type: 'button', id: 'jobs-more', hidden: true, onclick: () => load({ append: true }) }, 'More');
  const element = el('section', { class: 'cs-jobs', 'aria-labelledby': 'jobs-heading' },
    el('div', { class: 'cs-bar' }, el('h3', { id: 'jobs-heading' }, 'Jobs'), live),
    el('div', { class: 'cs-filters' },
      el('div', { class: 'cs-field' }, el('label', { for: status.id }, 'Show'), status),
      el('div', { class: 'cs-actions' }, el('button', { type: 'button', id: 'jobs-refresh', onclick: () => load() }, 'Refresh'))),
    message, table, more);

  async function load({ append = false } = {}) {
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (status.value) params.set('status', status.value);
    if (append && cursor) params.set('before', cursor);
    more.disabled = true;
    try {
      const page = await api(`/api/v1/jobs?${params}`);
      const list = page.jobs || page.data || [];
      cursor = page.next_cursor || null;
      if (!append) { jobs.clear(); table.tBodies[0].replaceChildren(); }
      for (const job of list) { jobs.set(job.id, job); table.tBodies[0].append(row(job)); }
      loaded = true;
      const shown = table.tBodies[0].rows.length;
      message.replaceChildren(shown ? '' : notice('No generation jobs yet.'));
    } catch (error) {
      message.replaceChildren(error.status === 404 ? notice('Generation is not enabled on this server.') : errorText(`Could not load the jobs: ${error.message}`));
      cursor = null;
    } finally {
      more.hidden = !cursor;
      more.disabled = false;
    }
  }

  function row(job) {
    const result = job.status === 'succeeded' ? readResult(job) : null;
    const outcome = job.status === 'failed'
      ? el('span', { class: 'error' }, job.error?.detail || job.error?.title || 'failed')
      : result ? el('span', { class: 'cs-excerpt' }, result.text.length > 140 ? `${result.text.slice(0, 140)}…` : result.text)
        : el('span', { class: 'muted' }, job.status === 'running' ? 'generating…' : 'waiting for a worker');
    const contentId = result ? result.contentId || job.content_id : null;
    const platform = job.request?.platform ? ` (${job.request.platform})` : '';
    return el('tr', { 'data-job': job.id, 'data-status': job.status },
      el('td', {}, el('time', { datetime: job.created_at }, shortTime(job.created_at))),
      el('td', {}, `${kindLabel(job.kind)}${platform}`),
      el('td', {}, el('span', { class: `cs-job-status cs-job-${job.status}` }, job.status)),
      el('td', {}, result?.model || '—'),
      el('td', {}, result ? dollarsFromMicros(result.costMicros) : '—'),
      el('td', { class: 'cs-job-outcome' }, outcome),
      el('td', { class: 'actions' }, contentId
        ? el('button', { type: 'button', 'aria-label': `Open the ${kindLabel(job.kind).toLowerCase()} from job ${job.id}`, onclick: () => hub.openContent(contentId) }, 'Open')
        : null));
  }

  /** Takes a job from an event or an answer: updates its row (or adds it on top) and wakes its watchers. */
  function upsert(job) {
    if (!job || !job.id) return;
    const before = jobs.get(job.id);
    if (before && FINISHED.has(before.status) && !FINISHED.has(job.status)) return; // a late "running" after the end
    jobs.set(job.id, job);
    const body = table.tBodies[0];
    const existing = body.querySelector(`tr[data-job="${CSS.escape(job.id)}"]`);
    const matches = !status.value || status.value === job.status;
    if (existing) {
      if (matches) existing.replaceWith(row(job)); else existing.remove();
    } else if (matches && loaded) {
      body.prepend(row(job));
      message.replaceChildren();
    }
    if (FINISHED.has(job.status)) {
      if (before && !FINISHED.has(before.status)) hub.announce?.(`${kindLabel(job.kind)} job ${job.status}.`);
      for (const resolve of watchers.get(job.id) || []) resolve(job);
      watchers.delete(job.id);
    }
  }

  /** Resolves with the job once it has finished: from events, or by asking every two seconds. */
  function watch(id, alive) {
    return new Promise(resolve => {
      const known = jobs.get(id);
      if (known && FINISHED.has(known.status)) { resolve(known); return; }
      watchers.set(id, [...(watchers.get(id) || []), resolve]);
      const poll = async () => {
        if (!watchers.has(id) || !alive()) return;
        try {
          const job = await api(`/api/v1/jobs/${encodeURIComponent(id)}`);
          upsert(job);
        } catch { /* the next poll retries */ }
        if (watchers.has(id)) setTimeout(poll, 2000);
      };
      setTimeout(poll, 2000);
    });
  }

  return {
    element,
    load,
    upsert,
    watch,
    /** Shows the event stream's state; after a reconnect the list is reloaded to catch missed updates. */
    setLive(state, reconnected) {
      live.textContent = { connecting: 'Live updates: connecting…', live: 'Live updates: on', retrying: 'Live updates: reconnecting…', unavailable: 'Live updates: not available' }[state] || '';
      live.dataset.state = state;
      if (state === 'live' && reconnected && loaded) load();
    },
  };
}
