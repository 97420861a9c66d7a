// The Graph section: counts per label and type, a node browser (by id, by indexed property, by label),
// a node's properties and its neighbours, each neighbour a link that follows the relationship.
// Addresses: #/graph, #/graph/node/<id>, #/graph/label/<label>[?after=<cursor>].
import { api } from '../api.js';
import { el, errorText, notice } from '../ui.js';

const BASE = '/api/v1/graph';
const PAGE = 50;

export default {
  title: 'Graph',
  async render(main) {
    addStyle();
    main.append(el('h2', {}, 'Graph'));
    const [stats, indexes] = await Promise.all([api(`${BASE}/stats`), api(`${BASE}/indexes`)]);
    const route = parseRoute();
    const results = el('section', { class: 'graph-results', 'aria-live': 'polite', 'aria-labelledby': 'graph-results-heading' });
    main.append(statsSection(stats), browser(stats, indexes.data, route), results);
    if (route.node) await showNode(results, route.node);
    else if (route.label) await showLabel(results, route.label, route.after);
  },
};

// #/graph/node/12 → { node: '12' }; #/graph/label/Creator?after=40 → { label, after }.
function parseRoute() {
  const [path, query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').map(decodeURIComponent);
  const after = new URLSearchParams(query).get('after');
  if (parts[1] === 'node' && parts[2]) return { node: parts[2] };
  if (parts[1] === 'label' && parts[2]) return { label: parts[2], after };
  return {};
}

const nodeHref = id => `#/graph/node/${encodeURIComponent(id)}`;
const labelHref = (label, after) => `#/graph/label/${encodeURIComponent(label)}${after ? `?after=${encodeURIComponent(after)}` : ''}`;

function statsSection(stats) {
  const byCount = object => Object.entries(object).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const labels = byCount(stats.labels);
  const types = byCount(stats.types);
  return el('section', { class: 'card graph-stats', 'aria-labelledby': 'graph-counts-heading' },
    el('h3', { id: 'graph-counts-heading' }, 'Counts'),
    el('p', {}, `${stats.nodes.toLocaleString()} nodes, ${stats.relationships.toLocaleString()} relationships.`),
    el('div', { class: 'graph-columns' },
      countTable('Nodes per label', 'Label', labels, label => el('a', { href: labelHref(label) }, label)),
      countTable('Relationships per type', 'Type', types, type => type)));
}

function countTable(caption, heading, rows, cell) {
  if (!rows.length) return el('p', { class: 'notice' }, `${caption}: none yet.`);
  return el('table', { class: 'graph-table' },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, heading), el('th', { scope: 'col', class: 'num' }, 'Count'))),
    el('tbody', {}, rows.map(([name, count]) => el('tr', {}, el('th', { scope: 'row' }, cell(name)), el('td', { class: 'num' }, count.toLocaleString())))));
}

