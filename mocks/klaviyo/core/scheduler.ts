/**
 * Everything Klaviyo does asynchronously — bulk import and subscription jobs, segment (re)processing,
 * later campaign sends and webhook deliveries — runs as a job on this scheduler, due at a time on the
 * mock's clock. Nothing runs on a timer: the core calls `runDue()` before each request, so with a
 * `VirtualClock` a test decides exactly when a job has happened (advance the clock, then ask), and a
 * real clock makes jobs land a moment after they were accepted, as Klaviyo's do.
 *
 * A job with a `key` replaces a pending job of the same key: re-saving a segment five times queues one
 * evaluation, not five. Jobs live in memory: a restart drops pending ones (see the provider's limits).
 */
import type { Clock } from '../../../lib/clock.ts';

export interface Job {
  /** Replaces a pending job with the same key; also what `pending(key)` asks about. */
  key?: string;
  /**
   * With a key: keep a pending job of that key instead of replacing it, so a steady stream of
   * triggers (events arriving every second) cannot postpone the work forever.
   */
  coalesce?: boolean;
  run: () => void;
}

interface Entry extends Job {
  at: number;
  order: number;
}

/** Bound on jobs run in one `runDue()` call, so a job that keeps rescheduling itself cannot spin. */
const MAX_RUNS_PER_CALL = 10_000;

export class Scheduler {
  private entries: Entry[] = [];
  private readonly byKey = new Map<string, Entry>();
  private order = 0;
  private running = false;

  constructor(readonly clock: Clock) {}

  /** Run `job` once the clock reaches now + `delayMs`. */
  schedule(delayMs: number, job: Job): void {
    if (job.key !== undefined && job.coalesce && this.byKey.has(job.key)) return;
    if (job.key !== undefined) this.cancel(job.key);
    const entry: Entry = { ...job, at: this.clock.now() + Math.max(0, delayMs), order: this.order++ };
    this.entries.push(entry);
    if (job.key !== undefined) this.byKey.set(job.key, entry);
  }

  /** The mock's clock time (jobs stamp what they write with it). */
  now(): number {
    return this.clock.now();
  }

  /** Whether a job with this key is waiting. */
  pending(key: string): boolean {
    return this.byKey.has(key);
  }

  cancel(key: string): void {
    const old = this.byKey.get(key);
    if (!old) return;
    this.byKey.delete(key);
    this.entries = this.entries.filter((e) => e !== old);
  }

  /** Run every job due by now, earliest first (ties in scheduling order). Returns how many ran. */
  runDue(): number {
    return this.drain(this.clock.now());
  }

  /**
   * Run the jobs due by `until` (a time ahead of the clock): what Klaviyo will have done by then. The
   * harness counts stored events this way, so a batch accepted just before the run ended is counted.
   */
  runUntil(until: number): number {
    return this.drain(until);
  }

  /** Run every pending job whatever its time (the admin API's "settle" and tests). */
  flush(): number {
    return this.drain(Number.POSITIVE_INFINITY);
  }

  get size(): number {
    return this.entries.length;
  }

  reset(): void {
    this.entries = [];
    this.byKey.clear();
  }

  private drain(until: number): number {
    // A job that enqueues more work (a job finishing re-evaluates segments) must not re-enter.
    if (this.running || this.entries.length === 0) return 0;
    this.running = true;
    let ran = 0;
    try {
      while (ran < MAX_RUNS_PER_CALL) {
        let next: Entry | undefined;
        for (const e of this.entries) {
          if (e.at <= until && (!next || e.at < next.at || (e.at === next.at && e.order < next.order)))
            next = e;
        }
        if (!next) break;
        this.entries = this.entries.filter((e) => e !== next);
        if (next.key !== undefined && this.byKey.get(next.key) === next) this.byKey.delete(next.key);
        next.run();
        ran++;
      }
    } finally {
      this.running = false;
    }
    return ran;
  }
}
