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
  /** Set when its sleep was aborted: the heap drops it when it reaches the top (lazy deletion). */
  cancelled: boolean;
}

/** (due, seq) order: earlier first, and among equals the one set first. */
const before = (a: Timer, b: Timer) => a.due < b.due || (a.due === b.due && a.seq < b.seq);

/**
 * A discrete-event clock. `sleep` parks the caller on a timer queue; whenever the process has nothing
 * else runnable (checked with `setImmediate`, i.e. after pending I/O callbacks and microtasks), the
 * earliest timer fires and `now()` jumps to its due time. Timers with the same due time fire in the
 * order they were set, so a run is deterministic for a given sequence of sleeps.
 *
 * The queue is a binary heap with lazy deletion: setting, firing and cancelling a timer cost O(log n)
 * or O(1) however many sleepers wait. (A sorted array with splice/shift and an indexOf per cancel was
 * O(n) each: with 100,000 families asleep at once, a run spent its time moving the array.)
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly heap: Timer[] = [];
  private live = 0;
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
    for (let next = this.peek(); next && next.due <= target; next = this.peek()) this.fireNext();
    this.current = Math.max(this.current, target);
  }

  /** Number of sleepers waiting. */
  get pending(): number {
    return this.live;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const timer: Timer = {
        due: this.current + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        cancelled: false,
      };
      const onAbort = () => {
        if (!timer.cancelled) {
          timer.cancelled = true;
          this.live--;
        }
        reject(signal?.reason);
      };
      this.push(timer);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.schedule();
    });
  }

  /** The earliest live timer, dropping cancelled ones from the top. */
  private peek(): Timer | undefined {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
    return this.heap[0];
  }

  private fireNext(): void {
    const timer = this.peek();
    if (!timer) return;
    this.pop();
    this.live--;
    timer.cancelled = true; // fired: a later abort of its signal changes nothing
    this.current = Math.max(this.current, timer.due);
    timer.resolve();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.peek()) return;
      this.fireNext();
      if (this.peek()) this.schedule();
    });
  }

  private push(timer: Timer): void {
    const h = this.heap;
    h.push(timer);
    this.live++;
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l]!, h[m]!)) m = l;
      if (r < h.length && before(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
