/**
 * The `dreamflow-sim mock supabase` and `seed` commands as a user runs them: child processes on port 0,
 * the listening line awaited, queried with supabase-js, stopped by PID.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { client, keys } from './client.ts';

const BIN = join(import.meta.dirname, '../../bin/dreamflow-sim.js');
const dir = mkdtempSync(join(tmpdir(), 'dreamflow-supabase-cli-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

/** Start the mock and resolve with its URL and everything it printed up to the listening line. */
function startMock(args: string[]): Promise<{ child: ChildProcess; url: string; output: string }> {
  const child = spawn(process.execPath, [BIN, 'mock', 'supabase', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    let errors = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const m = /^supabase listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(output);
      if (m) resolve({ child, url: m[1]!, output });
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.once('exit', (code) =>
      reject(new Error(`mock supabase exited with ${code} before listening:\n${output}\n${errors}`)),
    );
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    process.kill(child.pid!, 'SIGTERM');
  });
}

describe('dreamflow-sim mock supabase / seed (child processes)', () => {
  it('prints the keys like `supabase start`, then the listening line, and serves supabase-js', async () => {
    const { child, url, output } = await startMock([]);
    expect(output).toContain(`anon key: ${keys.anon_key}`);
    expect(output).toContain(`service_role key: ${keys.service_role_key}`);
    const sb = client(url);
    const inserted = await sb.from('profiles').insert({ email: 'cli@example.com' }).select('email').single();
    expect(inserted).toMatchObject({ error: null, data: { email: 'cli@example.com' }, status: 201 });
    const { count } = await sb.from('profiles').select('*', { count: 'exact', head: true });
    expect(count).toBe(1);
    // Row Level Security is on by default: the anon key sees no rows.
    expect((await client(url, keys.anon_key).from('profiles').select('email')).data).toEqual([]);
    expect(await stop(child)).toBe(0);
  });

  it('--no-rls opens every table to the anon key', async () => {
    const { child, url } = await startMock(['--no-rls']);
    expect((await client(url).from('profiles').insert({ email: 'open@example.com' })).error).toBeNull();
    const anon = await client(url, keys.anon_key).from('profiles').select('email');
    expect(anon.data).toEqual([{ email: 'open@example.com' }]);
    expect(await stop(child)).toBe(0);
  });

  it('seeds a database file that the mock then serves (and a demo parent can sign in)', async () => {
    const db = join(dir, 'seeded.db');
    const seeded = spawnSync(process.execPath, [BIN, 'seed', '--db', db, '--families', '4', '--seed', '9'], {
      encoding: 'utf8',
    });
    expect(seeded.status, seeded.stderr).toBe(0);
    expect(seeded.stdout).toMatch(/\+4 profiles/);
    const { child, url } = await startMock(['--db', db]);
    const sb = client(url);
    const { data, error } = await sb.from('profiles').select('email, children(name)').order('email');
    expect(error).toBeNull();
    expect(data).toHaveLength(4);
    for (const p of data!) expect(p.children.length).toBeGreaterThan(0);
    const anon = client(url, keys.anon_key);
    const signIn = await anon.auth.signInWithPassword({ email: data![0]!.email, password: 'dreamflow-demo' });
    expect(signIn.error).toBeNull();
    expect(await stop(child)).toBe(0);
  });

  it('refuses a bad --port with a message that says what to type', () => {
    const out = spawnSync(process.execPath, [BIN, 'mock', 'supabase', '--port', 'abc'], { encoding: 'utf8' });
    expect(out.status).not.toBe(0);
    expect(out.stderr).toContain('--port expects a number from 0 to 65535');
  });
});
