// The Generate panel: paste a text, pick a kind (and platform), a policy or a model, and generate; or
// run the four basics (title, hashtags, meta description, X post) at once. Each result shows the text,
// the chosen model, the cost, the score and every model tried; a request that outlasts the server's short
// wait comes back as a job and is finished from the jobs list.
import { api } from '../api.js';
import { el, errorText, notice } from '../ui.js';
import { clearFieldErrors, field, select, showFieldErrors } from './fields.js';
import { dollarsFromMicros, KINDS, kindLabel, PLATFORM_KINDS, PLATFORMS, POLICIES } from './format.js';
import { readResult, resultDetails } from './result.js';

/** The one-click set: what a fresh install must produce for a pasted article. */
export const QUICK_SET = [
  { kind: 'title' }, { kind: 'hashtags' }, { kind: 'meta_description' }, { kind: 'social_post', platform: 'x' },
];

async function optional(path) {
  try { return await api(path); } catch { return null; }
}

/** Builds the panel. hub: jobs (the jobs list), openContent(id), createContent(preset), alive(), announce(text). */
export function createGenerate(hub) {
  const input = el('textarea', { id: 'gen-input', name: 'input', rows: '12', spellcheck: 'true' });
  const kind = select('gen-kind', KINDS, 'title');
  const platform = select('gen-platform', PLATFORMS, 'x');
  const language = el('input', { id: 'gen-language', name: 'language', type: 'text', size: '8', autocomplete: 'off', spellcheck: 'false', placeholder: 'fr' });
  const policy = select('gen-policy', POLICIES, 'balanced');
  const model = select('gen-model', [['', 'Any: route by the policy']], '');
  const platformField = field('platform', 'Platform', platform);
  const languageField = field('language', 'Target language', language, { hint: 'A language tag such as fr, de or pt-BR.' });
  const modelField = field('model', 'Model', model, { hint: 'Naming a model skips routing.' });
  const submit = el('button', { type: 'submit', id: 'gen-submit' }, 'Generate');
  const quick = el('button', { type: 'button', id: 'gen-quick', class: 'cs-primary' }, 'Title + hashtags + meta + X post');
  const form = el('form', { id: 'generate-form', class: 'cs-form', 'aria-labelledby': 'generate-heading', novalidate: true },
    field('input', 'Article or text to work from', input, { wide: true }),
    field('kind', 'Kind', kind), platformField, languageField,
    field('policy', 'Routing policy', policy), modelField,
    el('div', { class: 'cs-actions cs-wide' }, submit, quick));
  const message = el('div', { id: 'gen-message', class: 'cs-message', role: 'status', 'aria-live': 'polite' });
  const results = el('div', { id: 'gen-results', class: 'cs-results', 'aria-label': 'Generated results' });
  const element = el('section', { class: 'cs-generate', 'aria-labelledby': 'generate-heading' },
    el('h3', { id: 'generate-heading' }, 'Generate'), form, message, results);

  const sync = () => {
    platformField.hidden = !PLATFORM_KINDS.has(kind.value);
    languageField.hidden = kind.value !== 'translation';
    policy.disabled = Boolean(model.value);
  };
  kind.addEventListener('change', sync);
  model.addEventListener('change', sync);
  sync();
  modelField.hidden = true;

  // Platforms and models from the daemon when it serves them; the fixed list and policy-only otherwise.
  (async () => {
    const [platforms, models] = await Promise.all([optional('/api/v1/platforms'), optional('/api/v1/models')]);
    const plist = platforms && (platforms.platforms || platforms.data || (Array.isArray(platforms) ? platforms : null));
    if (Array.isArray(plist) && plist.length) {
      const chosen = platform.value;
      platform.replaceChildren(...plist.map(p => {
        const id = typeof p === 'string' ? p : p.id || p.name;
        const label = typeof p === 'string' ? p : p.name || p.id;
        return el('option', { value: id, selected: id === chosen }, label);
      }));
    }
    const mlist = models && (models.models || models.data);
    if (Array.isArray(mlist) && mlist.length) {
      model.append(...mlist.map(m => {
        const available = m.available !== false && m.enabled !== false;
        const details = [typeof m.quality === 'number' ? `quality ${m.quality}` : null,
          m.cost_per_1k_input !== undefined ? `$${m.cost_per_1k_input}/1k in` : null,
          available ? null : `unavailable${m.availability ? `: ${m.availability}` : ''}`].filter(Boolean).join(', ');
        return el('option', { value: m.name, disabled: !available }, details ? `${m.name} (${details})` : m.name);
      }));
      modelField.hidden = false;
    }
  })();

  function request(spec) {
    const body = { kind: spec.kind, input: input.value };
    const platformKind = PLATFORM_KINDS.has(spec.kind);
    if (platformKind) body.platform = spec.platform || platform.value;
    if (spec.kind === 'translation' && language.value.trim()) body.language = language.value.trim();
    if (model.value) body.model = model.value; else body.policy = policy.value;
    return body;
  }

  function card(body) {
    const label = `${kindLabel(body.kind)}${body.platform ? ` for ${PLATFORMS.find(([v]) => v === body.platform)?.[1] || body.platform}` : ''}`;
    const slug = body.platform ? `${body.kind}-${body.platform}` : body.kind;
    const state = el('p', { class: 'cs-result-state muted' }, 'Generating…');
    const text = el('p', { class: 'cs-result-text', hidden: true });
    const details = el('div', { class: 'cs-result-details' });
    const actions = el('div', { class: 'cs-actions' });
    const node = el('article', { class: 'cs-result card', 'data-kind': slug, 'data-state': 'pending', 'aria-busy': 'true', 'aria-label': label },
      el('h4', {}, label), state, text, details, actions);
    return {
      node,
      pending(job) {
        state.textContent = `Queued as job ${job.id}; the result appears here when it finishes.`;
      },
      done(job) {
        const r = readResult(job);
        node.dataset.state = 'done';
        node.removeAttribute('aria-busy');
        state.hidden = true;
        text.hidden = false;
        text.textContent = r.text || '(empty result)';
        details.replaceChildren(...resultDetails(r).filter(Boolean));
        const contentId = r.contentId || job.content_id;
        actions.replaceChildren(
          el('button', { type: 'button', 'aria-label': `Copy the ${label.toLowerCase()}`, onclick: async event => {
            try { await navigator.clipboard.writeText(r.text); event.target.textContent = 'Copied'; } catch { event.target.textContent = 'Copy failed: select the text'; }
          } }, 'Copy'),
          el('button', { type: 'button', 'aria-label': `Open the ${label.toLowerCase()} in the editor`, onclick: async () => {
            if (contentId && await hub.openContent(contentId)) return;
            hub.createContent({ kind: body.kind, title: body.kind === 'title' ? r.text : '', body: body.kind === 'title' ? '' : r.text });
          } }, contentId ? 'Open in editor' : 'Save as content'));
      },
      failed(problem) {
        node.dataset.state = 'failed';
        node.removeAttribute('aria-busy');
        state.hidden = false;
        state.className = 'cs-result-state error';
        state.setAttribute('role', 'alert');
        const detail = problem.detail || problem.title || 'The generation failed.';
        state.textContent = problem.status === 402 ? `Over budget: ${detail}` : detail;
        const budget = problem.budget;
        if (budget && typeof budget === 'object') {
          state.append(el('span', { class: 'cs-budget' }, ` Spent today: ${dollarsFromMicros(budget.spent_micros)} of ${dollarsFromMicros(budget.budget_micros)}; `
            + `this request could cost up to ${dollarsFromMicros(budget.estimate_micros)}.`));
        }
        const attempts = problem.attempts || problem.errors_attempts;
        if (Array.isArray(attempts) && attempts.length) details.replaceChildren(...resultDetails(readResult({ attempts })).slice(2).filter(Boolean));
      },
    };
  }

  async function run(spec) {
    const body = request(spec);
    const view = card(body);
    results.append(view.node);
    try {
      const job = await api('/api/v1/generate', { method: 'POST', body });
      hub.jobs.upsert(job);
      let finished = job;
      if (job.status !== 'succeeded' && job.status !== 'failed') {
        view.pending(job);
        finished = await hub.jobs.watch(job.id, hub.alive);
      }
      if (finished.status === 'succeeded') view.done(finished);
      else view.failed(finished.error || {});
      return finished.status === 'succeeded';
    } catch (error) {
      view.failed({ status: error.status, detail: error.message, attempts: error.problem?.attempts, budget: error.problem?.budget });
      if (error.problem?.errors?.length) showFieldErrors(form, error.problem.errors);
      return false;
    }
  }

  async function runAll(specs) {
    clearFieldErrors(form);
    results.replaceChildren();
    message.replaceChildren(specs.length > 1 ? `Generating ${specs.length} pieces…` : 'Generating…');
    submit.disabled = quick.disabled = true;
    try {
      const outcomes = await Promise.all(specs.map(run));
      const ok = outcomes.filter(Boolean).length;
      message.replaceChildren(ok === specs.length
        ? (specs.length > 1 ? `All ${specs.length} generated.` : 'Generated.')
        : errorText(`${specs.length - ok} of ${specs.length} failed; see below.`));
      results.querySelector('.cs-result')?.focus?.();
    } finally {
      submit.disabled = quick.disabled = false;
    }
  }

  form.addEventListener('submit', event => { event.preventDefault(); runAll([{ kind: kind.value }]); });
  quick.addEventListener('click', () => runAll(QUICK_SET));

  return {
    element,
    /** Puts text in the input (e.g. "Generate from this" in the editor). */
    useText(text) { input.value = text; input.focus(); },
    notice: text => message.replaceChildren(notice(text)),
  };
}
