// Times for the Calendar section: everything is shown in the browser's own time zone (Intl), and sent to the
// API as RFC 3339 with that zone's offset at the moment concerned (correct across daylight-saving changes).
import { PLATFORMS } from '../content/format.js';

/** The browser's IANA time zone, for example "Europe/Berlin" (UTC when the browser does not say). */
export function browserZone() {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch { return 'UTC'; }
}

const pad = n => String(n).padStart(2, '0');

/** A local Date as RFC 3339 with its offset: 2026-12-24T09:00:00+01:00. */
export function rfc3339(date) {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
    + `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** A Date as the value of an `<input type=datetime-local step=1>` (local wall time, seconds included). */
export function localInputValue(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** The Date a datetime-local value means in the browser's zone, or null when empty or malformed. */
export function fromLocalInput(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value || '');
  if (!match) return null;
  const [, y, mo, d, h, mi, s] = match.map(Number);
  const date = new Date(y, mo - 1, d, h, mi, s || 0);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Midnight at the start of the local day of `date`. */
export function startOfDay(date) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}

/** `date` moved by `days` calendar days (wall-clock time kept across daylight-saving changes). */
export function addDays(date, days) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days, date.getHours(), date.getMinutes(), date.getSeconds());
}

/** Monday 00:00 of the week holding `date` (weeks start on Monday). */
export function startOfWeek(date) {
  const day = startOfDay(date);
  return addDays(day, -((day.getDay() + 6) % 7));
}

/** The local-day key "YYYY-MM-DD" of a Date. */
export function dayKey(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The Date at local midnight of a "YYYY-MM-DD" key. */
export function fromDayKey(key) {
  const [y, m, d] = key.split('-').map(Number);
  return new Date(y, m - 1, d);
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const fullFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric' });
const monthFormat = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric' });

/** "09:30" (24-hour, short enough for a chip) in the browser's locale. */
export const clock = date => timeFormat.format(date);
/** "Thu, Dec 24, 2026, 09:30:00". */
export const fullTime = date => fullFormat.format(date);
/** "Thu, Dec 24". */
export const dayLabel = date => dayFormat.format(date);
/** "December 2026". */
export const monthLabel = date => monthFormat.format(date);

/** Platform ids with their display names (the catalog's eleven, the webhook, and whatever else appears). */
const NAMES = Object.fromEntries([...PLATFORMS, ['webhook', 'Webhook']]);
export function platformName(id) {
  return NAMES[id] || (id ? id.charAt(0).toUpperCase() + id.slice(1) : '—');
}

/** Publication states with words for people. */
export const STATE_LABELS = {
  pending: 'Scheduled', publishing: 'Publishing', unconfirmed: 'Unconfirmed', published: 'Published',
  failed: 'Failed', cancelled: 'Cancelled', awaiting_manual: 'Awaiting manual upload',
};
export const stateLabel = state => STATE_LABELS[state] || state || '—';