// Two forms: by id, and by (label, property, value); the second offers the declared indexes.
function browser(stats, indexes, route) {
  const idInput = el('input', { id: 'graph-node-id', name: 'id', type: 'text', inputmode: 'numeric', pattern: '[0-9]+', required: true,
    autocomplete: 'off', value: route.node || '' });
  const byId = el('form', { class: 'graph-form', 'aria-labelledby': 'graph-by-id-heading' },
    el('h4', { id: 'graph-by-id-heading' }, 'By id'),
    el('label', { for: 'graph-node-id' }, 'Node id'), idInput,
    el('button', { type: 'submit' }, 'Show node'));
  byId.addEventListener('submit', event => {
    event.preventDefault();
    const id = idInput.value.trim();
    if (/^[0-9]+$/.test(id)) location.hash = nodeHref(id);
    else idInput.reportValidity();
  });

  const choices = indexes.map(index => `${index.label}\u0000${index.property}`);
  const indexSelect = el('select', { id: 'graph-index', name: 'index' },
    indexes.map((index, i) => el('option', { value: choices[i] }, `:${index.label}(${index.property})${index.unique ? ' unique' : ''}`)),
    el('option', { value: '' }, 'Other label and property…'));
  const labelInput = el('input', { id: 'graph-lookup-label', name: 'label', type: 'text', list: 'graph-label-names', autocomplete: 'off' });
  const propertyInput = el('input', { id: 'graph-lookup-property', name: 'property', type: 'text', autocomplete: 'off' });
  const valueInput = el('input', { id: 'graph-lookup-value', name: 'value', type: 'text', required: true, autocomplete: 'off',
    'aria-describedby': 'graph-lookup-help' });
  const custom = el('div', { class: 'graph-custom' },
    el('label', { for: 'graph-lookup-label' }, 'Label'), labelInput,
    el('label', { for: 'graph-lookup-property' }, 'Property'), propertyInput);
  const syncCustom = () => { custom.hidden = indexSelect.value !== ''; };
  indexSelect.addEventListener('change', syncCustom);
  syncCustom();
  const lookupResults = el('div', { 'aria-live': 'polite' });
  const byProperty = el('form', { class: 'graph-form', 'aria-labelledby': 'graph-by-property-heading' },
    el('h4', { id: 'graph-by-property-heading' }, 'By property'),
    el('label', { for: 'graph-index' }, 'Index'), indexSelect, custom,
    el('label', { for: 'graph-lookup-value' }, 'Value'), valueInput,
    el('p', { id: 'graph-lookup-help', class: 'notice' }, 'Numbers and true/false are matched as such; put text that looks like a number in quotes ("42").'),
    el('button', { type: 'submit' }, 'Find nodes'),
    el('datalist', { id: 'graph-label-names' }, Object.keys(stats.labels).sort().map(label => el('option', { value: label }))),
    lookupResults);
  byProperty.addEventListener('submit', async event => {
    event.preventDefault();
    let [label, property] = indexSelect.value ? indexSelect.value.split('\u0000') : [labelInput.value.trim(), propertyInput.value.trim()];
    if (!label || !property) {
      lookupResults.replaceChildren(errorText('Choose an index, or give a label and a property.'));
      return;
    }
    const query = new URLSearchParams({ label, property, value: valueInput.value, limit: String(PAGE) });
    try {
      const page = await api(`${BASE}/nodes?${query}`);
      if (page.data.length === 1) {
        location.hash = nodeHref(page.data[0].id);
        return;
      }
      lookupResults.replaceChildren(page.data.length
        ? nodeList(`Nodes with ${property} = ${valueInput.value}`, page.data)
        : notice(`No :${label} node has ${property} = ${valueInput.value}.`));
    } catch (error) {
      lookupResults.replaceChildren(errorText(error.message));
    }
  });

  return el('section', { class: 'card graph-browser', 'aria-labelledby': 'graph-browser-heading' },
    el('h3', { id: 'graph-browser-heading' }, 'Find a node'),
    el('div', { class: 'graph-columns' }, byId, byProperty));
}

async function showNode(results, id) {
  let node;
  try {
    node = await api(`${BASE}/nodes/${encodeURIComponent(id)}`);
  } catch (error) {
    results.append(el('h3', { id: 'graph-results-heading', tabindex: '-1' }, `Node ${id}`), errorText(error.message));
    return;
  }
  const heading = el('h3', { id: 'graph-results-heading', tabindex: '-1' }, `Node ${node.id}`,
    node.labels.map(label => el('span', { class: 'graph-label' }, `:${label}`)));
  results.append(heading, propertiesTable(`Properties of node ${node.id}`, node.properties));
  results.append(await neighbourPanel(node));
  heading.focus();
}

function propertiesTable(caption, properties) {
  const keys = Object.keys(properties).sort();
  if (!keys.length) return el('p', { class: 'notice' }, 'No properties.');
  return el('table', { class: 'graph-table' },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Property'), el('th', { scope: 'col' }, 'Value'), el('th', { scope: 'col' }, 'Type'))),
    el('tbody', {}, keys.map(key => {
      const [text, type] = describe(properties[key]);
      return el('tr', {}, el('th', { scope: 'row' }, key), el('td', { class: 'graph-value' }, text), el('td', {}, type));
    })));
}

