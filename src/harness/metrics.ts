/**
 * Measurements: what the journeys saw, what the integration's instrumentation recorded, what the outbox
 * and the Klaviyo mock hold at the end, folded into one `RunMetrics` and a flat figure map that
 * thresholds are judged against.
 */

import type { LaneFigures } from '../integration/outbox/lane.ts';
import type { JourneyRecorder, JourneyResult, StepObservation } from './journey.ts';
import { LatencyRecorder, type LatencySnapshot, type LatencySummary } from './latency.ts';
import { flattenMcp, type McpFigures, type McpMetrics, mcpMetrics } from './mcp-figures.ts';
import type { StepKind } from './scenario-schema.ts';
import type { Timeline } from './timeline.ts';

/** One Klaviyo call as the integration made it (normalised from its instrumentation). */
/** One Klaviyo operation's calls: attempts, failed calls, jobs carried (bulk calls carry many), 429s. */
export interface OperationFigures {
  calls: number;
  attempts: number;
  failures: number;
  items: number;
  throttled: number;
  /** Reads not sent because Klaviyo had said the operation's rate limit was used up (not calls). */
  skipped: number;
}

const emptyOperation = (): OperationFigures => ({
  calls: 0,
  attempts: 0,
  failures: 0,
  items: 0,
  throttled: 0,
  skipped: 0,
});

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
  /** Jobs the call carried (a bulk call's batch size); absent = 1. */
  items?: number;
  /** Attempts answered 429; absent = 0. */
  throttledAttempts?: number;
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
  /** Profile syncs folded into a later sync of the same user before they were sent (absent: none). */
  coalesced?: number;
  pending: number;
  deadLettered: number;
  /** Jobs that met a failure and, of them, those delivered in the end (absent from stacks that don't say). */
  retried?: number;
  recovered?: number;
}

/** Outbox totals (every job) and, when the stack reports it, the split into Klaviyo events and profile syncs. */
export interface OutboxFigures extends KindFigures {
  byKind?: { event: KindFigures; profile: KindFigures };
  /** Single and bulk calls per kind (in-process stacks). */
  lanes?: { event: LaneFigures; profile: LaneFigures };
  /**
   * Simulated ms from the end of the last journey until nothing was pending (the backlog's drain
   * time); null when the flush deadline passed with jobs still pending.
   */
  drainMs?: number | null;
}

function sumLanes(list: readonly LaneFigures[]): LaneFigures {
  // `?? 0`: shards written before a figure existed do not turn the sum into NaN.
  const total = (k: keyof LaneFigures) => list.reduce((s, l) => s + (l[k] ?? 0), 0);
  const most = (k: keyof LaneFigures) => Math.max(0, ...list.map((l) => l[k] ?? 0));
  return {
    singleCalls: total('singleCalls'),
    bulkCalls: total('bulkCalls'),
    bulkJobs: total('bulkJobs'),
    largestBatch: most('largestBatch'),
    throttled: total('throttled'),
    concurrency: Math.min(...list.map((l) => l.concurrency)),
    peakInFlight: most('peakInFlight'),
    pacedWaits: total('pacedWaits'),
    bulkSpacingMs: most('bulkSpacingMs'),
  };
}

/** Jobs unaccounted for: tracked − delivered − coalesced − pending − dead-lettered (0 when conserved). */
export function lostJobs(k: KindFigures): number {
  return k.tracked - k.delivered - (k.coalesced ?? 0) - k.pending - k.deadLettered;
}

function pickKind(k: KindFigures): KindFigures {
  const out: KindFigures = {
    tracked: k.tracked,
    delivered: k.delivered,
    pending: k.pending,
    deadLettered: k.deadLettered,
  };
  if (k.coalesced) out.coalesced = k.coalesced;
  if (typeof k.retried === 'number' && typeof k.recovered === 'number') {
    out.retried = k.retried;
    out.recovered = k.recovered;
  }
  return out;
}

