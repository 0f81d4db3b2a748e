/**
 * `dreamflow-sim run SCENARIO`: replay a scenario, print the summary, write report.json/.md/.html.
 * Exit codes: 0 all thresholds (and the baseline, if given) pass; 1 a threshold or the baseline fails;
 * 2 bad input (unknown scenario, invalid file or flag); 130 interrupted (a partial report is written).
 * `--junit FILE` also writes JUnit XML (one test case per threshold and one for the scenario); `--json`
 * prints a JSON summary on stdout (and the text summary on stderr).
 */

import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { packageInfo } from '../../../lib/package-info.ts';
import { formatDuration, parseDuration } from '../../harness/duration.ts';
import type { ShardSpec } from '../../harness/runner.ts';
import { runScenario } from '../../harness/runner.ts';
import { scaleScenario } from '../../harness/scale.ts';
import { loadScenario } from '../../harness/scenario-loader.ts';
import type { IntegrationSettings } from '../../harness/scenario-schema.ts';
import {
  checkShardFits,
  formatShard,
  parseShardSpec,
  planWorkers,
  runScenarioShard,
  runScenarioSharded,
  SHARD_THRESHOLD_USERS,
} from '../../harness/shard.ts';
import { stackFactory } from '../../harness/stacks.ts';
import { compareReports } from '../../report/compare.ts';
import { exitCodeOf } from '../../report/json-summary.ts';
import { buildShardReport } from '../../report/merge.ts';
import { buildReport, readReport } from '../../report/model.ts';
import { emitOutputs } from '../../report/outputs.ts';
import { createProgress } from '../progress.ts';

export interface RunCommandOptions {
  users?: string;
  duration?: string;
  seed?: string;
  faults?: string;
  out: string;
  mode: string;
  baseline?: string;
  tolerance: string;
  exportData?: boolean;
  progress: boolean;
  appUrl?: string;
  klaviyoUrl?: string;
  supabaseUrl?: string;
  transport?: string;
  workers?: string;
  junit?: string;
  json?: boolean;
  shard?: string;
  delivery?: string;
  cache?: string;
  batching?: boolean;
}

class InputError extends Error {}

/** `--delivery`, `--cache` and `--no-batching` over the scenario's `integration:` block. */
function withIntegrationFlags<S extends { integration: IntegrationSettings }>(
  scenario: S,
  opts: RunCommandOptions,
): S {
  const integration = { ...scenario.integration };
  if (opts.delivery !== undefined) {
    if (opts.delivery !== 'outbox' && opts.delivery !== 'inline')
      throw new InputError(`--delivery expects "outbox" or "inline", got "${opts.delivery}"`);
    integration.delivery = opts.delivery;
  }
  if (opts.cache !== undefined) {
    if (opts.cache !== 'invalidate' && opts.cache !== 'write-through')
      throw new InputError(`--cache expects "invalidate" or "write-through", got "${opts.cache}"`);
    integration.cache = opts.cache;
  }
  if (opts.batching === false) integration.batching = false;
  return { ...scenario, integration };
}

function positiveInt(name: string, value: string | undefined, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new InputError(`--${name} expects an integer >= ${min}, got "${value}"`);
  return n;
}

export function register(program: Command): void {
  program
    .command('run')
    .description(
      'Replay a scenario (a name in scenarios/ or a path) through the integration and write reports',
    )
    .argument('<scenario>', 'scenario name (default, bedtime-streaks, …) or path to a .yaml file')
    .option(
      '--users <n>',
      "override the scenario's number of families (its arrival rate and concurrency scale with it, so journeys stay whole)",
    )
    .option('--duration <d>', "override the scenario's simulated duration (e.g. 12h, 3d)")
    .option('--seed <n>', "override the scenario's seed")
    .option(
      '--faults <profile>',
      'fault profile name or file (ideal, klaviyo-realistic, flaky, throttled, outage, slow-network)',
    )
    .option('--out <dir>', 'directory for report.json, report.md and report.html', 'reports/latest')
    .option(
      '--mode <mode>',
      'inprocess (msw + virtual clock) or http (running servers, real time)',
      'inprocess',
    )
    .option(
      '--transport <transport>',
      'inprocess: how the SDKs reach the mocks, direct (fast, default) or msw (HTTP interception)',
      'direct',
    )
    .option(
      '--workers <n>',
      `inprocess: worker threads to shard families across (default: up to 2 from ${SHARD_THRESHOLD_USERS} families, else 1)`,
    )
    .option(
      '--shard <i/n>',
      'inprocess: run only slice i of n (1-based, e.g. 1/2) of a --workers n run, for "report merge" on other machines',
    )
    .option('--baseline <file>', 'compare with a baseline report.json; regressions fail the run')
    .option('--tolerance <ratio>', 'allowed relative drift for timings and rates against the baseline', '0.1')
    .option('--junit <file>', 'also write JUnit XML (a test case per threshold and per scenario) to FILE')
    .option('--json', 'print a JSON summary on stdout (the text summary goes to stderr)')
    .option('--export-data', "also write the Klaviyo mock's profiles, events and metrics as JSON and CSV")
    .option('--no-progress', 'no progress bar or progress lines')
    .option(
      '--delivery <mode>',
      "inprocess: override the scenario's integration.delivery: outbox (non-blocking) or inline (the seeds' blocking calls)",
    )
    .option(
      '--cache <mode>',
      "inprocess: override the scenario's integration.cache: invalidate or write-through",
    )
    .option('--no-batching', 'inprocess: single Klaviyo calls only (no bulk endpoints)')
    .option(
      '--app-url <url>',
      'http mode: Dream Flow backend URL (env DREAMFLOW_APP_URL, default http://127.0.0.1:8000)',
    )
    .option(
      '--klaviyo-url <url>',
      'http mode: Klaviyo mock URL (env KLAVIYO_BASE_URL, default http://127.0.0.1:4100)',
    )
    .option(
      '--supabase-url <url>',
      'http mode: fake Supabase URL (env SUPABASE_URL, default http://127.0.0.1:54321)',
    )
    .action(async (scenarioArg: string, opts: RunCommandOptions) => {
      // Nothing is left running once the reports are written, so the process ends by itself.
      process.exitCode = await runCommand(scenarioArg, opts);
    });
}

