import { el, notice } from '../ui.js';

export default {
  title: 'Graph',
  async render(main) {
    main.append(el('h2', {}, 'Graph'), notice('The creator–content–metric graph appears here once the graph store is enabled.'));
  },
};
