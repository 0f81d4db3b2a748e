/**
 * The in-process transports and worker sharding change how fast a run goes, never what it measures:
 * msw and the direct transport give the same journeys, events, fault sequence and conservation figures
 * for a seed (under faults that exercise errors, resets and retries), and a sharded run is repeatable
 * for the same seed and worker count, and identical to the unsharded run with one worker.
 */
import { describe, expect, it, vi } from 'vitest';
import { type RunResult, runScenario } from '../../src/harness/runner.ts';
import { loadScenario } from '../../src/harness/scenario-loader.ts';
import { planWorkers, runScenarioSharded } from '../../src/harness/shard.ts';
import { createInProcessStack } from '../../src/harness/stack-inprocess.ts';

// Real runs through both mocks: generous per-test time on a loaded 2-core CI machine (not a speed check).
vi.setConfig({ testTimeout: 120_000 });

/** Everything a run counts (timings aside): what must not depend on the transport or on repetition. */
function counts(r: RunResult) {
  const m = r.metrics;
  return {
    journeys: { ...m.journeys, perSecond: undefined },
    steps: Object.fromEntries(
      Object.entries(m.steps).map(([k, v]) => [k, { ok: v.ok, failed: v.failed, skipped: v.skipped }]),
    ),
    klaviyo: {
      calls: m.klaviyo.calls,
      attempts: m.klaviyo.attempts,
      retries: m.klaviyo.retries,
      recovered: m.klaviyo.callsRecovered,
      throttled: m.klaviyo.throttled,
      // Calls and failures per operation; not attempts: which of two requests in flight at once reaches
      // the mock first (and so draws the next fault) depends on the transport's event-loop turns (msw
      // reads a POST body in extra turns, letting a concurrent GET overtake it). The draws themselves,
      // their order and every total are the same.
      byOperation: Object.fromEntries(
        Object.entries(m.klaviyo.byOperation).map(([op, v]) => [
          op,
          { calls: v.calls, failures: v.failures },
        ]),
      ),
    },
    cache: m.cache,
    events: m.events,
    faultCounts: r.faultCounts,
    faultSequence: r.faultSequence,
  };
}

describe('transports', () => {
  it('msw and direct give the same run for the same seed, under injected errors and resets', async () => {
    const scenario = loadScenario('default');
    const options = { users: 8, faults: 'flaky' };
    const direct = await runScenario(scenario, createInProcessStack, { ...options, transport: 'direct' });
    const msw = await runScenario(scenario, createInProcessStack, { ...options, transport: 'msw' });
    expect(direct.faultSequence.some((f) => f.includes('network:'))).toBe(true);
    expect(direct.metrics.klaviyo.retries).toBeGreaterThan(0);
    expect(counts(direct)).toEqual(counts(msw));
    expect(direct.metrics.events.conserved).toBe(true);
  });
});

describe('worker sharding', () => {
  const scenario = loadScenario('default');

  it('plans both cores only for big in-process runs, never more shards than concurrent journeys', () => {
    expect(planWorkers(scenario, 20, 'inprocess')).toBe(1);
    expect(planWorkers(scenario, 10_000, 'http')).toBe(1);
    expect(planWorkers(scenario, 10_000, 'inprocess', 64)).toBe(scenario.concurrency);
    expect(planWorkers(scenario, 3, 'inprocess', 4)).toBe(3);
  });

  it('one worker reproduces the unsharded run; two workers repeat themselves and merge every family', async () => {
    const options = { users: 12 };
    const unsharded = await runScenario(scenario, createInProcessStack, options);
    // The single shard in a worker thread (not this one): same figures as the unsharded run.
    const one = await runScenarioSharded(scenario, { ...options, workers: 1, mainThreadShard: false });
    expect(counts(one)).toEqual(counts(unsharded));
    expect(one.metrics.latency.event_tracking).toEqual(unsharded.metrics.latency.event_tracking);

    const a = await runScenarioSharded(scenario, { ...options, workers: 2 });
    const b = await runScenarioSharded(scenario, { ...options, workers: 2 });
    expect(counts(a)).toEqual(counts(b));
    expect(a.metrics.journeys.started).toBe(12);
    expect(a.metrics.journeys.completed).toBe(12);
    expect(a.metrics.events.conserved).toBe(true);
    // Merged histograms hold every call of both shards.
    expect(a.metrics.latency.klaviyo_call.count).toBe(a.metrics.klaviyo.calls);
    expect(a.figures.events_lost).toBe(0);
  });
});
