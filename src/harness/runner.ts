/**
 * Run a scenario: build personas, release families on the arrival schedule with bounded concurrency,
 * walk each journey, then flush the outbox and measure. Ctrl-C (an aborted signal) stops the journeys
 * where they are; the flush and the measurements still happen, and the result says it is partial.
 */
import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRng } from '../../lib/prng.ts';
import { WINBACK_CAMPAIGN_PREFIX } from '../integration/systems/churn-winback.ts';
import { arrivalOffsets } from './arrival.ts';
import type { FaultSummary } from './fault-log.ts';
import { abortableSleep, runJourney } from './journey.ts';
import { type McpFigures, mergeMcpFigures } from './mcp-figures.ts';
import {
  type CacheFigures,
  type CallTally,
  type CollectorSnapshot,
  computeMetrics,
  flattenMetrics,
  JourneyCollector,
  mergeCallTallies,
  type OutboxFigures,
  type RunMetrics,
  sumOutboxFigures,
} from './metrics.ts';
import { createPersona } from './personas.ts';
import { scaleScenario } from './scale.ts';
import type { Scenario } from './scenario-schema.ts';
import type { SimulationStack, StackOptions } from './stack.ts';
import { needsSystems, runJobs } from './systems/jobs.ts';
import { flattenSystems, type SystemsFigures, SystemsLedger } from './systems/ledger.ts';
import { churnPropensity } from './systems/truth.ts';
import { evaluateThresholds, parseThreshold, type ThresholdResult } from './thresholds.ts';
import { mergeTimelines, type Timeline, TimelineRecorder } from './timeline.ts';

export interface RunOptions {
  /** Override the scenario's user count (arrival rate and concurrency scale with it) / seed / faults. */
  users?: number;
  /** Override the scenario's simulated duration, ms. */
  duration?: number;
  seed?: number;
  faults?: string;
  signal?: AbortSignal;
  /** Called after each journey ends. */
  onProgress?: (p: Progress) => void;
  /** Write the Klaviyo mock's data (profiles, events, metrics) here at the end of the run. */
  exportDataDir?: string;
  /** Simulated ms allowed for the final outbox flush (default 1 h: long enough to outlast any outage window). */
  flushDeadlineMs?: number;
  /** In-process transport from the SDKs to the mocks (default `direct`). */
  transport?: 'direct' | 'msw';
}

export interface Progress {
  done: number;
  total: number;
  simulatedMs: number;
  failed: number;
}

export interface RunResult {
  scenario: Scenario;
  seed: number;
  users: number;
  faults: string;
  mode: SimulationStack['mode'];
  partial: boolean;
  startedAt: string;
  metrics: RunMetrics;
  figures: Record<string, number | null>;
  thresholds: ThresholdResult[];
  /** Fault labels counted, and the first ones in order (for determinism checks; see fault-log.ts). */
  faultCounts: Record<string, number>;
  /** The first HEAD_LIMIT labels per service and shard; empty when merged from shard reports. */
  faultSequence: string[];
  /** See `combineSequenceHashes`. */
  faultSequenceHash: string;
  /** What each shard measured, reduced (what `run --shard` writes into report.json for `report merge`). */
  shards: ShardData[];
  /** Files written by `exportDataDir`. */
  exportedFiles?: string[];
  /** What the scheduled jobs did and how their predictions fared (scenarios with jobs / a lapse or listen step). */
  systems?: SystemsFigures;
}

export type StackFactory = (options: StackOptions) => Promise<SimulationStack>;

/** Which families a run (or one worker of a sharded run) replays: those with `index % count === shard`. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** Everything one shard measured, in a form that crosses worker threads; `finishRun` merges shards. */
export interface ShardOutcome {
  shard: ShardSpec;
  mode: SimulationStack['mode'];
  journeys: CollectorSnapshot;
  calls: CallTally;
  cache: CacheFigures;
  outbox: OutboxFigures;
  eventsStored: number | null;
  mcp?: McpFigures;
  faults: FaultSummary;
  /** What happened when over simulated time (in-process stacks only). */
  timeline?: Timeline;
  simulatedMs: number;
  /** Wall-clock span of the replay (epoch ms, fractional): from the stack being ready to the flush. */
  wallStartedAt: number;
  wallEndedAt: number;
  partial: boolean;
  exportedFiles?: string[];
  systems?: SystemsFigures;
}

/**
 * A shard's outcome reduced to what merges exactly and fits in a report.json: no per-call records
 * (a `CallTally`), fault counts and a hash instead of the fault sequence. `mergeShards` works on these,
 * whether they come from this process's threads or from `run --shard` reports made on other machines.
 */
