/**
 * `dreamflow-sim mock mcp` as a child process over Streamable HTTP: the listening line and the
 * KLAVIYO_MCP_URL line, an official MCP client calling a tool on the in-process core, a clean exit on
 * SIGTERM (by PID); bad flags exit 2 naming the flag. (stdio is covered in mocks/klaviyo/mcp/mcp.test.ts.)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/dreamflow-sim.js');
let child: ChildProcess | undefined;

afterEach(() => {
  if (child?.pid && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
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

it('serves MCP over Streamable HTTP from an in-process core and exits cleanly on SIGTERM', {
  timeout: 120_000,
}, async () => {
  child = spawn(process.execPath, [bin, 'mock', 'mcp', '--port', '0', '--api-key', 'pk_cli_mcp'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const m = await waitForLine(
    child,
    /^mcp listening on (http:\/\/127\.0\.0\.1:\d+)\n {2}KLAVIYO_MCP_URL=(\S+)/m,
  );
  expect(m[2]).toBe(`${m[1]}/mcp`);
  const client = new Client({ name: 'cli-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(m[2]!)));
  const created = await client.callTool({
    name: 'create_event',
    arguments: { metric_name: 'Story Completed', profile: { external_id: 'u1' } },
  });
  expect(created.isError).toBeFalsy();
  const metrics = (await client.callTool({ name: 'get_metrics', arguments: {} })).structuredContent as {
    data: { attributes: { name: string } }[];
  };
  expect(metrics.data.map((d) => d.attributes.name)).toEqual(['Story Completed']);
  await client.close();
  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
  process.kill(child.pid!, 'SIGTERM');
  expect(await exited).toBe(0);
});

function runCli(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [bin, 'mock', 'mcp', ...args], {
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

it('exits 2 with a message naming the bad flag', { timeout: 120_000 }, async () => {
  const [port, url, limits] = await Promise.all([
    runCli(['--port', 'abc']),
    runCli(['--klaviyo-url', 'localhost:4100']),
    runCli(['--rate-limits', 'maybe']),
  ]);
  expect(port).toMatchObject({ status: 2, stderr: expect.stringContaining('--port') });
  expect(url).toMatchObject({ status: 2, stderr: expect.stringContaining('--klaviyo-url') });
  expect(limits).toMatchObject({ status: 2, stderr: expect.stringContaining('--rate-limits') });
});
