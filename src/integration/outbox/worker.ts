/**
 * Non-blocking delivery: tracking calls enqueue a job and return at once; this worker delivers the
 * jobs with bounded concurrency, in order per user and kind (`orderingKey`), behind the circuit breaker.
 *
 * - Volume goes out in bulk: when `threshold` or more jobs of a kind are due, they leave as one
 *   bulk_create_events call (≤ 1,000 events) or one profile import job; a trickle goes out as single
 *   calls. Each kind has its own lane (lane.ts) whose concurrency adapts to 429s and rate-limit headers.
 * - A profile sync enqueued while the same user's previous sync still waits is folded into it
 *   (`coalesced`), so a burst of story saves costs one profile call, not one per story.
 * - Exactly-once across batches: events carry their `unique_id` in a batch too, so a batch sent again
 *   (after a lost answer or a restart) is stored once; a batch Klaviyo refuses whole (400) is split
 *   into single calls so only the bad job is dead-lettered; import errors fail only their profiles.
 * - A delivery is one run of the retry policy (seeds: 3 attempts, 1 s, doubling).
 * - If the breaker is open (or opens while a job is retrying) the job goes back to the queue without
 *   using up its budget and waits; the worker sleeps on the Clock until the breaker allows a probe,
 *   so delivery resumes on its own when Klaviyo answers again.
 * - A call that Klaviyo defers with a Retry-After longer than one call may wait is rescheduled for
 *   then, budget untouched. So is a job whose last attempt was throttled (429): "later", not "never";
 *   it comes back after the Retry-After (or a backoff when there was none). After `MAX_DEFERRALS`
 *   deferrals (of either kind) the job is dead-lettered, so a server that throttles
 *   forever cannot keep a job looping.
 * - A job that exhausts its retries while Klaviyo is otherwise healthy, or that Klaviyo rejects as
 *   invalid (4xx), goes to the dead-letter table; `replayDeadLetters()` (CLI: `outbox
 *   replay-dead-letters`) puts it back.
 * - The worker only sleeps on the Clock when it has a reason (a due time, the breaker); otherwise it
 *   waits for a wake-up, so a VirtualClock never races ahead because of an idle worker.
 * Invariant at every moment: tracked = delivered + coalesced + pending + dead-lettered.
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../../../lib/clock.ts';
import type { Rng } from '../../../lib/prng.ts';
import type { BreakerSnapshot, CircuitBreaker } from '../circuit-breaker.ts';
import type { Instrumentation } from '../instrumentation.ts';
import { MAX_EVENTS_PER_BULK } from '../klaviyo/bulk.ts';
import type { KlaviyoJob } from '../klaviyo/events.ts';
import type { BatchDeliveryResult, DeliveryResult, JobSink } from '../klaviyo/service.ts';
import { backoffDelay, type RetryPolicy, SEED_RETRY_POLICY } from '../retry.ts';
import { Lane, type LaneFigures } from './lane.ts';
import { JOB_KINDS, type JobKind, type OutboxCounts, type OutboxRow, OutboxStore } from './store.ts';

/**
 * Reason for cancelling a wait timer. A shared value: `abort()` with no reason builds a DOMException
 * (with a stack) per call, which showed up in profiles of long harness runs.
 */
const TIMER_CANCELLED = Object.freeze({ name: 'TimerCancelled' });

/** Deferrals (429 / long Retry-After) one job may take before it is dead-lettered. */
export const MAX_DEFERRALS = 10;

export interface BatchingOptions {
  /** Jobs of one kind due at once before they go out in a bulk call (default 8); fewer → single calls. */
  threshold: number;
  /** Largest batch per kind (Klaviyo: 1,000 events a request, 10,000 profiles an import job). */
  maxBatch: Record<JobKind, number>;
}

export const DEFAULT_BATCHING: BatchingOptions = {
  threshold: 8,
  maxBatch: { event: MAX_EVENTS_PER_BULK, profile: 1000 },
};

