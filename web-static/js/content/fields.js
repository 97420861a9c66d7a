// Labelled form fields that can show the API's field errors (problem+json `errors[].field`, `.message`)
// next to the control they concern.
import { el } from '../ui.js';

/**
 * A labelled field: `<div class="cs-field" data-field=name>` with the label, the control, an optional hint and
 * an (empty) error line the control is described by.
 * @param {string} name the API field it edits (matched against `errors[].field`)
 * @param {string} label visible label text
 * @param {HTMLElement} control an input, select or textarea with an id
 * @param {object} [options] hint: a sentence under the control; singular: label of one list item ("Tag")
 */
export function field(name, label, control, { hint, singular, wide } = {}) {
  const errorId = `${control.id}-error`;
  const hintId = hint ? `${control.id}-hint` : null;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  return el('div', { class: wide ? 'cs-field cs-wide' : 'cs-field', 'data-field': name, 'data-label': label, 'data-singular': singular },
    el('label', { for: control.id }, label),
    control,
    hint ? el('p', { class: 'cs-hint', id: hintId }, hint) : null,
    el('p', { class: 'cs-field-error error', id: errorId, hidden: true }));
}

/** Removes every field error shown in `container`. */
export function clearFieldErrors(container) {
  for (const line of container.querySelectorAll('.cs-field-error')) { line.textContent = ''; line.hidden = true; }
  for (const control of container.querySelectorAll('[aria-invalid]')) {
    control.removeAttribute('aria-invalid');
    const ids = (control.getAttribute('aria-describedby') || '').split(' ').filter(id => id && !id.endsWith('-error'));
    if (ids.length) control.setAttribute('aria-describedby', ids.join(' ')); else control.removeAttribute('aria-describedby');
  }
}

/**
 * Shows each `{field, message}` next to its field in `container` (`tags[2]` goes to the `tags` field as
 * "Tag 3 …"), marks the control invalid and focuses the first one.
 * @returns {Array<{field: string, message: string}>} the errors that match no field here
 */
export function showFieldErrors(container, errors) {
  const unmatched = [];
  let first = null;
  for (const error of errors || []) {
    const name = String(error.field || '');
    const base = name.split(/[.[]/)[0];
    const wrapper = base ? container.querySelector(`.cs-field[data-field="${CSS.escape(base)}"]`) : null;
    if (!wrapper) { unmatched.push(error); continue; }
    const index = /^[^[]+\[(\d+)\]/.exec(name);
    const subject = index && wrapper.dataset.singular ? `${wrapper.dataset.singular} ${Number(index[1]) + 1}` : wrapper.dataset.label;
    const line = wrapper.querySelector('.cs-field-error');
    const sentence = `${subject} ${error.message}`.trim();
    if (!line.textContent.includes(sentence)) line.textContent = line.textContent ? `${line.textContent} ${sentence}` : sentence;
    line.hidden = false;
    const control = wrapper.querySelector('input, select, textarea');
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      const ids = new Set((control.getAttribute('aria-describedby') || '').split(' ').filter(Boolean));
      ids.add(line.id);
      control.setAttribute('aria-describedby', [...ids].join(' '));
      first = first || control;
    }
  }
  first?.focus();
  return unmatched;
}

/** A `<select>` of `[value, label]` pairs (or plain values). */
export function select(id, options, selected, attributes = {}) {
  return el('select', { id, name: id, ...attributes }, options.map(option => {
    const [value, label, extra] = Array.isArray(option) ? option : [option, option];
    return el('option', { value, selected: value === selected, ...(extra || {}) }, label);
  }));
}
