/**
 * Measurements: what the journeys saw, what the integration's instrumentation recorded, what the outbox
 * and the Klaviyo mock hold at the end, folded into one `RunMetrics` and a flat figure map that
 * thresholds are judged against.
 */

import type { JourneyRecorder, JourneyResult, StepObservation } from './journey.ts';
import { LatencyRecorder, type LatencySnapshot, type LatencySummary } from './latency.ts';
import type { StepKind } from './scenario-schema.ts';
import type { Timeline } from './timeline.ts';

/** One Klaviyo call as the integration made it (normalised from its instrumentation). */
export interface KlaviyoCallRecord {
  operation: string;
  category: 'event' | 'profile_sync' | 'read' | 'other';
  /** HTTP attempts made (1 = no retry). */
  attempts: number;
  outcome: 'success' | 'failure';
  /** Clock time from first attempt to final answer, backoff included. */
  latencyMs: number;
  /** Attempts that failed (429/5xx/network or non-retriable 4xx). */
  failedAttempts: number;
  /** Clock time of the first attempt (for the timeline; absent where the stack cannot tell). */
  startedAt?: number;
}

/** What the wire showed about 429s and Retry-After (see wiretap.ts). */
export interface WireFigures {
  throttled: number;
  /** [requested ms, waited ms] for each retry that followed a 429 with Retry-After. */
  retryAfterPairs: [number, number][];
}

export interface CacheFigures {
  hits: number;
  misses: number;
  /** Klaviyo calls the cache avoided. */
  savedCalls: number;
}

export interface KindFigures {
  tracked: number;
  delivered: number;
  pending: number;
  deadLettered: number;
}

/** Outbox totals (every job) and, when the stack reports it, the split into Klaviyo events and profile syncs. */
export interface OutboxFigures extends KindFigures {
  byKind?: { event: KindFigures; profile: KindFigures };
}

function pickKind(k: KindFigures): KindFigures {
  return { tracked: k.tracked, delivered: k.delivered, pending: k.pending, deadLettered: k.deadLettered };
}

/** The outbox's own stats (in-process or from the app's status endpoint) as figures; zeros when it has none. */
export function outboxFigures(s: OutboxFigures | null | undefined): OutboxFigures {
  if (!s) return { tracked: 0, delivered: 0, pending: 0, deadLettered: 0 };
  return {
    ...pickKind(s),
    byKind: s.byKind ? { event: pickKind(s.byKind.event), profile: pickKind(s.byKind.profile) } : undefined,
  };
}

export type KindConservation = KindFigures & { lost: number; conserved: boolean };

function conservation(k: KindFigures): KindConservation {
  const lost = k.tracked - k.delivered - k.pending - k.deadLettered;
  return {
    tracked: k.tracked,
    delivered: k.delivered,
    pending: k.pending,
    deadLettered: k.deadLettered,
    lost,
    conserved: lost === 0,
  };
}

export interface RunMetrics {
  journeys: {
    /** Families the run was given (its share, for a shard). */
    families: number;
    started: number;
    completed: number;
    failed: number;
    aborted: number;
    /** Cut by the end of the run, including families whose arrival came after it (`notStarted`). */
    truncated: number;
    notStarted: number;
    perSecond: number;
    /** First few failure messages, for the report. */
    failures: string[];
  };
  steps: Record<string, { ok: number; failed: number; skipped: number; latency: LatencySummary }>;
  latency: {
    event_tracking: LatencySummary;
    profile_sync: LatencySummary;
    klaviyo_call: LatencySummary;
    journey_step: LatencySummary;
  };
  klaviyo: {
    calls: number;
    attempts: number;
    successfulAttempts: number;
    callsSucceeded: number;
    callsFailedOnce: number;
    callsRecovered: number;
    retries: number;
    throttled: number;
    retryAfterObserved: number;
    retryAfterHonoured: number;
    /** Smallest (waited − requested) over Retry-After retries, ms; negative means a retry came too early. */
    retryAfterMinSlackMs: number | null;
    byOperation: Record<string, { calls: number; attempts: number; failures: number }>;
    apiSuccessRate: number | null;
    callSuccessRate: number | null;
    retrySuccessRate: number | null;
  };
  cache: CacheFigures & { hitRate: number | null; callsSavedRate: number | null };
  /**
   * Outbox jobs. The top-level counters and `lost` cover every job (events + profile syncs), so
   * `events_lost == 0` means "no outbox job lost"; `byKind` splits them (Klaviyo events, profile syncs).
   */
  events: KindFigures & {
    byKind?: { event: KindConservation; profile: KindConservation };
    /** Events the successful journey steps should have produced. */
    expected: number;
    /** Events the Klaviyo mock holds at the end. */
    stored: number | null;
    lost: number;
    conserved: boolean;
  };
  time: {
    wallMs: number;
    simulatedMs: number;
    requestsPerSecond: number;
  };
  /** What happened when over simulated time (timeline.ts); absent for http runs and older reports. */
  timeline?: Timeline;
}

