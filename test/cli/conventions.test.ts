/**
 * Command-line conventions, as a user meets them: `--version`, exit code 2 for every usage error
 * (README's exit-code table), and `--log-level` turning on the mocks' structured request logs.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { packageInfo } from '../../lib/package-info.ts';
import { cli, ROOT } from '../harness/run-cli.ts';

it('prints the package version with --version and -V', { timeout: 90_000 }, async () => {
  for (const flag of ['--version', '-V']) {
    const run = await cli([flag]);
    expect(run).toMatchObject({ code: 0, stdout: `${packageInfo().version}\n`, stderr: '' });
  }
});

it.each([
  [['no-such-command'], /unknown command 'no-such-command'/],
  [['run'], /missing required argument 'scenario'/],
  [['report', 'compare', '--bogus'], /unknown option '--bogus'/],
  [
    ['--log-level', 'loud', 'run', 'default'],
    /argument 'loud' is invalid. Allowed choices are silent, fatal/,
  ],
])('exits 2 with a message naming the problem: %j', { timeout: 90_000 }, async (args, message) => {
  const run = await cli(args);
  expect(run.stderr).toMatch(message);
  expect(run.code).toBe(2);
});

it('logs each request of a mock as a JSON line on stderr at --log-level info', {
  timeout: 90_000,
}, async () => {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin/dreamflow-sim.js'), 'mock', 'klaviyo', '--port', '0', '--log-level', 'info'],
    { cwd: ROOT, env: { ...process.env, DREAMFLOW_LOG_LEVEL: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        const m = /klaviyo listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    const headers = { authorization: 'Klaviyo-API-Key pk_logs', revision: '2026-07-15' };
    expect((await fetch(`${url}/api/profiles`, { headers })).status).toBe(200);
    expect((await fetch(`${url}/api/profiles`)).status).toBe(401);
    await expect.poll(() => stderr.split('\n').filter(Boolean).length).toBe(2);
    const [ok, refused] = stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(ok).toMatchObject({
      level: 30,
      service: 'klaviyo',
      msg: 'request',
      method: 'GET',
      path: '/api/profiles',
      operation: 'get_profiles',
      status: 200,
    });
    expect(refused).toMatchObject({ level: 40, status: 401 });
    expect(stdout).not.toContain('"msg"');
  } finally {
    child.kill('SIGTERM');
  }
});
