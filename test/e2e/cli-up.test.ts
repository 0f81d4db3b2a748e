/**
 * `dreamflow-sim up` as a user runs it: a child process on free ports prints the four listening lines
 * (the Klaviyo mock, the fake Supabase, the app, the offline Klaviyo MCP server), then every URL, key
 * and env var a client needs (as `supabase start`), answers a sign-up whose profile reaches the Klaviyo
 * mock, and exits 0 on SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import { supabaseKeys } from '../../mocks/supabase/index.ts';
import { LOCAL_KLAVIYO_KEY } from '../../src/integration/config.ts';

let child: ChildProcess | undefined;
afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
});

function waitForLines(
  proc: ChildProcess,
  names: string[],
  timeoutMs = 45_000,
): Promise<{ urls: Record<string, string>; out: string }> {
  return new Promise((resolve, reject) => {
    const found: Record<string, string> = {};
    let out = '';
    const timer = setTimeout(() => reject(new Error(`timed out; output so far:\n${out}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      for (const m of out.matchAll(/^(\w+) listening on (http:\/\/127\.0\.0\.1:\d+)$/gm))
        found[m[1]!] = m[2]!;
      // `up` prints its environment block last, once all three listen.
      if (names.every((n) => found[n]) && /^export DREAMFLOW_APP_URL=.*\n/m.test(out)) {
        clearTimeout(timer);
        resolve({ urls: found, out });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    proc.once('exit', (code) => reject(new Error(`exited ${code} before listening:\n${out}`)));
  });
}

it('starts the mocks and the app wired together and stops cleanly on SIGTERM', async () => {
  child = spawn(
    process.execPath,
    [
      'bin/dreamflow-sim.js',
      'up',
      '--klaviyo-port',
      '0',
      '--supabase-port',
      '0',
      '--app-port',
      '0',
      '--mcp-port',
      '0',
    ],
    { env: { ...process.env, KLAVIYO_API_KEY: '', KLAVIYO_MCP_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const { urls, out } = await waitForLines(child, ['klaviyo', 'supabase', 'app', 'mcp']);
  const keys = supabaseKeys();
  const env = Object.fromEntries([...out.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
  expect(env).toEqual({
    KLAVIYO_BASE_URL: urls.klaviyo,
    KLAVIYO_API_KEY: LOCAL_KLAVIYO_KEY,
    SUPABASE_URL: urls.supabase,
    SUPABASE_ANON_KEY: keys.anon_key,
    SUPABASE_SERVICE_ROLE_KEY: keys.service_role_key,
    DREAMFLOW_APP_URL: urls.app,
    KLAVIYO_MCP_URL: `${urls.mcp}/mcp`,
  });
  expect(out).toContain(`Klaviyo admin: ${urls.klaviyo}/__admin/`);
  expect(out).toContain(`Supabase admin: ${urls.supabase}/__admin/`);
  expect(out).toContain(`service_role key: ${keys.service_role_key}`);
  const res = await fetch(`${urls.app}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'cli@example.com', password: 'secret12' }),
  });
  expect(res.status).toBe(201);
  const status = (await (await fetch(`${urls.app}/api/v1/demo/klaviyo-integration`)).json()) as {
    status: string;
    base_url: string;
  };
  expect(status).toMatchObject({ status: 'enabled', base_url: urls.klaviyo });
  // The app's MCP adapter points at the offline MCP server `up` started.
  const mcp = await (await fetch(`${urls.app}/api/v1/demo/mcp-status`)).json();
  expect(mcp).toMatchObject({ mode: 'mcp', server_url: `${urls.mcp}/mcp` });
  // The outbox delivers in the background: wait (bounded) for the event and the profile upsert.
  let paths: string[] = [];
  for (let i = 0; i < 100 && paths.length < 2; i++) {
    const journal = (await (await fetch(`${urls.klaviyo}/__admin/requests`)).json()) as {
      requests: { path: string; status: number }[];
    };
    paths = journal.requests
      .filter((r) => r.status < 300)
      .map((r) => r.path)
      .sort();
    if (paths.length < 2) await new Promise((r) => setTimeout(r, 100));
  }
  expect(paths).toEqual(['/api/events', '/api/profile-import']);
  const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
}, 60_000);