export interface ShardData {
  shard: ShardSpec;
  mode: SimulationStack['mode'];
  journeys: CollectorSnapshot;
  calls: CallTally;
  cache: CacheFigures;
  outbox: OutboxFigures;
  eventsStored: number | null;
  mcp?: McpFigures;
  faultCounts: Record<string, number>;
  faultSequenceHash: string;
  /** Over simulated time, in-process only (bucket counts: adds up across shards). */
  timeline?: Timeline;
  simulatedMs: number;
  wallStartedAt: number;
  wallEndedAt: number;
  partial: boolean;
  systems?: SystemsFigures;
}

/** sha256 of the fault labels in order, 16 hex digits (what report.json shows since schema 1). */
export function hashSequence(labels: readonly string[]): string {
  return createHash('sha256').update(labels.join('\n')).digest('hex').slice(0, 16);
}

/**
 * One hash for a run's fault sequence from its shards' hashes, in shard order: a one-shard run keeps
 * its own (so an unsharded run's hash is that of its sequence), several hash their hashes. An
 * in-process `--workers N` run and its N `--shard i/N` reports merged give the same hash.
 */
export function combineSequenceHashes(hashes: readonly string[]): string {
  return hashes.length === 1 ? hashes[0]! : hashSequence(hashes);
}

export function shardData(o: ShardOutcome): ShardData {
  return {
    shard: o.shard,
    mode: o.mode,
    journeys: o.journeys,
    calls: o.calls,
    cache: o.cache,
    outbox: o.outbox,
    eventsStored: o.eventsStored,
    ...(o.mcp ? { mcp: o.mcp } : {}),
    faultCounts: o.faults.counts,
    faultSequenceHash: o.faults.hash,
    timeline: o.timeline,
    simulatedMs: o.simulatedMs,
    wallStartedAt: o.wallStartedAt,
    wallEndedAt: o.wallEndedAt,
    partial: o.partial,
    ...(o.systems ? { systems: o.systems } : {}),
  };
}

/** The settings every shard of a run shares, resolved from the scenario and the overrides. */
export interface ResolvedRun {
  seed: number;
  users: number;
  faults: string;
  startedAt: string;
}

export function resolveRun(scenario: Scenario, options: RunOptions): ResolvedRun {
  return {
    seed: options.seed ?? scenario.seed,
    users: scenario.users,
    faults: options.faults ?? scenario.faults,
    startedAt: new Date().toISOString(),
  };
}

/** The concurrency a shard gets: the scenario's, split as evenly as possible across shards. */
export function shardConcurrency(scenario: Scenario, users: number, shard: ShardSpec): number {
  const total = Math.min(scenario.concurrency ?? users, users);
  return Math.max(1, Math.floor(total / shard.count) + (shard.index < total % shard.count ? 1 : 0));
}

/**
 * The seed of one shard's stack (mocks, fault draws, ids, retry jitter). Shard 0 keeps the run's seed,
 * so a one-shard run is the unsharded run; the others get their own stream, so their fault draws are
 * independent rather than copies of shard 0's. Families are seeded by index, never by shard.
 */
export function shardSeed(seed: number, shard: ShardSpec): number {
  return shard.index === 0
    ? seed
    : createRng(seed)
        .fork(`shard:${shard.index}`)
        .int(1, 2 ** 31 - 1);
}

const wallNow = () => performance.timeOrigin + performance.now();

export async function runScenario(
  scenario: Scenario,
  createStack: StackFactory,
  options: RunOptions = {},
): Promise<RunResult> {
  scenario = scaleScenario(scenario, options);
  const run = resolveRun(scenario, options);
  const outcome = await runShard(scenario, createStack, run, { index: 0, count: 1 }, options);
  return finishRun(scenario, run, [outcome], options.signal?.aborted ?? false);
}

/**
 * Replay one shard's families on one stack: release them on the arrival schedule with the shard's
 * share of the concurrency, walk each journey, flush the outbox, read out the measurements.
 */
