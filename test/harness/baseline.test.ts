/**
 * CI gate: the default scenario, run as `npm start` runs it, must match the committed reference report
 * (reports/reference/report.json): counts exactly, timings and rates within 10 %. When a change moves
 * the figures on purpose, refresh the reference with `npm start -- --out reports/reference` and commit it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { runScenario } from '../../src/harness/runner.ts';
import { loadScenario } from '../../src/harness/scenario-loader.ts';
import { createInProcessStack } from '../../src/harness/stack-inprocess.ts';
import { compareReports } from '../../src/report/compare.ts';
import { buildReport, parseReport } from '../../src/report/model.ts';

// Real runs through both mocks: generous per-test time on a loaded 2-core CI machine (not a speed check).
vi.setConfig({ testTimeout: 90_000 });

const REFERENCE = join(
  resolve(dirname(fileURLToPath(import.meta.url)), '../..'),
  'reports/reference/report.json',
);

describe('reference baseline', () => {
  it('the default scenario shows no regression against reports/reference', async () => {
    const reference = parseReport(readFileSync(REFERENCE, 'utf8'), REFERENCE);
    const current = buildReport(await runScenario(loadScenario('default'), createInProcessStack));
    const c = compareReports(reference, current, { tolerance: 0.1 });
    expect(c.comparableNote).toBeNull();
    expect(c.regressions.map((r) => `${r.figure}: ${r.baseline} → ${r.current} (${r.status})`)).toEqual([]);
    expect(current.passed).toBe(true);
  });
});
