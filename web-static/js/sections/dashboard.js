import { api } from '../api.js';
import { el, facts, formatUptime } from '../ui.js';

export default {
  title: 'Dashboard',
  async render(main) {
    main.append(el('h2', {}, 'Dashboard'));
    const version = await api('/api/v1/version');
    const ready = await fetch('/readyz').then(r => (r.ok ? 'ready' : 'not ready')).catch(() => 'unreachable');
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
};
