import { describe, expect, it } from 'vitest';
import { floorTo, isoInZone, isValidTimeZone, nextBoundary, zonedToUtc } from './tz.ts';

describe('time-zone buckets', () => {
  it('finds local midnights and month starts', () => {
    const t = Date.UTC(2026, 1, 2, 23, 30); // 00:30 on Feb 3 in Oslo (UTC+1)
    expect(isoInZone(floorTo(t, 'day', 'Europe/Oslo'), 'Europe/Oslo')).toBe('2026-02-03T00:00:00+01:00');
    expect(isoInZone(floorTo(t, 'day', 'UTC'), 'UTC')).toBe('2026-02-02T00:00:00+00:00');
    expect(isoInZone(floorTo(t, 'month', 'America/New_York'), 'America/New_York')).toBe(
      '2026-02-01T00:00:00-05:00',
    );
    expect(isoInZone(floorTo(t, 'hour', 'Asia/Kolkata'), 'Asia/Kolkata')).toBe('2026-02-03T05:00:00+05:30');
  });

  it('steps whole local days across a DST change (23-hour day)', () => {
    const start = zonedToUtc(2026, 3, 8, 0, 'America/New_York');
    const next = nextBoundary(start, 'day', 'America/New_York');
    expect(next - start).toBe(23 * 3600_000);
    expect(isoInZone(next, 'America/New_York')).toBe('2026-03-09T00:00:00-04:00');
    expect(isoInZone(nextBoundary(start, 'week', 'America/New_York'), 'America/New_York')).toBe(
      '2026-03-15T00:00:00-04:00',
    );
    expect(isoInZone(nextBoundary(start, 'month', 'America/New_York'), 'America/New_York')).toBe(
      '2026-04-01T00:00:00-04:00',
    );
  });

  it('validates zone names', () => {
    expect(isValidTimeZone('Europe/Oslo')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });
});
