// Calendar (publishing): the calendar of scheduled and published posts, composing with every target platform's
// rendering, and the connected platform accounts; kept live over the event stream (publication.*).
// The parts live under ../publishing/. Deep links: #/calendar/compose, #/calendar/accounts.
import { el } from '../ui.js';
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

    const bar = el('div', { class: 'cs-tabs', role: 'tablist', 'aria-label': 'Publishing views' });
    const buttons = TABS.map(([name, label]) => el('button', {
      type: 'button', role: 'tab', id: `calendar-tab-${name}`, 'data-tab': name, 'aria-controls': `calendar-panel-${name}`, onclick: () => show(name, true),
    }, label));
    bar.append(...buttons);
    // Arrow keys, Home and End move between tabs (the tablist pattern); Tab goes into the panel.
    bar.addEventListener('keydown', event => {
      const index = buttons.indexOf(document.activeElement);
      if (index < 0) return;
      const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: buttons.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      show(buttons[(next + buttons.length) % buttons.length].dataset.tab, true);
    });
    const wrappers = Object.fromEntries(TABS.map(([name]) => [name,
      el('div', { role: 'tabpanel', id: `calendar-panel-${name}`, 'aria-labelledby': `calendar-tab-${name}`, class: 'cs-panel', hidden: true }, panels[name])]));
    root.append(bar, ...Object.values(wrappers));

    function show(name, focusTab = false) {
      for (const button of buttons) {
        const selected = button.dataset.tab === name;
        button.setAttribute('aria-selected', String(selected));
        button.tabIndex = selected ? 0 : -1;
        if (selected && focusTab) button.focus();
      }
      for (const [key, wrapper] of Object.entries(wrappers)) wrapper.hidden = key !== name;
    }
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
