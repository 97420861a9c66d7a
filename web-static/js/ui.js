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
