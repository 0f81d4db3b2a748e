/**
 * One delivery lane per kind of job (events, profile syncs): Klaviyo rate-limits each operation on its
 * own, so a throttled profile import must not hold back events, and vice versa.
 *
 * A lane paces its requests the way TCP paces packets (AIMD): its concurrency grows by one request per
 * round of successes and halves on a 429, down to one; a 429 (or a success whose `RateLimit-Remaining`
 * is 0) also pauses the lane until Klaviyo's `Retry-After` / `RateLimit-Reset` has passed, so the
 * worker stops sending into a closed bucket instead of collecting more 429s.
 */
import type { RateInfo } from '../klaviyo/bulk.ts';
import type { JobKind } from './store.ts';

export interface LaneFigures {
  /** Requests sent: single calls and bulk calls. */
  singleCalls: number;
  bulkCalls: number;
  /** Jobs carried by bulk calls; with `bulkCalls`, the mean batch size. */
  bulkJobs: number;
  largestBatch: number;
  /** Requests Klaviyo throttled (429 / a long Retry-After). */
  throttled: number;
  /** The lane's concurrency now (AIMD), and the most requests it had in flight at once. */
  concurrency: number;
  peakInFlight: number;
}

export interface LaneOutcome {
  ok: boolean;
  throttled: boolean;
  retryAfterMs?: number;
  rate?: RateInfo;
}

/** When a 429 came without Retry-After: pause this long. */
const DEFAULT_PAUSE_MS = 1000;

export class Lane {
  inFlight = 0;
  pausedUntil = 0;
  private limit: number;
  private readonly f = {
    singleCalls: 0,
    bulkCalls: 0,
    bulkJobs: 0,
    largestBatch: 0,
    throttled: 0,
    peakInFlight: 0,
  };

  constructor(
    readonly kind: JobKind,
    private readonly maxConcurrency: number,
  ) {
    this.limit = maxConcurrency;
  }

  get concurrency(): number {
    return Math.max(1, Math.floor(this.limit));
  }

  canStart(now: number): boolean {
    return this.inFlight < this.concurrency && now >= this.pausedUntil;
  }

  started(jobs: number, bulk: boolean): void {
    this.inFlight++;
    this.f.peakInFlight = Math.max(this.f.peakInFlight, this.inFlight);
    if (bulk) {
      this.f.bulkCalls++;
      this.f.bulkJobs += jobs;
      this.f.largestBatch = Math.max(this.f.largestBatch, jobs);
    } else this.f.singleCalls++;
  }

  finished(now: number, outcome: LaneOutcome): void {
    this.inFlight--;
    if (outcome.throttled) {
      this.f.throttled++;
      this.limit = Math.max(1, this.limit / 2);
      // A call that waited out its 429 and then went through needs no further pause.
      if (!outcome.ok) this.pauseUntil(now + (outcome.retryAfterMs ?? DEFAULT_PAUSE_MS));
      return;
    }
    if (outcome.ok) this.limit = Math.min(this.maxConcurrency, this.limit + 1 / this.limit);
    if (outcome.rate && outcome.rate.remaining <= 0) this.pauseUntil(now + outcome.rate.resetMs);
  }

  figures(): LaneFigures {
    return { ...this.f, concurrency: this.concurrency };
  }

  private pauseUntil(t: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, t);
  }
}
