/**
 * Injectable time. Everything that reads the time or waits takes a Clock, so tests and the harness can
 * replay hours of think time and retry backoff on a virtual clock without waiting for real.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolve after `ms` of this clock's time. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

interface Timer {
  due: number;
  seq: number;
  resolve: () => void;
}

/**
 * A discrete-event clock. `sleep` parks the caller on a timer queue; whenever the process has nothing
 * else runnable (checked with `setImmediate`, i.e. after pending I/O callbacks and microtasks), the
 * earliest timer fires and `now()` jumps to its due time. Timers with the same due time fire in the
 * order they were set, so a run is deterministic for a given sequence of sleeps.
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: Timer[] = [];
  private scheduled = false;

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  /** Move time forward by hand (fires every timer that falls due). */
  advance(ms: number): void {
    const target = this.current + ms;
    while (this.timers.length > 0 && this.timers[0]!.due <= target) this.fireNext();
    this.current = Math.max(this.current, target);
  }

  /** Number of sleepers waiting. */
  get pending(): number {
    return this.timers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const timer: Timer = { due: this.current + Math.max(0, ms), seq: this.seq++, resolve };
      this.insert(timer);
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.timers.indexOf(timer);
          if (i >= 0) this.timers.splice(i, 1);
          reject(signal.reason);
        },
        { once: true },
      );
      this.schedule();
    });
  }

  private insert(timer: Timer): void {
    // Binary insertion keeps the queue ordered by (due, seq).
    let lo = 0;
    let hi = this.timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = this.timers[mid]!;
      if (t.due < timer.due || (t.due === timer.due && t.seq < timer.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.timers.splice(lo, 0, timer);
  }

  private fireNext(): void {
    const timer = this.timers.shift()!;
    this.current = Math.max(this.current, timer.due);
    timer.resolve();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.timers.length === 0) return;
      this.fireNext();
      if (this.timers.length > 0) this.schedule();
    });
  }
}
