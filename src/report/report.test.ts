import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFakeStack } from '../../test/harness/fake-stack.ts';
import { runScenario } from '../harness/runner.ts';
import { parseScenario } from '../harness/scenario-loader.ts';
import { compareReports } from './compare.ts';
import { buildReport, parseReport, type ReportDocument } from './model.ts';
import { renderSummary } from './summary.ts';
import { writeReports } from './write.ts';

const scenario = parseScenario({
  name: 'unit',
  users: 4,
  seed: 5,
  duration: '2d',
  journey: [
    'signup',
    'story',
    'recommendations',
    'recommendations',
    { bedtime: { days: 1, steps: ['story'] } },
  ],
  thresholds: ['event_tracking_latency.p95 < 200', 'events_lost == 0', 'retry_success_rate > 0.95'],
});

async function report(failEvery?: number): Promise<ReportDocument> {
  const r = await runScenario(scenario, async (o) => createFakeStack({ ...o, failEvery }));
  return buildReport(r);
}

describe('reports', () => {
  it('builds a versioned report.json with every figure, and writes the three files', async () => {
    const doc = await report();
    expect(doc.schemaVersion).toBe(1);
    expect(doc.scenario).toMatchObject({ name: 'unit', seed: 5, users: 4, faults: 'ideal' });
    expect(doc.environment.node).toBe(process.version);
    expect(doc.metrics.journeys).toMatchObject({ started: 4, completed: 4, failed: 0 });
    // signup + story + bedtime story per family.
    expect(doc.metrics.events.expected).toBe(12);
    expect(doc.figures['event_tracking_latency.p95']).toBeGreaterThanOrEqual(60);
    expect(doc.figures.events_lost).toBe(0);
    expect(doc.claims.map((c) => c.id)).toEqual([
      'event_tracking_latency',
      'profile_sync_latency',
      'api_success_rate',
      'retry_success_rate',
      'cache_hit_rate',
      'api_calls_saved_rate',
      'api_call_reduction',
      'churn_prediction_accuracy',
      'story_completion_increase',
    ]);
    expect(doc.passed).toBe(true);

    const dir = mkdtempSync(join(tmpdir(), 'report-'));
    const files = await writeReports(doc, dir);
    expect(parseReport(readFileSync(files.json, 'utf8'), files.json).figures).toEqual(doc.figures);
    const md = readFileSync(files.markdown, 'utf8');
    expect(md).toContain('| ✓ | `events_lost == 0` | 0 |');
    expect(md).toContain('Seed claims vs. measured (fault profile `ideal`)');
    const html = readFileSync(files.html, 'utf8');
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
    expect(html.match(/<svg /g)!.length).toBeGreaterThanOrEqual(5);
    expect(html).toContain('id="thresholds"');
    expect(renderSummary(doc)).toContain('✓ events_lost == 0');
  });

  it('marks failing thresholds with ✗', async () => {
    const doc = await report(3);
    const t = doc.thresholds.find((x) => x.metric === 'event_tracking_latency.p95')!;
    expect(t.passed).toBe(false);
    expect(doc.passed).toBe(false);
    expect(renderSummary(doc)).toMatch(/✗ event_tracking_latency\.p95 < 200 +measured/);
  });

  it('rejects a file that is not a report, saying what it expected', () => {
    expect(() => parseReport('{"hello":1}', 'x.json')).toThrow(
      /x.json: expected a dreamflow-sim report.json with schemaVersion 1/,
    );
    expect(() => parseReport('nope', 'y.json')).toThrow(/y.json: not valid JSON/);
  });
});

describe('baseline comparison', () => {
  it('passes against itself and flags exact-count changes and timing regressions beyond tolerance', async () => {
    const base = await report();
    expect(compareReports(base, base).passed).toBe(true);

    const worse: ReportDocument = structuredClone(base);
    worse.figures['event_tracking_latency.p95'] = (base.figures['event_tracking_latency.p95'] ?? 0) * 1.5;
    worse.figures.events_delivered = (base.figures.events_delivered ?? 0) - 1;
    worse.figures['profile_sync_latency.p95'] = (base.figures['profile_sync_latency.p95'] ?? 0) * 1.05;
    worse.figures.journeys_per_second = 1;
    const c = compareReports(base, worse, { tolerance: 0.1 });
    expect(c.passed).toBe(false);
    const byFigure = Object.fromEntries(c.rows.map((r) => [r.figure, r.status]));
    expect(byFigure['event_tracking_latency.p95']).toBe('regressed');
    expect(byFigure.events_delivered).toBe('changed');
    expect(byFigure['profile_sync_latency.p95']).toBe('within tolerance');
    expect(byFigure.journeys_per_second).toBe('info');
    expect(c.regressions.map((r) => r.figure).sort()).toEqual([
      'event_tracking_latency.p95',
      'events_delivered',
    ]);
  });

  it('does not gate counts when the runs differ in scenario, seed, users or faults', async () => {
    const base = await report();
    const other: ReportDocument = structuredClone(base);
    other.scenario.users = 99;
    other.figures.events_tracked = 1;
    const c = compareReports(base, other);
    expect(c.comparableNote).toMatch(/users \(4 vs 99\)/);
    expect(c.rows.find((r) => r.figure === 'events_tracked')!.status).toBe('info');
  });
});
