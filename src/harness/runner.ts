/**
 * Run a scenario: build personas, release families on the arrival schedule with bounded concurrency,
 * walk each journey, then flush the outbox and measure. Ctrl-C (an aborted signal) stops the journeys
 * where they are; the flush and the measurements still happen, and the result says it is partial.
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { createRng } from '../lib/prng.ts';
import { arrivalOffsets } from './arrival.ts';
import { abortableSleep, runJourney } from './journey.ts';
import { computeMetrics, flattenMetrics, JourneyCollector, type RunMetrics } from './metrics.ts';
import { createPersonas } from './personas.ts';
import type { Scenario } from './scenario-schema.ts';
import type { SimulationStack, StackOptions } from './stack.ts';
import { evaluateThresholds, parseThreshold, type ThresholdResult } from './thresholds.ts';

export interface RunOptions {
  /** Override the scenario's user count / seed / fault profile. */
  users?: number;
  seed?: number;
  faults?: string;
  signal?: AbortSignal;
  /** Called after each journey ends. */
  onProgress?: (p: Progress) => void;
  /** Write the Klaviyo mock's data (profiles, events, metrics) here at the end of the run. */
  exportDataDir?: string;
  /** Simulated ms allowed for the final outbox flush (default 1 h: long enough to outlast any outage window). */
  flushDeadlineMs?: number;
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
  /** Fault labels counted, and the ordered sequence (for determinism checks). */
  faultCounts: Record<string, number>;
  faultSequence: string[];
  /** Files written by `exportDataDir`. */
  exportedFiles?: string[];
}

export type StackFactory = (options: StackOptions) => Promise<SimulationStack>;

export async function runScenario(
  scenario: Scenario,
  createStack: StackFactory,
  options: RunOptions = {},
): Promise<RunResult> {
  const seed = options.seed ?? scenario.seed;
  const users = options.users ?? scenario.users;
  const faults = options.faults ?? scenario.faults;
  const signal = options.signal ?? new AbortController().signal;
  const startedAt = new Date().toISOString();
  const stack = await createStack({ seed, faults, rateLimits: scenario.rate_limits });
  try {
    const clock = stack.clock;
    const wallStart = performance.now();
    const simStart = clock.now();
    const endsAt = simStart + scenario.duration;
    const personas = createPersonas(seed, users, {
      earliest: scenario.bedtimes.earliest,
      latest: scenario.bedtimes.latest,
      children: scenario.children,
    });
    const offsets = arrivalOffsets(scenario.arrival, users);
    const collector = new JourneyCollector();
    const concurrency = Math.min(scenario.concurrency ?? users, users);
    // Every running journey listens on the run's signal while it sleeps: bounded by concurrency.
    setMaxListeners(concurrency * 2 + 10, signal);
    const root = createRng(seed);
    let next = 0;
    let failed = 0;

    // Workers take families in arrival order, so who runs when is fixed by the seed, not by timing.
    const worker = async () => {
      while (next < users && !signal.aborted) {
        const i = next++;
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
        collector.started++;
        const result = await runJourney(scenario.journey, {
          api: stack.api,
          clock,
          rng: root.fork(`journey:${i}`),
          persona: personas[i]!,
          endsAt,
          signal,
          recorder: collector,
        });
        collector.journey(result);
        if (result.outcome === 'failed') failed++;
        options.onProgress?.({
          done: collector.results.length,
          total: users,
          simulatedMs: clock.now() - simStart,
          failed,
        });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));

    // Whatever happened, deliver what can be delivered before counting: conservation is checked after it.
    await stack.flush(clock.now() + (options.flushDeadlineMs ?? 3_600_000));
    const wallMs = performance.now() - wallStart;

    const [calls, cache, outbox, eventsStored, faultSequence, wire] = await Promise.all([
      stack.calls(),
      stack.cache(),
      stack.outbox(),
      stack.eventsStored(),
      stack.faultSequence(),
      stack.wire(),
    ]);
    const metrics = computeMetrics({
      journeys: collector,
      calls,
      cache,
      outbox,
      eventsStored,
      wire,
      wallMs,
      simulatedMs: clock.now() - simStart,
    });
    const figures = flattenMetrics(metrics);
    const thresholds = evaluateThresholds(scenario.thresholds.map(parseThreshold), figures);
    const exportedFiles =
      options.exportDataDir && stack.exportData ? await stack.exportData(options.exportDataDir) : undefined;
    const faultCounts: Record<string, number> = {};
    for (const label of faultSequence) faultCounts[label] = (faultCounts[label] ?? 0) + 1;
    return {
      scenario,
      seed,
      users,
      faults,
      mode: stack.mode,
      partial: signal.aborted,
      startedAt,
      metrics,
      figures,
      thresholds,
      faultCounts,
      faultSequence,
      exportedFiles,
    };
  } finally {
    await stack.close();
  }
}
