import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../lib/clock.ts';
import { Cache, MemoryCacheStore } from './cache.ts';
import { Instrumentation } from './instrumentation.ts';

describe('Cache', () => {
  it('serves hits within the TTL, counts saved API calls, expires on the clock', async () => {
    const clock = new VirtualClock();
    const instrumentation = new Instrumentation();
    const cache = new Cache({ clock, defaultTtlMs: 60_000, instrumentation });
    let loads = 0;
    const load = async () => ({ value: ++loads, apiCalls: 1 });
    expect(await cache.getOrLoad('metrics:u1', load)).toEqual({ value: 1, hit: false });
    expect(await cache.getOrLoad('metrics:u1', load)).toEqual({ value: 1, hit: true });
    clock.advance(60_000);
    expect(await cache.getOrLoad('metrics:u1', load)).toEqual({ value: 2, hit: false });
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 2, savedCalls: 1 });
    expect(instrumentation.snapshot().cache).toMatchObject({ hits: 1, misses: 2, savedCalls: 1 });
  });

  it('evicts the least recently used entry', async () => {
    const clock = new VirtualClock();
    const store = new MemoryCacheStore(clock, 2);
    await store.set('a', { value: 1, apiCalls: 1 }, 1000);
    await store.set('b', { value: 2, apiCalls: 1 }, 1000);
    await store.get('a'); // a is now more recent than b
    await store.set('c', { value: 3, apiCalls: 1 }, 1000);
    expect(await store.get('b')).toBeUndefined();
    expect((await store.get('a'))?.value).toBe(1);
    expect((await store.get('c'))?.value).toBe(3);
  });

  it('invalidates keys and prefixes; cacheIf keeps degraded answers out', async () => {
    const clock = new VirtualClock();
    const cache = new Cache({ clock });
    await cache.getOrLoad('recs:u1', async () => ({ value: 'x', apiCalls: 1 }));
    await cache.getOrLoad('recs:u2', async () => ({ value: 'y', apiCalls: 1 }));
    await cache.invalidate('recs:u1');
    expect((await cache.getOrLoad('recs:u1', async () => ({ value: 'z', apiCalls: 1 }))).hit).toBe(false);
    await cache.invalidate('recs:*');
    expect(await cache.store.size()).toBe(0);
    await cache.getOrLoad('k', async () => ({ value: null, apiCalls: 1 }), { cacheIf: (v) => v !== null });
    expect(await cache.store.size()).toBe(0);
  });

  it('does not store a value loaded before an invalidation that happened during the load', async () => {
    const clock = new VirtualClock();
    const cache = new Cache({ clock });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    // A read of the old profile is in flight when the write lands and invalidates the user's keys.
    const slowRead = cache.getOrLoad('metrics:u1', async () => {
      await gate;
      return { value: 'before the write', apiCalls: 1 };
    });
    await cache.invalidate('metrics:u1');
    release();
    expect((await slowRead).value).toBe('before the write');
    const next = await cache.getOrLoad('metrics:u1', async () => ({ value: 'after', apiCalls: 1 }));
    expect(next).toEqual({ value: 'after', hit: false });
  });
});
