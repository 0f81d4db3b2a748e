import { describe, expect, it } from 'vitest';
import { scaleScenario } from './scale.ts';
import { parseScenario } from './scenario-loader.ts';

const base = parseScenario({
  name: 'shape',
  users: 20,
  concurrency: 20,
  arrival: { type: 'rate', per_second: 0.5 },
  journey: ['signup'],
});

describe('scaleScenario', () => {
  it('grows the arrival rate and the concurrency with the families, keeping the arrival window', () => {
    const s = scaleScenario(base, { users: 20_000 });
    expect(s).toMatchObject({
      users: 20_000,
      concurrency: 20_000,
      arrival: { type: 'rate', per_second: 500 },
    });
    // The last family arrives at the same simulated moment as in the file (39 s → 39.998 s).
    expect((s.users - 1) / (s.arrival as { per_second: number }).per_second).toBeCloseTo(40, 0);
  });

  it('scales ramps, leaves all-at-once alone, caps concurrency at the families, overrides the duration', () => {
    const ramp = scaleScenario(
      { ...base, arrival: { type: 'ramp', from: 1, to: 4, over: 60_000 } },
      { users: 40 },
    );
    expect(ramp.arrival).toEqual({ type: 'ramp', from: 2, to: 8, over: 60_000 });
    expect(scaleScenario({ ...base, arrival: { type: 'all-at-once' } }, { users: 5 }).arrival).toEqual({
      type: 'all-at-once',
    });
    expect(scaleScenario({ ...base, concurrency: 3 }, { users: 10 }).concurrency).toBe(2);
    expect(scaleScenario(base, { duration: 7_200_000 })).toMatchObject({ users: 20, duration: 7_200_000 });
    expect(scaleScenario(base, {})).toEqual(base);
  });
});