export interface OutboxOptions {
  /** SQLite path (default `:memory:`) or an open store. */
  path?: string;
  store?: OutboxStore;
  /** Delivers one job (normally `klaviyo.deliver(job, 'outbox')`). */
  deliver: (job: KlaviyoJob) => Promise<DeliveryResult>;
  /**
   * Delivers jobs of one kind in one bulk call (normally `klaviyo.deliverBatch(jobs)`); without it, or
   * with `batching: false`, every job is a single call.
   */
  deliverBatch?: (jobs: KlaviyoJob[]) => Promise<BatchDeliveryResult>;
  batching?: Partial<BatchingOptions> | false;
  /** Fold a profile sync into the user's sync still waiting in the queue (default true). */
  coalesceProfiles?: boolean;
  breaker: CircuitBreaker;
  clock: Clock;
  rng: Rng;
  /** Requests in flight at once, per kind of job (default 4); each lane adapts below it on 429s. */
  concurrency?: number;
  /** Delivery runs (each a full retry policy) before a job is dead-lettered (default 1). */
  deliveryRounds?: number;
  /** Spacing between delivery runs when `deliveryRounds > 1`. */
  retryPolicy?: RetryPolicy;
  instrumentation?: Instrumentation;
}

export interface OutboxStats extends OutboxCounts {
  /** Jobs being delivered right now. */
  inFlight: number;
  /**
   * tracked === delivered + coalesced + pending + deadLettered, overall and for each kind (events,
   * profile syncs)
   */
  balanced: boolean;
  breaker: BreakerSnapshot;
  /** How each kind went out: single and bulk calls, batch sizes, throttling, adaptive concurrency. */
  lanes: Record<JobKind, LaneFigures>;
}

export class Outbox implements JobSink {
  readonly store: OutboxStore;
  private readonly clock: Clock;
  private readonly rng: Rng;
  private readonly rounds: number;
  private readonly policy: RetryPolicy;
  private readonly batching: BatchingOptions | null;
  private readonly lanes: Lane[];
  /** Rows of a batch Klaviyo refused as a whole: each goes alone next, to get its own verdict. */
  private readonly solo = new Set<number>();
  private inFlightJobs = 0;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wakeResolve: (() => void) | null = null;
  private wakePending = false;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private closing: Promise<OutboxStats> | null = null;

  constructor(private readonly options: OutboxOptions) {
    this.store = options.store ?? new OutboxStore(options.path ?? ':memory:');
    this.clock = options.clock;
    this.rng = options.rng.fork('outbox');
    const concurrency = Math.max(1, options.concurrency ?? 4);
    this.lanes = JOB_KINDS.map((k) => new Lane(k, concurrency));
    this.rounds = Math.max(1, options.deliveryRounds ?? 1);
    this.policy = options.retryPolicy ?? SEED_RETRY_POLICY;
    this.batching =
      options.deliverBatch && options.batching !== false
        ? {
            threshold: Math.max(2, options.batching?.threshold ?? DEFAULT_BATCHING.threshold),
            maxBatch: validMaxBatch({ ...DEFAULT_BATCHING.maxBatch, ...options.batching?.maxBatch }),
          }
        : null;
    options.breaker.onChange(() => this.wake());
  }

  /** Store the job and return at once; the worker picks it up. */
  enqueue(job: KlaviyoJob): void {
    if (this.closed) throw new Error('Outbox is closed; create a new stack to track more events.');
    const started = performance.now();
    const key = orderingKey(job);
    const folded =
      job.kind === 'profile' && this.options.coalesceProfiles !== false
        ? this.store.coalesceProfile(key, job)
        : null;
    if (folded === null) this.store.enqueue(key, job, this.clock.now());
    this.options.instrumentation?.recordEnqueue({
      operation: job.kind === 'event' ? 'create_event' : 'create_or_update_profile',
      realMs: performance.now() - started,
      at: this.clock.now(),
    });
    this.wake();
  }

