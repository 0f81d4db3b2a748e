import { describe, expect, it } from 'vitest';
import { createRng } from '../../../../lib/prng.ts';
import { DEFAULT_ENGAGEMENT, planEngagement } from './engagement.ts';

const plans = (seed: number, n: number, config = DEFAULT_ENGAGEMENT) => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => planEngagement(rng, config));
};

describe('engagement model', () => {
  it('replays the same plans for the same seed and differs for another', () => {
    expect(plans(5, 200)).toEqual(plans(5, 200));
    expect(plans(6, 200)).not.toEqual(plans(5, 200));
  });

  it('follows the configured rates and delays', () => {
    const all = plans(11, 5000);
    const opened = all.filter((p) => p.some((s) => s.kind === 'open'));
    const clicked = all.filter((p) => p.some((s) => s.kind === 'click'));
    expect(opened.length / all.length).toBeCloseTo(DEFAULT_ENGAGEMENT.openRate, 1);
    expect(clicked.length / opened.length).toBeCloseTo(DEFAULT_ENGAGEMENT.clickRate, 1);
    for (const p of all) {
      const open = p.find((s) => s.kind === 'open');
      // Nothing happens without an open, and clicks and unsubscribes come after it.
      if (!open) expect(p).toEqual([]);
      else {
        expect(open.afterMs).toBeGreaterThanOrEqual(DEFAULT_ENGAGEMENT.openDelay.minMs);
        expect(open.afterMs).toBeLessThanOrEqual(DEFAULT_ENGAGEMENT.openDelay.maxMs);
        for (const s of p) expect(s.afterMs).toBeGreaterThanOrEqual(open.afterMs);
      }
    }
    expect(plans(1, 100, { ...DEFAULT_ENGAGEMENT, openRate: 0 }).flat()).toEqual([]);
  });

  it('keeps other recipients’ draws when one rate changes', () => {
    const base = plans(9, 50);
    const noUnsubscribes = plans(9, 50, { ...DEFAULT_ENGAGEMENT, unsubscribeRate: 0 });
    const strip = (ps: typeof base) => ps.map((p) => p.filter((s) => s.kind !== 'unsubscribe'));
    expect(strip(noUnsubscribes)).toEqual(strip(base));
  });
});
