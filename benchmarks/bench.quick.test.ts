/**
 * CI's smoke check of the whole benchmark suite: `dreamflow-sim bench --quick` end to end, as a child
 * process, writing its reports to a temporary folder. It asserts that every suite ran and reported
 * figures and targets — never a speed (these machines are shared and noisy; figures are documentation).
 *
 * It takes about 3 minutes, so it runs only where `CI` is set (CI sets it); locally run
 * `CI=1 npx vitest run benchmarks/bench.quick.test.ts`, or `npm run bench -- --quick` to read the figures.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchReport } from './lib/types.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = mkdtempSync(path.join(os.tmpdir(), 'bench-quick-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe.runIf(process.env.CI)('npm run bench -- --quick (CI smoke check)', () => {
  it('runs every suite end to end and writes the reports', async () => {
    const child = spawn(process.execPath, ['bin/dreamflow-sim.js', 'bench', '--quick', '--out', out], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    // Bounded: the suites' own budgets keep it to a few minutes; past 8 the child is killed by its PID.
    const killer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), 480_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(killer);
    expect(code, output.slice(-2000)).toBe(0);

    const report = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')) as BenchReport;
    expect(report.quick).toBe(true);
    expect(report.suites.map((s) => s.suite).sort()).toEqual([
      'delivery',
      'harness',
      'http',
      'inprocess',
      'micro',
    ]);
    for (const suite of report.suites) {
      expect(suite.status, `${suite.suite}: ${JSON.stringify(suite).slice(0, 300)}`).toBe('ok');
      expect(suite.cases.length, suite.suite).toBeGreaterThan(0);
    }
    expect(readFileSync(path.join(out, 'latest.md'), 'utf8')).toContain('## Targets');
  }, 500_000);
});
