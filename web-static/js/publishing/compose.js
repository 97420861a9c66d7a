// Compose: a content item or typed text, the platforms to preview and the accounts to post to, every target
// platform's rendering (POST /api/v1/compose/preview) with "n / limit" per part, fits or over in words, warnings
// and the thread offer, then scheduling at a time or the next good slot (POST /api/v1/content/{id}/publish).
import { api } from '../api.js';
import { el, errorText } from '../ui.js';
import { clearFieldErrors, showFieldErrors } from '../content/fields.js';
import { PLATFORMS } from '../content/format.js';
import { browserZone, fromLocalInput, fullTime, localInputValue, platformName, rfc3339, stateLabel } from './time.js';

const PREVIEW_DELAY = 250;

/** The text a content item is published with (as the daemon picks it). */
function itemText(item) {
  return item.kind === 'title' || !item.body ? item.title || '' : item.body;
}

/** Hashtags typed as "#a, b c" → ["a", "b", "c"]. */
function parseTags(value) {
  return value.split(/[\s,]+/).map(tag => tag.replace(/^#+/, '')).filter(Boolean);
}

/** A wrapper the shared field-error helpers recognise, around any control(s). */
function group(name, label, body, hint) {
  return el('div', { class: 'cs-field', 'data-field': name, 'data-label': label }, body,
    hint ? el('p', { class: 'cs-hint' }, hint) : null,
    el('p', { class: 'cs-field-error error', id: `compose-${name}-error`, hidden: true }));
}

/**
 * @param {object} hub  announce(text), accounts() → connected accounts, scheduled(publications) after scheduling
 * @returns {{element: HTMLElement, load: () => Promise<void>, accountsChanged: () => void}}
 */
export function createCompose(hub) {
  let items = [];
  let platforms = PLATFORMS.map(([id, name]) => ({ id, name }));
  let previewToken = 0;
  let previewTimer = null;
  let created = null; // {text, id}: the item made from typed text, reused if scheduling is retried unchanged

  const search = el('input', { type: 'search', id: 'compose-search', placeholder: 'Search titles and text' });
  const picker = el('select', { id: 'compose-content' });
  const text = el('textarea', { id: 'compose-text', rows: '6', 'aria-describedby': 'compose-text-hint' });
  const textHint = el('p', { class: 'cs-hint', id: 'compose-text-hint' }, 'Type a post, or pick a content item above (its text is used as stored; edit it under Content).');
  const hashtags = el('input', { type: 'text', id: 'compose-hashtags', placeholder: 'gardening, cities', autocomplete: 'off' });
  const link = el('input', { type: 'url', id: 'compose-link', placeholder: 'https://…' });
  const platformBoxes = el('div', { class: 'pub-checks', id: 'compose-platforms' });
  const accountBoxes = el('div', { class: 'pub-checks', id: 'compose-accounts' });
  const thread = el('input', { type: 'checkbox', id: 'compose-thread' });
  const threadField = el('div', { class: 'cs-field cs-inline', id: 'compose-thread-field', hidden: true }, thread,
    el('label', { for: 'compose-thread' }, 'Make it a thread (numbered parts where the platform has threads)'));
  const truncate = el('input', { type: 'checkbox', id: 'compose-truncate' });
  const whenAt = el('input', { type: 'radio', name: 'compose-when', id: 'compose-when-at', value: 'at', checked: true });
  const whenSlot = el('input', { type: 'radio', name: 'compose-when', id: 'compose-when-slot', value: 'slot' });
  const at = el('input', { type: 'datetime-local', id: 'compose-at', step: '1' });
  const best = el('div', { class: 'cs-hint pub-best', id: 'compose-best', 'aria-live': 'polite' });
  const previews = el('div', { class: 'pub-previews', id: 'compose-previews', 'aria-live': 'polite' });
  const previewStatus = el('p', { class: 'cs-hint', id: 'compose-preview-status' }, 'Tick a platform or an account to see how the post renders there.');
  const message = el('div', { class: 'cs-message', id: 'compose-message', 'aria-live': 'polite' });
  const submit = el('button', { type: 'submit', class: 'cs-primary', id: 'compose-schedule' }, 'Schedule');

  const form = el('form', { class: 'pub-compose', id: 'compose-form', novalidate: true },
    el('div', { class: 'cs-form' },
      el('div', { class: 'cs-field' }, el('label', { for: 'compose-search' }, 'Find content'), search),
      group('content', 'Content item:', [el('label', { for: 'compose-content' }, 'Content item'), picker]),
      el('div', { class: 'cs-field cs-wide', 'data-field': 'text', 'data-label': 'Text' },
        el('label', { for: 'compose-text' }, 'Text'), text, textHint,
        el('p', { class: 'cs-field-error error', id: 'compose-text-error', hidden: true })),
      el('div', { class: 'cs-field', 'data-field': 'hashtags', 'data-label': 'Hashtags' },
        el('label', { for: 'compose-hashtags' }, 'Hashtags (optional)'), hashtags,
        el('p', { class: 'cs-field-error error', id: 'compose-hashtags-error', hidden: true })),
      el('div', { class: 'cs-field', 'data-field': 'link', 'data-label': 'Link' },
        el('label', { for: 'compose-link' }, 'Link (optional)'), link,
        el('p', { class: 'cs-field-error error', id: 'compose-link-error', hidden: true }))),
    el('div', { class: 'pub-targets' },
      group('platforms', 'Platforms:', el('fieldset', {}, el('legend', {}, 'Preview on platforms'), platformBoxes),
        'Previews work before any account is connected.'),
      group('accounts', 'Accounts:', el('fieldset', {}, el('legend', {}, 'Post to accounts'), accountBoxes))),
    el('div', { class: 'cs-actions pub-options' }, threadField,
      el('div', { class: 'cs-field cs-inline' }, truncate, el('label', { for: 'compose-truncate' }, 'Shorten to fit (at a word boundary) instead'))),
    el('h4', {}, 'How it renders'), previewStatus, previews,
    el('h4', {}, 'When'),
    el('fieldset', { class: 'pub-when' }, el('legend', { class: 'cs-sr-only' }, 'When to publish'),
      el('div', { class: 'cs-field cs-inline' }, whenAt, el('label', { for: 'compose-when-at' }, 'At a time')),
      el('div', { class: 'cs-field', 'data-field': 'at', 'data-label': 'The time' },
        el('label', { for: 'compose-at' }, `Date and time (${browserZone()})`), at,
        el('p', { class: 'cs-field-error error', id: 'compose-at-error', hidden: true })),
      el('div', { class: 'cs-field cs-inline' }, whenSlot, el('label', { for: 'compose-when-slot' }, 'Next good slot for each platform (from your metrics, or the platform\'s usual good times)')), best),
    el('div', { class: 'cs-actions' }, submit), message);
  const element = el('div', { class: 'pub-compose-wrap' }, form);

  const chosenItem = () => items.find(item => item.id === picker.value) || null;
  const tickedPlatforms = () => [...platformBoxes.querySelectorAll('input:checked')].map(box => box.value);
  const tickedAccounts = () => [...accountBoxes.querySelectorAll('input:checked')].map(box => box.value);
  const known = new Set(platforms.map(p => p.id));

  function previewPlatforms() {
    const accounts = hub.accounts();
    const ids = new Set(tickedPlatforms());
    for (const id of tickedAccounts()) {
      const account = accounts.find(a => a.id === id);
      if (account && known.has(account.platform)) ids.add(account.platform);
    }
    return [...ids];
  }

  function drawPlatforms() {
    const ticked = new Set(tickedPlatforms());
    platformBoxes.replaceChildren(...platforms.map(p => el('div', { class: 'cs-field cs-inline' },
      el('input', { type: 'checkbox', id: `compose-platform-${p.id}`, value: p.id, checked: ticked.has(p.id) }),
      el('label', { for: `compose-platform-${p.id}` }, p.name || platformName(p.id)))));
  }

  /** Redraws the account boxes from the hub's list, keeping what was ticked. */
  function accountsChanged() {
    const ticked = new Set(tickedAccounts());
    const accounts = hub.accounts();
    accountBoxes.replaceChildren(...(accounts.length ? accounts.map(a => el('div', { class: 'cs-field cs-inline' },
      el('input', { type: 'checkbox', id: `compose-account-${a.id}`, value: a.id, checked: ticked.has(a.id), 'data-platform': a.platform }),
      el('label', { for: `compose-account-${a.id}` }, `${platformName(a.platform)} · ${a.label || a.handle}${a.handle && a.label ? ` (${a.handle})` : ''}`)))
      : [el('p', { class: 'cs-hint', id: 'compose-no-accounts' }, 'No account connected yet: connect one under Accounts to schedule. You can still preview.')]));
    schedulePreview();
  }

  async function loadItems() {
    const query = new URLSearchParams({ limit: '50' });
    if (search.value.trim()) query.set('q', search.value.trim());
    const keep = picker.value;
    try {
      items = (await api(`/api/v1/content?${query}`)).data || [];
    } catch {
      items = [];
    }
    picker.replaceChildren(el('option', { value: '' }, '— Type a new post —'), ...items.map(item => {
      const label = (item.title || itemText(item)).slice(0, 70) || item.id;
      return el('option', { value: item.id, selected: item.id === keep }, `${label} (${item.kind})`);
    }));
    pickerChanged(false);
  }

  // List items carry an excerpt, not the body: the full item is fetched once when picked.
  async function pickerChanged(fill = true) {
    const item = chosenItem();
    text.readOnly = Boolean(item);
    if (item && fill) {
      if (item.body === undefined) {
        try { Object.assign(item, await api(`/api/v1/content/${encodeURIComponent(item.id)}`)); } catch (error) {
          message.replaceChildren(errorText(`Could not load that content item: ${error.message}`));
          return;
        }
        if (chosenItem() !== item) return;
      }
      text.value = itemText(item);
    }
    schedulePreview();
  }

  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(preview, PREVIEW_DELAY);
  }

  function body(extra = {}) {
    const out = { ...extra };
    const tags = parseTags(hashtags.value);
    if (tags.length) out.hashtags = tags;
    if (link.value.trim()) out.link = link.value.trim();
    if (thread.checked) out.thread = true;
    if (truncate.checked) out.truncate = true;
    return out;
  }

  async function preview() {
    const token = ++previewToken;
    const ids = previewPlatforms();
    const value = text.value;
    if (!ids.length || !value.trim()) {
      previews.replaceChildren();
      threadField.hidden = !thread.checked;
      previewStatus.textContent = !value.trim() ? 'Type a post or pick a content item to see how it renders.' : 'Tick a platform or an account to see how the post renders there.';
      return;
    }
    const generated = Boolean(chosenItem()?.generation);
    previewStatus.textContent = 'Rendering…';
    let answer;
    try {
      answer = await api('/api/v1/compose/preview', { method: 'POST', body: body({ text: value, platforms: ids, generated }) });
    } catch (error) {
      if (token !== previewToken) return;
      previewStatus.textContent = '';
      const unmatched = showFieldErrors(form, error.problem?.errors || []);
      previews.replaceChildren(errorText(`No preview: ${unmatched[0]?.message ? `${unmatched[0].field} ${unmatched[0].message}` : error.message}`));
      return;
    }
    if (token !== previewToken) return;
    const list = answer.previews || [];
    const over = list.filter(p => !p.fits).map(p => platformName(p.platform));
    previewStatus.textContent = over.length ? `Over the limit on ${over.join(', ')}.` : `Fits on all ${list.length} platform${list.length === 1 ? '' : 's'}.`;
    threadField.hidden = !(thread.checked || list.some(p => p.thread_available));
    previews.replaceChildren(...list.map(card));
  }

  function card(p) {
    const parts = p.parts || [];
    const single = parts.length === 1 ? parts[0] : null;
    let verdict;
    if (p.fits) verdict = parts.length > 1 ? ` as a thread of ${parts.length} posts.` : ` within the limit${single ? ` (${single.length} / ${single.limit})` : ''}.`;
    else if (single && single.length > single.limit) verdict = ` by ${single.length - single.limit} (${single.length} / ${single.limit}).`;
    else verdict = ': a part does not fit, or the media breaks the platform\'s rules.';
    const offer = !p.fits && p.thread_available && !thread.checked
      ? el('p', { class: 'pub-offer' }, 'A thread is available: the text can be split into numbered posts. ',
        el('button', { type: 'button', class: 'pub-make-thread', onclick: () => { thread.checked = true; threadField.hidden = false; preview(); } }, 'Make it a thread'))
      : null;
    return el('section', { class: `card pub-preview ${p.fits ? 'pub-fits' : 'pub-over'}`, 'data-platform': p.platform, 'data-fits': String(p.fits), 'aria-labelledby': `preview-${p.platform}-heading` },
      el('h5', { id: `preview-${p.platform}-heading` }, platformName(p.platform)),
      el('p', { class: 'pub-verdict' }, el('strong', {}, p.fits ? 'Fits' : 'Over the limit'), verdict),
      offer,
      p.title ? el('p', { class: 'cs-hint' }, `Title: ${p.title}`) : null,
      el('ol', { class: 'pub-parts' }, parts.map((part, i) => el('li', { class: part.length > part.limit ? 'pub-part pub-part-over' : 'pub-part' },
        el('pre', { class: 'cs-result-text' }, part.text),
        el('p', { class: 'pub-count' }, parts.length > 1 ? `Part ${i + 1}: ` : '', `${part.length} / ${part.limit}`,
          part.length > part.limit ? ` — over by ${part.length - part.limit}` : ' — within the limit')))),
      ...instanceLimits(p),
      p.first_comment ? el('p', { class: 'cs-hint' }, `First comment: ${p.first_comment}`) : null,
      p.media_fits === false ? el('p', { class: 'error' }, 'The media does not meet this platform\'s rules.') : null,
      (p.warnings || []).length ? el('ul', { class: 'pub-warnings', 'aria-label': 'Warnings' }, p.warnings.map(w => el('li', {}, `Warning: ${w}`))) : null);
  }

  // A ticked account whose own limit differs from the platform's (a Mastodon instance's max_characters) is checked
  // against its own limit when scheduling: say so under the preview.
  function instanceLimits(p) {
    const limit = p.parts?.[0]?.limit;
    const accounts = hub.accounts();
    return tickedAccounts().map(id => accounts.find(a => a.id === id))
      .filter(a => a && a.platform === p.platform && a.text_limit && a.text_limit !== limit)
      .map(a => el('p', { class: 'cs-hint' }, `${a.label || a.handle} allows ${a.text_limit} characters; scheduling checks the post against that.`));
  }

  // Field names of the API's errors → the fields of this form.
  function mapErrors(errors) {
    return (errors || []).map(error => {
      const name = String(error.field || '');
      if (/^targets\[\d+\]\.at$/.test(name)) return { ...error, field: 'at' };
      if (/^targets/.test(name)) return { ...error, field: 'accounts' };
      if (name === 'title' || name === 'body') return { ...error, field: 'text' };
      return error;
    });
  }

  async function schedule(event) {
    event.preventDefault();
    clearFieldErrors(form);
    message.replaceChildren();
    const local = [];
    const item = chosenItem();
    if (!item && !text.value.trim()) local.push({ field: 'text', message: 'is empty: type a post or pick a content item.' });
    const accounts = tickedAccounts();
    if (!accounts.length) local.push({ field: 'accounts', message: hub.accounts().length ? 'tick at least one account to post to.' : 'none connected yet; connect one under Accounts first.' });
    let when = null;
    if (whenAt.checked) {
      when = fromLocalInput(at.value);
      if (!when) local.push({ field: 'at', message: 'is missing: pick a date and time, or choose the next good slot.' });
    }
    if (local.length) { showFieldErrors(form, local); return; }
    submit.disabled = true;
    try {
      let contentID = item?.id;
      if (!contentID) {
        const typed = text.value;
        if (created?.text === typed) contentID = created.id;
        else {
          const title = typed.trim().split('\n')[0].slice(0, 80);
          const made = await api('/api/v1/content', { method: 'POST', body: { kind: 'social_post', title, body: typed, status: 'ready' } });
          created = { text: typed, id: made.id };
          contentID = made.id;
        }
      }
      const targets = accounts.map(account => (when ? { account, at: rfc3339(when) } : { account }));
      const answer = await api(`/api/v1/content/${encodeURIComponent(contentID)}/publish`, { method: 'POST', body: body({ targets, time_zone: browserZone() }) });
      const scheduled = answer.data || [];
      created = null;
      const names = Object.fromEntries(hub.accounts().map(a => [a.id, a.label || a.handle]));
      const first = scheduled.length ? new Date(scheduled[0].due_at) : null;
      message.replaceChildren(el('div', { class: 'notice', id: 'compose-done' },
        el('p', {}, `Scheduled ${scheduled.length} post${scheduled.length === 1 ? '' : 's'}:`),
        el('ul', {}, scheduled.map(p => el('li', {}, `${platformName(p.platform)} (${names[p.account_id] || p.account_id}) — ${stateLabel(p.state)} for ${fullTime(new Date(p.due_at))}`))),
        first ? el('button', { type: 'button', id: 'compose-show', onclick: () => hub.showInCalendar(first) }, 'Show in the calendar') : null));
      hub.scheduled(scheduled);
      hub.announce(`Scheduled ${scheduled.length} posts.`);
    } catch (error) {
      const unmatched = showFieldErrors(form, mapErrors(error.problem?.errors));
      message.replaceChildren(errorText(`Not scheduled: ${error.message}`),
        ...unmatched.filter(e => e.message && !error.message.includes(e.message)).map(e => errorText(`${e.field}: ${e.message}`)));
    } finally {
      submit.disabled = false;
    }
  }

  const DAYS = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  // The best slots of each ticked account's platform (GET /api/v1/analytics/best-times), with the data they rest on.
  async function loadBest() {
    const accounts = hub.accounts();
    const ids = [...new Set(tickedAccounts().map(id => accounts.find(a => a.id === id)?.platform).filter(id => id && known.has(id)))];
    if (!whenSlot.checked || !ids.length) { best.replaceChildren(); return; }
    const lines = await Promise.all(ids.map(async id => {
      try {
        const answer = await api(`/api/v1/analytics/best-times?${new URLSearchParams({ platform: id, time_zone: browserZone() })}`);
        const slots = (answer.slots || []).slice(0, 3).map(r => `${DAYS[r.slot.day] || r.slot.day} ${String(r.slot.hour).padStart(2, '0')}:00 `
          + (r.n ? `(${r.n} data point${r.n === 1 ? '' : 's'})` : '(platform default)'));
        return el('li', {}, `${platformName(id)}: ${slots.join(', ') || 'no slot known'}`);
      } catch (error) {
        return el('li', {}, `${platformName(id)}: ${error.message}`);
      }
    }));
    best.replaceChildren(el('p', {}, `Best times in ${browserZone()}:`), el('ul', {}, lines));
  }

  let searchTimer = null;
  search.addEventListener('input', () => { clearTimeout(searchTimer); searchTimer = setTimeout(loadItems, 300); });
  picker.addEventListener('change', () => pickerChanged());
  for (const control of [text, hashtags, link]) control.addEventListener('input', schedulePreview);
  for (const control of [thread, truncate]) control.addEventListener('change', schedulePreview);
  platformBoxes.addEventListener('change', schedulePreview);
  accountBoxes.addEventListener('change', schedulePreview);
  whenAt.addEventListener('change', () => { at.disabled = false; loadBest(); });
  whenSlot.addEventListener('change', () => { at.disabled = true; loadBest(); });
  accountBoxes.addEventListener('change', loadBest);
  form.addEventListener('submit', schedule);

  const soon = new Date(Date.now() + 3600_000);
  soon.setMinutes(0, 0, 0);
  at.value = localInputValue(soon);
  drawPlatforms();
  accountsChanged();

  return {
    element,
    accountsChanged,
    async load() {
      try {
        const answer = await api('/api/v1/platforms');
        if (Array.isArray(answer.platforms) && answer.platforms.length) {
          platforms = answer.platforms.map(p => ({ id: p.id, name: p.name }));
          known.clear();
          for (const p of platforms) known.add(p.id);
          drawPlatforms();
        }
      } catch { /* the built-in list stays */ }
      await loadItems();
    },
  };
}
