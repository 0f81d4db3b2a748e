/**
 * Sharded runs: the scenario's families split across worker threads, each with its own mocks, virtual
 * clock and integration stack, then merged (HDR histograms add exactly, counters sum, fault sequences
 * concatenate in shard order) into one RunResult, as if one process had run them.
 *
 * Determinism: family i is seeded by its index (persona, journey choices), never by its shard, and goes
 * to shard `i % N`; shard 0's stack keeps the run's seed, the others derive theirs (shardSeed). So the
 * same seed and the same worker count give the same journeys, events, fault sequence and conservation
 * figures. A different worker count gives the same families making the same choices, but each shard is
 * its own Klaviyo account and Supabase project: fault draws (in arrival order per mock), rate-limit
 * buckets, the circuit breaker and the cache are per shard, and the scenario's concurrency is split
 * across shards, so counts can move slightly between N = 1 and N = 2. Use `--workers 1` for figures
 * that depend on one account-wide rate limit (rate-limit-storm), or to compare with an unsharded run.
 *
 * Across machines: `run --shard i/n` (1-based, as Playwright and Jest take it) replays exactly shard
 * i-1 of an in-process `--workers n` run (same families, same shard seed, same concurrency share) and
 * writes its reduced measurements (ShardData) into report.json; `report merge` merges the n reports
 * with the same `mergeShards` the threads use, so n machines give the figures of `--workers n`, exactly.
 *
 * Known limitations: in-process mode only (an HTTP run drives shared servers); `--export-data` writes
 * one directory per shard.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  finishRun,
  type Progress,
  type ResolvedRun,
  type RunOptions,
  type RunResult,
  resolveRun,
  runShard,
  type ShardOutcome,
  type ShardSpec,
} from './runner.ts';
import { scaleScenario } from './scale.ts';
import type { Scenario } from './scenario-schema.ts';

/** Below this many families a worker's start-up (≈1 s: loading the SDKs and mocks) is not worth it. */
export const SHARD_THRESHOLD_USERS = 500;

/** What a shard worker is started with (structured-clone safe). */
export interface ShardJob {
  scenario: Scenario;
  run: ResolvedRun;
  shard: ShardSpec;
  transport?: 'direct' | 'msw';
  flushDeadlineMs?: number;
  exportDataDir?: string;
}

export type ShardMessage =
  | { type: 'progress'; progress: Progress }
  | { type: 'done'; outcome: ShardOutcome }
  | { type: 'error'; message: string; field?: string };

/**
 * How many worker threads a run uses: the request if given, else both cores (at most 2) for in-process
 * runs of SHARD_THRESHOLD_USERS families or more, else 1. Never more than the families or the
 * scenario's concurrency (each shard needs at least one concurrent journey).
 */
export function planWorkers(
  scenario: Scenario,
  users: number,
  mode: 'inprocess' | 'http',
  requested?: number,
): number {
  if (mode === 'http') return 1;
  const wanted = requested ?? (users >= SHARD_THRESHOLD_USERS ? Math.min(2, availableParallelism()) : 1);
  return Math.max(1, Math.min(wanted, users, scenario.concurrency ?? users));
}

const WORKER_ENTRY = new URL('./shard-worker.mjs', import.meta.url);

export interface ShardedRunOptions extends RunOptions {
  /** Shards (threads) in all. */
  workers: number;
  /**
   * Run shard 0 on this thread and only the others in worker threads (default true): one isolate less
   * to start and to hold in memory (each loads both SDKs and both mocks). Tests turn it off to check
   * that a shard in a worker thread gives what the same shard gives in-thread.
   */
  mainThreadShard?: boolean;
}

/** `--shard i/n` (1-based, as Playwright and Jest take it) as a ShardSpec (0-based index). */
export function parseShardSpec(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || !(count >= 1) || !(index >= 1) || index > count)
    throw new Error(
      `--shard expects i/n with 1 <= i <= n, 1-based as in Playwright and Jest (--shard 1/2 and --shard 2/2), got "${text}"`,
    );
  return { index: index - 1, count };
}

/** A ShardSpec as `--shard` writes it: `1/2`. */
export function formatShard(shard: ShardSpec): string {
  return `${shard.index + 1}/${shard.count}`;
}

/**
 * Refuse a shard count the in-process sharding would lower (planWorkers: never more shards than
 * families, nor than the scenario's concurrency): the merged shards would not be that run.
 */
export function checkShardFits(scenario: Scenario, users: number, shard: ShardSpec): void {
  const fits = planWorkers(scenario, users, 'inprocess', shard.count);
  if (fits < shard.count)
    throw new Error(
      `--shard ${formatShard(shard)}: ${shard.count} shards need at least ${shard.count} families and a concurrency of ${shard.count}; this run has ${users} families and a concurrency of ${Math.min(scenario.concurrency ?? users, users)} (use at most ${fits} shards)`,
    );
}

