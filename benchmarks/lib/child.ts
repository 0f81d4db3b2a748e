/**
 * Child processes for servers and memory probes. Every child is forked with the tsx loader and an IPC
 * channel, bounded by a time-out, and killed by its own PID (never by name) when the suite is done.
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './optional.ts';

export interface ChildOptions {
  /** Extra Node flags, e.g. `--cpu-prof`. */
  execArgv?: string[];
  env?: Record<string, string>;
  /** Kill the child if it has not sent its first message by then (ms). */
  readyTimeoutMs?: number;
}

export interface Child<Ready> {
  pid: number;
  ready: Ready;
  /** Send a request and wait for the next message whose `re` equals the request's `cmd`. */
  request<T>(msg: { cmd: string; [k: string]: unknown }, timeoutMs?: number): Promise<T>;
  /** Ask the child to exit (so `--cpu-prof` gets written), SIGKILL by PID after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** Everything the child wrote to stderr (for error messages). */
  stderr(): string;
}

/** Fork `relScript` (repo-relative TypeScript) and wait for its first IPC message. */
export function startChild<Ready>(
  relScript: string,
  args: string[],
  options: ChildOptions = {},
): Promise<Child<Ready>> {
  const script = path.join(ROOT, relScript);
  const proc = fork(script, args, {
    cwd: ROOT,
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let errText = '';
  proc.stderr?.on('data', (d: Buffer) => {
    if (errText.length < 20_000) errText += d.toString();
  });
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killPid(proc);
      reject(
        new Error(
          `${relScript} did not report ready within ${timeoutMs} ms. stderr: ${errText.slice(-2000)}`,
        ),
      );
    }, timeoutMs);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(
          `${relScript} exited (${code ?? signal}) before it was ready. stderr: ${errText.slice(-2000)}`,
        ),
      );
    });
    proc.once('message', (msg: unknown) => {
      clearTimeout(timer);
      const m = msg as { error?: string };
      if (m && typeof m === 'object' && m.error) {
        killPid(proc);
        reject(new Error(m.error));
        return;
      }
      resolve(wrap<Ready>(proc, msg as Ready, () => errText));
    });
  });
}

function wrap<Ready>(proc: ChildProcess, ready: Ready, stderr: () => string): Child<Ready> {
  return {
    pid: proc.pid ?? -1,
    ready,
    stderr,
    request<T>(msg: { cmd: string }, timeoutMs = 120_000) {
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          proc.off('message', onMessage);
          reject(new Error(`child ${proc.pid} did not answer ${msg.cmd} within ${timeoutMs} ms`));
        }, timeoutMs);
        const onMessage = (m: unknown) => {
          const r = m as { re?: string; error?: string };
          if (r?.re !== msg.cmd) return;
          clearTimeout(timer);
          proc.off('message', onMessage);
          if (r.error) reject(new Error(r.error));
          else resolve(m as T);
        };
        proc.on('message', onMessage);
        proc.send(msg);
      });
    },
    stop(graceMs = 5_000) {
      return new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        const timer = setTimeout(() => {
          killPid(proc);
          resolve();
        }, graceMs);
        proc.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        // A clean exit (not a signal) so that --cpu-prof writes its file.
        if (proc.connected) proc.send({ cmd: 'exit' });
        else killPid(proc, 'SIGTERM');
      });
    },
  };
}

function killPid(proc: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
  try {
    process.kill(proc.pid, signal);
  } catch {
    // already gone
  }
}

/** The helper the child side uses: answer `{cmd}` messages, exit on `{cmd:'exit'}` or parent loss. */
export function serveParent(
  handlers: Record<string, (msg: Record<string, unknown>) => unknown>,
  onExit?: () => unknown,
): void {
  const exit = async () => {
    try {
      await onExit?.();
    } finally {
      process.exit(0);
    }
  };
  process.on('disconnect', exit);
  process.on('message', async (msg: { cmd?: string }) => {
    if (!msg?.cmd) return;
    if (msg.cmd === 'exit') return exit();
    const handler = handlers[msg.cmd];
    try {
      if (!handler) throw new Error(`unknown command ${msg.cmd}`);
      const out = (await handler(msg as Record<string, unknown>)) ?? {};
      process.send?.({ re: msg.cmd, ...(out as object) });
    } catch (err) {
      process.send?.({ re: msg.cmd, error: (err as Error).message });
    }
  });
}

/** Exit as soon as the parent goes away (even mid-measurement), so no child outlives a killed run. */
export function exitWithParent(): void {
  process.once('disconnect', () => process.exit(0));
}
