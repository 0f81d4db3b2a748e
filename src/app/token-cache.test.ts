import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../lib/clock.ts';
import { TokenCache } from './token-cache.ts';

const jwt = (exp: number) => `h.${Buffer.from(JSON.stringify({ sub: 'u', exp })).toString('base64url')}.sig`;

describe('TokenCache', () => {
  it('remembers a verified token for its TTL, then asks again', () => {
    const clock = new VirtualClock(0);
    const cache = new TokenCache(clock, { ttlMs: 1000 });
    const token = jwt(3600);
    expect(cache.get(token)).toBeUndefined();
    cache.put(token, 'user-1');
    expect(cache.get(token)).toBe('user-1');
    clock.advance(1000);
    expect(cache.get(token)).toBeUndefined();
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 1, misses: 2 });
  });

  it('never keeps a token past its own exp, and keeps nothing with ttl 0', () => {
    const clock = new VirtualClock(0);
    const expiring = jwt(0.5); // exp 500 ms after the epoch
    const cache = new TokenCache(clock, { ttlMs: 60_000 });
    cache.put(expiring, 'user-1');
    expect(cache.get(expiring)).toBe('user-1');
    clock.advance(500);
    expect(cache.get(expiring)).toBeUndefined();
    const off = new TokenCache(clock, { ttlMs: 0 });
    off.put(jwt(3600), 'user-2');
    expect(off.get(jwt(3600))).toBeUndefined();
  });

  it('is bounded: the oldest entry goes first', () => {
    const cache = new TokenCache(new VirtualClock(0), { maxEntries: 2 });
    cache.put('a', '1');
    cache.put('b', '2');
    cache.put('c', '3');
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, '2', '3']);
  });
});
