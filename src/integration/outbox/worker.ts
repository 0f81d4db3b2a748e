/**
 * Non-blocking delivery: tracking calls enqueue a job and return at once; this worker delivers the
 * jobs with bounded concurrency, in order per user, behind the circuit breaker.
 *
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
 * Invariant at every moment: tracked = delivered + pending + dead-lettered.
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../../../lib/clock.ts';
import type { Rng } from '../../../lib/prng.ts';
import type { BreakerSnapshot, CircuitBreaker } from '../circuit-breaker.ts';
import type { Instrumentation } from '../instrumentation.ts';
import type { KlaviyoJob } from '../klaviyo/events.ts';
import type { DeliveryResult, JobSink } from '../klaviyo/service.ts';
import { backoffDelay, type RetryPolicy, SEED_RETRY_POLICY } from '../retry.ts';
import { type OutboxCounts, type OutboxRow, OutboxStore } from './store.ts';

/**
 * Reason for cancelling a wait timer. A shared value: `abort()` with no reason builds a DOMException
 * (with a stack) per call, which showed up in profiles of long harness runs.
 */
const TIMER_CANCELLED = Object.freeze({ name: 'TimerCancelled' });

/** Deferrals (429 / long Retry-After) one job may take before it is dead-lettered. */
export const MAX_DEFERRALS = 10;

export interface OutboxOptions {
  /** SQLite path (default `:memory:`) or an open store. */
  path?: string;
  store?: OutboxStore;
  /** Delivers one job (normally `klaviyo.deliver(job, 'outbox')`). */
  deliver: (job: KlaviyoJob) => Promise<DeliveryResult>;
  breaker: CircuitBreaker;
  clock: Clock;
  rng: Rng;
  /** Deliveries in flight at once (default 4). */
  concurrency?: number;
  /** Delivery runs (each a full retry policy) before a job is dead-lettered (default 1). */
  deliveryRounds?: number;
  /** Spacing between delivery runs when `deliveryRounds > 1`. */
  retryPolicy?: RetryPolicy;
  instrumentation?: Instrumentation;
}

export interface OutboxStats extends OutboxCounts {
  inFlight: number;
  /** tracked === delivered + pending + deadLettered, overall and for each kind (events, profile syncs) */
  balanced: boolean;
  breaker: BreakerSnapshot;
}

export class Outbox implements JobSink {
  readonly store: OutboxStore;
  private readonly clock: Clock;
  private readonly rng: Rng;
  private readonly concurrency: number;
  private readonly rounds: number;
  private readonly policy: RetryPolicy;
  private readonly inFlightKeys = new Set<string>();
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
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.rounds = Math.max(1, options.deliveryRounds ?? 1);
    this.policy = options.retryPolicy ?? SEED_RETRY_POLICY;
    options.breaker.onChange(() => this.wake());
  }

  /** Store the job and return at once; the worker picks it up. */
  enqueue(job: KlaviyoJob): void {
    if (this.closed) throw new Error('Outbox is closed; create a new stack to track more events.');
    const started = performance.now();
    this.store.enqueue(job.userId, job, this.clock.now());
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
      inFlight: this.inFlightKeys.size,
      balanced: [counts, ...Object.values(counts.byKind)].every(
        (c) => c.tracked === c.delivered + c.pending + c.deadLettered,
      ),
      breaker: this.options.breaker.snapshot(),
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
    for (let i = 0; i < 10_000 && this.inFlightKeys.size > 0; i++) await new Promise((r) => setImmediate(r));
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

  /** Start deliveries until the slots are full, nothing is due, or the breaker says stop. */
  private fill(): void {
    const breaker = this.options.breaker;
    // One query serves every free slot: the due heads, oldest first, skipping keys already in flight.
    // (Asking again per slot re-read and re-parsed the same rows: quadratic in the concurrency.)
    while (this.inFlightKeys.size < this.concurrency && breaker.allowsTraffic) {
      const rows = this.store.due(this.clock.now(), this.concurrency + this.inFlightKeys.size);
      let started = 0;
      for (const row of rows) {
        if (this.inFlightKeys.size >= this.concurrency || !breaker.allowsTraffic) return;
        if (this.inFlightKeys.has(row.orderingKey)) continue;
        this.startDelivery(row);
        started++;
      }
      if (started === 0) return;
    }
  }

  private startDelivery(next: OutboxRow): void {
    this.inFlightKeys.add(next.orderingKey);
    this.options
      .deliver(next.job)
      .then(
        (result) => this.settle(next, result),
        (err: Error) =>
          this.settle(next, {
            ok: false,
            attempts: 0,
            reason: 'exhausted',
            failure: { retriable: true, message: err.message },
          }),
      )
      .finally(() => {
        this.inFlightKeys.delete(next.orderingKey);
        this.wake();
      });
    // In half-open state deliver() took the single probe slot synchronously, so allowsTraffic is now
    // false and fill() stops: one probe, not `concurrency` of them.
  }

  private settle(row: OutboxRow, result: DeliveryResult): void {
    if (this.closed && !this.store.db.open) return;
    const now = this.clock.now();
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
    // flush() re-checks what is pending when woken; counting here would cost queries per delivery.
    this.notifyIdle();
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
    if (this.inFlightKeys.size >= this.concurrency) return null;
    const breaker = this.options.breaker;
    const nextDue = this.store.nextDueAt();
    if (nextDue === null) return null;
    if (breaker.state === 'open') return Math.max(1, breaker.msUntilProbe());
    if (!breaker.allowsTraffic) return null; // a probe is in flight; its result wakes us
    const now = this.clock.now();
    // Due rows whose keys are busy wait for those deliveries (which wake us), not for the clock.
    return nextDue > now ? nextDue - now : null;
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