/** Shards' figures added up; the retry counts only when every shard has them. */
export function sumKindFigures(list: readonly KindFigures[]): KindFigures {
  const total = (pick: (k: KindFigures) => number) => list.reduce((s, k) => s + pick(k), 0);
  const out: KindFigures = {
    tracked: total((k) => k.tracked),
    delivered: total((k) => k.delivered),
    pending: total((k) => k.pending),
    deadLettered: total((k) => k.deadLettered),
  };
  const coalesced = total((k) => k.coalesced ?? 0);
  if (coalesced) out.coalesced = coalesced;
  if (list.every((k) => typeof k.retried === 'number' && typeof k.recovered === 'number')) {
    out.retried = total((k) => k.retried!);
    out.recovered = total((k) => k.recovered!);
  }
  return out;
}

/** Every job, and each kind, added up over shards; the drain time is the slowest shard's. */
export function sumOutboxFigures(list: readonly OutboxFigures[]): OutboxFigures {
  const out: OutboxFigures = sumKindFigures(list);
  if (list.length > 0 && list.every((o) => o.lanes)) {
    out.lanes = {
      event: sumLanes(list.map((o) => o.lanes!.event)),
      profile: sumLanes(list.map((o) => o.lanes!.profile)),
    };
  }
  if (list.length > 0 && list.every((o) => o.drainMs !== undefined)) {
    out.drainMs = list.some((o) => o.drainMs === null) ? null : Math.max(...list.map((o) => o.drainMs!));
  }
  if (list.every((o) => o.byKind)) {
    out.byKind = {
      event: sumKindFigures(list.map((o) => o.byKind!.event)),
      profile: sumKindFigures(list.map((o) => o.byKind!.profile)),
    };
  }
  return out;
}

/** The outbox's own stats (in-process or from the app's status endpoint) as figures; zeros when it has none. */
export function outboxFigures(s: OutboxFigures | null | undefined): OutboxFigures {
  if (!s) return { tracked: 0, delivered: 0, pending: 0, deadLettered: 0 };
  return {
    ...pickKind(s),
    byKind: s.byKind ? { event: pickKind(s.byKind.event), profile: pickKind(s.byKind.profile) } : undefined,
    ...(s.lanes ? { lanes: { event: { ...s.lanes.event }, profile: { ...s.lanes.profile } } } : {}),
  };
}

export type KindConservation = KindFigures & { lost: number; conserved: boolean };

