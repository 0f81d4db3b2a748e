import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../lib/clock.ts';
import { abortableSleep } from './journey.ts';

describe('abortableSleep', () => {
  it('puts one listener on the run-wide signal however many sleep, and wakes them all on abort', async () => {
    const clock = new VirtualClock(0);
    const run = new AbortController();
    const sleeps = Array.from({ length: 1000 }, (_, i) =>
      abortableSleep(clock, 60_000 + i, run.signal).then(
        () => 'woke',
        () => 'aborted',
      ),
    );
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(1);
    run.abort(new Error('run stopped'));
    expect(new Set(await Promise.all(sleeps))).toEqual(new Set(['aborted']));
  });

  it('sleeps its time when nothing aborts, and forgets the sleeper afterwards', async () => {
    const clock = new VirtualClock(0);
    const run = new AbortController();
    const done = abortableSleep(clock, 5_000, run.signal);
    clock.advance(5_000);
    await expect(done).resolves.toBeUndefined();
    // A later abort finds nobody to wake and throws nothing.
    run.abort();
    await expect(abortableSleep(clock, 1, run.signal)).rejects.toBeDefined();
  });
});
