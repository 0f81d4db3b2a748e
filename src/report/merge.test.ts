import { describe, expect, it } from 'vitest';
import { createFakeStack } from '../../test/harness/fake-stack.ts';
import {
  finishRun,
  type ResolvedRun,
  resolveRun,
  runShard,
  type ShardOutcome,
  type StackFactory,
} from '../harness/runner.ts';
import { parseScenario } from '../harness/scenario-loader.ts';
import { checkShards, mergeShardReports, type ShardInput } from './merge.ts';
import { buildReport, type ReportDocument } from './model.ts';

const scenario = parseScenario({
  name: 'unit-merge',
  users: 7,
  seed: 5,
  duration: '2d',
  arrival: { type: 'rate', per_second: 0.1 },
  concurrency: 4,
  journey: ['signup', 'story', { bedtime: { days: 2, steps: ['story', 'recommendations'] } }],
  thresholds: ['event_tracking_latency.p95 < 1000', 'retry_success_rate > 0.95', 'events_lost == 0'],
});

async function outcomes(failEvery?: number): Promise<{ run: ResolvedRun; shards: ShardOutcome[] }> {
  const factory: StackFactory = async (o) => createFakeStack({ ...o, failEvery });
  const run = resolveRun(scenario, {});
  const shards = await Promise.all(
    [0, 1].map((index) => runShard(scenario, factory, run, { index, count: 2 })),
  );
  return { run, shards };
}

/** Shard reports as `run --shard i/2` writes them, read back from JSON as `report merge` reads them. */
async function shardReports(failEvery?: number) {
  const { run, shards } = await outcomes(failEvery);
  const { buildShardReport } = await import('./merge.ts');
  const inputs: ShardInput[] = shards.map((o, i) => ({
    file: `shard-${i + 1}/report.json`,
    report: JSON.parse(
      JSON.stringify(buildShardReport(finishRun(scenario, run, [o], false), 'direct')),
    ) as ReportDocument,
  }));
  const whole = buildReport(finishRun(scenario, run, shards, false));
  return { inputs, whole };
}

/** The metrics a seed fixes: everything but wall-clock time. */
function seeded(r: ReportDocument) {
  const { time: _time, ...rest } = r.metrics;
  return { ...rest, journeys: { ...rest.journeys, perSecond: 0 } };
}

describe('report merge', () => {
  it('merges two shard reports into what the in-process two-shard run measured, exactly', async () => {
    const { inputs, whole } = await shardReports(7);
    expect(inputs[0]!.report.shard).toMatchObject({ index: 1, count: 2, seed: 5, users: 7 });
    expect(inputs[0]!.report.metrics.journeys.families).toBe(4);
    expect(inputs[1]!.report.metrics.journeys.families).toBe(3);
    // Given in any order.
    const merged = mergeShardReports([inputs[1]!, inputs[0]!]);
    expect(seeded(merged)).toEqual(seeded(whole));
    for (const [name, value] of Object.entries(whole.figures))
      if (!name.endsWith('_per_second')) expect(merged.figures[name], name).toEqual(value);
    expect(merged.faults).toEqual(whole.faults);
    expect(merged.thresholds).toEqual(whole.thresholds);
    expect(merged.merged).toEqual({ shards: 2, files: ['shard-1/report.json', 'shard-2/report.json'] });
    expect(merged.shard).toBeUndefined();
    expect(merged.metrics.journeys.families).toBe(7);
    // Retries happened, so the rate is a real one, recomputed from the summed counts.
    expect(merged.metrics.klaviyo.callsFailedOnce).toBeGreaterThan(0);
    expect(merged.figures.retry_success_rate).toBe(
      merged.metrics.klaviyo.callsRecovered / merged.metrics.klaviyo.callsFailedOnce,
    );
  });

  it('keeps n/a when no shard had anything to measure', async () => {
    const { inputs, whole } = await shardReports();
    const merged = mergeShardReports(inputs);
    expect(whole.figures.retry_success_rate).toBeNull();
    expect(merged.figures.retry_success_rate).toBeNull();
    expect(merged.thresholds.find((t) => t.metric === 'retry_success_rate')).toMatchObject({
      actual: null,
      passed: true,
    });
  });

  it('rejects inputs that are not the shards of one run, naming the file', async () => {
    const { inputs, whole } = await shardReports();
    const [a, b] = inputs as [ShardInput, ShardInput];
    const other = (patch: (r: ReportDocument) => void): ShardInput => {
      const report = structuredClone(b.report);
      patch(report);
      return { file: 'other/report.json', report };
    };
    expect(() => checkShards([a, other((r) => (r.shard!.seed = 6))])).toThrow(
      /^other\/report\.json: shard 2\/2 of unit-merge .* is not a shard of the same run as shard-1\/report\.json.*: seed differ/,
    );
    expect(() => checkShards([a, other((r) => (r.shard!.scenarioHash = 'x'))])).toThrow(
      /other\/report\.json: .*scenario content \(hash\) differ/,
    );
    expect(() => checkShards([a, other((r) => (r.shard!.scenario.name = 'else'))])).toThrow(
      /other\/report\.json: .*scenario name differ/,
    );
    expect(() => checkShards([a, other((r) => (r.shard!.count = 3))])).toThrow(
      /other\/report\.json: .*shard count differ/,
    );
    expect(() => checkShards([a, other((r) => (r.shard!.index = 1))])).toThrow(
      /other\/report\.json: shard 1\/2 again \(already given as shard-1\/report\.json\)/,
    );
    expect(() => checkShards([a])).toThrow(/missing shard 2\/2 of unit-merge/);
    expect(() => checkShards([a, { file: 'old/report.json', report: whole }])).toThrow(
      /^old\/report\.json: has no shard data to merge/,
    );
    const merged = mergeShardReports(inputs);
    expect(() => checkShards([{ file: 'm/report.json', report: merged }])).toThrow(
      /^m\/report\.json: a merged report \(of 2 shards\), not a shard report/,
    );
  });

  it('marks a shard report as judged on a slice', async () => {
    const { inputs } = await shardReports();
    const { renderSummary } = await import('./summary.ts');
    const { renderMarkdown } = await import('./markdown.ts');
    expect(renderSummary(inputs[0]!.report)).toContain(
      'shard 1/2: thresholds are judged on the merged report',
    );
    expect(renderMarkdown(inputs[1]!.report)).toContain(
      'shard 2/2 (thresholds are judged on the merged report)',
    );
  });
});
