// Tiny DOM helpers shared by the sections.
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) if (child !== undefined && child !== null) node.append(child);
  return node;
}

export function facts(pairs) {
  const dl = el('dl', { class: 'facts' });
  for (const [label, value, id] of pairs) dl.append(el('dt', {}, label), el('dd', id ? { id } : {}, String(value)));
  return dl;
}

export function formatUptime(seconds) {
  const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600), m = Math.floor(seconds % 3600 / 60);
  return d ? `${d} d ${h} h` : h ? `${h} h ${m} min` : `${m} min ${seconds % 60} s`;
}

export function notice(text) {
  return el('p', { class: 'notice' }, text);
}

export function errorText(text) {
  return el('p', { class: 'error', role: 'alert' }, text);
}

// A tablist with its panels (the WAI-ARIA tabs pattern): arrow keys, Home and End move between tabs,
// Tab goes into the panel. `tabs` is [[name, label], …]; `panels` maps each name to its element.
// Returns { bar, wrappers, show(name, focusTab) }; append bar and wrappers where the section wants them.
export function tabs(prefix, label, tabList, panels) {
  const bar = el('div', { class: 'cs-tabs', role: 'tablist', 'aria-label': label });
  const buttons = tabList.map(([name, text]) => el('button', {
    type: 'button', role: 'tab', id: `${prefix}-tab-${name}`, 'data-tab': name, 'aria-controls': `${prefix}-panel-${name}`, onclick: () => show(name, true),
  }, text));
  bar.append(...buttons);
  bar.addEventListener('keydown', event => {
    const index = buttons.indexOf(document.activeElement);
    if (index < 0) return;
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: buttons.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    show(buttons[(next + buttons.length) % buttons.length].dataset.tab, true);
  });
  const wrappers = Object.fromEntries(tabList.map(([name]) => [name,
    el('div', { role: 'tabpanel', id: `${prefix}-panel-${name}`, 'aria-labelledby': `${prefix}-tab-${name}`, class: 'cs-panel', hidden: true }, panels[name])]));

  function show(name, focusTab = false) {
    for (const button of buttons) {
      const selected = button.dataset.tab === name;
      button.setAttribute('aria-selected', String(selected));
      button.tabIndex = selected ? 0 : -1;
      if (selected && focusTab) button.focus();
    }
    for (const [key, wrapper] of Object.entries(wrappers)) wrapper.hidden = key !== name;
  }
  return { bar, wrappers, show };
}
