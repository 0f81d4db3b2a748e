/**
 * Wall-clock arithmetic in an IANA time zone with nothing but `Intl`, for metric-aggregate buckets:
 * the start of the hour / day / month a moment falls in, in that zone, and ISO labels with its offset.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Throws a RangeError for an unknown zone. */
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

export function isValidTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function wallTime(ms: number, tz: string): WallTime {
  const out: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return {
    year: out.year!,
    month: out.month!,
    day: out.day!,
    hour: out.hour!,
    minute: out.minute!,
    second: out.second!,
  };
}

/** The zone's offset from UTC at `ms`, in ms (positive east of Greenwich). */
export function offsetAt(ms: number, tz: string): number {
  const w = wallTime(ms, tz);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
}

/** The UTC instant of a wall-clock time in `tz` (months may overflow: Date.UTC normalises them). */
export function zonedToUtc(
  year: number,
  month: number,
  day: number,
  hour: number,
  tz: string,
  minute = 0,
  second = 0,
): number {
  const guess = Date.UTC(year, month - 1, day, hour, minute, second);
  // Two passes settle the offset across a DST change.
  const firstTry = guess - offsetAt(guess, tz);
  return guess - offsetAt(firstTry, tz);
}

export type Interval = 'hour' | 'day' | 'week' | 'month';

/** Start of the interval containing `ms`, in `tz`. Weeks start on the range's first day. */
export function floorTo(ms: number, interval: Interval, tz: string): number {
  const w = wallTime(ms, tz);
  if (interval === 'hour') return zonedToUtc(w.year, w.month, w.day, w.hour, tz);
  if (interval === 'month') return zonedToUtc(w.year, w.month, 1, 0, tz);
  return zonedToUtc(w.year, w.month, w.day, 0, tz);
}

export function nextBoundary(ms: number, interval: Interval, tz: string): number {
  if (interval === 'hour') return ms + 3_600_000;
  const w = wallTime(ms, tz);
  if (interval === 'day') return zonedToUtc(w.year, w.month, w.day + 1, 0, tz);
  if (interval === 'week') return zonedToUtc(w.year, w.month, w.day + 7, 0, tz);
  return zonedToUtc(w.year, w.month + 1, 1, 0, tz);
}

/** `2024-03-10T00:00:00-05:00`: the instant as wall time in `tz`, with the offset. */
export function isoInZone(ms: number, tz: string): string {
  const w = wallTime(ms, tz);
  const off = Math.round(offsetAt(ms, tz) / 60_000);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  const pad = (n: number, len = 2) => String(n).padStart(len, '0');
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
