// One entry per navigation section: a title and a render function.
import { api } from './api.js';

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  for (const child of children) node.append(child);
  return node;
}

function facts(pairs) {
  const dl = el('dl', { class: 'facts' });
  for (const [label, value, id] of pairs) {
    dl.append(el('dt', {}, label), el('dd', id ? { id } : {}, String(value)));
  }
  return dl;
}

function formatUptime(seconds) {
  const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600), m = Math.floor(seconds % 3600 / 60);
  return d ? `${d} d ${h} h` : h ? `${h} h ${m} min` : `${m} min ${seconds % 60} s`;
}

function placeholder(title, what) {
  return {
    title,
    async render(main) {
      main.append(el('h2', {}, title), el('p', { class: 'notice' }, what));
    },
  };
}

export const sections = {
  dashboard: {
    title: 'Dashboard',
    async render(main) {
      main.append(el('h2', {}, 'Dashboard'));
      const version = await api('/api/v1/version');
      const ready = await fetch('/readyz').then(r => r.ok ? 'ready' : 'not ready').catch(() => 'unreachable');
      const card = el('section', { class: 'card', 'aria-labelledby': 'system-heading' },
        el('h3', { id: 'system-heading' }, 'System'),
        facts([
          ['Version', version.version, 'version'],
          ['Commit', version.commit],
          ['Built', version.build_date],
          ['Running since', version.started_at],
          ['Uptime', formatUptime(version.uptime_seconds)],
          ['Stores', ready, 'readiness'],
        ]));
      main.append(el('div', { class: 'cards' }, card));
    },
  },
  content: placeholder('Content', 'Content items, drafts and the generator appear here once content is enabled on this install.'),
  calendar: placeholder('Calendar', 'Scheduled and published posts appear here once publishing is enabled.'),
  analytics: placeholder('Analytics', 'Performance of each piece of content appears here once metrics are collected.'),
  billing: placeholder('Billing', 'Customers, subscriptions and invoices appear here once billing is enabled.'),
  graph: placeholder('Graph', 'The creator–content–metric graph appears here once the graph store is enabled.'),
  settings: {
    title: 'Settings',
    async render(main) {
      main.append(el('h2', {}, 'Settings'),
        el('p', {}, 'The daemon reads its settings from the config file, STUDIO_* environment variables and flags; run ',
          el('code', {}, 'studio config'), ' on the host to see the effective values.'),
        el('p', {}, el('a', { href: '/api/v1/openapi.json' }, 'OpenAPI document'), ' · ', el('a', { href: '/metrics' }, 'Prometheus metrics')));
    },
  },
};
