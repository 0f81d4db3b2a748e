import { describe, expect, it } from 'vitest';
import { keyRange, timeframeRange } from './timeframe.ts';

// Wednesday 2026-09-16 15:30 UTC.
const NOW = Date.UTC(2026, 8, 16, 15, 30);
const iso = ([from, to]: [number, number]) => [new Date(from).toISOString(), new Date(to).toISOString()];

describe('report timeframes', () => {
  it('turns named keys into UTC ranges ending at the clock', () => {
    expect(iso(keyRange('today', NOW))).toEqual(['2026-09-16T00:00:00.000Z', '2026-09-16T15:30:00.001Z']);
    expect(iso(keyRange('yesterday', NOW))).toEqual(['2026-09-15T00:00:00.000Z', '2026-09-16T00:00:00.000Z']);
    expect(iso(keyRange('this_week', NOW))[0]).toBe('2026-09-13T00:00:00.000Z');
    expect(iso(keyRange('last_week', NOW))).toEqual(['2026-09-06T00:00:00.000Z', '2026-09-13T00:00:00.000Z']);
    expect(iso(keyRange('last_month', NOW))).toEqual([
      '2026-08-01T00:00:00.000Z',
      '2026-09-01T00:00:00.000Z',
    ]);
    expect(iso(keyRange('last_year', NOW))).toEqual(['2025-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z']);
    expect(iso(keyRange('last_7_days', NOW))[0]).toBe('2026-09-09T15:30:00.000Z');
    expect(iso(keyRange('last_3_months', NOW))[0]).toBe('2026-06-16T15:30:00.000Z');
  });

  it('takes a custom range of at most a year, ending after it starts', () => {
    expect(timeframeRange({ start: '2026-01-01T00:00:00Z', end: '2026-02-01T00:00:00Z' }, NOW)).toEqual([
      Date.UTC(2026, 0, 1),
      Date.UTC(2026, 1, 1),
    ]);
    expect(() => timeframeRange({ start: '2026-02-01T00:00:00Z', end: '2026-01-01T00:00:00Z' }, NOW)).toThrow(
      /end after it starts/,
    );
    expect(() => timeframeRange({ start: '2024-01-01T00:00:00Z', end: '2026-01-01T00:00:00Z' }, NOW)).toThrow(
      /at most one year/,
    );
    expect(() => timeframeRange({ start: 'soon', end: '2026-01-01T00:00:00Z' }, NOW)).toThrow(/ISO 8601/);
  });
});