  start(): void {
    if (this.running || this.closed) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  stats(): OutboxStats {
    const counts = this.store.counts();
    return {
      ...counts,
      inFlight: this.inFlightJobs,
      balanced: [counts, ...Object.values(counts.byKind)].every(
        (c) => c.tracked === c.delivered + c.coalesced + c.pending + c.deadLettered,
      ),
      breaker: this.options.breaker.snapshot(),
      lanes: Object.fromEntries(this.lanes.map((l) => [l.kind, l.figures()])) as Record<JobKind, LaneFigures>,
    };
  }

  /** Wait (on the Clock) until nothing is pending or `deadlineMs` has passed; returns the stats then. */
  async flush(deadlineMs: number): Promise<OutboxStats> {
    this.start();
    const until = this.clock.now() + deadlineMs;
    for (let i = 0; i < 1_000_000; i++) {
      if (this.store.pendingCount() === 0 || this.clock.now() >= until) break;
      const ac = new AbortController();
      const idle = new Promise<void>((r) => this.idleWaiters.push(r));
      const timer = Number.isFinite(until)
        ? this.clock.sleep(until - this.clock.now(), ac.signal).catch(() => {})
        : new Promise<void>(() => {});
      await Promise.race([idle, timer]);
      ac.abort(TIMER_CANCELLED);
    }
    return this.stats();
  }

  /** Move dead letters back to the queue (fresh budget) and wake the worker. */
  replayDeadLetters(): number {
    const n = this.store.replayDeadLetters(this.clock.now());
    this.wake();
    return n;
  }

  /** Flush within `deadlineMs`, stop the worker, close the database. Pending jobs stay in a file DB. */
  close(deadlineMs = 5_000): Promise<OutboxStats> {
    // One shutdown, however many callers (a signal handler and a teardown): the store closes once.
    this.closing ??= this.shutdown(deadlineMs);
    return this.closing;
  }

  private async shutdown(deadlineMs: number): Promise<OutboxStats> {
    await this.flush(deadlineMs);
    this.closed = true;
    this.running = false;
    this.wake();
    await this.loopDone;
    // Deliveries still in flight finish against the open store before it closes.
    for (let i = 0; i < 10_000 && this.inFlightJobs > 0; i++) await new Promise((r) => setImmediate(r));
    const final = this.stats();
    this.store.close();
    return final;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      this.fill();
      await this.waitForWork();
    }
  }

  /**
   * Start deliveries until each lane is full or paused, nothing is due, or the breaker says stop. A
   * kind with at least `threshold` jobs due goes out in bulk calls; a trickle goes out as single calls,
   * so an idle system keeps single-call latency. Only each user's first job is ever due (`is_head`) and
   * rows in flight are leased, so per-user order holds across single and bulk calls.
   */
  private fill(): void {
    const breaker = this.options.breaker;
    const now = this.clock.now();
    for (const lane of this.lanes) {
      for (let guard = 0; guard < 10_000; guard++) {
        if (!breaker.allowsTraffic || !lane.canStart(now)) break;
        // Paced (few bulk calls left): the jobs wait and the next bulk call carries them with whatever
        // arrives meanwhile. Checked before reading the queue, which costs a query per wake-up.
        if (this.batching && !lane.bulkAllowed(now)) {
          if ((this.store.nextDueAt(lane.kind) ?? Number.POSITIVE_INFINITY) <= now) lane.notePacedWait();
          break;
        }
        const max = this.batching ? this.batching.maxBatch[lane.kind] : lane.concurrency - lane.inFlight;
        // Events may fill a batch with a user's next events too (one bulk entry per user, in order);
        // profile syncs need not: a user has at most one waiting, the rest are coalesced into it.
        const rows = this.store.due(now, max, lane.kind, {
          followers: this.batching !== null && lane.kind === 'event',
        });
        if (rows.length === 0) break;
        // Fewer rows than asked for: that was everything due now, so once all of it has left there is
        // no need to ask again (an empty query on every wake-up was most of the outbox's CPU).
        const exhausted = rows.length < max;
        const batch = this.batching ? this.batchable(rows) : [];
        if (this.batching && batch.length >= this.batching.threshold) {
          this.startBatch(lane, batch);
          if (exhausted && batch.length === rows.length) break;
          continue;
        }
        // A trickle: single calls, heads only (a follower waits for its head to settle).
        let left = false;
        for (const row of rows) {
          if (row.follower) continue;
          if (!breaker.allowsTraffic || !lane.canStart(now)) {
            left = true;
            break;
          }
          this.startSingle(lane, row);
        }
        if (exhausted && !left) break;
        // In half-open state deliver() took the single probe slot synchronously, so allowsTraffic is
        // now false and the loop stops: one probe, not a lane full of them.
      }
    }
  }