/** How journeys ended, counted as they end: nothing per journey is kept once it is over. */
export interface JourneyTally {
  families: number;
  started: number;
  completed: number;
  truncated: number;
  notStarted: number;
  failed: number;
  aborted: number;
  eventsExpected: number;
  /** The first failures by family index (at most MAX_FAILURES), so shards merge to the same list. */
  failures: { user: number; error: string }[];
}

const MAX_FAILURES = 10;

function emptyTally(): JourneyTally {
  return {
    families: 0,
    started: 0,
    completed: 0,
    truncated: 0,
    notStarted: 0,
    failed: 0,
    aborted: 0,
    eventsExpected: 0,
    failures: [],
  };
}

function keepFirstFailures(list: { user: number; error: string }[]): { user: number; error: string }[] {
  return list.sort((a, b) => a.user - b.user).slice(0, MAX_FAILURES);
}

/** A collector in a form that crosses worker threads, for merging shards. */
export interface CollectorSnapshot {
  stepCount: number;
  tally: JourneyTally;
  stepLatency: LatencySnapshot;
  byKind: [string, { ok: number; failed: number; skipped: number; latency: LatencySnapshot }][];
}

/** Collects what journeys see while they run. */
export class JourneyCollector implements JourneyRecorder {
  readonly stepLatency = new LatencyRecorder();
  readonly byKind = new Map<
    string,
    { ok: number; failed: number; skipped: number; latency: LatencyRecorder }
  >();
  readonly tally: JourneyTally = emptyTally();
  stepCount = 0;

  /** Journeys that have ended (any outcome). */
  get finished(): number {
    const t = this.tally;
    return t.completed + t.truncated - t.notStarted + t.failed + t.aborted;
  }

  private kind(kind: string) {
    let entry = this.byKind.get(kind);
    if (!entry) {
      entry = { ok: 0, failed: 0, skipped: 0, latency: new LatencyRecorder() };
      this.byKind.set(kind, entry);
    }
    return entry;
  }

  step(obs: StepObservation): void {
    this.stepCount++;
    const entry = this.kind(obs.kind);
    if (obs.ok) entry.ok++;
    else entry.failed++;
    entry.latency.record(obs.latencyMs);
    this.stepLatency.record(obs.latencyMs);
  }

  skipped(_user: number, kind: StepKind | 'bedtime_night'): void {
    this.kind(kind).skipped++;
  }

  begin(): void {
    this.tally.started++;
  }

  journey(result: JourneyResult): void {
    const t = this.tally;
    t[result.outcome]++;
    t.eventsExpected += result.eventsExpected;
    if (result.error) {
      t.failures.push({ user: result.user, error: result.error });
      if (t.failures.length > MAX_FAILURES * 2) t.failures = keepFirstFailures(t.failures);
    }
  }

  /** Families the run was given, and those it never reached: cut by the end of the run, or interrupted. */
  close(families: number, interrupted: boolean): void {
    const t = this.tally;
    t.families = families;
    const unreached = families - t.started;
    if (interrupted) t.aborted += unreached;
    else {
      t.notStarted += unreached;
      t.truncated += unreached;
    }
    t.failures = keepFirstFailures(t.failures);
  }

  snapshot(): CollectorSnapshot {
    return {
      stepCount: this.stepCount,
      tally: this.tally,
      stepLatency: this.stepLatency.snapshot(),
      byKind: [...this.byKind].map(([k, v]) => [
        k,
        { ok: v.ok, failed: v.failed, skipped: v.skipped, latency: v.latency.snapshot() },
      ]),
    };
  }

