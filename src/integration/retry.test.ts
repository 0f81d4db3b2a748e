/**
 * The retry policy on a VirtualClock: seeds' delays (1 s, 2 s) with bounded seeded jitter,
 * Retry-After, which failures retry, and a real SDK call through the Klaviyo mock's fault layer.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../lib/clock.ts';
import { createRng } from '../../lib/prng.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { KlaviyoService } from './klaviyo/service.ts';
import { backoffDelay, describeFailure, parseRetryAfter, SEED_RETRY_POLICY, withRetry } from './retry.ts';
import { useKlaviyoMock } from './testing.ts';

const httpError = (status: number, headers: Record<string, string> = {}) =>
  Object.assign(new Error(`Request failed with status code ${status}`), {
    isAxiosError: true,
    response: { status, headers },
  });
const networkError = () =>
  Object.assign(new Error('socket hang up'), { isAxiosError: true, code: 'ECONNRESET' });

/** fn that fails with the given errors in turn, then succeeds; records the clock at each attempt. */
function scripted(clock: VirtualClock, failures: unknown[]) {
  const at: number[] = [];
  return {
    at,
    fn: async () => {
      at.push(clock.now());
      const next = failures.shift();
      if (next) throw next;
      return 'ok';
    },
  };
}

describe('backoff', () => {
  it('follows the seeds (1 s then 2 s) within the documented ±20 % jitter, reproducibly', () => {
    const seen = [new Set<number>(), new Set<number>()];
    for (let seed = 1; seed <= 500; seed++) {
      const rng = createRng(seed);
      const d1 = backoffDelay(SEED_RETRY_POLICY, 1, rng);
      const d2 = backoffDelay(SEED_RETRY_POLICY, 2, rng);
      expect(d1).toBeGreaterThanOrEqual(800);
      expect(d1).toBeLessThanOrEqual(1200);
      expect(d2).toBeGreaterThanOrEqual(1600);
      expect(d2).toBeLessThanOrEqual(2400);
      seen[0]!.add(d1);
      seen[1]!.add(d2);
    }
    // Jitter actually spreads clients out...
    expect(seen[0]!.size).toBeGreaterThan(100);
    // ...and the same seed gives the same delays.
    expect(backoffDelay(SEED_RETRY_POLICY, 1, createRng(9))).toBe(
      backoffDelay(SEED_RETRY_POLICY, 1, createRng(9)),
    );
  });

  it('without jitter is exactly initial × 2^(n-1)', () => {
    const policy = { ...SEED_RETRY_POLICY, jitterRatio: 0 };
    expect([1, 2, 3].map((n) => backoffDelay(policy, n, createRng(1)))).toEqual([1000, 2000, 4000]);
  });
});

