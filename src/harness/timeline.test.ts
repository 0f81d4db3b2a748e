import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../lib/clock.ts';
import { MAX_BUCKETS, mergeTimelines, TimelineRecorder, timelineBucketMs } from './timeline.ts';

const H = 3_600_000;

describe('timeline', () => {
  it('picks a readable bucket width giving 60–120 buckets over the scenario', () => {
    for (const d of [30_000, 5 * 60_000, 10 * 60_000, H, 6 * H, 3 * 24 * H, 14 * 24 * H, 90 * 24 * H]) {
      const n = Math.ceil(d / timelineBucketMs(d));
      expect(n, `duration ${d}`).toBeGreaterThanOrEqual(60);
      expect(n, `duration ${d}`).toBeLessThanOrEqual(120);
    }
    expect(timelineBucketMs(6 * H)).toBe(3 * 60_000);
  });

  it('counts events in their buckets, ignores those before begin, samples the backlog at bucket ends', () => {
    const t = new TimelineRecorder(H);
    const w = timelineBucketMs(H);
    t.add('calls', 5);
    t.begin(1000);
    t.attempt(1000, 1000 + w, 429);
    t.attempt(1000 + w, 1000 + w, 503);
    t.attempt(1000 + w, 1000 + 2 * w + 1, null);
    t.fault(1000, 'latency');
    t.fault(1000, 'error:503');
    t.call(1000, 3);
    t.sampleOutbox(1000, { pending: 0, delivered: 0 });
    t.sampleOutbox(1000 + w, { pending: 7, delivered: 2 });
    t.sampleOutbox(1000 + 3 * w, { pending: 4, delivered: 9 });
    const tl = t.timeline();
    expect(tl.bucketMs).toBe(w);
    expect(tl.counts.calls).toEqual([1, 0, 0]);
    expect(tl.counts.retries).toEqual([2, 0, 0]);
    expect(tl.counts.attempts).toEqual([1, 2, 0]);
    expect(tl.counts.throttled).toEqual([0, 1, 0]);
    expect(tl.counts.serverErrors).toEqual([0, 1, 0]);
    expect(tl.counts.networkErrors).toEqual([0, 0, 1]);
    expect(tl.counts.faults).toEqual([1, 0, 0]);
    expect(tl.counts.delivered).toEqual([2, 0, 7]);
    // Bucket 1 was never sampled: it carries bucket 0's sample.
    expect(tl.backlog).toEqual([7, 7, 4]);
    expect(structuredClone(tl)).toEqual(tl);
  });

  it('stays bounded: a run past MAX_BUCKETS doubles the width and folds pairs', () => {
    const t = new TimelineRecorder(H);
    const w = timelineBucketMs(H);
    t.begin(0);
    for (let i = 0; i < 1000; i++) t.add('steps', i * w);
    const tl = t.timeline();
    expect(tl.backlog.length).toBeLessThanOrEqual(MAX_BUCKETS);
    expect(tl.bucketMs).toBe(w * 8);
    expect(tl.counts.steps.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(tl.counts.steps[0]).toBe(8);
  });

  it('merges shards bucket by bucket, coarsening the finer and carrying a shorter backlog forward', () => {
    const a = new TimelineRecorder(H);
    const b = new TimelineRecorder(H);
    const w = timelineBucketMs(H);
    a.begin(0);
    b.begin(0);
    a.add('calls', 0, 2);
    a.sampleOutbox(w, { pending: 3, delivered: 1 });
    b.add('calls', 0, 5);
    b.sampleOutbox(w, { pending: 1, delivered: 0 });
    for (let i = 0; i < 300; i++) b.add('steps', i * w);
    const merged = mergeTimelines(a.timeline(), b.timeline());
    expect(merged.bucketMs).toBe(2 * w);
    expect(merged.counts.calls[0]).toBe(7);
    expect(merged.counts.delivered[0]).toBe(1);
    expect(merged.counts.steps.reduce((s, v) => s + v, 0)).toBe(300);
    // a's outbox still holds 3 jobs after its last sample; b's 1.
    expect(merged.backlog.at(-1)).toBe(4);
    expect(mergeTimelines(b.timeline(), a.timeline())).toEqual(merged);
  });

  it('samples the outbox on a virtual clock at every bucket end until stopped', async () => {
    const clock = new VirtualClock(0);
    const t = new TimelineRecorder(H);
    const w = timelineBucketMs(H);
    t.begin(0);
    let pending = 0;
    const sampler = t.sampleOn(clock, () => ({ pending, delivered: 0 }));
    await clock.sleep(w / 2);
    for (let i = 1; i <= 5; i++) {
      pending = i;
      await clock.sleep(w);
    }
    await sampler.stop();
    expect(clock.pending).toBe(0);
    // Each bucket end saw the backlog set half a bucket before it.
    expect(t.timeline().backlog.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
  });
});
