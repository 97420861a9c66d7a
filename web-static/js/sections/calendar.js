// Calendar (publishing): the calendar of scheduled and published posts, composing with every target platform's
// rendering, and the connected platform accounts; kept live over the event stream (publication.*).
// The parts live under ../publishing/. Deep links: #/calendar/compose, #/calendar/accounts.
import { el, tabs } from '../ui.js';
import { subscribe } from '../content/events.js';
import { createAccounts } from '../publishing/accounts.js';
import { createCalendar } from '../publishing/calendar-view.js';
import { createCompose } from '../publishing/compose.js';

const TABS = [['calendar', 'Calendar'], ['compose', 'Compose'], ['accounts', 'Accounts']];

export default {
  title: 'Calendar',
  async render(main) {
    const root = el('div', { class: 'studio-content studio-publishing' });
    const announcer = el('div', { class: 'cs-sr-only', id: 'calendar-announce', role: 'status', 'aria-live': 'polite' });
    main.append(el('h2', {}, 'Calendar'), announcer, root);
    const alive = () => root.isConnected;
    let accounts = [];
    const hub = {
      alive,
      announce: text => { announcer.textContent = ''; setTimeout(() => { announcer.textContent = text; }, 50); },
      accounts: () => accounts,
      accountName: id => {
        const account = accounts.find(a => a.id === id);
        return account ? `${account.label || account.handle}${account.handle && account.label ? ` (${account.handle})` : ''}` : null;
      },
      accountsChanged: list => { accounts = list; compose.accountsChanged(); },
      scheduled: list => { for (const p of list) calendar.upsert(p); },
      showInCalendar: date => { show('calendar', true); calendar.showDay(date); },
    };
    const calendar = createCalendar(hub);
    const compose = createCompose(hub);
    const accountsView = createAccounts(hub);
    const panels = { calendar: calendar.element, compose: compose.element, accounts: accountsView.element };

    const { bar, wrappers, show } = tabs('calendar', 'Publishing views', TABS, panels);
    root.append(bar, ...Object.values(wrappers));
    const target = location.hash.replace(/^#\/?/, '').split('/')[1] || '';
    show(panels[target] ? target : 'calendar');

    let wasLive = false;
    subscribe({
      types: ['publication.*'],
      alive,
      // After a reconnect, events sent while the stream was down are gone: reload what is shown.
      onState: state => {
        calendar.setLive(state);
        if (state === 'live' && wasLive) calendar.load();
        if (state === 'live') wasLive = true;
      },
      onEvent: ({ type, data }) => { if (type.startsWith('publication.') && data && typeof data === 'object') calendar.upsert(data); },
    });

    await Promise.all([
      accountsView.load().catch(error => { accountsView.element.prepend(el('p', { class: 'error', role: 'alert' }, `Could not load the accounts: ${error.message}`)); }),
      compose.load(),
      calendar.load(),
    ]);
  },
};