  /**
   * One collector from several shards' snapshots. Results are ordered by user index, so the merged run
   * reads the same whatever the number of shards and whichever finished first.
   */
  static merge(snapshots: readonly CollectorSnapshot[]): JourneyCollector {
    const merged = new JourneyCollector();
    const t = merged.tally;
    for (const s of snapshots) {
      merged.stepCount += s.stepCount;
      for (const k of [
        'families',
        'started',
        'completed',
        'truncated',
        'notStarted',
        'failed',
        'aborted',
        'eventsExpected',
      ] as const)
        t[k] += s.tally[k];
      t.failures.push(...s.tally.failures);
      merged.stepLatency.absorb(s.stepLatency);
      for (const [kind, v] of s.byKind) {
        const entry = merged.kind(kind);
        entry.ok += v.ok;
        entry.failed += v.failed;
        entry.skipped += v.skipped;
        entry.latency.absorb(v.latency);
      }
    }
    t.failures = keepFirstFailures(t.failures);
    return merged;
  }
}

export interface MetricsInput {
  journeys: JourneyCollector;
  calls: readonly KlaviyoCallRecord[];
  cache: CacheFigures;
  outbox: OutboxFigures;
  eventsStored: number | null;
  wire?: WireFigures;
  timeline?: Timeline;
  wallMs: number;
  simulatedMs: number;
}

const ratio = (num: number, den: number): number | null => (den === 0 ? null : num / den);

export function computeMetrics(input: MetricsInput): RunMetrics {
  const { journeys, calls, cache, outbox } = input;
  const eventLatency = new LatencyRecorder();
  const syncLatency = new LatencyRecorder();
  const callLatency = new LatencyRecorder();
  const byOperation: RunMetrics['klaviyo']['byOperation'] = {};
  let attempts = 0;
  let successfulAttempts = 0;
  let succeeded = 0;
  let failedOnce = 0;
  let recovered = 0;
  let throttled = 0;
  let raObserved = 0;
  let raHonoured = 0;
  let minSlack: number | null = null;
  for (const c of calls) {
    callLatency.record(c.latencyMs);
    if (c.category === 'event') eventLatency.record(c.latencyMs);
    if (c.category === 'profile_sync') syncLatency.record(c.latencyMs);
    attempts += c.attempts;
    successfulAttempts += c.outcome === 'success' ? 1 : 0;
    if (c.outcome === 'success') succeeded++;
    if (c.failedAttempts > 0) {
      failedOnce++;
      if (c.outcome === 'success') recovered++;
    }
    const op = byOperation[c.operation] ?? { calls: 0, attempts: 0, failures: 0 };
    byOperation[c.operation] = op;
    op.calls++;
    op.attempts += c.attempts;
    if (c.outcome === 'failure') op.failures++;
  }

  if (input.wire) {
    throttled = input.wire.throttled;
    for (const [requested, waited] of input.wire.retryAfterPairs) {
      raObserved++;
      // 1 ms of slack absorbs rounding of the clock.
      if (waited + 1 >= requested) raHonoured++;
      const slack = waited - requested;
      minSlack = minSlack === null ? slack : Math.min(minSlack, slack);
    }
  }

  const tally = journeys.tally;
  const completed = tally.completed;
  const expected = tally.eventsExpected;
  const lost = outbox.tracked - outbox.delivered - outbox.pending - outbox.deadLettered;
  const wallS = Math.max(input.wallMs, 1) / 1000;
  const lookups = cache.hits + cache.misses;

  return {
    journeys: {
      families: tally.families,
      started: tally.started,
      completed,
      failed: tally.failed,
      aborted: tally.aborted,
      truncated: tally.truncated,
      notStarted: tally.notStarted,
      perSecond: completed / wallS,
      failures: tally.failures.map((f) => `user ${f.user}: ${f.error}`),
    },
    steps: Object.fromEntries(
      [...journeys.byKind.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [
          k,
          { ok: v.ok, failed: v.failed, skipped: v.skipped, latency: v.latency.summary() },
        ]),
    ),
    latency: {
      event_tracking: eventLatency.summary(),
      profile_sync: syncLatency.summary(),
      klaviyo_call: callLatency.summary(),
      journey_step: journeys.stepLatency.summary(),
    },
    klaviyo: {
      calls: calls.length,
      attempts,
      successfulAttempts,
      callsSucceeded: succeeded,
      callsFailedOnce: failedOnce,
      callsRecovered: recovered,
      retries: attempts - calls.length,
      throttled,
      retryAfterObserved: raObserved,
      retryAfterHonoured: raHonoured,
      retryAfterMinSlackMs: minSlack,
      byOperation,
      apiSuccessRate: ratio(successfulAttempts, attempts),
      callSuccessRate: ratio(succeeded, calls.length),
      retrySuccessRate: ratio(recovered, failedOnce),
    },
    cache: {
      ...cache,
      hitRate: ratio(cache.hits, lookups),
      // Without the cache every hit would have been a call: saved / (saved + calls actually made for reads).
      callsSavedRate: ratio(cache.savedCalls, cache.savedCalls + cache.misses),
    },
    events: {
      tracked: outbox.tracked,
      delivered: outbox.delivered,
      pending: outbox.pending,
      deadLettered: outbox.deadLettered,
      ...(outbox.byKind
        ? {
            byKind: {
              event: conservation(outbox.byKind.event),
              profile: conservation(outbox.byKind.profile),
            },
          }
        : {}),
      expected,
      stored: input.eventsStored,
      lost,
      conserved: lost === 0,
    },
    time: {
      wallMs: input.wallMs,
      simulatedMs: input.simulatedMs,
      requestsPerSecond: journeys.stepCount / wallS,
    },
    ...(input.timeline ? { timeline: input.timeline } : {}),
  };
}

