import { describe, expect, it } from 'vitest';
import { VirtualClock } from './clock.ts';

describe('VirtualClock', () => {
  it('fires sleepers in due order and jumps time without waiting', async () => {
    const clock = new VirtualClock(0);
    const order: string[] = [];
    const started = Date.now();
    await Promise.all([
      clock.sleep(3_600_000).then(() => order.push(`hour@${clock.now()}`)),
      clock.sleep(1000).then(() => order.push(`second@${clock.now()}`)),
      clock.sleep(1000).then(() => order.push(`second-b@${clock.now()}`)),
    ]);
    expect(order).toEqual(['second@1000', 'second-b@1000', 'hour@3600000']);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('lets chained sleeps accumulate and abort removes a sleeper', async () => {
    const clock = new VirtualClock(0);
    const ac = new AbortController();
    const aborted = clock.sleep(500, ac.signal).catch(() => 'aborted');
    ac.abort();
    expect(await aborted).toBe('aborted');
    for (let i = 0; i < 5; i++) await clock.sleep(200);
    expect(clock.now()).toBe(1000);
    expect(clock.pending).toBe(0);
  });

  it('advance() fires due timers by hand', async () => {
    const clock = new VirtualClock(100);
    let fired = false;
    const p = clock.sleep(50).then(() => {
      fired = true;
    });
    clock.advance(50);
    await p;
    expect(fired).toBe(true);
    expect(clock.now()).toBe(150);
  });

  it('keeps (due, seq) order across thousands of sleepers with cancels, as a sorted queue would', async () => {
    const clock = new VirtualClock(0);
    const fired: number[] = [];
    const expected: { due: number; id: number }[] = [];
    const sleeps: Promise<unknown>[] = [];
    for (let id = 0; id < 5000; id++) {
      // Few distinct due times, so ties (broken by the order the sleeps were set) are common.
      const due = (id * 7919) % 97;
      const ac = new AbortController();
      sleeps.push(
        clock.sleep(due, ac.signal).then(
          () => fired.push(id),
          () => undefined,
        ),
      );
      if (id % 5 === 0) ac.abort();
      else expected.push({ due, id });
    }
    expect(clock.pending).toBe(4000);
    await Promise.all(sleeps);
    expected.sort((a, b) => a.due - b.due || a.id - b.id);
    expect(fired).toEqual(expected.map((e) => e.id));
    expect(clock.pending).toBe(0);
    expect(clock.now()).toBe(96);
  });
});
