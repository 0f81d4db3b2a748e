/**
 * The deployed shape for load benchmarks: the Klaviyo mock, the fake Supabase and the app, each its own
 * `dreamflow-sim` process on a free 127.0.0.1 port, started and stopped by PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { supabaseKeys } from '../../mocks/supabase/keys.ts';
import { ROOT } from './optional.ts';

export interface Up {
  children: ChildProcess[];
  appUrl: string;
  klaviyoUrl: string;
}

/** Spawn `dreamflow-sim <args>` and resolve with the URL of its `<name> listening on …` line. */
export function spawnServer(
  name: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<{ child: ChildProcess; url: string }> {
  // DREAMFLOW_BENCH_CPU_PROF=<dir>: each server writes V8 CPU profiles (one per thread) to <dir>/<name>/.
  const prof = process.env.DREAMFLOW_BENCH_CPU_PROF;
  const node = prof ? ['--cpu-prof', `--cpu-prof-dir=${path.join(prof, name)}`] : [];
  const child = spawn(process.execPath, [...node, path.join(ROOT, 'bin/dreamflow-sim.js'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: '1', ...env },
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop(child);
      reject(new Error(`${name} did not start within ${timeoutMs} ms: ${out.slice(-500)}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out = (out + d.toString()).slice(-8000);
      const url = new RegExp(`${name} listening on (http://\\S+)`).exec(out)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ child, url });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}: ${out.slice(-500)}`));
    });
  });
}

/**
 * The Klaviyo mock, the fake Supabase and the app as three processes on free ports (as they would be
 * deployed: the app does not share its event loop with the services it calls), rate limits on.
 */
export async function startUp(faults: string, appFlags: string[] = []): Promise<Up> {
  const children: ChildProcess[] = [];
  try {
    const klaviyo = await spawnServer('klaviyo', ['mock', 'klaviyo', '--port', '0', '--faults', faults], {});
    children.push(klaviyo.child);
    const supabase = await spawnServer('supabase', ['mock', 'supabase', '--port', '0'], {});
    children.push(supabase.child);
    const keys = supabaseKeys();
    const app = await spawnServer(
      'app',
      ['app', '--port', '0', '--story-latency-ms', '0', '--trust-user-id', ...appFlags],
      {
        KLAVIYO_API_KEY: 'pk_dreamflow_bench_delivery',
        KLAVIYO_BASE_URL: klaviyo.url,
        SUPABASE_URL: supabase.url,
        SUPABASE_ANON_KEY: keys.anon_key,
        SUPABASE_SERVICE_ROLE_KEY: keys.service_role_key,
        KLAVIYO_MCP_URL: '',
      },
    );
    children.push(app.child);
    return { children, appUrl: app.url, klaviyoUrl: klaviyo.url };
  } catch (err) {
    for (const c of children) stop(c);
    throw err;
  }
}

export function stop(child: ChildProcess): void {
  if (child.pid !== undefined && child.exitCode === null) {
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {}
    setTimeout(() => {
      if (child.exitCode === null && child.pid !== undefined)
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {}
    }, 10_000).unref();
  }
}
