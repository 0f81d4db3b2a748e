/**
 * Smoke test of the benchmark framework: one tiny tinybench suite through the real runner and report
 * writer, checking the files and their fields. No speed assertions: figures are documentation.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench } from './index.ts';
import type { BenchReport } from './lib/types.ts';
import { target } from './lib/types.ts';
import { runTasks } from './suites/micro.ts';

const out = mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('bench framework (quick, one tiny suite)', () => {
  it('writes bench-<ts>.json, latest.json and latest.md with machine, cases and targets', async () => {
    const { report, files } = await runBench({
      quick: true,
      outDir: out,
      log: () => {},
      suites: {
        tiny: async () => {
          const cases = await runTasks(
            'json',
            { 'JSON.stringify small object': () => JSON.stringify({ a: 1, b: [1, 2] }) },
            true,
          );
          return {
            status: 'ok',
            cases,
            targets: [target('tiny ops/s', cases[0]!.metrics.opsPerSec, '>=', 1, 'ops/s')],
          };
        },
        missing: async () => {
          const { importOptional } = await import('./lib/optional.ts');
          await importOptional('no/such/module.ts');
          return { status: 'ok', cases: [], targets: [] };
        },
      },
    });
    for (const f of [files.json, files.latestJson, files.latestMd]) expect(existsSync(f)).toBe(true);
    const json = JSON.parse(readFileSync(files.latestJson, 'utf8')) as BenchReport;
    expect(json).toEqual(JSON.parse(JSON.stringify(report)));
    expect(json.schema).toBe('dreamflow-sim/bench@1');
    expect(json.quick).toBe(true);
    expect(json.machine.cores).toBeGreaterThan(0);
    expect(json.machine.node).toBe(process.version);
    expect(typeof json.machine.cpuModel).toBe('string');

    const tiny = json.suites.find((s) => s.suite === 'tiny')!;
    expect(tiny.status).toBe('ok');
    expect(tiny.cases[0]!.name).toBe('JSON.stringify small object');
    expect(tiny.cases[0]!.metrics).toEqual(
      expect.objectContaining({
        opsPerSec: expect.any(Number),
        meanUs: expect.any(Number),
        p99Us: expect.any(Number),
      }),
    );
    expect(tiny.targets[0]).toEqual(
      expect.objectContaining({ name: 'tiny ops/s', goal: '>= 1 ops/s', met: expect.any(Boolean) }),
    );

    // A suite whose module has not landed is reported as skipped, not failed.
    const missing = json.suites.find((s) => s.suite === 'missing')!;
    expect(missing.status).toBe('skipped');
    expect(missing.reason).toMatch(/module not available \(no\/such\/module\.ts\)/);

    const md = readFileSync(files.latestMd, 'utf8');
    expect(md).toContain('| CPU | Cores | Memory | Node | OS | Load avg (start → end) |');
    expect(md).toContain('## Targets');
    expect(md).toContain('JSON.stringify small object');
  });
});
