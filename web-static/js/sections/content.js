// Content: generate from a pasted text, the library (list, filters, editor, metrics chart) and the
// generation jobs, kept live over the event stream. The parts live under ../content/.
// Deep links: #/content/library, #/content/jobs, #/content/<content id> (opens it in the editor).
import { el, tabs } from '../ui.js';
import { subscribe } from '../content/events.js';
import { createGenerate } from '../content/generate.js';
import { createJobs } from '../content/jobs.js';
import { createLibrary } from '../content/library.js';

const TABS = [['generate', 'Generate'], ['library', 'Library'], ['jobs', 'Jobs']];

export default {
  title: 'Content',
  async render(main) {
    const root = el('div', { class: 'studio-content' });
    const announcer = el('div', { class: 'cs-sr-only', id: 'content-announce', role: 'status', 'aria-live': 'polite' });
    main.append(el('h2', {}, 'Content'), announcer, root);
    const alive = () => root.isConnected;
    const hub = {
      alive,
      announce: text => { announcer.textContent = ''; setTimeout(() => { announcer.textContent = text; }, 50); },
      openContent: async id => { show('library'); return library.open(id); },
      createContent: preset => { show('library'); library.openNew(preset); },
      useText: text => { show('generate'); generate.useText(text); },
    };
    const library = createLibrary(hub);
    const jobs = createJobs(hub);
    hub.jobs = jobs;
    const generate = createGenerate(hub);
    const panels = { generate: generate.element, library: library.element, jobs: jobs.element };

    const { bar, wrappers, show } = tabs('content', 'Content views', TABS, panels);
    root.append(bar, ...Object.values(wrappers));

    const target = location.hash.replace(/^#\/?/, '').split('/')[1] || '';
    const decoded = decodeURIComponent(target);
    show(panels[decoded] ? decoded : target ? 'library' : 'generate');

    let connected = false;
    const close = subscribe({
      types: ['job.updated', 'content.generated', 'content.created', 'content.updated', 'content.deleted', 'metrics.changed'],
      alive,
      onState: state => {
        jobs.setLive(state, connected);
        if (state === 'live') connected = true;
      },
      onEvent: ({ type, data }) => {
        if (type === 'job.updated') jobs.upsert(data);
        else if (type === 'content.generated' || type === 'content.created' || type === 'content.updated') library.changed(data?.content_id || data?.id);
        else if (type === 'content.deleted') library.changed(data?.id, true);
        else if (type === 'metrics.changed') library.metricsChanged(data?.content_ids);
      },
    });

    // Leaving the section (or signing out) replaces main's children: close the stream at once rather than at its
    // next keep-alive.
    const leave = () => setTimeout(() => { if (!alive()) { close(); window.removeEventListener('hashchange', leave); } }, 0);
    window.addEventListener('hashchange', leave);
    new MutationObserver((_, observer) => { if (!alive()) { close(); observer.disconnect(); } }).observe(main, { childList: true });

    await Promise.all([library.load(), jobs.load()]);
    if (target && !panels[decoded]) await library.open(decoded);
  },
};