/**
 * What identifies a scenario across machines: its resolved content (journey, thresholds, arrival, …)
 * without the file's local path. Shards of one run must agree on it.
 */
export function scenarioHash(scenario: Scenario): string {
  const { source: _source, ...content } = scenario;
  return createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 16);
}

/** Run one shard of an in-process sharded run on this thread (`run --shard i/n`); the result covers that slice. */
export async function runScenarioShard(
  scenario: Scenario,
  options: RunOptions & { shard: ShardSpec },
): Promise<RunResult> {
  scenario = scaleScenario(scenario, options);
  const run = resolveRun(scenario, options);
  const { createInProcessStack } = await import('./stack-inprocess.ts');
  const outcome = await runShard(scenario, createInProcessStack, run, options.shard, options);
  return finishRun(scenario, run, [outcome], options.signal?.aborted ?? false);
}

/** Run a scenario in-process across `workers` threads and merge the shards. */
export async function runScenarioSharded(scenario: Scenario, options: ShardedRunOptions): Promise<RunResult> {
  scenario = scaleScenario(scenario, options);
  const run = resolveRun(scenario, options);
  const count = Math.max(1, Math.floor(options.workers));
  const inThread = options.mainThreadShard ?? true;
  const progress: Progress[] = Array.from({ length: count }, (_, index) => ({
    done: 0,
    total: Math.ceil((run.users - index) / count),
    simulatedMs: 0,
    failed: 0,
  }));
  const report = () => {
    options.onProgress?.({
      done: progress.reduce((s, p) => s + p.done, 0),
      total: run.users,
      simulatedMs: Math.min(...progress.map((p) => p.simulatedMs)),
      failed: progress.reduce((s, p) => s + p.failed, 0),
    });
  };

  const track = (index: number) => (p: Progress) => {
    progress[index] = p;
    report();
  };

  // One stop for every shard: Ctrl-C, or a shard failing (the merged figures would be meaningless).
  const stop = new AbortController();
  const workers: Worker[] = [];
  const stopAll = () => {
    if (!stop.signal.aborted) stop.abort(options.signal?.reason ?? new Error('stopped'));
    for (const w of workers) w.postMessage({ type: 'abort' });
  };
  options.signal?.addEventListener('abort', stopAll, { once: true });
  if (options.signal?.aborted) stopAll();
  const job = (index: number): ShardJob => ({
    scenario,
    run,
    shard: { index, count },
    transport: options.transport,
    flushDeadlineMs: options.flushDeadlineMs,
    exportDataDir: options.exportDataDir,
  });
  try {
    // Workers first: they take a moment to load, which the in-thread shard overlaps.
    const inWorkers = Array.from({ length: count }, (_, index) => index)
      .filter((index) => !(inThread && index === 0))
      .map((index) => startWorker(job(index), workers, track(index), stopAll));
    const local = inThread
      ? [
          (async () => {
            const { createInProcessStack } = await import('./stack-inprocess.ts');
            const j = job(0);
            return runShard(scenario, createInProcessStack, j.run, j.shard, {
              ...options,
              signal: stop.signal,
              onProgress: track(0),
            });
          })().catch((err) => {
            stopAll();
            throw err;
          }),
        ]
      : [];
    const settled = await Promise.allSettled([...local, ...inWorkers]);
    const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    const outcomes = settled.map((r) => (r as PromiseFulfilledResult<ShardOutcome>).value);
    return finishRun(scenario, run, outcomes, options.signal?.aborted ?? false);
  } finally {
    options.signal?.removeEventListener('abort', stopAll);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Start one shard in a worker thread; resolves with its outcome. */
function startWorker(
  job: ShardJob,
  workers: Worker[],
  onProgress: (p: Progress) => void,
  stopAll: () => void,
): Promise<ShardOutcome> {
  return new Promise<ShardOutcome>((resolve, reject) => {
    const worker = new Worker(WORKER_ENTRY, { workerData: job });
    workers.push(worker);
    let settled = false;
    const fail = (err: Error) => {
      settled = true;
      stopAll();
      reject(err);
    };
    worker.on('message', (msg: ShardMessage) => {
      if (msg.type === 'progress') onProgress(msg.progress);
      else if (msg.type === 'done') {
        settled = true;
        resolve(msg.outcome);
      } else {
        const err = new Error(msg.message) as Error & { field?: string };
        if (msg.field) err.field = msg.field;
        fail(err);
      }
    });
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!settled)
        fail(new Error(`shard ${job.shard.index} worker exited with code ${code} before reporting`));
    });
  });
}
