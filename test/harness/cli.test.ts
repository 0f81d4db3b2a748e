/**
 * `dreamflow-sim run` as a user runs it: exit codes (0 pass, 1 threshold failed, 2 bad input, 130
 * interrupted) and Ctrl-C writing a partial report.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './run-cli.ts';

describe('dreamflow-sim run', () => {
  it('exits 2 with the file, field and expectation for an invalid scenario', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'name: broken\nusers: 0\njourney: [signup, { think: soon }]\n');
    const r = await cli(['run', file, '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/users: .*(>=|at least|too small)/i);
    expect(r.stderr).toMatch(/journey\[1\]\.think: expected a duration like/);
  });

  it('exits 1 when a threshold fails, after printing ✗ and writing the reports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const file = join(dir, 'strict.yaml');
    writeFileSync(
      file,
      'name: strict\nusers: 2\nduration: 1d\nfaults: klaviyo-realistic\njourney: [signup, story]\nthresholds:\n  - event_tracking_latency.p50 < 1\n  - events_lost == 0\n',
    );
    const r = await cli(['run', file, '--out', join(dir, 'out'), '--no-progress']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ event_tracking_latency\.p50 < 1/);
    expect(r.stdout).toMatch(/✓ events_lost == 0/);
    for (const f of ['report.json', 'report.md', 'report.html'])
      expect(existsSync(join(dir, 'out', f))).toBe(true);
  });

  it('--json prints only JSON on stdout and --junit writes the test cases, k6 threshold syntax included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const file = join(dir, 'k6.yaml');
    writeFileSync(
      file,
      "name: k6\nusers: 2\nduration: 1d\njourney: [signup, story]\nthresholds:\n  event_tracking_latency: ['p(50)<0']\n  events_lost: ['count==0']\n",
    );
    const junit = join(dir, 'ci', 'junit.xml');
    const r = await cli([
      'run',
      file,
      '--out',
      join(dir, 'out'),
      '--no-progress',
      '--json',
      '--junit',
      junit,
    ]);
    expect(r.code).toBe(1);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ passed: false, exitCode: 1, scenario: { name: 'k6', users: 2 } });
    expect(summary.thresholds.map((t: { metric: string; passed: boolean }) => [t.metric, t.passed])).toEqual([
      ['event_tracking_latency.p50', false],
      ['events_lost', true],
      ['journeys_truncated', true],
    ]);
    expect(summary.reports.junit).toBe(junit);
    expect(r.stderr).toMatch(/✗ event_tracking_latency: p\(50\)<0/);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('<testsuite name="dreamflow-sim k6" tests="4" failures="2"');
  });

  it('stops cleanly on Ctrl-C and still writes a partial report (exit 130)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cli-'));
    let sent = false;
    const r = await cli(['run', 'signup-to-subscription', '--out', out], (text, child) => {
      // Interrupt once the first journeys have finished (plain progress lines: stderr is not a TTY).
      if (!sent && /\d+\/60 journeys/.test(text)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/Interrupted/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.partial).toBe(true);
    expect(report.metrics.events.lost).toBe(0);
    expect(r.stdout).toMatch(/PARTIAL/);
  }, 60_000);
});
