import { describe, expect, it } from 'vitest';
import {
  computeMetrics,
  flattenMetrics,
  JourneyCollector,
  type KlaviyoCallRecord,
  type MetricsInput,
} from './metrics.ts';

const call = (over: Partial<KlaviyoCallRecord>): KlaviyoCallRecord => ({
  operation: 'create_event',
  category: 'event',
  attempts: 1,
  outcome: 'success',
  latencyMs: 10,
  failedAttempts: 0,
  ...over,
});

function metrics(over: Partial<MetricsInput>) {
  return computeMetrics({
    journeys: new JourneyCollector(),
    calls: [],
    cache: { hits: 0, misses: 0, savedCalls: 0 },
    outbox: { tracked: 0, delivered: 0, pending: 0, deadLettered: 0 },
    eventsStored: null,
    wallMs: 1000,
    simulatedMs: 1000,
    ...over,
  });
}

describe('retry success', () => {
  it('is n/a (null), not 0 %, when nothing failed', () => {
    const m = metrics({
      calls: [call({}), call({})],
      outbox: { tracked: 2, delivered: 2, pending: 0, deadLettered: 0, retried: 0, recovered: 0 },
    });
    expect(m.klaviyo.retrySuccessRate).toBeNull();
    expect(flattenMetrics(m).retry_success_rate).toBeNull();
  });

  it('is judged on delivered outcomes: events whose calls failed in an outage but were delivered later count as recovered', () => {
    // An outage: each of 3 events' first delivery fails all its attempts (the call fails), a later round
    // delivers it. Per call that is 0 % recovered within the call; per event, 100 % delivered.
    const calls = [
      ...[1, 2, 3].map(() => call({ attempts: 3, failedAttempts: 3, outcome: 'failure' })),
      ...[1, 2, 3].map(() => call({})),
    ];
    const m = metrics({
      calls,
      outbox: { tracked: 3, delivered: 3, pending: 0, deadLettered: 0, retried: 3, recovered: 3 },
    });
    expect(m.klaviyo.callRetrySuccessRate).toBe(0);
    expect(m.klaviyo.retrySuccessRate).toBe(1);
    expect(m.klaviyo.retried).toEqual({ recovered: 3, failed: 3, unit: 'jobs' });
  });

  it('leaves reads out (a failed read has a fallback, not a delivery); without an outbox, counts calls', () => {
    const read = call({ operation: 'get_profiles', category: 'read', attempts: 2, failedAttempts: 1 });
    const lostRead = call({ category: 'read', attempts: 3, failedAttempts: 3, outcome: 'failure' });
    const withOutbox = metrics({
      calls: [read, lostRead],
      outbox: { tracked: 4, delivered: 3, pending: 0, deadLettered: 1, retried: 2, recovered: 1 },
    });
    expect(withOutbox.klaviyo.retried).toEqual({ recovered: 1, failed: 2, unit: 'jobs' });
    expect(withOutbox.klaviyo.retrySuccessRate).toBe(0.5);
    expect(withOutbox.klaviyo.callRetrySuccessRate).toBe(0.5);
    const inline = metrics({ calls: [read, lostRead] });
    expect(inline.klaviyo.retried.unit).toBe('calls');
    expect(inline.klaviyo.retrySuccessRate).toBe(0.5);
  });
});
