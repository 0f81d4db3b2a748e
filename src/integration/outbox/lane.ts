/**
 * One delivery lane per kind of job (events, profile syncs): Klaviyo rate-limits each operation on its
 * own, so a throttled profile import must not hold back events, and vice versa.
 *
 * A lane paces its requests the way TCP paces packets (AIMD): its concurrency grows by one request per
 * round of successes and halves on a 429, down to one; a 429 (or a success whose `RateLimit-Remaining`
 * is 0) also pauses the lane until a call's worth of the bucket is back (Klaviyo's `Retry-After`; for
 * an empty bucket the refill time of one call, not the whole window), so the worker stops sending into
 * a closed bucket instead of collecting more 429s.
 *
 * Bulk calls are also *paced*: once an answer says few calls are left (`RateLimit-Remaining` at or
 * below the lane's maximum concurrency), bulk calls start no closer together than the slowest
 * per-second or per-minute quota refills
 * (`RateLimit-Limit: 10, 10;w=1, 150;w=60` → one per 400 ms). Jobs keep arriving meanwhile, so each
 * call carries more of them: under sustained load the batch grows to what the budget allows instead
 * of the budget running out on small batches. With calls to spare there is no spacing, so a quiet
 * system keeps its latency. While paced, the lane sends no single calls either: it is under load, and
 * the next bulk call (at most one spacing away) takes the trickle along.
 */
import { type RateInfo, refillIntervalMs } from '../klaviyo/bulk.ts';
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
  /** Bulk calls held back by pacing (each such wait counted once), and the spacing now, ms. */
  pacedWaits: number;
  bulkSpacingMs: number;
}

export interface LaneOutcome {
  ok: boolean;
  /** The call was a bulk call (its rate info paces bulk calls). */
  bulk?: boolean;
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
  /** Least time between bulk call starts (0: none), and when the last one started. */
  private bulkSpacingMs = 0;
  private lastBulkAt = Number.NEGATIVE_INFINITY;
  private waitingForPace = false;
  private readonly f = {
    singleCalls: 0,
    bulkCalls: 0,
    bulkJobs: 0,
    largestBatch: 0,
    throttled: 0,
    peakInFlight: 0,
    pacedWaits: 0,
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

  /** When the pacing lets the next bulk call start. */
  get bulkReadyAt(): number {
    return this.lastBulkAt + this.bulkSpacingMs;
  }

  /** May a bulk call start now (the pacing's spacing has passed)? */
  bulkAllowed(now: number): boolean {
    return now >= this.bulkReadyAt;
  }

  /** Jobs were due but the pacing held them: counted once per wait (`pacedWaits`). */
  notePacedWait(): void {
    if (!this.waitingForPace) this.f.pacedWaits++;
    this.waitingForPace = true;
  }

  started(now: number, jobs: number, bulk: boolean): void {
    this.inFlight++;
    this.f.peakInFlight = Math.max(this.f.peakInFlight, this.inFlight);
    if (bulk) {
      this.lastBulkAt = now;
      this.waitingForPace = false;
      this.f.bulkCalls++;
      this.f.bulkJobs += jobs;
      this.f.largestBatch = Math.max(this.f.largestBatch, jobs);
    } else this.f.singleCalls++;
  }

  finished(now: number, outcome: LaneOutcome): void {
    this.inFlight--;
    const rate = outcome.rate;
    const interval = refillIntervalMs(rate);
    // The answer's word on the budget sets the spacing, also when the call met a 429 on the way.
    if (rate && outcome.bulk)
      this.bulkSpacingMs = rate.remaining <= this.maxConcurrency ? (interval ?? 0) : 0;
    if (outcome.throttled) {
      this.f.throttled++;
      this.limit = Math.max(1, this.limit / 2);
      // A call that waited out its 429 and then went through needs no further pause.
      if (!outcome.ok) this.pauseUntil(now + (outcome.retryAfterMs ?? DEFAULT_PAUSE_MS));
      return;
    }
    if (outcome.ok) this.limit = Math.min(this.maxConcurrency, this.limit + 1 / this.limit);
    if (rate && rate.remaining <= 0) this.pauseUntil(now + Math.min(rate.resetMs, interval ?? rate.resetMs));
  }

  figures(): LaneFigures {
    return { ...this.f, concurrency: this.concurrency, bulkSpacingMs: this.bulkSpacingMs };
  }

  private pauseUntil(t: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, t);
  }
}
