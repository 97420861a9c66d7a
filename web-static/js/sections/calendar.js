import { el, notice } from '../ui.js';

export default {
  title: 'Calendar',
  async render(main) {
    main.append(el('h2', {}, 'Calendar'), notice('Scheduled and published posts appear here once publishing is enabled.'));
  },
};
