/**
 * Shard reports: `run --shard i/n` writes one slice of a run with its reduced measurements
 * (`ShardReport.data`: HDR snapshots, counters, the journey tally, fault counts); `report merge` checks
 * that the inputs are the n slices of one run and merges them with `mergeShards`, the merge an
 * in-process `--workers n` run uses, then re-judges the scenario's thresholds on the merged figures.
 */
import { mergeShards, type ResolvedRun, type RunResult } from '../harness/runner.ts';
import { scenarioHash } from '../harness/shard.ts';
import { buildReport, type ReportDocument, type ShardReport } from './model.ts';

/** A report as read from a file: the file names it in every error. */
export interface ShardInput {
  file: string;
  report: ReportDocument;
}

/** A shard run's report: the slice's figures, the shard block, and `passed` left to the merged report. */
export function buildShardReport(result: RunResult, transport: string, version?: string): ReportDocument {
  const data = result.shards[0];
  if (result.shards.length !== 1 || !data) throw new Error('a shard report covers exactly one shard');
  const report = buildReport(result, version);
  report.shard = {
    index: data.shard.index + 1,
    count: data.shard.count,
    seed: result.seed,
    users: result.users,
    faults: result.faults,
    transport,
    scenario: result.scenario,
    scenarioHash: scenarioHash(result.scenario),
    data,
  };
  // The thresholds above were judged on a slice; the run passes or fails on the merged report.
  report.passed = !report.partial;
  return report;
}

const IDENTITY: { key: keyof ShardReport; label: string }[] = [
  { key: 'count', label: 'shard count' },
  { key: 'seed', label: 'seed' },
  { key: 'users', label: 'users' },
  { key: 'faults', label: 'fault profile' },
  { key: 'transport', label: 'transport' },
  { key: 'scenarioHash', label: 'scenario content (hash)' },
];

function describe(s: ShardReport): string {
  return `shard ${s.index}/${s.count} of ${s.scenario.name} (seed ${s.seed}, ${s.users} users, faults ${s.faults})`;
}

/** The shard block of one input, or an error naming the file and why it has none. */
function shardOf(input: ShardInput): ShardReport {
  const s = input.report.shard;
  if (s?.data?.journeys && s.data.calls?.latency) return s;
  if (input.report.merged)
    throw new Error(
      `${input.file}: a merged report (of ${input.report.merged.shards} shards), not a shard report; merge the shard reports themselves`,
    );
  throw new Error(
    `${input.file}: has no shard data to merge (written by "dreamflow-sim run" without --shard, or by a version before shard reports carried their histograms and counters); re-run that slice with --shard i/n`,
  );
}

/**
 * Check that the inputs are the n shards of one run (same scenario name and content, seed, users, n,
 * fault profile and transport; each shard exactly once) and return their blocks in shard order.
 */
export function checkShards(inputs: readonly ShardInput[]): { file: string; shard: ShardReport }[] {
  if (inputs.length === 0) throw new Error('report merge needs the shard reports of a run (A.json B.json …)');
  const shards = inputs.map((input) => ({ file: input.file, shard: shardOf(input) }));
  const first = shards[0]!;
  for (const { file, shard } of shards.slice(1)) {
    const differs = [
      ...(shard.scenario.name !== first.shard.scenario.name ? ['scenario name'] : []),
      ...IDENTITY.filter(({ key }) => shard[key] !== first.shard[key]).map(({ label }) => label),
    ];
    if (differs.length)
      throw new Error(
        `${file}: ${describe(shard)} is not a shard of the same run as ${first.file}, ${describe(first.shard)}: ${differs.join(', ')} differ`,
      );
  }
  const byIndex = new Map<number, string>();
  for (const { file, shard } of shards) {
    const again = byIndex.get(shard.index);
    if (again)
      throw new Error(`${file}: shard ${shard.index}/${shard.count} again (already given as ${again})`);
    byIndex.set(shard.index, file);
  }
  const count = first.shard.count;
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length)
    throw new Error(
      `missing ${missing.map((i) => `shard ${i}/${count}`).join(', ')} of ${first.shard.scenario.name}: pass all ${count} shard reports of the run`,
    );
  return shards.sort((a, b) => a.shard.index - b.shard.index);
}

/** Merge the shard reports of one run into the run's report, thresholds judged on the merged figures. */
export function mergeShardReports(inputs: readonly ShardInput[], version?: string): ReportDocument {
  const shards = checkShards(inputs);
  const first = shards[0]!.shard;
  const run: ResolvedRun = {
    seed: first.seed,
    users: first.users,
    faults: first.faults,
    startedAt: inputs
      .map((i) => i.report.startedAt)
      .sort()
      .at(0)!,
  };
  const result = mergeShards(
    first.scenario,
    run,
    shards.map((s) => s.shard.data),
    false,
  );
  const report = buildReport(result, version);
  report.merged = { shards: shards.length, files: shards.map((s) => s.file) };
  return report;
}
