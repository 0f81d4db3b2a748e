/**
 * The churn-and-winback scenario end to end, in-process: the churn job runs through the official SDK
 * against the mocks, its predictor is judged against the families' hidden churn outcome, and the
 * figures reach report.json, Markdown and HTML. Same seed → same numbers.
 */
import { describe, expect, it, vi } from 'vitest';
import { runScenario } from '../../src/harness/runner.ts';
import { loadScenario } from '../../src/harness/scenario-loader.ts';
import { createInProcessStack } from '../../src/harness/stack-inprocess.ts';
import { renderHtml } from '../../src/report/html.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { buildReport } from '../../src/report/model.ts';

vi.setConfig({ testTimeout: 120_000 });

const systemsFigures = (f: Record<string, number | null>) =>
  Object.fromEntries(Object.entries(f).filter(([k]) => /^(churn|winback|jobs)_/.test(k)));

describe('churn-and-winback scenario', () => {
  it('judges the churn predictor against ground truth, reports it, and replays the same numbers', async () => {
    const scenario = loadScenario('churn-and-winback');
    const a = await runScenario(scenario, createInProcessStack, { users: 12 });
    const b = await runScenario(scenario, createInProcessStack, { users: 12 });
    expect(systemsFigures(b.figures)).toEqual(systemsFigures(a.figures));

    const churn = a.systems?.churn;
    expect(churn).toBeDefined();
    expect(churn!.runs.map((r) => r.day)).toEqual([8, 11]);
    expect(churn!.families).toBe(12);
    expect(churn!.lapsed).toBeGreaterThan(0);
    expect(churn!.lapsed).toBeLessThan(12);
    const p = churn!.predictor;
    expect(p.tp + p.fp + p.fn + p.tn).toBe(12);
    expect(a.figures.churn_accuracy).toBe((p.tp + p.tn) / 12);
    expect(churn!.winback.emailed).toBeGreaterThan(0);
    expect(a.figures.jobs_failed).toBe(0);
    // Klaviyo's own email events stay out of the conservation check: events stored = expected.
    expect(a.metrics.events.stored).toBe(a.metrics.events.expected);

    const doc = buildReport(a);
    expect(doc.systems?.churn?.predictor).toEqual(p);
    const claim = doc.claims.find((c) => c.id === 'churn_prediction_accuracy');
    expect(claim).toMatchObject({ claimed: '82 %', measured: p.accuracy });
    expect(doc.claims.find((c) => c.id === 'story_completion_increase')?.verdict).toBe('not measured');
    const md = renderMarkdown(doc);
    expect(md).toContain('## Churn prediction vs. ground truth');
    expect(md).toContain('## Win-back');
    const html = await renderHtml(doc);
    expect(html).toContain('Churn prediction vs. ground truth');
  });

  it('refuses jobs over HTTP stacks and sharded runs with a clear message', async () => {
    const scenario = loadScenario('churn-and-winback');
    const { runShard, resolveRun } = await import('../../src/harness/runner.ts');
    await expect(
      runShard(scenario, createInProcessStack, resolveRun(scenario, {}), { index: 0, count: 2 }),
    ).rejects.toThrow(/--workers 1/);
  });
});
