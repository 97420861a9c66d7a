import { el, notice } from '../ui.js';

export default {
  title: 'Content',
  async render(main) {
    main.append(el('h2', {}, 'Content'), notice('Content items, drafts and the generator appear here once content is enabled on this install.'));
  },
};
