/**
 * The parent-insights scenario over four simulated weeks, in-process. Every request body the
 * integration sends to Klaviyo in the run (events, profile syncs, bulk imports, segments, templates,
 * renders, campaigns) is checked for the children's names, age bands and moods: none may appear.
 * Same seed → same numbers.
 */
import { describe, expect, it, vi } from 'vitest';
import { AGE_BANDS, createPersona, MOODS } from '../../src/harness/personas.ts';
import { type RunResult, runScenario } from '../../src/harness/runner.ts';
import { loadScenario } from '../../src/harness/scenario-loader.ts';
import { createInProcessStack } from '../../src/harness/stack-inprocess.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { buildReport } from '../../src/report/model.ts';

vi.setConfig({ testTimeout: 120_000 });

const USERS = 8;

/** Every string value of a JSON document, keys included (as `key:` entries). */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      out.push(`${k}:`);
      strings(x, out);
    }
  return out;
}

describe('parent-insights scenario', () => {
  it('sends four weekly emails and no child name, age or mood in any Klaviyo payload', async () => {
    const scenario = loadScenario('parent-insights');
    const bodies: { path: string; body: string }[] = [];
    const run = (watch: boolean): Promise<RunResult> =>
      runScenario(
        scenario,
        (o) =>
          createInProcessStack(
            watch ? { ...o, onKlaviyoRequest: (r) => bodies.push({ path: r.path, body: r.body }) } : o,
          ),
        { users: USERS },
      );
    const a = await run(true);
    expect(a.figures.insights_weeks).toBe(4);
    expect(a.figures.insights_emails).toBeGreaterThan(0);
    expect(a.figures.jobs_failed).toBe(0);
    expect(a.thresholds.filter((t) => !t.passed)).toEqual([]);

    // The payloads: what the journeys' children are called, and the values a child's age or mood take.
    const personas = Array.from({ length: USERS }, (_, i) =>
      createPersona(scenario.seed, i, {
        children: scenario.children,
        earliest: scenario.bedtimes.earliest,
        latest: scenario.bedtimes.latest,
      }),
    );
    const parentNames = new Set(personas.map((p) => p.parent.first_name));
    // A child who shares a first name with some parent cannot be told apart in a payload: skip those.
    const childNames = personas
      .flatMap((p) => p.children.map((c) => c.name))
      .filter((n) => !parentNames.has(n));
    expect(childNames.length).toBeGreaterThan(0);
    const paths = new Set(bodies.map((b) => b.path.replace(/\/[0-9A-Za-z]{20,}.*$/, '/…')));
    for (const p of [
      '/api/events',
      '/api/profile-import',
      '/api/profile-bulk-import-jobs',
      '/api/campaigns',
      '/api/templates',
    ])
      expect([...paths].some((x) => x.startsWith(p))).toBe(true);
    const forbidden = new Set<string>([...AGE_BANDS, ...MOODS]);
    const leaks: string[] = [];
    for (const { path, body } of bodies) {
      if (!body) continue;
      const values = strings(JSON.parse(body));
      for (const v of values) {
        if (forbidden.has(v.toLowerCase())) leaks.push(`${path}: value ${v}`);
        if (/^(user_mood|mood|age|age_band|child_name|children):$/.test(v)) leaks.push(`${path}: key ${v}`);
        for (const name of childNames)
          if (new RegExp(`\\b${name}\\b`).test(v)) leaks.push(`${path}: ${name}`);
      }
    }
    expect(leaks).toEqual([]);

    const b = await run(false);
    const pick = (r: RunResult) =>
      Object.fromEntries(Object.entries(r.figures).filter(([k]) => /^insights_|^jobs_/.test(k)));
    expect(pick(b)).toEqual(pick(a));
    expect(b.systems?.insights?.weeks).toEqual(a.systems?.insights?.weeks);

    const md = renderMarkdown(buildReport(a));
    expect(md).toContain('## Parent insights (weekly wellness email)');
  });
});