function conservation(k: KindFigures): KindConservation {
  const lost = lostJobs(k);
  return {
    tracked: k.tracked,
    delivered: k.delivered,
    ...(k.coalesced ? { coalesced: k.coalesced } : {}),
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
    byOperation: Record<string, OperationFigures>;
    apiSuccessRate: number | null;
    callSuccessRate: number | null;
    /**
     * Of what was to be delivered and met a failure, the share delivered in the end: outbox jobs (events
     * and profile syncs, retried within a delivery or in a later round); without an outbox, every call.
     * Reads are not in it (a failed read has a fallback, not a delivery): `callRetrySuccessRate` has
     * them. null ("n/a") when nothing met a failure.
     */
    retrySuccessRate: number | null;
    /** What `retrySuccessRate` counts: recovered / met a failure, and whether jobs or calls. */
    retried: { recovered: number; failed: number; unit: 'jobs' | 'calls' };
    /** Calls that failed an attempt and succeeded within the same call (the SDK-level retries only). */
    callRetrySuccessRate: number | null;
  };
  cache: CacheFigures & { hitRate: number | null; callsSavedRate: number | null };
  /** The MCP adapter's answers (runs whose scenario sets `mcp`). */
  mcp?: McpMetrics;
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
  /**
   * How the outbox's jobs reached Klaviyo: calls per tracked job (single, bulk and import-status
   * calls), bulk batches, and the drain time after the last journey.
   */
  delivery: {
    /** Calls made to deliver jobs (events, profile syncs, import-job polls). */
    calls: number;
    /** calls / jobs tracked; null when nothing was tracked. */
    callsPerJob: number | null;
    /**
     * 1 − all Klaviyo calls / (jobs tracked + profile reads asked for): the calls a naive integration
     * (one call per event, per sync and per read) would have made and this one did not.
     */
    apiCallReduction: number | null;
    lanes?: { event: LaneFigures; profile: LaneFigures };
    drainMs: number | null;
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
  /** The calls one by one, or already reduced (`callTally`, e.g. merged from shards); one of the two. */
  calls?: readonly KlaviyoCallRecord[];
  callTally?: CallTally;
  cache: CacheFigures;
  outbox: OutboxFigures;
  eventsStored: number | null;
  mcp?: McpFigures;
  wire?: WireFigures;
  timeline?: Timeline;
  wallMs: number;
  simulatedMs: number;
}

const ratio = (num: number, den: number): number | null => (den === 0 ? null : num / den);

/**
 * Klaviyo calls and what the wire showed, reduced to what adds up exactly across shards: counters,
 * HDR snapshots, Retry-After tallies. Small enough for a shard's report.json (no per-call records).
 */
export interface CallTally {
  calls: number;
  attempts: number;
  successfulAttempts: number;
  succeeded: number;
  failedOnce: number;
  recovered: number;
  byOperation: Record<string, OperationFigures>;
  latency: { event_tracking: LatencySnapshot; profile_sync: LatencySnapshot; klaviyo_call: LatencySnapshot };
  /** Absent when the stack cannot see the wire. */
  wire?: {
    throttled: number;
    retryAfterObserved: number;
    retryAfterHonoured: number;
    minSlackMs: number | null;
  };
}

/**
 * Calls counted as they are made: counters and three HDR histograms, nothing per call, so a run of any
 * size holds the same few kB (the integration's own per-call records are capped, so counting from them
 * would stop counting on a long run).
 */
export class CallRecorder {
  private readonly eventLatency = new LatencyRecorder();
  private readonly syncLatency = new LatencyRecorder();
  private readonly callLatency = new LatencyRecorder();
  private readonly byOperation: CallTally['byOperation'] = {};
  private n = { calls: 0, attempts: 0, successfulAttempts: 0, succeeded: 0, failedOnce: 0, recovered: 0 };

  record(c: KlaviyoCallRecord): void {
    const n = this.n;
    n.calls++;
    this.callLatency.record(c.latencyMs);
    if (c.category === 'event') this.eventLatency.record(c.latencyMs);
    if (c.category === 'profile_sync') this.syncLatency.record(c.latencyMs);
    n.attempts += c.attempts;
    if (c.outcome === 'success') {
      n.successfulAttempts++;
      n.succeeded++;
    }
    if (c.failedAttempts > 0) {
      n.failedOnce++;
      if (c.outcome === 'success') n.recovered++;
    }
    const op = this.byOperation[c.operation] ?? emptyOperation();
    this.byOperation[c.operation] = op;
    op.calls++;
    op.attempts += c.attempts;
    op.items += c.items ?? 1;
    op.throttled += c.throttledAttempts ?? 0;
    if (c.outcome === 'failure') op.failures++;
  }

  /** A read the rate gate kept from being sent (see src/integration/klaviyo/rate-gate.ts). */
  skip(operation: string): void {
    const op = this.byOperation[operation] ?? emptyOperation();
    this.byOperation[operation] = op;
    op.skipped++;
  }

  tally(wire?: WireFigures): CallTally {
    let wireTally: CallTally['wire'];
    if (wire) {
      wireTally = {
        throttled: wire.throttled,
        retryAfterObserved: 0,
        retryAfterHonoured: 0,
        minSlackMs: null,
      };
      for (const [requested, waited] of wire.retryAfterPairs) {
        wireTally.retryAfterObserved++;
        // 1 ms of slack absorbs rounding of the clock.
        if (waited + 1 >= requested) wireTally.retryAfterHonoured++;
        const slack = waited - requested;
        wireTally.minSlackMs = wireTally.minSlackMs === null ? slack : Math.min(wireTally.minSlackMs, slack);
      }
    }
    return {
      ...this.n,
      byOperation: structuredClone(this.byOperation),
      latency: {
        event_tracking: this.eventLatency.snapshot(),
        profile_sync: this.syncLatency.snapshot(),
        klaviyo_call: this.callLatency.snapshot(),
      },
      ...(wireTally ? { wire: wireTally } : {}),
    };
  }
}

/** A finished list of calls as a tally (stacks that read the calls from a journal, tests). */
export function tallyCalls(calls: readonly KlaviyoCallRecord[], wire?: WireFigures): CallTally {
  const r = new CallRecorder();
  for (const c of calls) r.record(c);
  return r.tally(wire);
}

/** Several shards' tallies as one: counters sum, histograms add exactly, the wire only if every shard saw it. */
export function mergeCallTallies(tallies: readonly CallTally[]): CallTally {
  if (tallies.length === 1) return tallies[0]!;
  const sum = (k: 'calls' | 'attempts' | 'successfulAttempts' | 'succeeded' | 'failedOnce' | 'recovered') =>
    tallies.reduce((s, t) => s + t[k], 0);
  const byOperation: CallTally['byOperation'] = {};
  for (const t of tallies)
    for (const [name, op] of Object.entries(t.byOperation)) {
      const into = byOperation[name] ?? emptyOperation();
      byOperation[name] = into;
      into.calls += op.calls;
      into.attempts += op.attempts;
      into.failures += op.failures;
      // Reports written before these two were counted lack them.
      into.items += op.items ?? op.calls;
      into.throttled += op.throttled ?? 0;
      into.skipped += op.skipped ?? 0;
    }
  const latency = (k: keyof CallTally['latency']) => {
    const r = new LatencyRecorder();
    for (const t of tallies) r.absorb(t.latency[k]);
    return r.snapshot();
  };
  const wires = tallies.map((t) => t.wire);
  const slacks = wires.map((w) => w?.minSlackMs ?? null).filter((v): v is number => v !== null);
  return {
    calls: sum('calls'),
    attempts: sum('attempts'),
    successfulAttempts: sum('successfulAttempts'),
    succeeded: sum('succeeded'),
    failedOnce: sum('failedOnce'),
    recovered: sum('recovered'),
    byOperation,
    latency: {
      event_tracking: latency('event_tracking'),
      profile_sync: latency('profile_sync'),
      klaviyo_call: latency('klaviyo_call'),
    },
    ...(wires.every((w) => w !== undefined)
      ? {
          wire: {
            throttled: wires.reduce((s, w) => s + w!.throttled, 0),
            retryAfterObserved: wires.reduce((s, w) => s + w!.retryAfterObserved, 0),
            retryAfterHonoured: wires.reduce((s, w) => s + w!.retryAfterHonoured, 0),
            minSlackMs: slacks.length ? Math.min(...slacks) : null,
          },
        }
      : {}),
  };
}

function summarise(snapshot: LatencySnapshot): LatencySummary {
  const r = new LatencyRecorder();
  r.absorb(snapshot);
  return r.summary();
}

export function computeMetrics(input: MetricsInput): RunMetrics {
  const { journeys, cache, outbox } = input;
  const k = input.callTally ?? tallyCalls(input.calls ?? [], input.wire);
  const { attempts, successfulAttempts, succeeded, failedOnce, recovered, byOperation } = k;
  const throttled = k.wire?.throttled ?? 0;
  const raObserved = k.wire?.retryAfterObserved ?? 0;
  const raHonoured = k.wire?.retryAfterHonoured ?? 0;
  const minSlack = k.wire?.minSlackMs ?? null;

  const tally = journeys.tally;
  const completed = tally.completed;
  const expected = tally.eventsExpected;
  const lost = lostJobs(outbox);
  const wallS = Math.max(input.wallMs, 1) / 1000;
  const lookups = cache.hits + cache.misses;
  // With an outbox, an event or sync whose call failed is retried as a job: judge it by the job's fate.
  const byJobs = outbox.tracked > 0 && typeof outbox.retried === 'number';
  const retried: RunMetrics['klaviyo']['retried'] = byJobs
    ? { recovered: outbox.recovered!, failed: outbox.retried!, unit: 'jobs' }
    : { recovered, failed: failedOnce, unit: 'calls' };

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
      event_tracking: summarise(k.latency.event_tracking),
      profile_sync: summarise(k.latency.profile_sync),
      klaviyo_call: summarise(k.latency.klaviyo_call),
      journey_step: journeys.stepLatency.summary(),
    },
    klaviyo: {
      calls: k.calls,
      attempts,
      successfulAttempts,
      callsSucceeded: succeeded,
      callsFailedOnce: failedOnce,
      callsRecovered: recovered,
      retries: attempts - k.calls,
      throttled,
      retryAfterObserved: raObserved,
      retryAfterHonoured: raHonoured,
      retryAfterMinSlackMs: minSlack,
      byOperation,
      apiSuccessRate: ratio(successfulAttempts, attempts),
      callSuccessRate: ratio(succeeded, k.calls),
      retrySuccessRate: ratio(retried.recovered, retried.failed),
      retried,
      callRetrySuccessRate: ratio(recovered, failedOnce),
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
      ...(outbox.coalesced ? { coalesced: outbox.coalesced } : {}),
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
    delivery: deliveryFigures(byOperation, k.calls, outbox, lookups),
    time: {
      wallMs: input.wallMs,
      simulatedMs: input.simulatedMs,
      requestsPerSecond: journeys.stepCount / wallS,
    },
    ...(input.timeline ? { timeline: input.timeline } : {}),
    ...(input.mcp ? { mcp: mcpMetrics(input.mcp) } : {}),
  };
}