// Text and type name of a property value in the API's tagged JSON form.
function describe(value) {
  if (value === null) return ['null', 'null'];
  if (Array.isArray(value)) return [`[${value.map(item => describe(item)[0]).join(', ')}]`, 'list'];
  if (typeof value === 'object') {
    const [tag, text] = Object.entries(value)[0] || ['$?', ''];
    return [String(text), tag.slice(1)];
  }
  if (typeof value === 'number') {
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) return [`≈ ${value} (beyond 2^53; the exact value is in the API)`, 'number'];
    return [String(value), 'number'];
  }
  if (typeof value === 'string') return [value, 'string'];
  return [String(value), typeof value];
}

// Neighbours with a direction and type filter, a depth choice and "more" paging.
async function neighbourPanel(node) {
  const section = el('section', { class: 'graph-neighbours', 'aria-labelledby': 'graph-neighbours-heading' },
    el('h4', { id: 'graph-neighbours-heading' }, 'Neighbours'));
  const direction = el('select', { id: 'graph-direction', name: 'direction' },
    el('option', { value: 'both' }, 'Both directions'), el('option', { value: 'out' }, 'Outgoing →'), el('option', { value: 'in' }, 'Incoming ←'));
  const type = el('input', { id: 'graph-type', name: 'type', type: 'text', autocomplete: 'off', placeholder: 'all types',
    'aria-describedby': 'graph-type-help' });
  const depth = el('select', { id: 'graph-depth', name: 'depth' }, [1, 2, 3].map(n => el('option', { value: String(n) }, String(n))));
  const form = el('form', { class: 'graph-filter' },
    el('label', { for: 'graph-direction' }, 'Direction'), direction,
    el('label', { for: 'graph-type' }, 'Types'), type,
    el('label', { for: 'graph-depth' }, 'Depth'), depth,
    el('button', { type: 'submit' }, 'Show'),
    el('span', { id: 'graph-type-help', class: 'notice' }, 'Comma-separated, e.g. CREATED,PERFORMS'));
  const body = el('tbody');
  const table = el('table', { class: 'graph-table' },
    el('caption', {}, `Relationships of node ${node.id}`),
    el('thead', {}, el('tr', {},
      ['Direction', 'Type', 'Relationship properties', 'Node', 'Depth'].map(h => el('th', { scope: 'col' }, h)))),
    body);
  const status = el('p', { class: 'notice', role: 'status' });
  const more = el('button', { type: 'button', hidden: true }, 'Show more');
  let cursor = null;

  async function load(reset) {
    const query = new URLSearchParams({ direction: direction.value, depth: depth.value, limit: String(PAGE) });
    const types = type.value.split(',').map(t => t.trim()).filter(Boolean);
    if (types.length) query.set('type', types.join(','));
    if (!reset && cursor) query.set('after', cursor);
    try {
      const page = await api(`${BASE}/nodes/${node.id}/neighbors?${query}`);
      if (reset) body.replaceChildren();
      for (const item of page.data) body.append(neighbourRow(item));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      status.textContent = body.children.length ? `${body.children.length} shown${cursor ? ', more available' : ''}.` : 'No neighbours match.';
    } catch (error) {
      status.textContent = '';
      status.replaceChildren(errorText(error.message));
    }
  }
  form.addEventListener('submit', event => { event.preventDefault(); load(true); });
  more.addEventListener('click', () => load(false));
  section.append(form, table, status, more);
  await load(true);
  return section;
}

function neighbourRow({ relationship, node, depth }) {
  // At depth 1 the relationship touches the origin; deeper, it is the last hop into `node`.
  const outgoing = relationship.end === node.id;
  const arrow = depth > 1 ? (outgoing ? '→ (via)' : '← (via)') : (outgoing ? '→ out' : '← in');
  const props = Object.keys(relationship.properties).sort().map(key => `${key}: ${describe(relationship.properties[key])[0]}`).join('; ');
  const name = summary(node);
  return el('tr', {},
    el('td', {}, arrow),
    el('td', {}, relationship.type),
    el('td', { class: 'graph-value' }, props || '—'),
    el('td', {}, el('a', { href: nodeHref(node.id), 'aria-label': `Follow ${relationship.type} to node ${node.id}${name ? ` ${name}` : ''}` },
      `${node.id} ${node.labels.map(l => `:${l}`).join('')}${name ? ` — ${name}` : ''}`)),
    el('td', { class: 'num' }, String(depth)));
}

