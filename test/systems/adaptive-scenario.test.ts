/**
 * The adaptive-stories A/B end to end, in-process: families split into arms by the app, the engine's
 * plans reach the stories, the children's (modelled) completions reach the app, and the per-arm figures
 * and the story_completion_increase claim reach report.json, Markdown and HTML. Same seed → same numbers.
 */
import { describe, expect, it, vi } from 'vitest';
import { runScenario } from '../../src/harness/runner.ts';
import { loadScenario } from '../../src/harness/scenario-loader.ts';
import { createInProcessStack } from '../../src/harness/stack-inprocess.ts';
import { renderHtml } from '../../src/report/html.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { buildReport } from '../../src/report/model.ts';

vi.setConfig({ testTimeout: 120_000 });

const abFigures = (f: Record<string, number | null>) =>
  Object.fromEntries(Object.entries(f).filter(([k]) => /^(adaptive|plain|completion)_/.test(k)));

describe('adaptive-stories scenario', () => {
  it('measures completion per arm, fills the claim row, and replays the same numbers', async () => {
    const scenario = loadScenario('adaptive-stories');
    const options = { users: 12, duration: 7 * 86_400_000 };
    const a = await runScenario(scenario, createInProcessStack, options);
    const b = await runScenario(scenario, createInProcessStack, options);
    expect(abFigures(b.figures)).toEqual(abFigures(a.figures));
    expect(b.systems?.adaptive).toEqual(a.systems?.adaptive);

    const ab = a.systems!.adaptive!;
    const { adaptive, plain } = ab.arms;
    expect(adaptive.families + plain.families).toBe(12);
    expect(adaptive.stories).toBeGreaterThan(0);
    expect(plain.stories).toBeGreaterThan(0);
    // The engine's decisions reach the stories: only the adaptive arm is planned or shared.
    expect(adaptive.planned).toBeGreaterThan(0);
    expect(plain.planned).toBe(0);
    expect(plain.shared).toBe(0);
    expect(a.figures.adaptive_completion_rate).toBe(adaptive.completed / adaptive.stories);
    expect(ab.increase).toBeCloseTo(
      (adaptive.completionRate! - plain.completionRate!) / plain.completionRate!,
      12,
    );
    // Story Completed events are conserved like every other event.
    expect(a.metrics.events.stored).toBe(a.metrics.events.expected);
    expect(a.figures.journeys_failed).toBe(0);

    const doc = buildReport(a);
    const claim = doc.claims.find((c) => c.id === 'story_completion_increase');
    expect(claim).toMatchObject({ claimed: '23 %', measured: ab.increase });
    expect(claim?.verdict).toBe('modelled'); // a model's number neither holds nor fails the claim
    expect(claim?.measuredLabel).toMatch(/modelled listening preferences/);
    expect(claim?.measuredLabel).toMatch(/not how real children listen/);
    const md = renderMarkdown(doc);
    expect(md).toContain('## Adaptive stories (A/B)');
    expect(md).toMatch(
      /\| Story completion increase \(adaptive stories\) \| 23 % \| — \| [-\d.]+ % \| modelled \|/,
    );
    expect(md).toContain('*Story completion increase (adaptive stories)*, modelled: relative increase');
    expect(md).toMatch(/\| adaptive \| \d+ \| \d+ \|/);
    const html = await renderHtml(doc);
    expect(html).toContain('Adaptive stories (A/B)');
  });

  it('reports n/a, never 0 %, for an arm with no story heard', async () => {
    const { SystemsLedger, flattenSystems } = await import('../../src/harness/systems/ledger.ts');
    const ledger = new SystemsLedger();
    const story = {
      ab_arm: 'adaptive' as const,
      adaptive: true,
      shared: false,
      sentences_per_scene: 1,
      time_of_day: 'bedtime',
      theme_used: 'Dream Castle',
    };
    ledger.listened(0, story, true);
    const figures = ledger.figures();
    expect(figures.adaptive?.arms.plain.completionRate).toBeNull();
    expect(figures.adaptive?.increase).toBeNull();
    expect(flattenSystems(figures).plain_completion_rate).toBeNull();
    const { judgeSystemClaims } = await import('../../src/report/system-claims.ts');
    expect(judgeSystemClaims(figures).find((c) => c.id === 'story_completion_increase')).toMatchObject({
      measured: null,
      verdict: 'not measured',
    });
    expect(judgeSystemClaims(figures)[1]!.measuredLabel).toContain('n/a');
  });
});
