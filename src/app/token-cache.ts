/**
 * Verified access tokens, remembered briefly, so a family's every request does not cost a round trip
 * to Supabase Auth (`auth.getUser`). Under load that round trip was one of the five Supabase calls of a
 * story and about a fifth of the app's CPU.
 *
 * Only a token Supabase has accepted is cached, for `ttlMs` (default 60 s) and never past its own `exp`;
 * a forged or expired token always goes to Supabase. The trade-off is the one of verifying JWTs
 * locally, which Supabase recommends: a session revoked on the server is still accepted here for up to
 * `ttlMs`. `ttlMs: 0` turns the cache off. Time comes from the Clock; the map is bounded (oldest out).
 *
 * @example
 * const tokens = new TokenCache(clock);
 * const hit = tokens.get(token) ?? tokens.put(token, (await auth.getUser(token)).data.user.id);
 */
import type { Clock } from '../../lib/clock.ts';

export interface TokenCacheOptions {
  ttlMs?: number;
  maxEntries?: number;
}

export class TokenCache {
  private readonly entries = new Map<string, { userId: string; until: number }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  hits = 0;
  misses = 0;

  constructor(
    private readonly clock: Clock,
    options: TokenCacheOptions = {},
  ) {
    this.ttlMs = Math.max(0, options.ttlMs ?? 60_000);
    this.maxEntries = Math.max(1, options.maxEntries ?? 50_000);
  }

  /** The user a token was verified for, while the entry is fresh; else undefined. */
  get(token: string): string | undefined {
    const e = this.entries.get(token);
    if (e && e.until > this.clock.now()) {
      this.hits++;
      return e.userId;
    }
    if (e) this.entries.delete(token);
    this.misses++;
    return undefined;
  }

  /** Remember a token Supabase accepted; returns its user id. */
  put(token: string, userId: string): string {
    if (this.ttlMs === 0) return userId;
    const now = this.clock.now();
    const exp = jwtExpiry(token);
    const until = Math.min(now + this.ttlMs, exp ?? Number.POSITIVE_INFINITY);
    if (until <= now) return userId;
    this.entries.delete(token);
    this.entries.set(token, { userId, until });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return userId;
  }
}

/** A JWT's `exp` in ms, read without verifying (the token was verified by Supabase already). */
function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
