import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../lib/clock.ts';
import { parseRate, RateLimiter } from './ratelimit.ts';

describe('RateLimiter', () => {
  it('allows the burst, then refuses with Retry-After until the burst bucket refills', () => {
    const clock = new VirtualClock(0);
    const limiter = new RateLimiter(clock);
    // query_metric_aggregates: 3/s burst, 60/m steady.
    const first = limiter.take('acct', 'query_metric_aggregates');
    expect(first).toMatchObject({
      ok: true,
      headers: { 'ratelimit-limit': '3, 3;w=1, 60;w=60', 'ratelimit-remaining': '2' },
    });
    limiter.take('acct', 'query_metric_aggregates');
    limiter.take('acct', 'query_metric_aggregates');
    const refused = limiter.take('acct', 'query_metric_aggregates');
    expect(refused.ok).toBe(false);
    expect(refused.headers['retry-after']).toBe('1');
    clock.advance(334);
    expect(limiter.take('acct', 'query_metric_aggregates').ok).toBe(true);
  });

  it('enforces the steady per-minute limit across bursts', () => {
    const clock = new VirtualClock(0);
    const limiter = new RateLimiter(clock);
    let allowed = 0;
    // 3/s for 30 s would be 90; the 60/m steady bucket stops it at 60 (+ what refills in 30 s: 30).
    for (let s = 0; s < 30; s++) {
      for (let i = 0; i < 3; i++) if (limiter.take('acct', 'query_metric_aggregates').ok) allowed++;
      clock.advance(1000);
    }
    expect(allowed).toBeLessThanOrEqual(90);
    expect(allowed).toBeGreaterThanOrEqual(60);
    const refused = limiter.take('acct', 'query_metric_aggregates');
    if (!refused.ok) expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('keeps buckets per account and operation', () => {
    const limiter = new RateLimiter(new VirtualClock(0));
    for (let i = 0; i < 3; i++) limiter.take('a', 'query_metric_aggregates');
    expect(limiter.take('a', 'query_metric_aggregates').ok).toBe(false);
    expect(limiter.take('b', 'query_metric_aggregates').ok).toBe(true);
    expect(limiter.take('a', 'get_profiles').ok).toBe(true);
    expect(limiter.take('a', 'get_profiles').headers['ratelimit-limit']).toBe('75, 75;w=1, 750;w=60');
  });

  it('draws from the stricter tier the spec gives additional-fields[list]=profile_count', () => {
    const limiter = new RateLimiter(new VirtualClock(0));
    const counted = new URLSearchParams('additional-fields[list]=profile_count');
    expect(limiter.take('a', 'get_list', counted).headers['ratelimit-limit']).toBe('1, 1;w=1, 15;w=60');
    expect(limiter.take('a', 'get_list', counted).ok).toBe(false);
    // The plain call has its own, wider buckets.
    expect(limiter.take('a', 'get_list').ok).toBe(true);
  });

  it("enforces the spec's daily limit (create_list: 150/d) over a virtual day, then refills", () => {
    const clock = new VirtualClock(0);
    const limiter = new RateLimiter(clock);
    let allowed = 0;
    // 10/s and 150/m would allow 150 a minute; the day allows 150 in all.
    for (let minute = 0; minute < 5; minute++) {
      for (let i = 0; i < 150; i++) {
        if (limiter.take('acct', 'create_list').ok) allowed++;
        clock.advance(400);
      }
    }
    expect(allowed).toBe(150);
    const refused = limiter.take('acct', 'create_list');
    expect(refused.ok).toBe(false);
    // As Klaviyo's 429: Retry-After only, no RateLimit-* headers.
    expect(Object.keys(refused.headers)).toEqual(['retry-after']);
    // A day's budget comes back at 150 per 86,400 s: one more after ~576 s, but not at once.
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(60);
    clock.advance(86_400_000);
    const next = limiter.take('acct', 'create_list');
    expect(next.ok).toBe(true);
    expect(next.headers['ratelimit-limit']).toBe('10, 10;w=1, 150;w=60, 150;w=86400');
    // Operations without a daily limit keep two buckets.
    expect(limiter.take('acct', 'get_lists').headers['ratelimit-limit']).toBe('75, 75;w=1, 750;w=60');
  });

  it('parses rate strings', () => {
    expect(parseRate('75/s')).toEqual({ count: 75, windowSeconds: 1 });
    expect(parseRate('750/m')).toEqual({ count: 750, windowSeconds: 60 });
    expect(() => parseRate('fast')).toThrow(/75\/s/);
  });
});
