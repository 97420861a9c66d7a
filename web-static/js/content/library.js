// The content library: a filtered, cursor-paged list and the editor (create, save, delete) with the
// item's generation record and metrics chart.
import { api } from '../api.js';
import { el, errorText, facts, notice } from '../ui.js';
import { metricsPanel } from './chart.js';
import { clearFieldErrors, field, select, showFieldErrors } from './fields.js';
import { attemptsTable } from './result.js';
import { costMicrosOf, dollarsFromMicros, formatMillis, formatScore, KINDS, kindLabel, shortTime, STATUSES } from './format.js';

const PAGE = 20;

/** Builds the library panel. `hub.announce(text)` speaks a short message. */
export function createLibrary(hub) {
  const message = el('div', { id: 'content-list-message', class: 'cs-message', role: 'status', 'aria-live': 'polite' });
  const filters = filterForm(() => load());
  const newButton = el('button', { type: 'button', id: 'content-new', onclick: () => openNew() }, 'New content');
  const table = el('table', { id: 'content-table', class: 'admin-table cs-table' },
    el('caption', {}, 'Content, newest first'),
    el('thead', {}, el('tr', {}, ['Title', 'Kind', 'Status', 'Tags', 'Created'].map(h => el('th', { scope: 'col' }, h)))),
    el('tbody'));
  const more = el('button', { type: 'button', id: 'content-more', hidden: true, onclick: () => load({ append: true }) }, 'More');
  const stale = el('p', { class: 'cs-stale', id: 'content-stale', hidden: true }, 'The list has changed. ',
    el('button', { type: 'button', onclick: () => load() }, 'Refresh the list'));
  const editorBox = el('section', { id: 'content-editor', class: 'cs-editor card', 'aria-labelledby': 'content-editor-heading', tabindex: '-1', hidden: true });
  const listBox = el('section', { class: 'cs-list', 'aria-labelledby': 'content-list-heading' },
    el('div', { class: 'cs-bar' }, el('h3', { id: 'content-list-heading' }, 'Library'), newButton),
    filters.form, message, stale, table, more);
  const element = el('div', { class: 'cs-library' }, listBox, editorBox);
  let cursor = null;
  let openId = null;
  let reloadMetrics = null;
  let loading = null;
  const ownWrites = new Map();

  async function load({ append = false } = {}) {
    const params = filters.params();
    params.set('limit', String(PAGE));
    if (append && cursor) params.set('cursor', cursor);
    if (!append) stale.hidden = true;
    more.disabled = true;
    table.setAttribute('aria-busy', 'true');
    const run = (async () => {
      try {
        const page = await api(`/api/v1/content?${params}`);
        const items = page.data || page.items || [];
        cursor = page.next_cursor || null;
        const rows = items.map(row);
        if (append) table.tBodies[0].append(...rows); else table.tBodies[0].replaceChildren(...rows);
        clearFieldErrors(filters.form);
        const shown = table.tBodies[0].rows.length;
        message.replaceChildren(shown ? `${shown} item${shown === 1 ? '' : 's'} shown${cursor ? '; more are available' : ''}.` : notice(filters.active() ? 'Nothing matches these filters.' : 'No content yet: generate some or press New content.'));
      } catch (error) {
        if (error.status === 404 && !error.problem?.errors) {
          message.replaceChildren(notice('Content is not enabled on this server.'));
        } else {
          const rest = showFieldErrors(filters.form, error.problem?.errors);
          message.replaceChildren(errorText(`Could not load the content: ${rest.length || !error.problem?.errors ? error.message : 'check the filters.'}`));
        }
        if (!append) table.tBodies[0].replaceChildren();
        cursor = null;
      } finally {
        more.hidden = !cursor;
        more.disabled = false;
        table.removeAttribute('aria-busy');
      }
    })();
    loading = run;
    return run;
  }

  function row(item) {
    const title = item.title || `(untitled ${kindLabel(item.kind).toLowerCase()})`;
    return el('tr', { 'data-id': item.id, 'data-status': item.status },
      el('th', { scope: 'row' },
        el('button', { type: 'button', class: 'cs-link', onclick: () => open(item.id), 'aria-label': `Open ${title}` }, title),
        item.excerpt || item.body ? el('span', { class: 'cs-excerpt' }, (item.excerpt ?? item.body).slice(0, 160)) : null),
      el('td', {}, kindLabel(item.kind)),
      el('td', {}, el('span', { class: `cs-status cs-status-${item.status}` }, item.status)),
      el('td', {}, (item.tags || []).join(', ') || '—'),
      el('td', {}, el('time', { datetime: item.created_at }, shortTime(item.created_at))));
  }

  /** Opens an item in the editor; resolves false when it does not exist (or is not the caller's). */
  async function open(id) {
    let item;
    try {
      item = await api(`/api/v1/content/${encodeURIComponent(id)}`);
    } catch (error) {
      if (error.status === 404) { message.replaceChildren(errorText(error.message)); return false; }
      throw error;
    }
    showEditor(item);
    return true;
  }

  function openNew(preset = {}) { showEditor(null, preset); }

  function close() {
    editorBox.hidden = true;
    editorBox.replaceChildren();
    openId = null;
    reloadMetrics = null;
    newButton.focus();
  }

  function showEditor(item, preset = {}) {
    openId = item?.id || null;
    reloadMetrics = null;
    const existing = Boolean(item);
    const v = item || { kind: preset.kind || 'article', title: preset.title || '', body: preset.body || '', tags: [], status: 'draft', language: 'en' };
    const status = el('div', { id: 'content-editor-message', class: 'cs-message', role: 'status', 'aria-live': 'polite' });
    const kind = select('content-kind', KINDS, v.kind, { disabled: existing });
    const title = el('input', { id: 'content-title', name: 'title', type: 'text', value: v.title, maxlength: '400', autocomplete: 'off' });
    const body = el('textarea', { id: 'content-body', name: 'body', rows: '10' }, v.body || '');
    const tags = el('input', { id: 'content-tags', name: 'tags', type: 'text', value: (v.tags || []).join(', '), autocomplete: 'off' });
    const state = select('content-status', STATUSES, v.status);
    const language = el('input', { id: 'content-language', name: 'language', type: 'text', value: v.language || 'en', size: '8', autocomplete: 'off', spellcheck: 'false' });
    const save = el('button', { type: 'submit', id: 'content-save' }, existing ? 'Save' : 'Create');
    const remove = existing ? el('button', { type: 'button', id: 'content-delete', class: 'cs-danger' }, 'Delete') : null;
    const form = el('form', { id: 'content-editor-form', class: 'cs-form', novalidate: true },
      field('kind', 'Kind', kind, { hint: existing ? 'The kind cannot change; create a variant instead.' : null }),
      field('title', 'Title', title, { wide: true }),
      field('body', 'Body', body, { wide: true }),
      field('tags', 'Tags', tags, { hint: 'Separate tags with commas.', singular: 'Tag', wide: true }),
      field('status', 'Status', state),
      field('language', 'Language', language, { hint: 'A language tag such as en, fr or pt-BR.' }),
      el('div', { class: 'cs-actions' }, save, remove,
        existing && hub.useText ? el('button', { type: 'button', id: 'content-use', onclick: () => hub.useText(body.value || title.value) }, 'Generate from this') : null,
        el('button', { type: 'button', id: 'content-close', onclick: close }, 'Close')));
    form.addEventListener('submit', async event => {
      event.preventDefault();
      clearFieldErrors(form);
      status.replaceChildren();
      const values = {
        title: title.value, body: body.value, language: language.value.trim(), status: state.value,
        tags: tags.value.split(',').map(t => t.trim()).filter(Boolean),
      };
      save.disabled = true;
      try {
        const saved = existing
          ? await api(`/api/v1/content/${encodeURIComponent(item.id)}`, { method: 'PATCH', body: values })
          : await api('/api/v1/content', { method: 'POST', body: { kind: kind.value, ...values } });
        ownWrites.set(saved.id, Date.now());
        showEditor(saved);
        document.getElementById('content-editor-message')?.replaceChildren(existing ? `Saved at ${new Date().toTimeString().slice(0, 5)}.` : 'Created.');
        hub.announce?.(existing ? 'Saved.' : 'Created.');
        await load();
      } catch (error) {
        const rest = showFieldErrors(form, error.problem?.errors);
        const what = existing ? 'save' : 'create';
        status.replaceChildren(errorText(rest.length || !error.problem?.errors?.length
          ? `Could not ${what} it: ${error.message}${rest.length ? ` (${rest.map(e => `${e.field} ${e.message}`).join('; ')})` : ''}`
          : `Could not ${what} it: correct the marked field${error.problem.errors.length === 1 ? '' : 's'}.`));
      } finally {
        save.disabled = false;
      }
    });
    remove?.addEventListener('click', async () => {
      const name = item.title || `this ${kindLabel(item.kind).toLowerCase()}`;
      if (!window.confirm(`Delete “${name}”? Its metrics are deleted with it. This cannot be undone.`)) return;
      remove.disabled = true;
      try {
        ownWrites.set(item.id, Date.now());
        await api(`/api/v1/content/${encodeURIComponent(item.id)}`, { method: 'DELETE' });
        close();
        await load();
        message.replaceChildren(`Deleted “${name}”.`);
      } catch (error) {
        status.replaceChildren(errorText(`Could not delete it: ${error.message}`));
        remove.disabled = false;
      }
    });

    const parts = [
      el('h3', { id: 'content-editor-heading' }, existing ? `Edit ${kindLabel(v.kind).toLowerCase()}` : 'New content'),
      existing ? el('p', { class: 'muted cs-meta' }, `Id ${item.id} · created ${shortTime(item.created_at)} · updated ${shortTime(item.updated_at)}`) : null,
      status, form,
    ];
    if (item?.generation) parts.push(generationRecord(item.generation));
    const metrics = existing ? el('section', { id: 'content-metrics', class: 'cs-metrics', 'aria-labelledby': 'content-metrics-heading' }) : null;
    if (metrics) parts.push(metrics);
    editorBox.replaceChildren(...parts);
    editorBox.hidden = false;
    if (metrics) reloadMetrics = metricsPanel(metrics, item.id);
    editorBox.focus();
  }

  function generationRecord(g) {
    return el('section', { class: 'cs-generation', 'aria-labelledby': 'content-generation-heading' },
      el('h4', { id: 'content-generation-heading' }, 'How it was generated'),
      facts([
        ['Model', g.model || '—', 'content-generation-model'],
        ['Policy', g.policy || '—'],
        ['Cost', dollarsFromMicros(costMicrosOf(g))],
        ['Quality score', formatScore(g.quality_score ?? g.score)],
        ['Tokens in / out', `${g.input_tokens ?? '—'} / ${g.output_tokens ?? '—'}`],
        ['Time', formatMillis(g.latency_ms)],
      ]),
      Array.isArray(g.attempts) && g.attempts.length ? attemptsTable(g.attempts) : null);
  }

  return {
    element,
    load,
    open,
    openNew,
    /**
     * Called on content.* and content.generated events: offers a refresh rather than moving rows under the reader.
     * Changes this page made itself are skipped (their event may arrive before or after the answer, hence the pause).
     */
    changed(id, deleted = false) {
      setTimeout(() => {
        const own = id && ownWrites.has(id) && Date.now() - ownWrites.get(id) < 10000;
        if (own || !loading || !element.isConnected) return;
        if (deleted && id === openId) {
          editorBox.replaceChildren(errorText('This item was deleted elsewhere.'), el('button', { type: 'button', onclick: close }, 'Close'));
        }
        stale.hidden = false;
      }, 1000);
    },
    /** Called on metrics.changed with the content ids concerned. */
    metricsChanged(ids) {
      if (reloadMetrics && openId && (!ids || ids.includes(openId))) reloadMetrics();
    },
  };
}

