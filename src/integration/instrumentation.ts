/**
 * In-process measurements of the integration, for the harness and the demo endpoint.
 *
 * Every Klaviyo call records its operation, attempts, outcome and three latencies:
 * - `totalMs`: Clock time from the first attempt to the outcome, retry waits included (what a caller
 *   waiting on the call would see, on a VirtualClock too);
 * - `lastAttemptMs`: Clock time of the final attempt alone (latency without retries);
 * - `realMs`: wall-clock processing time (performance.now()), waits on a VirtualClock cost ~0 here.
 * Cache lookups record hits, misses and the API calls a hit saved. `snapshot()` returns plain data the
 * harness turns into HDR percentiles and rates.
 */

export interface CallRecord {
  operation: string;
  /** `outbox` (delivered by the worker) or `direct` (awaited by the caller). */
  via: 'outbox' | 'direct';
  attempts: number;
  outcome: 'success' | 'failure';
  /** HTTP status of the last failure, when there was one. */
  lastStatus?: number;
  /** True when at least one attempt failed (the denominator of retry success rate). */
  failedOnce: boolean;
  /** Jobs the call carried: 1 for a single call, the batch size for a bulk one. */
  items?: number;
  /** Attempts Klaviyo answered 429. */
  throttledAttempts?: number;
  totalMs: number;
  lastAttemptMs: number;
  realMs: number;
  at: number;
}

export interface EnqueueRecord {
  operation: string;
  /** Wall-clock time the caller spent enqueueing (what the app pays for non-blocking tracking). */
  realMs: number;
  at: number;
}

export interface InstrumentationSnapshot {
  calls: CallRecord[];
  enqueues: EnqueueRecord[];
  cache: { hits: number; misses: number; savedCalls: number; hitRate: number | null };
  totals: {
    calls: number;
    successes: number;
    failures: number;
    attempts: number;
    /** Calls that failed at least once. */
    callsWithFailure: number;
    /** Of those, calls that still succeeded. */
    recoveredCalls: number;
    apiSuccessRate: number | null;
    retrySuccessRate: number | null;
  };
  /** Records dropped once `maxRecords` was reached (totals still count them). */
  dropped: number;
}

export class Instrumentation {
  private calls: CallRecord[] = [];
  private enqueues: EnqueueRecord[] = [];
  private cacheHits = 0;
  private cacheMisses = 0;
  private saved = 0;
  private dropped = 0;
  private t = { calls: 0, successes: 0, failures: 0, attempts: 0, callsWithFailure: 0, recoveredCalls: 0 };
  private readonly listeners: ((record: CallRecord) => void)[] = [];

  /** `maxRecords`: per-call records kept for `snapshot()` (0 for none: a listener counts instead). */
  constructor(private readonly maxRecords = 1_000_000) {}

  /** Be told of every call as it is recorded (the harness counts them without keeping them). */
  onCall(listener: (record: CallRecord) => void): void {
    this.listeners.push(listener);
  }

  recordCall(record: CallRecord): void {
    this.t.calls++;
    this.t.attempts += record.attempts;
    if (record.outcome === 'success') this.t.successes++;
    else this.t.failures++;
    if (record.failedOnce) {
      this.t.callsWithFailure++;
      if (record.outcome === 'success') this.t.recoveredCalls++;
    }
    for (const l of this.listeners) l(record);
    if (this.calls.length < this.maxRecords) this.calls.push(record);
    else if (this.maxRecords > 0) this.dropped++;
  }

  recordEnqueue(record: EnqueueRecord): void {
    if (this.enqueues.length < this.maxRecords) this.enqueues.push(record);
    else if (this.maxRecords > 0) this.dropped++;
  }

  recordCacheHit(savedCalls: number): void {
    this.cacheHits++;
    this.saved += savedCalls;
  }

  recordCacheMiss(): void {
    this.cacheMisses++;
  }

  snapshot(): InstrumentationSnapshot {
    const lookups = this.cacheHits + this.cacheMisses;
    return {
      calls: this.calls.slice(),
      enqueues: this.enqueues.slice(),
      cache: {
        hits: this.cacheHits,
        misses: this.cacheMisses,
        savedCalls: this.saved,
        hitRate: lookups === 0 ? null : this.cacheHits / lookups,
      },
      totals: {
        ...this.t,
        apiSuccessRate: this.t.calls === 0 ? null : this.t.successes / this.t.calls,
        retrySuccessRate:
          this.t.callsWithFailure === 0 ? null : this.t.recoveredCalls / this.t.callsWithFailure,
      },
      dropped: this.dropped,
    };
  }

  /** A compact view (no per-call records) for the demo endpoint. */
  summary(): Omit<InstrumentationSnapshot, 'calls' | 'enqueues'> {
    const { calls: _c, enqueues: _e, ...rest } = this.snapshot();
    return rest;
  }

  reset(): void {
    this.calls = [];
    this.enqueues = [];
    this.cacheHits = 0;
    this.cacheMisses = 0;
    this.saved = 0;
    this.dropped = 0;
    this.t = { calls: 0, successes: 0, failures: 0, attempts: 0, callsWithFailure: 0, recoveredCalls: 0 };
  }
}
