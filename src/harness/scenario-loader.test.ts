import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listScenarios, loadScenario, ScenarioError } from './scenario-loader.ts';

function writeScenario(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'scenario-'));
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, text);
  return file;
}

function problemsOf(fn: () => unknown): ScenarioError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('expected a ScenarioError');
}

const VALID = `
name: tiny
users: 3
duration: 2d
journey:
  - signup
  - think: { min: 1m, max: 5m }
  - story: { themes: { Space: 2, Dragons: 1 }, moods: [calm, sleepy] }
  - branch: { probability: 0.5, then: [ { subscribe: { tier: premium } } ] }
  - bedtime: { days: 2, steps: [ story ] }
thresholds:
  - event_tracking_latency.p95 < 200
  - events_lost == 0
`;

describe('scenario loader', () => {
  it('loads every shipped scenario', () => {
    const names = listScenarios();
    for (const required of [
      'default',
      'signup-to-subscription',
      'bedtime-streaks',
      'churn-and-winback',
      'family-accounts',
      'klaviyo-outage',
      'rate-limit-storm',
      'parent-insights',
      'catalog-changes',
      'webhook-deliveries',
      'adaptive-stories',
    ]) {
      expect(names).toContain(required);
    }
    for (const name of names) expect(loadScenario(name).name).toBe(name);
  });

  it("takes k6's threshold map as well as a list", () => {
    const s = loadScenario(
      writeScenario(
        VALID.replace(
          /thresholds:[\s\S]*$/,
          "thresholds:\n  event_tracking_latency: ['p(95)<200', 'avg<100']\n  events_lost: ['count==0']\n",
        ),
      ),
    );
    expect(s.thresholds).toEqual([
      'event_tracking_latency: p(95)<200',
      'event_tracking_latency: avg<100',
      'events_lost: count==0',
    ]);
    const bad = problemsOf(() =>
      loadScenario(
        writeScenario(VALID.replace(/thresholds:[\s\S]*$/, "thresholds:\n  events_lost: ['p(95)<1']\n")),
      ),
    );
    expect(bad.message).toMatch(/single figure/);
  });

  it('parses durations, weights, ranges and bare step names', () => {
    const s = loadScenario(writeScenario(VALID));
    expect(s.duration).toBe(2 * 86_400_000);
    expect(s.journey[0]).toEqual({ kind: 'signup', methods: undefined, withChildren: true });
    expect(s.journey[1]).toEqual({ kind: 'think', min: 60_000, max: 300_000 });
    expect(s.journey[2]).toMatchObject({
      kind: 'story',
      themes: { Space: 2, Dragons: 1 },
      moods: { calm: 1, sleepy: 1 },
    });
    expect(s.journey[3]).toMatchObject({ kind: 'branch', probability: 0.5, else: [] });
    expect(s.arrival).toEqual({ type: 'all-at-once' });
    expect(s.faults).toBe('ideal');
  });

  it('names the file, the field path and what was expected', () => {
    const file = writeScenario(
      VALID.replace('probability: 0.5', 'probability: 1.5').replace('duration: 2d', 'duration: two days'),
    );
    const err = problemsOf(() => loadScenario(file));
    expect(err.file).toBe(file);
    expect(err.message).toContain(file);
    const fields = err.problems.map((p) => p.field);
    expect(fields).toContain('journey[3].branch.probability');
    expect(fields).toContain('duration');
    expect(err.problems.find((p) => p.field === 'duration')!.message).toMatch(/expected a duration like/);
  });

  it('rejects unknown steps, unknown fields and bad thresholds with their paths', () => {
    const file = writeScenario(
      VALID.replace('  - signup\n', '  - signup\n  - dance: {}\n')
        .replace('users: 3', 'users: 3\ncolour: blue')
        .replace('events_lost == 0', 'events_lots == 0'),
    );
    const err = problemsOf(() => loadScenario(file));
    const byField = Object.fromEntries(err.problems.map((p) => [p.field, p.message]));
    expect(byField['journey[1]']).toMatch(/unknown step "dance"; known: signup, story/);
    expect(byField.colour).toMatch(/unknown field "colour"; known fields: name, description, seed, users/);
    expect(byField['thresholds[1]']).toMatch(/unknown metric "events_lots"/);
  });

  it('suggests the intended key or step for a typo, at any depth', () => {
    const file = writeScenario(
      VALID.replace('users: 3', 'users: 3\nconcurency: 2').replace('  - signup\n', '  - singup\n'),
    );
    const byField = Object.fromEntries(
      problemsOf(() => loadScenario(file)).problems.map((p) => [p.field, p.message]),
    );
    expect(byField.concurency).toMatch(/did you mean "concurrency"\?/);
    expect(byField['journey[0]']).toMatch(/unknown step "singup" \(did you mean "signup"\?\)/);
    const nested = problemsOf(() =>
      loadScenario(writeScenario('name: x\nusers: 1\njourney:\n  - story: {themez: {space: 1}}\n')),
    );
    expect(nested.problems).toEqual([
      expect.objectContaining({
        field: 'journey[0].story.themez',
        message: expect.stringMatching(/did you mean "themes"\?/),
      }),
    ]);
  });

  it('says which field is missing', () => {
    const err = problemsOf(() => loadScenario(writeScenario('name: x\njourney: [signup]\n')));
    expect(err.problems.map((p) => p.field)).toContain('users');
  });

  it('reports YAML syntax errors and unknown names clearly', () => {
    const err = problemsOf(() => loadScenario(writeScenario('name: [unclosed\n')));
    expect(err.problems[0]!.field).toBe('(file)');
    expect(err.problems[0]!.message).toMatch(/not valid YAML/);
    const missing = problemsOf(() => loadScenario('no-such-scenario'));
    expect(missing.message).toMatch(/Shipped scenarios: .*default/);
  });
});
