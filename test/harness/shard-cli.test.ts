/**
 * Sharding across machines as CI does it: `run --shard i/n` into separate directories, `report merge`,
 * and the merged figures equal to an in-process `--workers n` run of the same seed, exactly.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReportDocument } from '../../src/report/model.ts';
import { cli, type Run } from './run-cli.ts';

const read = (dir: string) => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ReportDocument;

/** `run default --users 60` with extra flags into `dir`; fails the test unless it exits 0. */
async function run(dir: string, ...flags: string[]): Promise<ReportDocument> {
  const r = await cli(['run', 'default', '--users', '60', '--no-progress', '--out', dir, ...flags]);
  expect(r.code, r.stderr).toBe(0);
  return read(dir);
}

/** Every count a seed fixes: journeys, outbox jobs, steps, and the count of every histogram. */
function counts(r: ReportDocument) {
  const m = r.metrics;
  return {
    journeys: {
      families: m.journeys.families,
      started: m.journeys.started,
      completed: m.journeys.completed,
      truncated: m.journeys.truncated,
      failed: m.journeys.failed,
    },
    events: {
      tracked: m.events.tracked,
      delivered: m.events.delivered,
      pending: m.events.pending,
      deadLettered: m.events.deadLettered,
      stored: m.events.stored,
      expected: m.events.expected,
      byKind: m.events.byKind,
    },
    steps: Object.fromEntries(Object.entries(m.steps).map(([k, v]) => [k, { ok: v.ok, failed: v.failed }])),
    latencyCounts: Object.fromEntries(Object.entries(m.latency).map(([k, v]) => [k, v.count])),
    stepLatencyCounts: Object.fromEntries(Object.entries(m.steps).map(([k, v]) => [k, v.latency.count])),
  };
}

async function shardsMerged(dir: string, ...flags: string[]): Promise<{ merged: ReportDocument; out: Run }> {
  const [a, b] = await Promise.all([
    run(join(dir, 'shard-1'), '--shard', '1/2', ...flags),
    run(join(dir, 'shard-2'), '--shard', '2/2', ...flags),
  ]);
  expect(a.shard).toMatchObject({ index: 1, count: 2, seed: 42, users: 60 });
  expect(b.shard).toMatchObject({ index: 2, count: 2 });
  expect(a.metrics.journeys.families + b.metrics.journeys.families).toBe(60);
  // Given out of order on purpose.
  const out = await cli([
    'report',
    'merge',
    join(dir, 'shard-2/report.json'),
    join(dir, 'shard-1/report.json'),
    '--out',
    join(dir, 'merged'),
  ]);
  expect(out.code, out.stderr).toBe(0);
  return { merged: read(join(dir, 'merged')), out };
}

describe('run --shard i/n + report merge', () => {
  it('merges two shard runs into exactly the in-process --workers 2 run of the same seed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shard-cli-'));
    const [{ merged, out }, workers] = await Promise.all([
      shardsMerged(dir),
      run(join(dir, 'workers-2'), '--workers', '2'),
    ]);
    expect(out.stdout).toMatch(/merged 2 shard report\(s\)/);
    expect(out.stdout).toMatch(/✓ events_lost == 0/);
    expect(counts(merged)).toEqual(counts(workers));
    expect(merged.metrics.journeys.families).toBe(60);
    // Beyond the counts: every seeded figure (percentiles, rates, retries), thresholds, faults.
    for (const [name, value] of Object.entries(workers.figures))
      if (!name.endsWith('_per_second')) expect(merged.figures[name], name).toEqual(value);
    expect(merged.thresholds).toEqual(workers.thresholds);
    expect(merged.faults).toEqual(workers.faults);
    expect(merged.passed).toBe(true);
  }, 90_000);

  it('under ideal faults, the merged shards count what an unsharded --workers 1 run counts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shard-cli-'));
    const [{ merged }, single] = await Promise.all([
      shardsMerged(dir, '--faults', 'ideal'),
      run(join(dir, 'workers-1'), '--workers', '1', '--faults', 'ideal'),
    ]);
    expect(counts(merged)).toEqual(counts(single));
  }, 90_000);

  it('rejects a bad --shard with exit 2 and a message naming --shard', async () => {
    const bads = ['3/2', '0/2', 'a/b', '2'];
    const runs = await Promise.all(
      bads.map((bad) => cli(['run', 'default', '--users', '4', '--shard', bad, '--no-progress'])),
    );
    runs.forEach((r, i) => {
      expect(r.code, bads[i]).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`--shard expects i/n .* got "${bads[i]}"`));
    });
    const tooMany = await cli(['run', 'default', '--users', '4', '--shard', '1/5', '--no-progress']);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toMatch(/--shard 1\/5: 5 shards need at least 5 families/);
  }, 60_000);

  it('report merge names the file that is no shard report (exit 2)', async () => {
    const r = await cli(['report', 'merge', 'reports/reference/report.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/reports\/reference\/report\.json: has no shard data to merge/);
  }, 30_000);
});
