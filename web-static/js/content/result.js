// How a generation result is shown: the text, the chosen model, cost, score and every model tried.
import { el, facts } from '../ui.js';
import { costMicrosOf, dollarsFromMicros, formatMillis, formatScore } from './format.js';

/** The result object of a job (or a bare result), with the spellings the API may use folded together. */
export function readResult(jobOrResult) {
  const r = jobOrResult?.result && typeof jobOrResult.result === 'object' ? jobOrResult.result : jobOrResult || {};
  const text = typeof r.text === 'string' ? r.text : typeof r.output === 'string' ? r.output : typeof r.body === 'string' ? r.body : '';
  return {
    text,
    model: r.model ?? r.generation?.model ?? '',
    policy: r.policy ?? r.generation?.policy ?? '',
    costMicros: costMicrosOf(r) ?? costMicrosOf(r.generation),
    score: r.score ?? r.quality_score ?? r.generation?.quality_score,
    attempts: Array.isArray(r.attempts) ? r.attempts : Array.isArray(r.generation?.attempts) ? r.generation.attempts : [],
    inputTokens: r.input_tokens ?? r.usage?.input_tokens,
    outputTokens: r.output_tokens ?? r.usage?.output_tokens,
    latencyMs: r.latency_ms ?? r.latency_millis,
    problems: Array.isArray(r.problems) ? r.problems : [],
    contentId: r.content_id ?? null,
  };
}

/** A table of the models tried for one request: model, outcome, error, latency (and cost and score when known). */
export function attemptsTable(attempts, { hiddenCaption = false } = {}) {
  return el('table', { class: 'cs-attempts' },
    el('caption', hiddenCaption ? { class: 'cs-sr-only' } : {}, `Models tried (${attempts.length})`),
    el('thead', {}, el('tr', {}, ['Model', 'Outcome', 'Error', 'Latency', 'Cost', 'Score'].map(h => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, attempts.map(a => el('tr', { 'data-outcome': a.outcome || '' },
      el('th', { scope: 'row' }, a.model || '—'),
      el('td', {}, String(a.outcome || '—').replaceAll('_', ' ')),
      el('td', {}, a.error || '—'),
      el('td', {}, formatMillis(a.latency_ms ?? a.latency_millis)),
      el('td', {}, dollarsFromMicros(costMicrosOf(a))),
      el('td', {}, formatScore(a.score))))));
}

/** The figures and attempts of a finished result, as nodes to put in a result card. */
export function resultDetails(result) {
  const tokens = result.inputTokens !== undefined || result.outputTokens !== undefined
    ? `${result.inputTokens ?? '—'} in / ${result.outputTokens ?? '—'} out` : null;
  const list = facts([
    ['Model', result.model || '—'],
    ['Cost', dollarsFromMicros(result.costMicros)],
    ['Quality score', formatScore(result.score)],
    ...(result.policy ? [['Policy', result.policy]] : []),
    ...(tokens ? [['Tokens', tokens]] : []),
    ...(result.latencyMs !== undefined ? [['Time', formatMillis(result.latencyMs)]] : []),
  ]);
  const [model, cost, score] = list.querySelectorAll('dd');
  model.classList.add('cs-result-model');
  cost.classList.add('cs-result-cost');
  score.classList.add('cs-result-score');
  return [
    list,
    result.problems.length ? el('p', { class: 'muted' }, `Notes: ${result.problems.join('; ')}`) : null,
    result.attempts.length
      ? el('details', { class: 'cs-attempts-box', open: result.attempts.length > 1 },
        el('summary', {}, `Models tried (${result.attempts.length})`),
        attemptsTable(result.attempts, { hiddenCaption: true }))
      : null,
  ];
}
