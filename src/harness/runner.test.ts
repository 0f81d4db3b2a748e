import { describe, expect, it } from 'vitest';
import { createFakeStack } from '../../test/harness/fake-stack.ts';
import { arrivalOffsets } from './arrival.ts';
import { createPersonas } from './personas.ts';
import { runScenario } from './runner.ts';
import { parseScenario } from './scenario-loader.ts';

const scenario = parseScenario({
  name: 'unit',
  users: 6,
  seed: 9,
  duration: '3d',
  arrival: { type: 'rate', per_second: 0.1 },
  concurrency: 6,
  journey: [
    'signup',
    { think: { min: '1m', max: '10m' } },
    // biome-ignore lint/suspicious/noThenProperty: scenario syntax.
    { branch: { probability: 0.5, then: [{ subscribe: { tier: 'premium' } }, 'cancel'], else: ['story'] } },
    { bedtime: { skip_probability: 0.3, steps: ['story', 'recommendations'] } },
  ],
});

describe('personas', () => {
  it('are the same for the same seed and index, different for another seed', () => {
    const a = createPersonas(1, 5);
    expect(createPersonas(1, 5)).toEqual(a);
    expect(createPersonas(1, 8).slice(0, 5)).toEqual(a);
    expect(createPersonas(2, 5)).not.toEqual(a);
    for (const p of a) {
      expect(p.parent.email).toMatch(/@example\.(com|org|net)$/);
      expect(p.children.length).toBeGreaterThanOrEqual(1);
      expect(p.bedtimeMinutes).toBeGreaterThanOrEqual(18 * 60 + 30);
      expect(p.bedtimeMinutes).toBeLessThanOrEqual(21 * 60);
    }
    expect(new Set(a.map((p) => p.parent.email)).size).toBe(5);
  });
});

describe('arrival', () => {
  it('spaces families by rate and by a linear ramp', () => {
    expect(arrivalOffsets({ type: 'all-at-once' }, 3)).toEqual([0, 0, 0]);
    expect(arrivalOffsets({ type: 'rate', per_second: 2 }, 3)).toEqual([0, 500, 1000]);
    const ramp = arrivalOffsets({ type: 'ramp', from: 0, to: 2, over: 10_000 }, 12);
    expect(ramp[0]).toBe(0);
    for (let i = 1; i < ramp.length; i++) expect(ramp[i]!).toBeGreaterThan(ramp[i - 1]!);
    // 10 arrivals during the ramp (area of the triangle), then 2 per second.
    expect(ramp[10]).toBe(10_000);
    expect(ramp[11]).toBe(10_500);
  });
});

describe('runner', () => {
  it('replays the same journeys and events for the same seed', async () => {
    const stacks: ReturnType<typeof createFakeStack>[] = [];
    const factory = async (o: Parameters<typeof createFakeStack>[0]) => {
      const s = createFakeStack(o);
      stacks.push(s);
      return s;
    };
    const a = await runScenario(scenario, factory);
    const b = await runScenario(scenario, factory);
    expect(stacks[1]!.events).toEqual(stacks[0]!.events);
    expect(b.metrics.steps).toEqual(a.metrics.steps);
    expect(a.metrics.journeys).toMatchObject({ started: 6, completed: 6, failed: 0 });
    // Cancels only happen after a subscribe; skipped nights are recorded.
    expect(a.metrics.steps.cancel?.ok).toBe(a.metrics.steps.subscribe?.ok);
    expect(a.metrics.steps.bedtime_night?.skipped).toBeGreaterThan(0);
    const c = await runScenario(scenario, factory, { seed: 10 });
    expect(stacks[2]!.events).not.toEqual(stacks[0]!.events);
    expect(c.seed).toBe(10);
  });

  it('stops on abort and still measures (a partial run)', async () => {
    const controller = new AbortController();
    const r = await runScenario(scenario, async (o) => createFakeStack(o), {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done === 1) controller.abort();
      },
    });
    expect(r.partial).toBe(true);
    expect(r.metrics.journeys.completed).toBeGreaterThanOrEqual(1);
    expect(r.metrics.journeys.completed).toBeLessThan(6);
    expect(r.metrics.events.conserved).toBe(true);
  });

  it('counts journeys the end of the run cuts, and families it never reaches, as truncated; the default threshold fails', async () => {
    const short = parseScenario({
      name: 'short',
      users: 4,
      duration: '1d',
      // Family 4 would arrive 30 h in: after the end.
      arrival: { type: 'rate', per_second: 1 / 36_000 },
      journey: ['signup', { bedtime: { days: 3, steps: ['story'] } }],
    });
    const r = await runScenario(short, async (o) => createFakeStack(o));
    expect(r.metrics.journeys).toMatchObject({
      families: 4,
      started: 3,
      completed: 0,
      truncated: 4,
      notStarted: 1,
    });
    expect(r.figures.journeys_truncated).toBe(4);
    expect(r.thresholds).toContainEqual(
      expect.objectContaining({ source: 'journeys_truncated == 0', actual: 4, passed: false }),
    );
    // A scenario may accept truncation explicitly; then no default is added.
    const lenient = await runScenario({ ...short, thresholds: ['journeys_truncated <= 4'] }, async (o) =>
      createFakeStack(o),
    );
    expect(lenient.thresholds.map((t) => [t.source, t.passed])).toEqual([['journeys_truncated <= 4', true]]);
  });

  it('--users scales arrival and concurrency, so a bigger run keeps every journey whole', async () => {
    const small = parseScenario({
      name: 'small',
      users: 2,
      concurrency: 2,
      duration: '2d',
      arrival: { type: 'rate', per_second: 0.01 },
      journey: ['signup', { bedtime: { steps: ['story'] } }],
    });
    const big = await runScenario(small, async (o) => createFakeStack(o), { users: 12 });
    expect(big.metrics.journeys).toMatchObject({ families: 12, completed: 12, truncated: 0 });
    // Every family had its nights: at least one story each.
    expect(big.metrics.steps.story!.ok).toBeGreaterThanOrEqual(12);
    // Without the scaling (concurrency kept at 2), most families would wait past the end for a slot.
    const fixed = await runScenario({ ...small, users: 12 }, async (o) => createFakeStack(o));
    expect(fixed.metrics.journeys.truncated).toBeGreaterThan(0);
    const shorter = await runScenario(small, async (o) => createFakeStack(o), { duration: 3_600_000 });
    expect(shorter.scenario.duration).toBe(3_600_000);
  });

  it('fails a journey whose signup fails and says why', async () => {
    const r = await runScenario(
      parseScenario({ name: 'dup', users: 2, journey: ['signup', 'signup', 'story'] }),
      async (o) => createFakeStack(o),
    );
    expect(r.metrics.journeys.failed).toBe(2);
    expect(r.metrics.journeys.failures[0]).toMatch(/signup failed: user_already_exists/);
  });
});
