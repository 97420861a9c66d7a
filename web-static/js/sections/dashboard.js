import { api } from '../api.js';
import { el, errorText, facts, formatUptime, notice } from '../ui.js';

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  for (const child of children.flat()) if (child !== undefined && child !== null) node.append(child);
  return node;
}

// Money objects are {amount: integer minor units, currency}; the currency's digits come from Intl.
export function formatMoney(money, { compact = false } = {}) {
  if (!money) return '—';
  const format = new Intl.NumberFormat('en-US', { style: 'currency', currency: money.currency, notation: compact ? 'compact' : 'standard' });
  const digits = new Intl.NumberFormat('en-US', { style: 'currency', currency: money.currency }).resolvedOptions().maximumFractionDigits;
  return format.format(money.amount / 10 ** digits);
}

export function formatRatio(ratio) {
  if (!ratio || ratio.basis_points === null || ratio.basis_points === undefined) return 'n/a';
  return `${(ratio.basis_points / 100).toFixed(2)} %`;
}

let sheet;
function adoptStyles() {
  if (sheet) return;
  sheet = new CSSStyleSheet();
  sheet.replaceSync(`
    .mrr-chart { width: 100%; max-width: 40rem; height: auto; }
    .mrr-chart .bar-back { fill: #e5e7eb; }
    .mrr-chart .bar-fill { fill: #2563eb; }
    .mrr-chart .line { fill: none; stroke: #2563eb; stroke-width: 2; }
    .mrr-chart .projection { fill: none; stroke: #2563eb; stroke-width: 2; stroke-dasharray: 5 4; opacity: .6; }
    .mrr-chart .target { stroke: #dc2626; stroke-width: 1.5; stroke-dasharray: 6 3; }
    .mrr-chart text { font: 12px system-ui, sans-serif; fill: currentColor; }
    .mrr-figure { margin: 0; }
    .mrr-figure figcaption { font-size: .9rem; }
  `);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

// A progress bar of current MRR against the target, and the MRR history with the projection and the target line.
function mrrChart(mrr) {
  const width = 640, height = 260, left = 64, right = 16, top = 56, bottom = 32;
  const target = mrr.target.amount;
  const current = mrr.current.amount;
  const share = target > 0 ? Math.min(1, Math.max(0, current / target)) : 0;
  const history = mrr.history || [];
  const projected = (mrr.projection && mrr.projection.next_12_months) || [];
  const values = [...history.map(h => h.mrr.amount), ...projected.map(p => p.amount), target];
  const maximum = Math.max(1, ...values) * 1.05;
  const points = history.length + projected.length;
  const x = i => left + (points > 1 ? (i / (points - 1)) * (width - left - right) : 0);
  const y = v => top + (height - top - bottom) * (1 - v / maximum);
  const path = list => list.map((v, i) => `${i ? 'L' : 'M'}${x(v.i).toFixed(1)},${y(v.v).toFixed(1)}`).join(' ');
  const past = history.map((h, i) => ({ i, v: h.mrr.amount }));
  const future = history.length ? [past[past.length - 1], ...projected.map((p, k) => ({ i: history.length + k, v: p.amount }))] : [];
  const label = `MRR ${formatMoney(mrr.current)} of the ${formatMoney(mrr.target)} target (${(share * 100).toFixed(1)} %)`;
  const chart = svg('svg', { class: 'mrr-chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'mrr-chart-title' },
    svg('title', { id: 'mrr-chart-title' }, label),
    svg('rect', { class: 'bar-back', x: left, y: 8, width: width - left - right, height: 18, rx: 4 }),
    svg('rect', { class: 'bar-fill', id: 'mrr-progress-bar', x: left, y: 8, width: ((width - left - right) * share).toFixed(1), height: 18, rx: 4 }),
    svg('text', { x: 0, y: 22 }, 'Target'),
    svg('text', { x: width - right, y: 44, 'text-anchor': 'end' }, `${(share * 100).toFixed(1)} % of ${formatMoney(mrr.target, { compact: true })}`),
    svg('line', { class: 'target', x1: left, x2: width - right, y1: y(target), y2: y(target) }),
    svg('text', { x: 0, y: y(target) + 4 }, formatMoney(mrr.target, { compact: true })),
    svg('text', { x: 0, y: y(0) + 4 }, formatMoney({ amount: 0, currency: mrr.target.currency }, { compact: true })),
    past.length ? svg('path', { class: 'line', d: path(past) }) : null,
    future.length > 1 ? svg('path', { class: 'projection', d: path(future) }) : null,
    history.length ? svg('text', { x: left, y: height - 8 }, history[0].month) : null,
    history.length ? svg('text', { x: x(history.length - 1), y: height - 8, 'text-anchor': 'middle' }, history[history.length - 1].month) : null,
    projected.length ? svg('text', { x: width - right, y: height - 8, 'text-anchor': 'end' }, 'projection') : null,
  );
  return el('figure', { class: 'mrr-figure' }, chart,
    el('figcaption', {}, `${label}. Solid line: monthly MRR; dashed: projection from the recent trend; red: the target.`));
}

function billingCards(data) {
  const { mrr, users, revenue } = data;
  const projection = mrr.projection || {};
  const reach = projection.months_to_target === null || projection.months_to_target === undefined
    ? 'not on the current trend'
    : projection.months_to_target === 0 ? 'reached' : `${projection.target_month} (in ${projection.months_to_target} months)`;
  const mrrCard = el('section', { class: 'card', 'aria-labelledby': 'mrr-heading' },
    el('h3', { id: 'mrr-heading' }, 'Monthly recurring revenue'),
    facts([
      ['MRR', formatMoney(mrr.current), 'mrr-current'],
      ['Target', formatMoney(mrr.target), 'mrr-target'],
      ['Progress', formatRatio(mrr.progress), 'mrr-progress'],
      ['Growth this month', formatRatio(mrr.growth)],
      ['ARR', formatMoney(mrr.arr)],
      ['Target reached', reach, 'mrr-projection'],
    ]),
    mrrChart(mrr));
  const userCard = el('section', { class: 'card', 'aria-labelledby': 'users-heading' },
    el('h3', { id: 'users-heading' }, 'Customers'),
    facts([
      ['Total acquired', users.total, 'users-total'],
      ['Active', users.active, 'users-active'],
      ['New this month', users.acquisition],
      ['Churned this month', users.churned],
      ['Logo churn', formatRatio(users.churn)],
      ['Net revenue churn', formatRatio(users.revenue_churn)],
      ['ARPA', formatMoney(users.arpa)],
      ['LTV', formatMoney(users.ltv)],
      ['CAC', formatMoney(users.cac)],
    ]));
  const revenueCard = el('section', { class: 'card', 'aria-labelledby': 'revenue-heading' },
    el('h3', { id: 'revenue-heading' }, 'Revenue'),
    facts([
      ['This month', formatMoney(revenue.this_month)],
      ['Non-recurring this month', formatMoney(revenue.non_recurring_this_month)],
      ['All time', formatMoney(revenue.total)],
    ]));
  const extra = [];
  for (const [key, title] of [['content', 'Content'], ['system', 'Operations']]) {
    const value = data[key];
    if (value && typeof value === 'object') {
      extra.push(el('section', { class: 'card', 'aria-labelledby': `${key}-heading` },
        el('h3', { id: `${key}-heading` }, title),
        facts(Object.entries(value).map(([k, v]) => [k.replaceAll('_', ' '), typeof v === 'object' && v && 'amount' in v ? formatMoney(v) : String(v)]))));
    }
  }
  return [mrrCard, userCard, revenueCard, ...extra];
}

export default {
  title: 'Dashboard',
  async render(main) {
    adoptStyles();
    main.append(el('h2', {}, 'Dashboard'));
    const cards = el('div', { class: 'cards' });
    main.append(cards);
    try {
      const data = await api('/api/v1/dashboard');
      cards.append(...billingCards(data));
    } catch (error) {
      cards.append(el('section', { class: 'card', 'aria-labelledby': 'mrr-heading' },
        el('h3', { id: 'mrr-heading' }, 'Monthly recurring revenue'),
        error.status === 404 ? notice('Billing is not enabled on this server.') : errorText(`The dashboard figures could not be loaded: ${error.message}`)));
    }
    const version = await api('/api/v1/version');
    const ready = await fetch('/readyz').then(r => (r.ok ? 'ready' : 'not ready')).catch(() => 'unreachable');
    const card = el('section', { class: 'card', 'aria-labelledby': 'system-heading' },
      el('h3', { id: 'system-heading' }, 'System'),
      facts([
        ['Version', version.version, 'version'],
        ['Commit', version.commit],
        ['Built', version.build_date],
        ['Running since', version.started_at],
        ['Uptime', formatUptime(version.uptime_seconds)],
        ['Stores', ready, 'readiness'],
      ]));
    cards.append(card);
  },
};
