/**
 * Reporting timeframes: Klaviyo's named keys (`last_30_days`, `this_month`, …) as UTC ranges ending
 * at the mock's clock, or a custom `{start, end}` of at most a year. Ranges are [from, to) in ms.
 */
import { invalidBody } from '../../jsonapi/errors.ts';
import { parseDatetime } from '../../jsonapi/filter.ts';

export const TIMEFRAME_KEYS = [
  'last_12_months',
  'last_30_days',
  'last_365_days',
  'last_3_months',
  'last_7_days',
  'last_90_days',
  'last_month',
  'last_week',
  'last_year',
  'this_month',
  'this_week',
  'this_year',
  'today',
  'yesterday',
] as const;
export type TimeframeKey = (typeof TIMEFRAME_KEYS)[number];

const DAY = 86_400_000;
/** The longest custom timeframe Klaviyo accepts: one year (a leap year's worth). */
const MAX_RANGE_MS = 366 * DAY;

const utc = (y: number, m: number, d = 1) => Date.UTC(y, m, d);

/** [from, to) for a key; ranges that run to now include now. Weeks start on Sunday, as in Klaviyo's UI. */
export function keyRange(key: TimeframeKey, now: number): [number, number] {
  const d = new Date(now);
  const [y, m] = [d.getUTCFullYear(), d.getUTCMonth()];
  const today = utc(y, m, d.getUTCDate());
  const week = today - d.getUTCDay() * DAY;
  const end = now + 1;
  const monthsBack = (n: number) => utc(y, m - n, d.getUTCDate()) + (now - today);
  switch (key) {
    case 'today':
      return [today, end];
    case 'yesterday':
      return [today - DAY, today];
    case 'this_week':
      return [week, end];
    case 'last_week':
      return [week - 7 * DAY, week];
    case 'this_month':
      return [utc(y, m), end];
    case 'last_month':
      return [utc(y, m - 1), utc(y, m)];
    case 'this_year':
      return [utc(y, 0), end];
    case 'last_year':
      return [utc(y - 1, 0), utc(y, 0)];
    case 'last_7_days':
      return [now - 7 * DAY, end];
    case 'last_30_days':
      return [now - 30 * DAY, end];
    case 'last_90_days':
      return [now - 90 * DAY, end];
    case 'last_365_days':
      return [now - 365 * DAY, end];
    case 'last_3_months':
      return [monthsBack(3), end];
    case 'last_12_months':
      return [monthsBack(12), end];
  }
}

export type Timeframe = { key: TimeframeKey } | { start: string; end: string };

export function timeframeRange(tf: Timeframe, now: number): [number, number] {
  if ('key' in tf) return keyRange(tf.key, now);
  const from = parseDatetime(tf.start);
  const to = parseDatetime(tf.end);
  if (Number.isNaN(from))
    throw invalidBody('/data/attributes/timeframe/start', `'${tf.start}' is not an ISO 8601 date-time.`);
  if (Number.isNaN(to))
    throw invalidBody('/data/attributes/timeframe/end', `'${tf.end}' is not an ISO 8601 date-time.`);
  if (to <= from)
    throw invalidBody('/data/attributes/timeframe/end', 'The timeframe must end after it starts.');
  if (to - from > MAX_RANGE_MS)
    throw invalidBody('/data/attributes/timeframe', 'A timeframe may span at most one year.');
  return [from, to];
}