/** The flat figure map thresholds and baseline comparison work on. */
export function flattenMetrics(m: RunMetrics): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [name, summary] of Object.entries(m.latency)) {
    for (const agg of ['p50', 'p90', 'p95', 'p99', 'max', 'min', 'mean', 'count'] as const) {
      out[`${name}_latency.${agg}`] = summary[agg];
    }
  }
  Object.assign(out, {
    api_success_rate: m.klaviyo.apiSuccessRate,
    call_success_rate: m.klaviyo.callSuccessRate,
    retry_success_rate: m.klaviyo.retrySuccessRate,
    retry_after_honoured_rate: ratio(m.klaviyo.retryAfterHonoured, m.klaviyo.retryAfterObserved),
    retries: m.klaviyo.retries,
    throttled_responses: m.klaviyo.throttled,
    cache_hit_rate: m.cache.hitRate,
    api_calls_saved: m.cache.savedCalls,
    api_calls_saved_rate: m.cache.callsSavedRate,
    events_tracked: m.events.tracked,
    events_delivered: m.events.delivered,
    events_stored: m.events.stored,
    events_pending: m.events.pending,
    events_dead_lettered: m.events.deadLettered,
    events_lost: m.events.lost,
    ...kindFigures('klaviyo_events', m.events.byKind?.event),
    ...kindFigures('profile_syncs', m.events.byKind?.profile),
    journeys_started: m.journeys.started,
    journeys_completed: m.journeys.completed,
    journeys_failed: m.journeys.failed,
    journeys_truncated: m.journeys.truncated,
    journey_error_rate: ratio(m.journeys.failed, m.journeys.started),
    step_error_rate: ratio(
      Object.values(m.steps).reduce((s, v) => s + v.failed, 0),
      Object.values(m.steps).reduce((s, v) => s + v.ok + v.failed, 0),
    ),
    journeys_per_second: m.journeys.perSecond,
    requests_per_second: m.time.requestsPerSecond,
  });
  return out;
}

/** `klaviyo_events_tracked`, … `profile_syncs_lost`: absent when the stack did not split by kind. */
function kindFigures(prefix: string, k: KindConservation | undefined): Record<string, number> {
  if (!k) return {};
  return {
    [`${prefix}_tracked`]: k.tracked,
    [`${prefix}_delivered`]: k.delivered,
    [`${prefix}_pending`]: k.pending,
    [`${prefix}_dead_lettered`]: k.deadLettered,
    [`${prefix}_lost`]: k.lost,
  };
}
