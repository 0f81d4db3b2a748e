/**
 * Klaviyo's per-account, per-operation rate limits: a burst bucket (N per second), a steady bucket
 * (M per minute) and, where the spec sets one, a daily bucket (`150/d` on create_list), all token
 * buckets on the injected Clock, so a VirtualClock never refills mid-test. A request passes when every
 * bucket holds a token. Successful answers carry `RateLimit-Limit`,
 * `RateLimit-Remaining` and `RateLimit-Reset`; a refusal carries only `Retry-After` in whole seconds
 * (Klaviyo's 429 omits the `RateLimit-*` headers).
 *
 * Known limitation: Klaviyo documents *fixed* windows, with the headers describing the steady window.
 * Here the buckets refill continuously and the headers describe whichever bucket is tighter
 * (`RateLimit-Reset`: seconds until it is full again). A client tuned only against this mock may wait
 * less after an empty window than real Klaviyo allows, and meet one 429 per window that runs dry.
 */
import type { Clock } from '../../lib/clock.ts';
import { OPERATIONS, type OperationId } from './operations.generated.ts';

export interface RateLimitTier {
  burst: string;
  steady: string;
  daily?: string;
}

interface Bucket {
  capacity: number;
  /** Tokens per ms. */
  rate: number;
  windowSeconds: number;
  tokens: number;
  at: number;
}

export type RateDecision =
  | { ok: true; headers: Record<string, string> }
  | { ok: false; retryAfterSeconds: number; headers: Record<string, string> };

/** Bound the bucket map; idle buckets are full anyway, so dropping them changes nothing. */
const MAX_BUCKETS = 100_000;

export function parseRate(text: string): { count: number; windowSeconds: number } {
  const m = /^(\d+)\/([smhd])$/.exec(text.trim());
  if (!m) throw new Error(`Unreadable rate limit '${text}' (expected e.g. 75/s or 750/m).`);
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return { count: Number(m[1]), windowSeconds: unit };
}

export class RateLimiter {
  /** [burst, steady] or [burst, steady, daily]. */
  private readonly buckets = new Map<string, Bucket[]>();
  constructor(private readonly clock: Clock) {}

  /**
   * Take a token for `account` from the operation's buckets. A request that uses a parameter the spec
   * rates more strictly (`additional-fields[list]=profile_count`) draws from that tier's own buckets.
   */
  take(account: string, operation: OperationId, query?: URLSearchParams): RateDecision {
    const now = this.clock.now();
    const { tier, name } = tierOf(operation, query);
    const key = `${account}|${name}`;
    let pair = this.buckets.get(key);
    if (!pair) {
      if (this.buckets.size >= MAX_BUCKETS) this.buckets.clear();
      pair = [bucket(tier.burst, now), bucket(tier.steady, now)];
      if (tier.daily) pair.push(bucket(tier.daily, now));
      this.buckets.set(key, pair);
    }
    for (const b of pair) refill(b, now);
    const burst = pair[0] as Bucket;
    const limit = [`${burst.capacity}`, ...pair.map((b) => `${b.capacity};w=${b.windowSeconds}`)].join(', ');
    if (pair.some((b) => b.tokens < 1)) {
      const waitMs = Math.max(...pair.map((b) => (b.tokens >= 1 ? 0 : (1 - b.tokens) / b.rate)));
      const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
      return {
        ok: false,
        retryAfterSeconds,
        headers: { 'retry-after': String(retryAfterSeconds) },
      };
    }
    for (const b of pair) b.tokens -= 1;
    // The tighter bucket (least of its capacity left) decides what the client sees.
    let tight = burst;
    for (const b of pair) if (b.tokens / b.capacity < tight.tokens / tight.capacity) tight = b;
    const resetSeconds = Math.max(0, Math.ceil((tight.capacity - tight.tokens) / tight.rate / 1000));
    return {
      ok: true,
      headers: {
        'ratelimit-limit': limit,
        'ratelimit-remaining': String(Math.floor(Math.min(...pair.map((b) => b.tokens)))),
        'ratelimit-reset': String(resetSeconds),
      },
    };
  }

  reset(): void {
    this.buckets.clear();
  }
}

function bucket(text: string, now: number): Bucket {
  const { count, windowSeconds } = parseRate(text);
  return { capacity: count, rate: count / (windowSeconds * 1000), windowSeconds, tokens: count, at: now };
}

function refill(b: Bucket, now: number): void {
  if (now > b.at) {
    b.tokens = Math.min(b.capacity, b.tokens + (now - b.at) * b.rate);
    b.at = now;
  }
}

/** The operation's tier, or the stricter one its query asks for (values match by prefix: `list` ~ `lists`). */
export function tierOf(
  operation: OperationId,
  query?: URLSearchParams,
): { tier: RateLimitTier; name: string } {
  const info = OPERATIONS[operation] as {
    burst: string;
    steady: string;
    daily?: string;
    stricter?: readonly { param: string; value: string; burst: string; steady: string }[];
  };
  if (query && info.stricter) {
    for (const s of info.stricter) {
      const raw = query.get(s.param);
      if (raw?.split(',').some((v) => v.trim().startsWith(s.value))) {
        // The day's budget is the operation's, whichever per-second tier the query picks.
        return { tier: { ...s, daily: info.daily }, name: `${operation}|${s.param}=${s.value}` };
      }
    }
  }
  return { tier: info, name: operation };
}