export async function runShard(
  scenario: Scenario,
  createStack: StackFactory,
  run: ResolvedRun,
  shard: ShardSpec,
  options: RunOptions = {},
): Promise<ShardOutcome> {
  const { seed, users } = run;
  const signal = options.signal ?? new AbortController().signal;
  if (shard.count > 1 && needsSystems(scenario))
    throw new Error(
      `scenario "${scenario.name}" has jobs or a lapse or listen step: run it with --workers 1 (jobs and the A/B figures see every family)`,
    );
  const timeline = new TimelineRecorder(scenario.duration);
  const stack = await createStack({
    seed: shardSeed(seed, shard),
    faults: run.faults,
    rateLimits: scenario.rate_limits,
    mcp: scenario.mcp,
    integration: scenario.integration,
    transport: options.transport,
    timeline,
  });
  try {
    if (scenario.jobs && !stack.systems)
      throw new Error(`scenario "${scenario.name}" has jobs: they run in-process only (--mode inprocess)`);
    const clock = stack.clock;
    const wallStartedAt = wallNow();
    const simStart = clock.now();
    const endsAt = simStart + scenario.duration;
    // Real time (http mode) has no cheap bucket-end samples nor wire hooks: the timeline is in-process only.
    const timed = stack.mode === 'inprocess';
    timeline.begin(simStart);
    const sampler = timed ? timeline.sampleOn(clock, () => stack.outbox()) : undefined;
    const personaOptions = {
      earliest: scenario.bedtimes.earliest,
      latest: scenario.bedtimes.latest,
      children: scenario.children,
    };
    const offsets = arrivalOffsets(scenario.arrival, users);
    const families: number[] = [];
    for (let i = shard.index; i < users; i += shard.count) families.push(i);
    const collector = new JourneyCollector();
    const concurrency = Math.min(shardConcurrency(scenario, users, shard), Math.max(1, families.length));
    // Every running journey listens on the run's signal while it sleeps: bounded by concurrency.
    setMaxListeners(concurrency * 2 + 10, signal);
    const root = createRng(seed);
    // Systems (jobs, hidden churn) need every family on one stack, and cost nothing when unused.
    const ledger = needsSystems(scenario) ? new SystemsLedger() : undefined;
    const systems = stack.systems;
    let next = 0;
    let failed = 0;

    // Workers take families in arrival order, so who runs when is fixed by the seed, not by timing.
    const report = () =>
      options.onProgress?.({
        done: collector.finished,
        total: families.length,
        simulatedMs: clock.now() - simStart,
        failed,
      });
    const worker = async () => {
      while (next < families.length && !signal.aborted) {
        const i = families[next++]!;
        const at = simStart + offsets[i]!;
        if (at >= endsAt) break;
        const wait = at - clock.now();
        if (wait > 0) {
          try {
            await abortableSleep(clock, wait, signal);
          } catch {
            break;
          }
        }
        collector.begin();
        const result = await runJourney(scenario.journey, {
          api: stack.api,
          clock,
          // Seeded by family index, never by shard: family i makes the same choices in any shard.
          rng: root.fork(`journey:${i}`),
          persona: createPersona(seed, i, personaOptions),
          endsAt,
          signal,
          recorder: timed ? timeline.steps(collector, clock) : collector,
          ...(ledger
            ? {
                systems: {
                  churnPropensity: churnPropensity(seed, i),
                  inbox: systems
                    ? (email: string, since: number) => systems.inbox(email, since, WINBACK_CAMPAIGN_PREFIX)
                    : undefined,
                  ledger,
                },
              }
            : {}),
        });
        collector.journey(result);
        if (result.outcome === 'failed') failed++;
        report();
      }
    };
    // Also on a wall-clock tick: long journeys (14 nights) end rarely, and simulated time moves meanwhile.
    const ticker = options.onProgress ? setInterval(report, 1000) : undefined;
    ticker?.unref();
    const jobs = ledger ? runJobs({ scenario, stack, clock, simStart, signal, ledger }) : Promise.resolve();
    await Promise.all([...Array.from({ length: concurrency }, worker), jobs]).finally(() =>
      clearInterval(ticker),
    );
    collector.close(families.length, signal.aborted);

    // Whatever happened, deliver what can be delivered before counting: conservation is checked after it.
    const journeysEndedAt = clock.now();
    await stack.flush(clock.now() + (options.flushDeadlineMs ?? 3_600_000));
    const flushedAt = clock.now();
    await sampler?.stop();
    await ledger?.collect(stack.systems);
    const wallEndedAt = wallNow();

    const [calls, cache, outbox, eventsStored, faults] = await Promise.all([
      stack.calls(),
      stack.cache(),
      stack.outbox(),
      stack.eventsStored(),
      stack.faults(),
    ]);
    const mcp = await stack.mcp?.();
    // Drained: nothing pending once the flush returned (its deadline passed otherwise).
    outbox.drainMs = outbox.pending === 0 ? flushedAt - journeysEndedAt : null;
    const exportedFiles =
      options.exportDataDir && stack.exportData
        ? await stack.exportData(
            shard.count > 1 ? join(options.exportDataDir, `shard-${shard.index}`) : options.exportDataDir,
          )
        : undefined;
    return {
      shard,
      mode: stack.mode,
      journeys: collector.snapshot(),
      calls,
      cache,
      outbox,
      eventsStored,
      ...(mcp ? { mcp } : {}),
      faults,
      timeline: timed ? timeline.timeline() : undefined,
      simulatedMs: clock.now() - simStart,
      wallStartedAt,
      wallEndedAt,
      partial: signal.aborted,
      exportedFiles,
      ...(ledger ? { systems: ledger.figures() } : {}),
    };
  } finally {
    await stack.close();
  }
}

