import { el } from '../ui.js';

export default {
  title: 'Settings',
  async render(main) {
    main.append(el('h2', {}, 'Settings'),
      el('p', {}, 'The daemon reads its settings from the config file, STUDIO_* environment variables and flags; run ',
        el('code', {}, 'studio config'), ' on the host to see the effective values.'),
      el('p', {}, el('a', { href: '/api/v1/openapi.json' }, 'OpenAPI document'), ' · ', el('a', { href: '/metrics' }, 'Prometheus metrics')));
  },
};