describe('withRetry on a virtual clock', () => {
  it('retries 503 and network errors after the backoff delays, then succeeds', async () => {
    const clock = new VirtualClock();
    const t0 = clock.now();
    const s = scripted(clock, [httpError(503), networkError()]);
    const out = await withRetry(s.fn, { clock, rng: createRng(3) });
    expect(out.ok).toBe(true);
    expect(out.attempts).toHaveLength(3);
    const [a, b, c] = s.at.map((t) => t - t0);
    expect(a).toBe(0);
    expect(b! - a!).toBeGreaterThanOrEqual(800);
    expect(b! - a!).toBeLessThanOrEqual(1200);
    expect(c! - b!).toBeGreaterThanOrEqual(1600);
    expect(c! - b!).toBeLessThanOrEqual(2400);
    expect(out.waitedMs).toBe(c! - a!);
  });

  it('waits at least Retry-After (seconds) on a 429', async () => {
    const clock = new VirtualClock();
    const s = scripted(clock, [httpError(429, { 'retry-after': '7' })]);
    const out = await withRetry(s.fn, { clock, rng: createRng(1) });
    expect(out.ok).toBe(true);
    expect(s.at[1]! - s.at[0]!).toBe(7000);
  });

  it('does not retry a non-retriable 4xx', async () => {
    for (const status of [400, 401, 403, 404, 409, 422]) {
      const clock = new VirtualClock();
      const t0 = clock.now();
      const s = scripted(clock, [httpError(status), httpError(status)]);
      const out = await withRetry(s.fn, { clock, rng: createRng(1) });
      expect(out.ok).toBe(false);
      expect(out.ok === false && out.reason).toBe('non_retriable');
      expect(s.at).toHaveLength(1);
      expect(clock.now()).toBe(t0);
    }
  });

  it('gives up after 3 attempts', async () => {
    const clock = new VirtualClock();
    const s = scripted(clock, [httpError(500), httpError(502), httpError(504), httpError(503)]);
    const out = await withRetry(s.fn, { clock, rng: createRng(1) });
    expect(out.ok === false && out.reason).toBe('exhausted');
    expect(s.at).toHaveLength(3);
  });

  it('ends the call as deferred (with the wait) when Retry-After is longer than the policy allows', async () => {
    const clock = new VirtualClock();
    const s = scripted(clock, [httpError(503, { 'retry-after': '3600' })]);
    const out = await withRetry(s.fn, { clock, rng: createRng(1) });
    expect(out.ok === false && out.reason).toBe('deferred');
    expect(out.ok === false && out.failure.retryAfterMs).toBe(3_600_000);
    expect(clock.now()).toBe(s.at[0]); // it did not sleep on it
    expect(s.at).toHaveLength(1);
  });

  it('stops as soon as canAttempt says no (the breaker opened)', async () => {
    const clock = new VirtualClock();
    const s = scripted(clock, [httpError(503), httpError(503)]);
    const out = await withRetry(s.fn, { clock, rng: createRng(1), canAttempt: () => false });
    expect(out.ok === false && out.reason).toBe('blocked');
    expect(s.at).toHaveLength(1);
  });
});

describe('failure classification', () => {
  it('retries only 429, 5xx and network errors', () => {
    expect(describeFailure(httpError(429)).retriable).toBe(true);
    expect(describeFailure(httpError(500)).retriable).toBe(true);
    expect(describeFailure(httpError(599)).retriable).toBe(true);
    expect(describeFailure(networkError()).retriable).toBe(true);
    expect(describeFailure(httpError(400)).retriable).toBe(false);
    expect(describeFailure(new Error('bug')).retriable).toBe(false);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter(new Date(now + 5000).toUTCString(), now)).toBe(5000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('KlaviyoService.deliver through the real SDK and the mock fault layer', () => {
  const { clock, faults, mock } = useKlaviyoMock();

  it('recovers from two 503s (with Retry-After) and records the call', async () => {
    faults.replace({
      rules: [
        {
          match: { service: 'klaviyo' },
          outage: { fromRequest: 1, requests: 2, status: 503, retryAfterSeconds: 1 },
        },
      ],
    });
    const svc = new KlaviyoService({
      apiKey: 'pk_retry',
      clock,
      rng: createRng(5),
      breaker: new CircuitBreaker(clock),
      logger: { warn: () => {} },
    });
    const t0 = clock.now();
    expect(
      await svc.trackEvent('Story Generated', 'user-1', { theme: 'Ocean Adventure' }, 'r@example.com'),
    ).toBe(true);
    const statuses = mock.journal.list().map((e) => e.status);
    expect(statuses).toEqual([503, 503, 202]);
    const [call] = svc.instrumentation.snapshot().calls;
    expect(call).toMatchObject({
      operation: 'create_event',
      attempts: 3,
      outcome: 'success',
      failedOnce: true,
    });
    expect(call!.totalMs).toBe(clock.now() - t0);
    expect(call!.totalMs).toBeGreaterThanOrEqual(800 + 1600);
    expect(svc.instrumentation.snapshot().totals.retrySuccessRate).toBe(1);
  });

  it('does not retry a 400 from Klaviyo', async () => {
    faults.replace({ rules: [] });
    mock.journal.clear();
    const svc = new KlaviyoService({
      apiKey: 'pk_retry',
      clock,
      rng: createRng(5),
      logger: { warn: () => {} },
    });
    const result = await svc.deliver({
      kind: 'event',
      name: '',
      userId: 'u',
      properties: {},
      time: '2026-01-01T00:00:00Z',
      uniqueId: 'x',
    });
    expect(result).toMatchObject({ ok: false, reason: 'non_retriable', attempts: 1 });
    expect(mock.journal.list()).toHaveLength(1);
    expect(mock.journal.list()[0]!.status).toBe(400);
  });
});