/** The operations that deliver outbox jobs (as opposed to reads on the request path). */
const DELIVERY_OPERATION =
  /^(create_event|bulk_create_events|create_or_update_profile|bulk_import_profiles|get_bulk_import_profiles_job(_import_errors)?)$/;

function deliveryFigures(
  byOperation: Record<string, OperationFigures>,
  allCalls: number,
  outbox: OutboxFigures,
  lookups: number,
): RunMetrics['delivery'] {
  const calls = Object.entries(byOperation)
    .filter(([op]) => DELIVERY_OPERATION.test(op))
    .reduce((s, [, o]) => s + o.calls, 0);
  return {
    calls,
    callsPerJob: ratio(calls, outbox.tracked),
    apiCallReduction: outbox.tracked + lookups === 0 ? null : 1 - allCalls / (outbox.tracked + lookups),
    ...(outbox.lanes ? { lanes: outbox.lanes } : {}),
    drainMs: outbox.drainMs ?? null,
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
    call_retry_success_rate: m.klaviyo.callRetrySuccessRate ?? null,
    retry_after_honoured_rate: ratio(m.klaviyo.retryAfterHonoured, m.klaviyo.retryAfterObserved),
    retries: m.klaviyo.retries,
    throttled_responses: m.klaviyo.throttled,
    cache_hit_rate: m.cache.hitRate,
    api_calls_saved: m.cache.savedCalls,
    api_calls_saved_rate: m.cache.callsSavedRate,
    events_tracked: m.events.tracked,
    events_delivered: m.events.delivered,
    events_coalesced: m.events.coalesced ?? 0,
    api_calls_per_job: m.delivery?.callsPerJob ?? null,
    api_call_reduction: m.delivery?.apiCallReduction ?? null,
    drain_ms: m.delivery?.drainMs ?? null,
    klaviyo_throttled: m.klaviyo.throttled,
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
    ...flattenMcp(m.mcp),
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
