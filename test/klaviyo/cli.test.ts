/** `dreamflow-sim mock klaviyo` as a child process: the listening line, the admin API, bad flags. */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/dreamflow-sim.js');
let child: ChildProcess | undefined;

afterEach(() => {
  if (child?.pid && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
  child = undefined;
});

function waitForLine(proc: ChildProcess, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = pattern.exec(out);
      if (m) resolve(m);
    });
    proc.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    proc.once('exit', (code) => reject(new Error(`exited ${code} before listening:\n${out}\n${err}`)));
  });
}

it('prints the listening line, serves /__admin/health, and exits cleanly on SIGTERM', {
  timeout: 120_000,
}, async () => {
  child = spawn(process.execPath, [bin, 'mock', 'klaviyo', '--port', '0', '--rate-limits', 'off'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const m = await waitForLine(child, /^klaviyo listening on (http:\/\/127\.0\.0\.1:\d+)$/m);
  const health = await fetch(`${m[1]}/__admin/health`);
  expect(await health.json()).toMatchObject({ status: 'ok', service: 'klaviyo' });
  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
  process.kill(child.pid!, 'SIGTERM');
  expect(await exited).toBe(0);
});

/** Run the CLI to completion (async, so the four bad-flag runs start in parallel). */
function runCli(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [bin, 'mock', 'klaviyo', ...args], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    proc.once('exit', (status) => resolve({ status, stderr }));
  });
}

// Each run boots tsx; on a loaded machine that takes seconds, hence the generous time-out.
it('exits 2 with a clear message on bad flags', { timeout: 120_000 }, async () => {
  const cases = [
    ['--rate-limits', 'sometimes'],
    ['--port', 'abc'],
    ['--faults', 'no-such-profile'],
    ['--seed', '-1'],
  ];
  const results = await Promise.all(cases.map(runCli));
  results.forEach((r, i) => {
    expect(r.status, cases[i]!.join(' ')).toBe(2);
    expect(r.stderr).toMatch(/error:/);
  });
});
