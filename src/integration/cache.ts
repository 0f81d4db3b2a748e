/**
 * The seeds' Redis cache layer, in memory by default: TTL + LRU on the injected Clock.
 *
 * `CacheStore` is the storage seam (async, string keys, JSON-able values) so a Redis-backed store can
 * replace `MemoryCacheStore` without touching callers. `Cache` adds read-through loading, the hit / miss
 * / saved-call counters and invalidation by key prefix (used on every write that changes a user).
 */
import type { Clock } from '../../lib/clock.ts';
import type { Instrumentation } from './instrumentation.ts';

export interface CacheEntry<T = unknown> {
  value: T;
  /** Upstream API calls it took to compute the value: what a hit saves. */
  apiCalls: number;
}

export interface CacheStore {
  get(key: string): Promise<CacheEntry | undefined>;
  set(key: string, entry: CacheEntry, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Delete every key starting with `prefix` (Redis: SCAN + DEL). */
  deletePrefix(prefix: string): Promise<number>;
  clear(): Promise<void>;
  size(): Promise<number>;
}

/** Map-based store: insertion order is recency order (a get re-inserts), the oldest is evicted first. */
export class MemoryCacheStore implements CacheStore {
  private map = new Map<string, { entry: CacheEntry; expiresAt: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly maxEntries = 10_000,
  ) {}

  async get(key: string): Promise<CacheEntry | undefined> {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    this.map.delete(key);
    if (hit.expiresAt <= this.clock.now()) return undefined;
    this.map.set(key, hit);
    return hit.entry;
  }

  async set(key: string, entry: CacheEntry, ttlMs: number): Promise<void> {
    this.map.delete(key);
    this.map.set(key, { entry, expiresAt: this.clock.now() + ttlMs });
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
    }
  }

  async delete(key: string): Promise<void> {
    this.map.delete(key);
  }

  async deletePrefix(prefix: string): Promise<number> {
    let n = 0;
    for (const key of [...this.map.keys()]) {
      if (key.startsWith(prefix)) {
        this.map.delete(key);
        n++;
      }
    }
    return n;
  }

  async clear(): Promise<void> {
    this.map.clear();
  }

  async size(): Promise<number> {
    return this.map.size;
  }
}

export interface CacheOptions {
  store?: CacheStore;
  clock: Clock;
  /** Default time to live, ms (seeds: profile data cached for minutes). */
  defaultTtlMs?: number;
  maxEntries?: number;
  instrumentation?: Instrumentation;
}

export interface CacheStats {
  hits: number;
  misses: number;
  savedCalls: number;
  invalidations: number;
  hitRate: number | null;
}

export class Cache {
  readonly store: CacheStore;
  private readonly ttl: number;
  private readonly instrumentation?: Instrumentation;
  private s = { hits: 0, misses: 0, savedCalls: 0, invalidations: 0 };
  /**
   * Loads under way. A write that invalidates a key while its load is in flight marks the load stale:
   * the value was read before the write landed, and storing it would serve the old profile for a TTL.
   */
  private loading = new Set<{ key: string; stale: boolean }>();

  constructor(options: CacheOptions) {
    this.store = options.store ?? new MemoryCacheStore(options.clock, options.maxEntries);
    this.ttl = options.defaultTtlMs ?? 5 * 60_000;
    this.instrumentation = options.instrumentation;
  }

  /**
   * Read through: a hit returns the stored value; a miss runs `load`, which returns the value and the
   * number of API calls it made. `cacheIf` can refuse to store a value (e.g. a degraded fallback).
   */
  async getOrLoad<T>(
    key: string,
    load: () => Promise<CacheEntry<T>>,
    options: { ttlMs?: number; cacheIf?: (value: T) => boolean } = {},
  ): Promise<{ value: T; hit: boolean }> {
    // Registered before the lookup: an invalidation at any point after this call began counts.
    const pending = { key, stale: false };
    this.loading.add(pending);
    let entry: CacheEntry<T>;
    try {
      const found = await this.store.get(key);
      if (found) {
        this.s.hits++;
        this.s.savedCalls += found.apiCalls;
        this.instrumentation?.recordCacheHit(found.apiCalls);
        return { value: found.value as T, hit: true };
      }
      this.s.misses++;
      this.instrumentation?.recordCacheMiss();
      entry = await load();
    } finally {
      this.loading.delete(pending);
    }
    if (!pending.stale && (!options.cacheIf || options.cacheIf(entry.value)))
      await this.store.set(key, entry, options.ttlMs ?? this.ttl);
    return { value: entry.value, hit: false };
  }

  /**
   * Write-through: replace a key's value with `next(current)` (undefined → drop it). Loads in flight
   * for the key are marked stale, so a read taken before the write cannot overwrite it.
   */
  async update<T>(key: string, next: (current: T | undefined) => T | undefined, apiCalls = 1): Promise<void> {
    for (const p of this.loading) if (p.key === key) p.stale = true;
    const current = (await this.store.get(key))?.value as T | undefined;
    const value = next(current);
    if (value === undefined) await this.invalidate(key);
    else await this.store.set(key, { value, apiCalls }, this.ttl);
  }

  /** Drop everything cached about one subject (`metrics:<user>`, `recs:<user>` → prefix per user). */
  async invalidate(...keysOrPrefixes: string[]): Promise<void> {
    for (const k of keysOrPrefixes) {
      const prefix = k.endsWith('*') ? k.slice(0, -1) : null;
      for (const p of this.loading)
        if (prefix === null ? p.key === k : p.key.startsWith(prefix)) p.stale = true;
      if (k.endsWith('*')) this.s.invalidations += await this.store.deletePrefix(k.slice(0, -1));
      else {
        await this.store.delete(k);
        this.s.invalidations++;
      }
    }
  }

  stats(): CacheStats {
    const lookups = this.s.hits + this.s.misses;
    return { ...this.s, hitRate: lookups === 0 ? null : this.s.hits / lookups };
  }
}

/** Cache keys about one user; every write that changes the user invalidates all of them. */
export const cacheKeys = {
  metrics: (userId: string) => `metrics:${userId}`,
  recommendations: (userId: string) => `recs:${userId}`,
  allFor: (userId: string) => [`metrics:${userId}`, `recs:${userId}`],
};
