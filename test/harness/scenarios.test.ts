/**
 * Scenario regression: small versions of every shipped scenario, run in-process through the real
 * integration and both mocks, judged by the scenario's own thresholds. Plus the properties the harness
 * promises: same seed → same run, nothing lost in an outage, Retry-After honoured in a 429 storm.
 */
import { describe, expect, it, vi } from 'vitest';
import { type RunResult, runScenario } from '../../src/harness/runner.ts';
import { listScenarios, loadScenario } from '../../src/harness/scenario-loader.ts';
import { createInProcessStack } from '../../src/harness/stack-inprocess.ts';

// Real runs through both mocks: generous per-test time on a loaded 2-core CI machine (not a speed check).
vi.setConfig({ testTimeout: 90_000 });

/** Families per scenario in CI: enough to exercise every step and fault, small enough for ~60 s in all. */
const SMALL: Record<string, number> = {
  default: 6,
  'signup-to-subscription': 8,
  'bedtime-streaks': 4,
  'churn-and-winback': 6,
  'family-accounts': 6, // at 4 families one retried call (of ~80) is the p95
  'klaviyo-outage': 10,
  'rate-limit-storm': 10,
  'parent-insights': 5,
  'catalog-changes': 3,
  'webhook-deliveries': 10,
  'adaptive-stories': 6, // both arms hear stories at 6 families (the split is a hash)
};

const results = new Map<string, RunResult>();
async function run(name: string, users = SMALL[name] ?? 5): Promise<RunResult> {
  const key = `${name}:${users}`;
  let r = results.get(key);
  if (!r) {
    r = await runScenario(loadScenario(name), createInProcessStack, { users });
    results.set(key, r);
  }
  return r;
}

function failedThresholds(r: RunResult): string[] {
  return r.thresholds.filter((t) => !t.passed).map((t) => `${t.source} (measured ${t.actual})`);
}

describe('shipped scenarios (small versions)', () => {
  for (const name of listScenarios()) {
    it(`${name}: passes its thresholds and conserves every event`, async () => {
      const r = await run(name);
      expect(r.partial).toBe(false);
      expect(r.metrics.journeys.started).toBe(r.users);
      expect(failedThresholds(r)).toEqual([]);
      const e = r.metrics.events;
      expect(e.tracked).toBeGreaterThan(0);
      expect(e.lost).toBe(0);
      expect(e.tracked).toBe(e.delivered + (e.coalesced ?? 0) + e.pending + e.deadLettered);
      // Every event the journeys' successful steps should produce reached Klaviyo exactly once, unless it
      // was dead-lettered (accounted for above; the outbox also carries profile syncs).
      if (e.deadLettered === 0) expect(e.stored).toBe(e.expected);
      else expect(e.stored).toBeLessThanOrEqual(e.expected);
    });
  }
});

describe('determinism', () => {
  it('two runs with the same seed give the same journeys, events, fault sequence and conservation figures', async () => {
    const a = await runScenario(loadScenario('default'), createInProcessStack, { users: 5, seed: 1234 });
    const b = await runScenario(loadScenario('default'), createInProcessStack, { users: 5, seed: 1234 });
    const shape = (r: RunResult) => ({
      journeys: { ...r.metrics.journeys, perSecond: 0 },
      steps: Object.fromEntries(
        Object.entries(r.metrics.steps).map(([k, v]) => [k, [v.ok, v.failed, v.skipped]]),
      ),
      events: r.metrics.events,
      calls: r.metrics.klaviyo.calls,
      attempts: r.metrics.klaviyo.attempts,
      faultCounts: r.faultCounts,
    });
    expect(shape(b)).toEqual(shape(a));
    expect(b.faultSequence).toEqual(a.faultSequence);
    expect(a.faultSequence.some((f) => !f.endsWith(':none'))).toBe(true);

    const c = await runScenario(loadScenario('default'), createInProcessStack, { users: 5, seed: 4321 });
    expect(c.faultSequence).not.toEqual(a.faultSequence);
  });
});

describe('fault scenarios', () => {
  it('klaviyo-outage: the outage happens mid-run and no event is lost, dead-lettered or left pending', async () => {
    const r = await run('klaviyo-outage');
    const klaviyo = r.faultSequence.filter((f) => f.startsWith('klaviyo:'));
    const first = klaviyo.findIndex((f) => f.includes('outage'));
    const last = klaviyo.findLastIndex((f) => f.includes('outage'));
    // Mid-run: Klaviyo answered before the outage and again after it.
    expect(first).toBeGreaterThan(0);
    expect(last).toBeLessThan(klaviyo.length - 1);
    expect(r.metrics.events).toMatchObject({ lost: 0, deadLettered: 0, pending: 0, conserved: true });
    expect(r.metrics.events.delivered + (r.metrics.events.coalesced ?? 0)).toBe(r.metrics.events.tracked);
    // Families kept being served while Klaviyo was down.
    expect(r.metrics.journeys.failed).toBe(0);
  });

  it('rate-limit-storm: 429s happen and every retry waits at least Retry-After', async () => {
    const r = await run('rate-limit-storm');
    expect(r.metrics.klaviyo.throttled).toBeGreaterThan(0);
    expect(r.metrics.klaviyo.retryAfterObserved).toBeGreaterThan(0);
    expect(r.metrics.klaviyo.retryAfterHonoured).toBe(r.metrics.klaviyo.retryAfterObserved);
    expect(r.metrics.klaviyo.retryAfterMinSlackMs).toBeGreaterThanOrEqual(-1);
    expect(r.metrics.events.lost).toBe(0);
  });
});

describe('demo data export', () => {
  it('writes profiles, events and metrics as JSON and CSV, matching the run and free of child data', async () => {
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { createPersonas } = await import('../../src/harness/personas.ts');
    const dir = mkdtempSync(join(tmpdir(), 'export-'));
    const scenario = loadScenario('family-accounts');
    const r = await runScenario(scenario, createInProcessStack, { users: 2, exportDataDir: dir });
    expect(r.exportedFiles?.map((f) => f.slice(dir.length + 1)).sort()).toEqual([
      'events.csv',
      'events.json',
      'instrumentation.json',
      'metrics.csv',
      'metrics.json',
      'profiles.csv',
      'profiles.json',
    ]);
    const events = JSON.parse(readFileSync(join(dir, 'events.json'), 'utf8')) as unknown[];
    const profiles = JSON.parse(readFileSync(join(dir, 'profiles.json'), 'utf8')) as { email?: string }[];
    expect(events.length).toBe(r.metrics.events.stored);
    expect(profiles.map((p) => p.email).sort()).toEqual(
      createPersonas(scenario.seed, 2)
        .map((p) => p.parent.email)
        .sort(),
    );
    expect(readFileSync(join(dir, 'events.csv'), 'utf8').trim().split('\n').length).toBe(events.length + 1);
    const everything = ['events.json', 'profiles.json']
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    for (const child of createPersonas(scenario.seed, 2, { children: scenario.children }).flatMap(
      (p) => p.children,
    )) {
      expect(everything).not.toContain(`"${child.name}"`);
    }
  });
});