export async function runCommand(scenarioArg: string, opts: RunCommandOptions): Promise<number> {
  let scenario: ReturnType<typeof loadScenario>;
  let users: number | undefined;
  let duration: number | undefined;
  let seed: number | undefined;
  let tolerance: number;
  let workers: number | undefined;
  let shard: ShardSpec | undefined;
  let baseline: ReturnType<typeof readReport> | undefined;
  try {
    scenario = withIntegrationFlags(loadScenario(scenarioArg), opts);
    users = positiveInt('users', opts.users);
    if (opts.duration !== undefined) {
      duration = parseDuration(opts.duration);
      if (duration === undefined || duration <= 0)
        throw new InputError(`--duration expects a duration like 90m, 12h or 3d, got "${opts.duration}"`);
    }
    seed = positiveInt('seed', opts.seed, 0);
    tolerance = Number(opts.tolerance);
    if (!(tolerance >= 0))
      throw new InputError(`--tolerance expects a ratio such as 0.1, got "${opts.tolerance}"`);
    if (opts.mode !== 'inprocess' && opts.mode !== 'http') {
      throw new InputError(`--mode expects "inprocess" or "http", got "${opts.mode}"`);
    }
    const transport = opts.transport ?? 'direct';
    if (transport !== 'direct' && transport !== 'msw') {
      throw new InputError(`--transport expects "direct" or "msw", got "${opts.transport}"`);
    }
    workers = positiveInt('workers', opts.workers);
    if (opts.shard !== undefined) {
      shard = parseShardSpec(opts.shard);
      const flag = `--shard ${formatShard(shard)}`;
      if (opts.mode !== 'inprocess') throw new InputError(`${flag} needs --mode inprocess`);
      if (workers !== undefined)
        throw new InputError(
          `${flag} runs one shard on this thread: drop --workers (or use --workers alone)`,
        );
      if (opts.baseline)
        throw new InputError(`${flag}: compare the merged report with --baseline, on "report merge"`);
      const scaled = scaleScenario(scenario, { users, duration });
      checkShardFits(scaled, scaled.users, shard);
    }
    if (opts.baseline) baseline = readReport(opts.baseline, `--baseline ${opts.baseline}`);
  } catch (err) {
    if (err instanceof Error) {
      process.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(
      '\nInterrupted: stopping journeys, flushing the outbox and writing a partial report (Ctrl-C again to quit now)…\n',
    );
    controller.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSigint);

  const scaled = scaleScenario(scenario, { users, duration });
  const total = scaled.users;
  const mode = opts.mode as 'inprocess' | 'http';
  const shards = shard ? 1 : planWorkers(scaled, total, mode, workers);
  const progress = createProgress(opts.progress, { durationMs: scaled.duration });
  process.stderr.write(
    `Running ${scenario.name}: ${total} families, ${formatDuration(scaled.duration)} simulated, faults ${opts.faults ?? scenario.faults}, ${opts.mode}${shards > 1 ? ` (${shards} workers)` : ''}${shard ? ` (shard ${formatShard(shard)}: families i with i mod ${shard.count} = ${shard.index})` : ''}\n`,
  );
  try {
    const runOptions = {
      users,
      duration,
      seed,
      faults: opts.faults,
      signal: controller.signal,
      onProgress: progress.update,
      exportDataDir: opts.exportData ? join(resolve(opts.out), 'data') : undefined,
      transport: opts.transport as 'direct' | 'msw' | undefined,
    };
    const result = shard
      ? await runScenarioShard(scenario, { ...runOptions, shard })
      : shards > 1
        ? await runScenarioSharded(scenario, { ...runOptions, workers: shards })
        : await runScenario(
            scenario,
            stackFactory(mode, {
              appUrl: opts.appUrl ?? process.env.DREAMFLOW_APP_URL,
              klaviyoUrl: opts.klaviyoUrl ?? process.env.KLAVIYO_BASE_URL,
              supabaseUrl: opts.supabaseUrl ?? process.env.SUPABASE_URL,
            }),
            runOptions,
          );
    progress.stop();
    const report = shard
      ? buildShardReport(result, opts.transport ?? 'direct', packageVersion())
      : buildReport(result, packageVersion());
    if (baseline)
      report.baseline = compareReports(baseline, report, { tolerance, baselineFile: opts.baseline });
    await emitOutputs(report, {
      out: opts.out,
      junit: opts.junit,
      json: opts.json,
      after: result.exportedFiles?.length
        ? [`data:    ${result.exportedFiles.length} files in ${join(resolve(opts.out), 'data')}`]
        : [],
    });
    return exitCodeOf(report);
  } catch (err) {
    progress.stop();
    // Unknown fault profiles and similar configuration problems surface when the stack is built.
    const e = err as Error & { field?: string };
    process.stderr.write(`error: ${e.message}\n`);
    return /profile|fault|rules|ENOENT/i.test(e.message) || e.field ? 2 : 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export function packageVersion(): string {
  return packageInfo().version;
}