// A short name for a node: the first of a few usual naming properties.
function summary(node) {
  for (const key of ['name', 'handle', 'title', 'id']) {
    if (key in node.properties) return `${key} ${describe(node.properties[key])[0]}`;
  }
  return '';
}

async function showLabel(results, label, after) {
  const query = new URLSearchParams({ label, limit: String(PAGE) });
  if (after) query.set('after', after);
  const heading = el('h3', { id: 'graph-results-heading', tabindex: '-1' }, `Nodes labelled :${label}`);
  results.append(heading);
  try {
    const page = await api(`${BASE}/nodes?${query}`);
    results.append(page.data.length ? nodeList(`:${label} nodes`, page.data) : notice('No nodes on this page.'));
    const nav = el('p', { class: 'graph-pager' });
    if (after) nav.append(el('a', { href: labelHref(label) }, 'First page'), ' ');
    if (page.next_cursor) nav.append(el('a', { href: labelHref(label, page.next_cursor) }, 'Next page'));
    results.append(nav);
  } catch (error) {
    results.append(errorText(error.message));
  }
  heading.focus();
}

function nodeList(caption, nodes) {
  return el('table', { class: 'graph-table' },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Node'), el('th', { scope: 'col' }, 'Labels'), el('th', { scope: 'col' }, 'Properties'))),
    el('tbody', {}, nodes.map(node => el('tr', {},
      el('td', {}, el('a', { href: nodeHref(node.id) }, `Node ${node.id}`)),
      el('td', {}, node.labels.join(', ')),
      el('td', { class: 'graph-value' }, Object.keys(node.properties).sort().slice(0, 4)
        .map(key => `${key}: ${describe(node.properties[key])[0]}`).join('; ') + (Object.keys(node.properties).length > 4 ? '; …' : ''))))));
}

// Table and form layout for this section only; the shared stylesheet has no table rules yet. A constructed
// stylesheet, because the page's Content-Security-Policy (style-src 'self') blocks inline <style> elements.
let sheet = null;
function addStyle() {
  if (sheet) return;
  sheet = new CSSStyleSheet();
  sheet.replaceSync(`
    .graph-columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1rem; align-items: start; }
    .graph-stats, .graph-browser { margin-bottom: 1rem; }
    .graph-table { border-collapse: collapse; width: 100%; margin: .5rem 0; background: var(--panel); }
    .graph-table caption { text-align: left; color: var(--muted); padding-bottom: .25rem; }
    .graph-table th, .graph-table td { border-bottom: 1px solid var(--border); padding: .3rem .5rem; text-align: left; vertical-align: top; }
    .graph-table .num { text-align: right; font-variant-numeric: tabular-nums; }
    .graph-value { word-break: break-word; font-family: ui-monospace, monospace; font-size: .9rem; }
    .graph-form { display: grid; grid-template-columns: max-content 1fr; gap: .4rem .75rem; align-items: center; }
    .graph-form h4, .graph-form button, .graph-form p, .graph-form > div[aria-live] { grid-column: 1 / -1; margin: 0; }
    .graph-form button { justify-self: start; }
    .graph-custom { display: contents; }
    .graph-custom[hidden] { display: none; }
    .graph-filter { display: flex; flex-wrap: wrap; gap: .4rem .75rem; align-items: center; }
    .graph-label { margin-left: .5rem; font-size: .9rem; color: var(--muted); }
    .graph-form input, .graph-form select, .graph-filter input, .graph-filter select, .graph-browser button, .graph-neighbours button {
      font: inherit; padding: .25rem .4rem; border: 1px solid var(--border); border-radius: 4px; background: var(--panel); color: var(--text); }
  `);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}