  /**
   * The rows that may share a bulk request: not those Klaviyo refused in a batch (`solo`, each goes
   * alone), nor anything queued behind a solo row of the same user, which must wait for it.
   */
  private batchable(rows: readonly OutboxRow[]): OutboxRow[] {
    if (this.solo.size === 0) return rows as OutboxRow[];
    const blocked = new Set<string>();
    return rows.filter((r) => {
      if (blocked.has(r.orderingKey)) return false;
      if (!this.solo.has(r.id)) return true;
      blocked.add(r.orderingKey);
      return false;
    });
  }

  private startSingle(lane: Lane, row: OutboxRow): void {
    this.solo.delete(row.id);
    this.store.lease([row.id]);
    this.track(lane, 1, false);
    this.options
      .deliver(row.job)
      .catch((err: Error) => crashed(err))
      .then((result) => {
        this.finish(lane, result);
        this.settle(row, result);
      })
      .finally(() => this.untrack(1));
  }

  private startBatch(lane: Lane, rows: OutboxRow[]): void {
    this.store.lease(rows.map((r) => r.id));
    this.track(lane, rows.length, true);
    this.options.deliverBatch!(rows.map((r) => r.job))
      .catch((err: Error) => crashed(err))
      .then((result: BatchDeliveryResult) => {
        this.finish(lane, result, true);
        this.settleBatch(rows, result);
      })
      .finally(() => this.untrack(rows.length));
  }

  private track(lane: Lane, jobs: number, bulk: boolean): void {
    lane.started(this.clock.now(), jobs, bulk);
    this.inFlightJobs += jobs;
  }

  private untrack(jobs: number): void {
    this.inFlightJobs -= jobs;
    this.wake();
  }

  private finish(lane: Lane, result: DeliveryResult, bulk = false): void {
    lane.finished(this.clock.now(), {
      ok: result.ok,
      bulk,
      throttled:
        (result.throttledAttempts ?? 0) > 0 ||
        (!result.ok && (result.reason === 'deferred' || result.failure?.status === 429)),
      retryAfterMs: result.ok ? undefined : result.failure?.retryAfterMs,
      rate: result.rate,
    });
  }

  /** A batch's outcome, one commit: taken (minus the items Klaviyo refused), refused whole, or failed. */
  private settleBatch(rows: OutboxRow[], result: BatchDeliveryResult): void {
    if (this.closed && !this.store.db.open) return;
    const now = this.clock.now();
    this.store.transaction(() => {
      if (result.ok) {
        for (const [i, row] of rows.entries()) {
          const refused = result.itemFailures?.get(i);
          if (refused === undefined) this.store.markDelivered(row.id, result.attempts > 1);
          else this.store.markDead(row.id, row.attempts + 1, now, 'rejected (import error)', refused);
        }
      } else if (result.reason === 'non_retriable') {
        // One bad job spoils a bulk request: send each alone, so only the bad one is refused.
        for (const row of rows) {
          this.solo.add(row.id);
          this.store.release(row.id);
        }
      } else for (const row of rows) this.settleRow(row, result, now);
    });
    this.notifyIdle();
  }

  private settle(row: OutboxRow, result: DeliveryResult): void {
    if (this.closed && !this.store.db.open) return;
    this.settleRow(row, result, this.clock.now());
    // flush() re-checks what is pending when woken; counting here would cost queries per delivery.
    this.notifyIdle();
  }