function filterForm(apply) {
  const q = el('input', { id: 'content-q', name: 'q', type: 'search', maxlength: '200', autocomplete: 'off' });
  const status = select('content-filter-status', [['', 'Any status'], ...STATUSES.map(s => [s, s])], '');
  const kind = select('content-filter-kind', [['', 'Any kind'], ...KINDS], '');
  const tag = el('input', { id: 'content-filter-tag', name: 'tag', type: 'text', autocomplete: 'off', size: '12' });
  const from = el('input', { id: 'content-from', name: 'from', type: 'date' });
  const to = el('input', { id: 'content-to', name: 'to', type: 'date' });
  const form = el('form', { id: 'content-filters', class: 'cs-filters', role: 'search', 'aria-label': 'Filter content' },
    field('q', 'Search title and body', q),
    field('status', 'Status', status),
    field('kind', 'Kind', kind),
    field('tag', 'Tag', tag),
    field('from', 'Created from', from),
    field('to', 'Created to', to),
    el('div', { class: 'cs-actions' },
      el('button', { type: 'submit', id: 'content-filter-apply' }, 'Apply filters'),
      el('button', { type: 'button', id: 'content-filter-clear', onclick: () => { form.reset(); apply(); } }, 'Clear')));
  form.addEventListener('submit', event => { event.preventDefault(); apply(); });
  const values = () => [['q', q.value.trim()], ['status', status.value], ['kind', kind.value], ['tag', tag.value.trim()], ['from', from.value], ['to', to.value]];
  return {
    form,
    params: () => new URLSearchParams(values().filter(([, v]) => v)),
    active: () => values().some(([, v]) => v),
  };
}
