// Per-content metrics: one line per platform over time as an inline SVG (no library), the chosen measure
// selectable, and the same figures as tables for screen readers and for anyone who wants the numbers.
import { api } from '../api.js';
import { el, errorText, notice } from '../ui.js';

const SVG = 'http://www.w3.org/2000/svg';
const MEASURES = [
  ['views', 'Views'], ['likes', 'Likes'], ['comments', 'Comments'], ['shares', 'Shares'], ['saves', 'Saves'],
  ['engagement', 'Engagement'],
];
const SERIES_CLASSES = 8;

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  for (const child of children.flat(Infinity)) if (child !== undefined && child !== null) node.append(child);
  return node;
}

const count = n => (typeof n === 'number' ? n.toLocaleString('en-US') : '—');
const percent = r => (typeof r === 'number' && Number.isFinite(r) ? `${(r * 100).toFixed(2)} %` : '—');
const value = (point, measure) => (measure === 'engagement' ? point.engagement : point[measure]);
const show = (v, measure) => (measure === 'engagement' ? percent(v) : count(v));
const day = at => (at ? `${at.slice(0, 10)} ${at.slice(11, 16)}` : '');

// A round upper bound for the y axis: 1, 2 or 5 times a power of ten.
function ceiling(max, measure) {
  if (measure === 'engagement') return max <= 0 ? 0.01 : Math.min(1, Math.ceil(max * 100) / 100);
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

/** The SVG line chart of `measure` for each series `{platform, points}`. */
export function lineChart(series, measure, titleId) {
  const width = 640, height = 260, left = 64, right = 16, top = 16, bottom = 36;
  const times = series.flatMap(s => s.points.map(p => Date.parse(p.at))).filter(Number.isFinite);
  const first = Math.min(...times), last = Math.max(...times);
  const maximum = ceiling(Math.max(0, ...series.flatMap(s => s.points.map(p => value(p, measure) || 0))), measure);
  const x = t => (last > first ? left + ((t - first) / (last - first)) * (width - left - right) : (left + width - right) / 2);
  const y = v => top + (height - top - bottom) * (1 - (v || 0) / maximum);
  const label = MEASURES.find(([m]) => m === measure)[1];
  const latest = series.map(s => `${s.platform} ${show(value(s.points[s.points.length - 1] || {}, measure), measure)}`).join(', ');
  const chart = svg('svg', { class: 'cs-chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': titleId, focusable: 'false' },
    svg('title', { id: titleId }, `${label} over time on ${series.length} platform${series.length === 1 ? '' : 's'}; latest: ${latest}`),
    [0, 0.5, 1].map(share => [
      svg('line', { class: 'cs-grid', x1: left, x2: width - right, y1: y(maximum * share), y2: y(maximum * share) }),
      svg('text', { x: left - 6, y: y(maximum * share) + 4, 'text-anchor': 'end' }, show(maximum * share, measure)),
    ]),
    svg('text', { x: left, y: height - 10 }, day(new Date(first).toISOString())),
    last > first ? svg('text', { x: width - right, y: height - 10, 'text-anchor': 'end' }, day(new Date(last).toISOString())) : null,
    series.map((s, index) => {
      const points = s.points.filter(p => Number.isFinite(Date.parse(p.at)));
      const d = points.map((p, i) => `${i ? 'L' : 'M'}${x(Date.parse(p.at)).toFixed(1)},${y(value(p, measure)).toFixed(1)}`).join(' ');
      return svg('g', { class: `cs-series cs-series-${index % SERIES_CLASSES}`, 'data-platform': s.platform },
        points.length > 1 ? svg('path', { d }) : null,
        points.map(p => svg('circle', { cx: x(Date.parse(p.at)).toFixed(1), cy: y(value(p, measure)).toFixed(1), r: 3 },
          svg('title', {}, `${s.platform}, ${day(p.at)}: ${show(value(p, measure), measure)}`))));
    }));
  const legend = el('ul', { class: 'cs-legend', 'aria-hidden': 'true' },
    series.map((s, index) => el('li', {}, el('span', { class: `cs-swatch cs-series-${index % SERIES_CLASSES}` }), s.platform)));
  return [chart, legend];
}

/** The figures of each platform as a table (the chart's text equivalent). */
export function metricsTables(series) {
  return series.map(s => el('table', { class: 'cs-metrics-table', 'data-platform': s.platform },
    el('caption', {}, `${s.platform}: ${s.points.length} snapshot${s.points.length === 1 ? '' : 's'}`),
    el('thead', {}, el('tr', {}, ['Time (UTC)', 'Views', 'Likes', 'Comments', 'Shares', 'Saves', 'Watch seconds', 'Engagement']
      .map(h => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, s.points.map(p => el('tr', {},
      el('th', { scope: 'row' }, el('time', { datetime: p.at }, day(p.at))),
      [p.views, p.likes, p.comments, p.shares, p.saves, p.watch_seconds].map(n => el('td', {}, count(n))),
      el('td', {}, percent(p.engagement)))))));
}

/**
 * The metrics panel of one content item: loads `GET /api/v1/content/{id}/metrics` into `container`.
 * Returns a function that reloads it (the section calls it on `metrics.changed`).
 */
export function metricsPanel(container, contentId) {
  let measure = 'views';
  let series = [];
  const body = el('div', { class: 'cs-metrics-body' });
  const picker = el('select', { id: 'content-metric-measure' }, MEASURES.map(([v, l]) => el('option', { value: v }, l)));
  const controls = el('div', { class: 'cs-field cs-inline' }, el('label', { for: picker.id }, 'Measure'), picker);
  picker.addEventListener('change', () => { measure = picker.value; draw(); });
  container.replaceChildren(el('h4', { id: 'content-metrics-heading' }, 'Performance'), controls, body);

  function draw() {
    const withPoints = series.filter(s => s.points && s.points.length);
    controls.hidden = !withPoints.length;
    if (!withPoints.length) { body.replaceChildren(notice('No metrics yet. Snapshots sent to POST /api/v1/metrics for this item appear here.')); return; }
    body.replaceChildren(
      el('figure', { class: 'cs-figure', id: 'content-metrics-chart' }, ...lineChart(withPoints, measure, 'content-metrics-title'),
        el('figcaption', { class: 'muted' }, 'One line per platform. The tables below hold the same figures.')),
      el('details', { class: 'cs-metrics-details' }, el('summary', {}, 'Figures as tables'), metricsTables(withPoints)));
  }

  async function load() {
    try {
      const data = await api(`/api/v1/content/${encodeURIComponent(contentId)}/metrics`);
      series = Array.isArray(data?.series) ? data.series : [];
      draw();
    } catch (error) {
      body.replaceChildren(error.status === 404 && !series.length ? notice('Metrics are not available for this item.') : errorText(`Could not load the metrics: ${error.message}`));
    }
  }
  load();
  return load;
}