  private settleRow(row: OutboxRow, result: DeliveryResult, now: number): void {
    const error = result.ok ? null : (result.failure?.message ?? result.reason);
    if (result.ok) {
      this.store.markDelivered(row.id, result.attempts > 1);
    } else if (result.reason === 'non_retriable') {
      this.store.markDead(
        row.id,
        row.attempts + result.attempts,
        now,
        `rejected (${result.failure?.status ?? '?'})`,
        error,
      );
    } else if (result.reason === 'blocked' || result.reason === 'disabled') {
      // Klaviyo is down (the breaker opened): wait without spending the job's budget.
      this.store.reschedule(row.id, row.attempts, now, error);
    } else if (result.reason === 'deferred' || result.failure?.status === 429) {
      // Klaviyo said "later" (a long Retry-After, or a 429 on the last attempt): throttling is not the
      // job's fault, so it keeps its budget; the deferral bound keeps it from looping forever.
      if (row.deferrals + 1 > MAX_DEFERRALS) {
        this.store.markDead(row.id, row.attempts + 1, now, `throttled ${row.deferrals + 1} times`, error);
      } else {
        const wait =
          result.failure?.retryAfterMs ?? backoffDelay(this.policy, result.attempts || 1, this.rng);
        this.store.defer(row.id, now + wait, error);
      }
    } else {
      const rounds = row.attempts + 1;
      if (rounds >= this.rounds) this.store.markDead(row.id, rounds, now, 'retries exhausted', error);
      else
        this.store.reschedule(row.id, rounds, now + backoffDelay(this.policy, rounds + 2, this.rng), error);
    }
  }

  private async waitForWork(): Promise<void> {
    if (!this.running) return;
    if (this.wakePending) {
      this.wakePending = false;
      return;
    }
    const delay = this.nextTimerMs();
    const ac = delay === null ? null : new AbortController();
    const woken = new Promise<void>((resolve) => {
      this.wakeResolve = resolve;
    });
    const timer = ac ? this.clock.sleep(delay!, ac.signal).catch(() => {}) : null;
    await (timer ? Promise.race([woken, timer]) : woken);
    this.wakeResolve = null;
    this.wakePending = false;
    ac?.abort(TIMER_CANCELLED);
  }

  /** How long to sleep on the Clock before something may become deliverable; null = wait for a wake-up. */
  private nextTimerMs(): number | null {
    const breaker = this.options.breaker;
    const now = this.clock.now();
    let soonest: number | null = null;
    for (const lane of this.lanes) {
      // A full lane is woken by its own deliveries settling, not by the clock.
      if (lane.inFlight >= lane.concurrency) continue;
      const due = this.store.nextDueAt(lane.kind);
      if (due === null) continue;
      // With batching on, a paced lane's jobs wait for its next bulk call.
      const at = Math.max(due, lane.pausedUntil, this.batching ? lane.bulkReadyAt : 0);
      soonest = soonest === null ? at : Math.min(soonest, at);
    }
    if (soonest === null) return null;
    if (breaker.state === 'open') return Math.max(1, breaker.msUntilProbe());
    if (!breaker.allowsTraffic) return null; // a probe is in flight; its result wakes us
    return soonest > now ? soonest - now : null;
  }

  private wake(): void {
    if (this.wakeResolve) {
      const r = this.wakeResolve;
      this.wakeResolve = null;
      r();
    } else {
      this.wakePending = true;
    }
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

/** A batch size is a whole number of jobs, at least 1: anything else would silently send nothing. */
function validMaxBatch(max: Record<JobKind, number>): Record<JobKind, number> {
  for (const [kind, n] of Object.entries(max))
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(
        `batching.maxBatch.${kind} must be a whole number of jobs, at least 1 (got ${n}).`,
      );
  return max;
}

/** deliver() never throws; if it ever does, the job counts as a failed round, not as lost. */
function crashed(err: Error): DeliveryResult {
  return { ok: false, attempts: 0, reason: 'exhausted', failure: { retriable: true, message: err.message } };
}

/**
 * Jobs of one user and one kind go out in order, one at a time: a user's profile syncs (the last one
 * must win) and a user's events (kept in the order they happened). The two kinds do not wait for each
 * other: an event carries its own time and identity, so it need not queue behind a profile import job
 * that takes seconds to complete; per user and kind, the order holds.
 * (Outbox files from before this keyed by user alone; their rows keep that key until delivered.)
 */
export function orderingKey(job: KlaviyoJob): string {
  return `${job.kind}:${job.userId}`;
}
