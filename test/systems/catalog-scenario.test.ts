/** The catalog-changes scenario in-process: three syncs through the SDK's bulk jobs, no drift, repeatable. */
import { describe, expect, it, vi } from 'vitest';
import { type RunResult, runScenario } from '../../src/harness/runner.ts';
import { loadScenario } from '../../src/harness/scenario-loader.ts';
import { createInProcessStack } from '../../src/harness/stack-inprocess.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { buildReport } from '../../src/report/model.ts';

vi.setConfig({ testTimeout: 120_000 });

describe('catalog-changes scenario', () => {
  it('creates, updates and removes themes with no drift, the same way every time', async () => {
    const scenario = loadScenario('catalog-changes');
    const run = (): Promise<RunResult> => runScenario(scenario, createInProcessStack, { users: 3 });
    const a = await run();
    const runs = a.systems?.catalog?.runs ?? [];
    expect(
      runs.map((r) => [r.created, r.updated, r.deleted, r.categoriesCreated, r.categoriesDeleted]),
    ).toEqual([
      [10, 0, 0, 4, 0],
      [1, 1, 0, 0, 0],
      [0, 0, 1, 0, 1],
    ]);
    expect(runs.map((r) => r.drift)).toEqual([0, 0, 0]);
    expect(a.figures.catalog_items_created).toBe(11);
    const b = await run();
    expect(b.systems?.catalog?.runs.map(({ day, ...r }) => r)).toEqual(runs.map(({ day, ...r }) => r));
    expect(renderMarkdown(buildReport(a))).toContain('## Story catalog sync');
  });
});
