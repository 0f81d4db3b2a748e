/**
 * The seeds' retry policy — 3 attempts, 1 s initial delay, doubling — made safe for production:
 *
 * - **Jitter** (seeded, bounded): each backoff is multiplied by a factor drawn uniformly from
 *   `[1 - jitterRatio, 1 + jitterRatio]` (default ±20 %), so a fleet of clients that failed together
 *   does not retry together. With the defaults the waits are 0.8–1.2 s, then 1.6–2.4 s.
 * - **Retry-After** (seconds or an HTTP date) is honoured: the wait is never shorter than the server
 *   asked for (capped at `maxRetryAfterMs`; a longer demand ends the call as `deferred`, and the outbox
 *   tries again once that time has passed, without spending the job's budget).
 * - **Only transient failures retry**: 429, 5xx and network errors (an axios error without a response).
 *   Any other 4xx is the request's own fault and fails at once.
 * - Time comes from the injected Clock and randomness from the injected Rng: tests and the harness
 *   replay backoff on a VirtualClock without real sleeps.
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../../lib/clock.ts';
import type { Rng } from '../../lib/prng.ts';

export interface RetryPolicy {
  /** Total attempts, the first one included (seeds: 3). */
  maxAttempts: number;
  /** Wait before the second attempt, ms (seeds: 1000). */
  initialDelayMs: number;
  /** Growth per attempt (seeds: 2). */
  multiplier: number;
  /** Jitter half-width as a fraction of the delay, in [0, 1). */
  jitterRatio: number;
  /** Upper bound for one computed backoff, ms. */
  maxDelayMs: number;
  /** Longest Retry-After we will wait inside one call, ms. */
  maxRetryAfterMs: number;
}

export const SEED_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  initialDelayMs: 1000,
  multiplier: 2,
  jitterRatio: 0.2,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
};

/**
 * For reads on a user's request path (profile metrics behind recommendations): one quick retry, and
 * never a long Retry-After wait — the caller has a fallback, so answering now beats answering right.
 */
export const READ_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 2,
  initialDelayMs: 200,
  multiplier: 2,
  jitterRatio: 0.2,
  maxDelayMs: 1_000,
  maxRetryAfterMs: 1_000,
};

/** What we know about a failure, independent of the HTTP client that raised it. */
export interface FailureInfo {
  /** HTTP status, or undefined for a network error / time-out. */
  status?: number;
  retriable: boolean;
  /** Server-requested wait, ms. */
  retryAfterMs?: number;
  message: string;
}

/**
 * A 2xx whose body is not the documented answer (a proxy's garbled page, a truncated body the SDK
 * parsed into nothing). Retriable: the request may never have been processed, and `unique_id` makes a
 * second try safe.
 */
export class UnexpectedResponseError extends Error {
  constructor(
    readonly status: number,
    what: string,
  ) {
    super(`Klaviyo answered ${status} without ${what}; treating it as a failed attempt`);
  }
}

/** Classify an error: axios errors (the Klaviyo SDK) and fetch-style errors carrying `status`. */
export function describeFailure(err: unknown, now = Date.now()): FailureInfo {
  const e = err as {
    isAxiosError?: boolean;
    response?: { status?: number; headers?: Record<string, unknown> & { get?: (n: string) => unknown } };
    status?: number;
    message?: string;
    code?: string;
    retryAfterMs?: number;
  };
  const message = e?.message ?? String(err);
  if (err instanceof UnexpectedResponseError) return { status: err.status, retriable: true, message };
  if (e?.isAxiosError) {
    if (!e.response)
      return { retriable: true, message: `network error${e.code ? ` (${e.code})` : ''}: ${message}` };
    const status = e.response.status ?? 0;
    const header = readHeader(e.response.headers, 'retry-after');
    return {
      status,
      retriable: isRetriableStatus(status),
      retryAfterMs: parseRetryAfter(header, now),
      message,
    };
  }
  if (typeof e?.status === 'number') {
    return {
      status: e.status,
      retriable: isRetriableStatus(e.status),
      retryAfterMs: e.retryAfterMs,
      message,
    };
  }
  // A TypeError from fetch ("fetch failed") is a network error; anything else is a bug, not transient.
  if (err instanceof TypeError && /fetch failed|network/i.test(message)) return { retriable: true, message };
  return { retriable: false, message };
}

