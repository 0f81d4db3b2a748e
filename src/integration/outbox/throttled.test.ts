/**
 * A 429 means "later", not "never": a job whose last attempt was throttled (within the Retry-After cap,
 * breaker still closed) is rescheduled after the server's wait without spending its budget, like the
 * long-Retry-After `deferred` case. Deferrals per job are bounded, so a server that throttles forever
 * ends in the dead-letter table instead of an endless loop.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../lib/clock.ts';
import { createRng } from '../../../lib/prng.ts';
import { CircuitBreaker } from '../circuit-breaker.ts';
import type { EventJob } from '../klaviyo/events.ts';
import type { DeliveryResult } from '../klaviyo/service.ts';
import { MAX_DEFERRALS, Outbox } from './worker.ts';

const job: EventJob = {
  kind: 'event',
  name: 'Story Generated',
  userId: 'u1',
  email: 'u1@example.com',
  properties: {},
  time: '2026-01-01T00:00:00.000Z',
  uniqueId: 'u1-1',
};

const throttled = (retryAfterMs?: number): DeliveryResult => ({
  ok: false,
  attempts: 3,
  reason: 'exhausted',
  failure: { status: 429, retriable: true, retryAfterMs, message: 'Request was throttled' },
});

let outboxes: Outbox[] = [];
afterEach(async () => {
  for (const o of outboxes) await o.close(0);
  outboxes = [];
});

function setup(answers: (call: number) => DeliveryResult) {
  const clock = new VirtualClock();
  const calls: number[] = [];
  const outbox = new Outbox({
    deliver: async () => {
      calls.push(clock.now());
      return answers(calls.length);
    },
    breaker: new CircuitBreaker(clock),
    clock,
    rng: createRng(7),
  });
  outboxes.push(outbox);
  return { clock, outbox, calls };
}

describe('Outbox and a throttled last attempt', () => {
  it('retries the job after Retry-After instead of dead-lettering it', async () => {
    const { outbox, calls } = setup((n) => (n <= 2 ? throttled(5_000) : { ok: true, attempts: 1 }));
    outbox.enqueue(job);
    const s = await outbox.flush(60_000);
    expect(s).toMatchObject({ tracked: 1, delivered: 1, pending: 0, deadLettered: 0, balanced: true });
    expect(calls).toHaveLength(3);
    expect(calls[1]! - calls[0]!).toBeGreaterThanOrEqual(5_000);
  });

  it('waits a backoff when the 429 carried no Retry-After', async () => {
    const { outbox, calls } = setup((n) => (n === 1 ? throttled() : { ok: true, attempts: 1 }));
    outbox.enqueue(job);
    expect(await outbox.flush(60_000)).toMatchObject({ delivered: 1, deadLettered: 0 });
    expect(calls[1]! - calls[0]!).toBeGreaterThan(0);
  });

  it(`dead-letters a job throttled ${MAX_DEFERRALS} times in a row, so nothing loops forever`, async () => {
    const { outbox, calls } = setup(() => throttled(1_000));
    outbox.enqueue(job);
    const s = await outbox.flush(3_600_000);
    expect(s).toMatchObject({ tracked: 1, delivered: 0, pending: 0, deadLettered: 1, balanced: true });
    expect(calls).toHaveLength(MAX_DEFERRALS + 1);
    expect(outbox.store.deadLetters()[0]!.reason).toMatch(/throttled/);
  });

  it('still dead-letters a job whose retries ran out on 5xx', async () => {
    const { outbox } = setup(() => ({
      ok: false,
      attempts: 3,
      reason: 'exhausted',
      failure: { status: 500, retriable: true, message: 'boom' },
    }));
    outbox.enqueue(job);
    expect(await outbox.flush(60_000)).toMatchObject({ deadLettered: 1, pending: 0 });
  });
});
