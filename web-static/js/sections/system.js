// Live process, cache and request figures, refreshed every two seconds without a reload.
import { api } from '../api.js';
import { el, formatUptime } from '../ui.js';

function mib(bytes) { return `${(bytes / 1048576).toFixed(1)} MiB`; }
function ratio(hits, misses) { return hits + misses ? `${((100 * hits) / (hits + misses)).toFixed(1)} %` : '–'; }

export default {
  title: 'System',
  async render(main) {
    main.append(el('h2', {}, 'System'));
    const process = el('section', { class: 'card', 'aria-labelledby': 'proc-h' }, el('h3', { id: 'proc-h' }, 'Process'), el('dl', { class: 'facts', id: 'process-facts' }));
    const cacheTable = el('table', { id: 'cache-table' },
      el('caption', {}, 'Cache tiers'),
      el('thead', {}, el('tr', {}, ...['Tier', 'Entries', 'Bytes', 'Budget', 'Hits', 'Misses', 'Hit ratio', 'Evictions', 'Expirations'].map(h => el('th', { scope: 'col' }, h)))),
      el('tbody'));
    const routeTable = el('table', { id: 'route-table' },
      el('caption', {}, 'Requests by route (rate over the last refresh)'),
      el('thead', {}, el('tr', {}, ...['Route', 'Requests', 'Per second', 'Mean latency', '5xx'].map(h => el('th', { scope: 'col' }, h)))),
      el('tbody'));
    main.append(el('div', { class: 'cards' }, process), cacheTable, routeTable);
    let previous = null, previousAt = 0;
    const refresh = async () => {
      if (!main.contains(cacheTable)) return false;
      const stats = await api('/api/v1/system/stats');
      const now = performance.now();
      document.getElementById('process-facts').replaceChildren(
        el('dt', {}, 'Resident memory'), el('dd', { id: 'rss' }, mib(stats.process.resident_bytes)),
        el('dt', {}, 'Threads'), el('dd', {}, String(stats.process.threads)),
        el('dt', {}, 'Open files'), el('dd', {}, String(stats.process.open_files)),
        el('dt', {}, 'Uptime'), el('dd', {}, formatUptime(Math.floor(stats.process.uptime_seconds))),
        el('dt', {}, 'Event streams'), el('dd', {}, String(stats.event_streams)));
      cacheTable.tBodies[0].replaceChildren(...['hot', 'warm', 'cold'].map(tier => {
        const t = stats.cache[tier];
        return el('tr', { 'data-tier': tier }, el('th', { scope: 'row' }, tier), ...[t.entries, mib(t.bytes), mib(t.byte_budget), t.hits, t.misses, ratio(t.hits, t.misses), t.evictions, t.expirations].map(v => el('td', {}, String(v))));
      }));
      const seconds = previous ? (now - previousAt) / 1000 : 0;
      routeTable.tBodies[0].replaceChildren(...Object.entries(stats.routes).sort((a, b) => b[1].requests - a[1].requests).map(([route, r]) => {
        const before = previous?.routes?.[route];
        const rate = before && seconds > 0 ? ((r.requests - before.requests) / seconds).toFixed(1) : '–';
        return el('tr', {}, el('th', { scope: 'row' }, route), el('td', {}, String(r.requests)), el('td', {}, rate),
          el('td', {}, r.requests ? `${((1000 * r.seconds) / r.requests).toFixed(2)} ms` : '–'), el('td', {}, String(r.errors)));
      }));
      previous = stats; previousAt = now;
      return true;
    };
    await refresh();
    const timer = setInterval(async () => { try { if (!(await refresh())) clearInterval(timer); } catch { /* next tick retries */ } }, 2000);
  },
};