export function isRetriableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/** `Retry-After` as seconds (`"5"`) or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: unknown, now: number): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const text = String(value).trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function readHeader(headers: unknown, name: string): unknown {
  if (!headers) return undefined;
  const h = headers as Record<string, unknown> & { get?: (n: string) => unknown };
  if (typeof h.get === 'function') {
    const v = h.get(name);
    if (v !== undefined && v !== null) return v;
  }
  for (const [k, v] of Object.entries(h)) if (k.toLowerCase() === name) return v;
  return undefined;
}

/** Backoff before attempt `failedAttempts + 1`: initial × multiplier^(n-1) × jitter, capped. */
export function backoffDelay(policy: RetryPolicy, failedAttempts: number, rng: Rng): number {
  const base = Math.min(policy.initialDelayMs * policy.multiplier ** (failedAttempts - 1), policy.maxDelayMs);
  const factor = 1 + policy.jitterRatio * (2 * rng.next() - 1);
  return Math.round(base * factor);
}

/** The wait before the next attempt, or undefined when the failure must not be retried now. */
export function delayBeforeRetry(
  policy: RetryPolicy,
  failedAttempts: number,
  failure: FailureInfo,
  rng: Rng,
): number | undefined {
  if (!failure.retriable || failedAttempts >= policy.maxAttempts) return undefined;
  const backoff = backoffDelay(policy, failedAttempts, rng);
  if (failure.retryAfterMs === undefined) return backoff;
  if (failure.retryAfterMs > policy.maxRetryAfterMs) return undefined;
  return Math.max(backoff, failure.retryAfterMs);
}

export interface AttemptRecord {
  /** Clock duration of the attempt, ms. */
  durationMs: number;
  failure?: FailureInfo;
}

export type StopReason = 'exhausted' | 'non_retriable' | 'blocked' | 'deferred';

export type RetryOutcome<T> =
  | { ok: true; value: T; attempts: AttemptRecord[]; waitedMs: number; realMs: number }
  | {
      ok: false;
      error: unknown;
      failure: FailureInfo;
      attempts: AttemptRecord[];
      waitedMs: number;
      realMs: number;
      /**
       * Why we stopped: the policy ran out, the error was permanent, `canAttempt` said no, or the server
       * asked for a longer wait than `maxRetryAfterMs` (`failure.retryAfterMs` says how long).
       */
      reason: StopReason;
    };

export interface RetryOptions {
  policy?: RetryPolicy;
  clock: Clock;
  rng: Rng;
  /** Asked before every attempt after the first (e.g. the circuit breaker); false stops retrying. */
  canAttempt?: () => boolean;
  /** Told about every failed attempt (the circuit breaker counts them). */
  onFailure?: (failure: FailureInfo) => void;
  onSuccess?: () => void;
}

/** Run `fn` under the policy. Never throws: the outcome says what happened and how long it took. */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<RetryOutcome<T>> {
  const policy = options.policy ?? SEED_RETRY_POLICY;
  const { clock, rng } = options;
  const attempts: AttemptRecord[] = [];
  let waitedMs = 0;
  const realStart = performance.now();
  // Bounded by maxAttempts: every pass records one attempt.
  for (let n = 1; ; n++) {
    const started = clock.now();
    try {
      const value = await fn(n);
      attempts.push({ durationMs: clock.now() - started });
      options.onSuccess?.();
      return { ok: true, value, attempts, waitedMs, realMs: performance.now() - realStart };
    } catch (error) {
      const failure = describeFailure(error, clock.now());
      attempts.push({ durationMs: clock.now() - started, failure });
      options.onFailure?.(failure);
      const delay = delayBeforeRetry(policy, n, failure, rng);
      const stop = (reason: StopReason) => ({
        ok: false as const,
        error,
        failure,
        attempts,
        waitedMs,
        realMs: performance.now() - realStart,
        reason,
      });
      if (!failure.retriable) return stop('non_retriable');
      // Checked before "exhausted": a failure that tripped the breaker is an outage, not this call's fault.
      if (options.canAttempt && !options.canAttempt()) return stop('blocked');
      if (delay === undefined) {
        const tooLong = n < policy.maxAttempts && (failure.retryAfterMs ?? 0) > policy.maxRetryAfterMs;
        return stop(tooLong ? 'deferred' : 'exhausted');
      }
      await clock.sleep(delay);
      waitedMs += delay;
      if (options.canAttempt && !options.canAttempt()) return stop('blocked');
    }
  }
}
