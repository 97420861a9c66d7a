import { el, notice } from '../ui.js';

export default {
  title: 'Analytics',
  async render(main) {
    main.append(el('h2', {}, 'Analytics'), notice('Performance of each piece of content appears here once metrics are collected.'));
  },
};
