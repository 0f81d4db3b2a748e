import { describe, expect, it } from 'vitest';
import { createProgress, formatEta, progressOf } from './progress.ts';

const DAY = 86_400_000;

describe('progress', () => {
  it('moves with simulated time while no journey has finished, and estimates the rest from wall time', () => {
    const p = progressOf({ done: 0, total: 100, simulatedMs: DAY, failed: 0 }, 4 * DAY, 10_000);
    expect(p.fraction).toBe(0.25);
    expect(p.etaMs).toBe(30_000);
    // Every journey over before the simulated end: done.
    expect(progressOf({ done: 100, total: 100, simulatedMs: DAY, failed: 0 }, 4 * DAY, 5000)).toEqual({
      fraction: 1,
      etaMs: 0,
    });
    expect(progressOf({ done: 0, total: 10, simulatedMs: 0, failed: 0 }, DAY, 0).etaMs).toBeNull();
    expect([formatEta(null), formatEta(42_000), formatEta(185_000), formatEta(3_900_000)]).toEqual([
      '…',
      '42s',
      '3m05s',
      '1h05m',
    ]);
  });

  it('writes one plain line per 10 % in CI, each with an ETA', () => {
    let wall = 0;
    const out: string[] = [];
    const stream = { isTTY: false, write: (t: string) => out.push(t) } as unknown as NodeJS.WriteStream;
    const view = createProgress(true, { durationMs: 10 * DAY, now: () => wall }, stream);
    for (let d = 0; d <= 10; d++) {
      wall = d * 1000;
      view.update({ done: d, total: 10, simulatedMs: d * DAY, failed: 0 });
      view.update({ done: d, total: 10, simulatedMs: d * DAY + 1, failed: 0 });
    }
    expect(out).toHaveLength(11);
    expect(out[5]).toBe('  50% · 5d/10d simulated · 5/10 journeys · 0 failed · ETA 5s\n');
    expect(out[10]).toMatch(/100% .* ETA 0s/);
  });
});
