import { describe, expect, it } from 'vitest';
import { LatencyRecorder } from './latency.ts';

describe('LatencyRecorder', () => {
  it('never reports a percentile above the largest value recorded, nor below the smallest', () => {
    // HDR keeps 3 significant digits: 4126 ms lands in a bucket whose top is above 4126.
    const r = new LatencyRecorder();
    for (let i = 0; i < 200; i++) r.record(4126.3);
    r.record(12.7);
    const s = r.summary();
    expect(s.max).toBe(4126.3);
    expect(s.min).toBe(12.7);
    for (const p of [s.p50, s.p90, s.p95, s.p99]) {
      expect(p).not.toBeNull();
      expect(p!).toBeLessThanOrEqual(s.max!);
      expect(p!).toBeGreaterThanOrEqual(s.min!);
    }
    for (const [, ms] of s.curve) expect(ms).toBeLessThanOrEqual(s.max!);
  });

  it('keeps the exact extremes through a snapshot merge', () => {
    const a = new LatencyRecorder();
    const b = new LatencyRecorder();
    a.record(3.3);
    b.record(9999.9);
    const merged = new LatencyRecorder();
    merged.absorb(a.snapshot());
    merged.absorb(b.snapshot());
    const s = merged.summary();
    expect(s.count).toBe(2);
    expect(s.min).toBe(3.3);
    expect(s.max).toBe(9999.9);
    expect(s.p99!).toBeLessThanOrEqual(9999.9);
  });

  it('summarises an empty recorder as nulls, not zeros', () => {
    const s = new LatencyRecorder().summary();
    expect([s.count, s.min, s.p95, s.max]).toEqual([0, null, null, null]);
  });
});
