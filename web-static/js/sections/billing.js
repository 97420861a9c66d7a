import { el, notice } from '../ui.js';

export default {
  title: 'Billing',
  async render(main) {
    main.append(el('h2', {}, 'Billing'), notice('Customers, subscriptions and invoices appear here once billing is enabled.'));
  },
};
