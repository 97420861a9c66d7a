// Formatting shared by the Content section: money from integer micro-dollars, scores, dates, labels.

/** Content kinds as the API spells them, with their labels. */
export const KINDS = [
  ['title', 'Title'], ['hashtags', 'Hashtags'], ['meta_description', 'Meta description'], ['social_post', 'Social post'],
  ['caption', 'Caption'], ['email', 'Email'], ['podcast_script', 'Podcast script'], ['repurpose', 'Repurpose'],
  ['translation', 'Translation'], ['article', 'Article'],
];

/** Content statuses in their life order. */
export const STATUSES = ['draft', 'ready', 'scheduled', 'published', 'archived'];

/** Routing policies of the generation API. */
export const POLICIES = [
  ['balanced', 'Balanced (cost and quality)'], ['cost', 'Cheapest capable model'], ['quality', 'Best quality'],
];

/** The platform list used when the daemon does not serve GET /api/v1/platforms. */
export const PLATFORMS = [
  ['x', 'X'], ['bluesky', 'Bluesky'], ['mastodon', 'Mastodon'], ['threads', 'Threads'], ['linkedin', 'LinkedIn'],
  ['instagram', 'Instagram'], ['facebook', 'Facebook'], ['tiktok', 'TikTok'], ['youtube', 'YouTube'],
  ['pinterest', 'Pinterest'], ['reddit', 'Reddit'],
];

/** Kinds that are written for one platform. */
export const PLATFORM_KINDS = new Set(['social_post', 'caption']);

export function kindLabel(kind) {
  return KINDS.find(([value]) => value === kind)?.[1] || kind || '—';
}

/**
 * Integer micro-dollars as dollars with six decimals, computed with BigInt (no floating-point money):
 * 1234 → "$0.001234", 2500000 → "$2.500000". Anything that is not a whole number gives "—".
 */
export function dollarsFromMicros(micros) {
  if (micros === null || micros === undefined || micros === '') return '—';
  let n;
  try { n = BigInt(micros); } catch { return '—'; }
  const negative = n < 0n;
  if (negative) n = -n;
  const whole = (n / 1000000n).toLocaleString('en-US');
  const fraction = (n % 1000000n).toString().padStart(6, '0');
  return `${negative ? '−' : ''}$${whole}.${fraction}`;
}

/** The micro-dollar cost of a result or generation record, whichever spelling it uses. */
export function costMicrosOf(record) {
  if (!record) return undefined;
  if (record.cost_micros !== undefined) return record.cost_micros;
  const cost = record.cost;
  if (cost && typeof cost === 'object') return cost.amount_micros ?? cost.micros;
  return typeof cost === 'number' && Number.isInteger(cost) ? cost : undefined;
}

/** A 0…1 quality score with two decimals. */
export function formatScore(score) {
  return typeof score === 'number' && Number.isFinite(score) ? score.toFixed(2) : '—';
}

/** An RFC 3339 time as "YYYY-MM-DD HH:MM UTC" in a <time> element's text. */
export function shortTime(text) {
  if (!text) return '—';
  return `${text.slice(0, 10)} ${text.slice(11, 16)} UTC`.trim();
}

/** Milliseconds with a unit. */
export function formatMillis(ms) {
  return typeof ms === 'number' ? `${ms} ms` : '—';
}
