/**
 * Measurements: what the journeys saw, what the integration's instrumentation recorded, what the outbox
 * and the Klaviyo mock hold at the end, folded into one `RunMetrics` and a flat figure map that
 * thresholds are judged against.
 */

import type { JourneyRecorder, JourneyResult, StepObservation } from './journey.ts';
import { LatencyRecorder, type LatencySnapshot, type LatencySummary } from './latency.ts';
import type { StepKind } from './scenario-schema.ts';

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
    started: number;
    completed: number;
    failed: number;
    aborted: number;
    truncated: number;
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
}

/** A collector in a form that crosses worker threads, for merging shards. */
export interface CollectorSnapshot {
  started: number;
  stepCount: number;
  results: JourneyResult[];
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
  readonly results: JourneyResult[] = [];
  started = 0;
  stepCount = 0;

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

  journey(result: JourneyResult): void {
    this.results.push(result);
  }

  snapshot(): CollectorSnapshot {
    return {
      started: this.started,
      stepCount: this.stepCount,
      results: this.results,
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
    for (const s of snapshots) {
      merged.started += s.started;
      merged.stepCount += s.stepCount;
      merged.results.push(...s.results);
      merged.stepLatency.absorb(s.stepLatency);
      for (const [kind, v] of s.byKind) {
        const entry = merged.kind(kind);
        entry.ok += v.ok;
        entry.failed += v.failed;
        entry.skipped += v.skipped;
        entry.latency.absorb(v.latency);
      }
    }
    merged.results.sort((a, b) => a.user - b.user);
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

  const results = journeys.results;
  const completed = results.filter((r) => r.outcome === 'completed').length;
  const expected = results.reduce((sum, r) => sum + r.eventsExpected, 0);
  const lost = outbox.tracked - outbox.delivered - outbox.pending - outbox.deadLettered;
  const wallS = Math.max(input.wallMs, 1) / 1000;
  const lookups = cache.hits + cache.misses;

  return {
    journeys: {
      started: journeys.started,
      completed,
      failed: results.filter((r) => r.outcome === 'failed').length,
      aborted: results.filter((r) => r.outcome === 'aborted').length + (journeys.started - results.length),
      truncated: results.filter((r) => r.truncated).length,
      perSecond: completed / wallS,
      failures: results
        .filter((r) => r.error)
        .slice(0, 10)
        .map((r) => `user ${r.user}: ${r.error}`),
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
