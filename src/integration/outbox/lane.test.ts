/**
 * The lane's pacing from Klaviyo's rate-limit headers: no spacing while calls are to spare, spacing at
 * the slowest quota's refill once few are left, and a pause of one call's refill (not the whole window)
 * when the bucket is empty.
 */
import { describe, expect, it } from 'vitest';
import { rateInfo } from '../klaviyo/bulk.ts';
import { Lane } from './lane.ts';

const headers = (remaining: number, reset: number) =>
  rateInfo({
    'ratelimit-limit': '10, 10;w=1, 150;w=60',
    'ratelimit-remaining': String(remaining),
    'ratelimit-reset': String(reset),
  });

function afterBulkCall(lane: Lane, now: number, remaining: number, reset: number): void {
  lane.started(now, 20, true);
  lane.finished(now, { ok: true, bulk: true, throttled: false, rate: headers(remaining, reset) });
}

describe('rateInfo', () => {
  it('reads the quotas of RateLimit-Limit, skipping the bare current limit', () => {
    expect(headers(7, 3)).toEqual({
      remaining: 7,
      resetMs: 3000,
      quotas: [
        { limit: 10, windowMs: 1000 },
        { limit: 150, windowMs: 60_000 },
      ],
    });
    expect(rateInfo({ 'ratelimit-remaining': '1', 'ratelimit-reset': '1' })).toEqual({
      remaining: 1,
      resetMs: 1000,
    });
  });
});

describe('Lane pacing', () => {
  it('does not space bulk calls while the budget has calls to spare', () => {
    const lane = new Lane('event', 4);
    afterBulkCall(lane, 1000, 120, 12);
    expect(lane.bulkAllowed(1000)).toBe(true);
    expect(lane.figures()).toMatchObject({ bulkSpacingMs: 0, pacedWaits: 0 });
  });

  it('spaces bulk calls by the slowest refill (150 a minute: 400 ms) once few are left', () => {
    const lane = new Lane('event', 4);
    afterBulkCall(lane, 1000, 3, 58);
    expect(lane.bulkAllowed(1100)).toBe(false);
    lane.notePacedWait();
    expect(lane.bulkAllowed(1200)).toBe(false);
    lane.notePacedWait(); // the same wait
    expect(lane.bulkAllowed(1400)).toBe(true);
    expect(lane.figures()).toMatchObject({ bulkSpacingMs: 400, pacedWaits: 1 });
    // Budget back: the spacing goes.
    afterBulkCall(lane, 1400, 50, 40);
    expect(lane.bulkAllowed(1401)).toBe(true);
  });

  it('pauses an empty bucket for one call’s refill, not the whole window', () => {
    const lane = new Lane('event', 4);
    afterBulkCall(lane, 1000, 0, 60);
    expect(lane.canStart(1399)).toBe(false);
    expect(lane.canStart(1400)).toBe(true);
  });

  it('a bulk call that met a 429 on the way still sets the spacing from its answer', () => {
    const lane = new Lane('event', 4);
    lane.started(1000, 20, true);
    lane.finished(1000, { ok: true, bulk: true, throttled: true, rate: headers(2, 50) });
    expect(lane.bulkAllowed(1200)).toBe(false);
    expect(lane.bulkAllowed(1400)).toBe(true);
  });

  it('leaves a daily quota out of the spacing', () => {
    const lane = new Lane('event', 4);
    lane.started(1000, 20, true);
    const rate = rateInfo({
      'ratelimit-limit': '10, 10;w=1, 150;w=60, 150;w=86400',
      'ratelimit-remaining': '1',
      'ratelimit-reset': '5',
    });
    lane.finished(1000, { ok: true, bulk: true, throttled: false, rate });
    expect(lane.figures().bulkSpacingMs).toBe(400);
  });

  it('single calls do not set the bulk spacing (another operation, another bucket)', () => {
    const lane = new Lane('event', 4);
    lane.started(1000, 1, false);
    lane.finished(1000, { ok: true, throttled: false, rate: headers(1, 1) });
    expect(lane.bulkAllowed(1001)).toBe(true);
  });
});
