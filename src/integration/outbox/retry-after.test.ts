/**
 * A Retry-After longer than one call may wait (`maxRetryAfterMs`) ends the call, but the job is not
 * the problem: the outbox keeps it, without spending its budget, until the server's time has passed.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../lib/prng.ts';
import { CircuitBreaker } from '../circuit-breaker.ts';
import { KlaviyoService } from '../klaviyo/service.ts';
import { useKlaviyoMock } from '../testing.ts';
import { Outbox } from './worker.ts';

describe('Outbox and a long Retry-After', () => {
  const { clock, faults, mock } = useKlaviyoMock();

  it('waits out a 429 with Retry-After: 120 instead of dead-lettering the event', async () => {
    faults.replace({
      rules: [{ outage: { fromRequest: 1, requests: 1, status: 429, retryAfterSeconds: 120 } }],
    });
    const breaker = new CircuitBreaker(clock);
    const svc = new KlaviyoService({
      apiKey: 'pk_retry_after',
      clock,
      rng: createRng(3),
      breaker,
      logger: { warn: () => {} },
    });
    const outbox = new Outbox({
      deliver: (job) => svc.deliver(job, 'outbox'),
      breaker,
      clock,
      rng: createRng(4),
    });
    svc.useSink(outbox);
    const t0 = clock.now();
    await svc.trackSignedUp('ra-1', 'email', 'ra1@example.com');

    const early = await outbox.flush(60_000);
    expect(early).toMatchObject({ tracked: 1, pending: 1, deadLettered: 0, balanced: true });

    const done = await outbox.close(120_000);
    expect(done).toMatchObject({ tracked: 1, delivered: 1, pending: 0, deadLettered: 0, balanced: true });
    const [first, second] = mock.journal.list();
    expect([first?.status, second?.status]).toEqual([429, 202]);
    expect(second!.at - t0).toBeGreaterThanOrEqual(120_000);
  });
});