/**
 * Every run checks that no journey was cut short: a figure measured on truncated journeys measures
 * less than the scenario describes. A scenario that means to truncate can say so (`journeys_truncated < 50`).
 */
export function withDefaultThresholds(thresholds: readonly string[]): string[] {
  const named = thresholds.some((t) => parseThreshold(t).metric === 'journeys_truncated');
  return named ? [...thresholds] : [...thresholds, 'journeys_truncated == 0'];
}

/** Merge shards (one, for an unsharded run) into the run's result: metrics, figures, thresholds. */
export function finishRun(
  scenario: Scenario,
  run: ResolvedRun,
  outcomes: readonly ShardOutcome[],
  aborted: boolean,
): RunResult {
  const shards = [...outcomes].sort((a, b) => a.shard.index - b.shard.index);
  const exported = shards.flatMap((o) => o.exportedFiles ?? []);
  return {
    ...mergeShards(scenario, run, shards.map(shardData), aborted),
    faultSequence: shards.flatMap((o) => o.faults.head),
    exportedFiles: shards.some((o) => o.exportedFiles) ? exported : undefined,
  };
}

/**
 * The one merge of shards, in-process (`finishRun`) or from shard reports (`report merge`): journeys and
 * histograms add exactly, counters sum, rates are recomputed from the summed numerators and
 * denominators (n/a stays n/a when nothing was measured), fault counts sum, and the thresholds are
 * judged on the merged figures.
 */
export function mergeShards(
  scenario: Scenario,
  run: ResolvedRun,
  data: readonly ShardData[],
  aborted: boolean,
): RunResult {
  const shards = [...data].sort((a, b) => a.shard.index - b.shard.index);
  const sum = <T>(pick: (o: ShardData) => T, keys: (keyof T)[]): T => {
    const out = {} as T;
    for (const k of keys) (out[k] as number) = shards.reduce((s, o) => s + (pick(o)[k] as number), 0);
    return out;
  };
  const stored = shards.map((o) => o.eventsStored);
  const metrics = computeMetrics({
    journeys: JourneyCollector.merge(shards.map((o) => o.journeys)),
    callTally: mergeCallTallies(shards.map((o) => o.calls)),
    cache: sum((o) => o.cache, ['hits', 'misses', 'savedCalls']),
    outbox: sumOutboxFigures(shards.map((o) => o.outbox)),
    eventsStored: stored.some((n) => n === null) ? null : stored.reduce((s, n) => s! + n!, 0),
    mcp: mergeMcpFigures(shards.map((o) => o.mcp)),
    timeline: shards.every((o) => o.timeline)
      ? shards.map((o) => o.timeline!).reduce(mergeTimelines)
      : undefined,
    wallMs: Math.max(...shards.map((o) => o.wallEndedAt)) - Math.min(...shards.map((o) => o.wallStartedAt)),
    simulatedMs: Math.max(...shards.map((o) => o.simulatedMs)),
  });
  // Systems run on one stack (one shard), so its figures pass through unmerged.
  const systems = shards.find((o) => o.systems)?.systems;
  const figures = { ...flattenMetrics(metrics), ...flattenSystems(systems) };
  const thresholds = evaluateThresholds(
    withDefaultThresholds(scenario.thresholds).map(parseThreshold),
    figures,
  );
  const faultCounts: Record<string, number> = {};
  for (const o of shards)
    for (const [label, n] of Object.entries(o.faultCounts))
      faultCounts[label] = (faultCounts[label] ?? 0) + n;
  return {
    scenario,
    seed: run.seed,
    users: run.users,
    faults: run.faults,
    mode: shards[0]!.mode,
    partial: aborted || shards.some((o) => o.partial),
    startedAt: run.startedAt,
    metrics,
    figures,
    thresholds,
    faultCounts,
    faultSequence: [],
    faultSequenceHash: combineSequenceHashes(shards.map((o) => o.faultSequenceHash)),
    shards,
    ...(systems ? { systems } : {}),
  };
}
