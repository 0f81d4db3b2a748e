/**
 * Harness suite: `dreamflow-sim run default --users N` as a child process (the CLI users run), reading
 * its report.json for journeys and API calls per second of wall time, and sampling the child's peak RSS
 * (VmHWM from /proc on Linux, else the last RSS seen).
 *
 * Every run has a hard time limit: past it the child gets SIGINT (the CLI then writes a partial report
 * and exits), then SIGKILL by PID after a grace period. A partial run still gives a rate, from which the
 * time for the full run is projected (and labelled as projected).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ModuleUnavailable, moduleExists, ROOT } from '../lib/optional.ts';
import { type CaseResult, type Suite, type TargetResult, target } from '../lib/types.ts';

interface HarnessReport {
  partial?: boolean;
  thresholds?: { source?: string; actual?: number | null; passed?: boolean }[];
  metrics?: {
    journeys?: {
      families?: number;
      started?: number;
      completed?: number;
      truncated?: number;
      failed?: number;
      perSecond?: number;
    };
    klaviyo?: { calls?: number; attempts?: number };
    time?: { wallMs?: number; requestsPerSecond?: number };
  };
}

export interface HarnessRun {
  users: number;
  exitCode: number | null;
  timedOut: boolean;
  wallMs: number;
  peakRssMb: number;
  report: HarnessReport | null;
  stderrTail: string;
}

/** Run the CLI once, bounded by `timeoutMs`. */
export async function runHarness(
  users: number,
  timeoutMs: number,
  scenario = 'default',
): Promise<HarnessRun> {
  const out = mkdtempSync(path.join(os.tmpdir(), 'dreamflow-bench-harness-'));
  const t0 = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      path.join(ROOT, 'bin/dreamflow-sim.js'),
      'run',
      scenario,
      '--users',
      String(users),
      '--out',
      out,
      '--no-progress',
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CI: '1' } },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let peakKb = 0;
  const sample = () => {
    peakKb = Math.max(peakKb, readPeakRssKb(child.pid));
  };
  const sampler = setInterval(sample, 250);
  let timedOut = false;
  const killer = setTimeout(() => {
    timedOut = true;
    signal(child, 'SIGINT');
    // The CLI flushes and writes a partial report on SIGINT; give it 20 s, then SIGKILL.
    setTimeout(() => signal(child, 'SIGKILL'), 20_000).unref();
  }, timeoutMs);
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  clearInterval(sampler);
  clearTimeout(killer);
  const wallMs = performance.now() - t0;
  const file = path.join(out, 'report.json');
  let report: HarnessReport | null = null;
  try {
    if (existsSync(file)) report = JSON.parse(readFileSync(file, 'utf8')) as HarnessReport;
  } catch {
    report = null;
  }
  rmSync(out, { recursive: true, force: true });
  return {
    users,
    exitCode,
    timedOut,
    wallMs,
    peakRssMb: peakKb / 1024,
    report,
    stderrTail: stderr.slice(-600),
  };
}

function signal(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, sig);
  } catch {
    // gone
  }
}

/** Peak resident set (VmHWM) of a live process, in kB; 0 where /proc is unavailable. */
function readPeakRssKb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+)/.exec(status) ?? /VmRSS:\s+(\d+)/.exec(status);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function toCase(run: HarnessRun): CaseResult {
  const j = run.report?.metrics?.journeys;
  const t = run.report?.metrics?.time;
  const wallS = (t?.wallMs ?? run.wallMs) / 1000;
  const completed = j?.completed ?? 0;
  const calls = run.report?.metrics?.klaviyo?.calls ?? 0;
  const notes: string[] = [];
  if (run.timedOut)
    notes.push(
      `stopped at the time limit (SIGINT): partial run, ${completed} of ${run.users} journeys whole when it stopped`,
    );
  if ((j?.truncated ?? 0) > 0 && !run.timedOut)
    notes.push(`${j?.truncated} journeys truncated by the scenario's end: not whole`);
  if (!run.report) notes.push(`no report.json (exit ${run.exitCode}); stderr: ${run.stderrTail}`);
  if (run.exitCode === 1) {
    const failed = (run.report?.thresholds ?? [])
      .filter((t) => t.passed === false)
      .map(
        (t) => `${t.source} (measured ${typeof t.actual === 'number' ? +t.actual.toPrecision(4) : 'n/a'})`,
      );
    notes.push(
      `exit code 1: a scenario threshold failed (not a benchmark failure)${failed.length ? `: ${failed.join('; ')}` : ''}`,
    );
  }
  return {
    name: `default scenario, ${run.users.toLocaleString('en-US')} families${run.timedOut ? ' (partial)' : ''}`,
    group: 'harness',
    metrics: {
      journeysCompleted: completed,
      journeysTruncated: j?.truncated ?? 0,
      wallS,
      journeysPerSec: j?.perSecond ?? completed / Math.max(0.001, wallS),
      apiCallsPerSec: t?.requestsPerSecond ?? calls / Math.max(0.001, wallS),
      peakRssMb: run.peakRssMb,
      // Memory per 10k families *started*: flat when nothing per family outlives its journey.
      peakRssMbPer10kFamilies: run.peakRssMb / Math.max(1, (j?.started ?? run.users) / 10_000),
      processWallS: run.wallMs / 1000,
    },
    notes: notes.length ? notes : undefined,
  };
}

export const harnessSuite: Suite = async (ctx) => {
  if (!moduleExists('src/harness/runner.ts')) throw new ModuleUnavailable('src/harness/runner.ts');
  const cases: CaseResult[] = [];
  const targets: TargetResult[] = [];
  const findings: string[] = [
    "Each run is `dreamflow-sim run default --users N --no-progress` in a child process with the CLI's defaults (in-process mode on a virtual clock, its default transport and worker sharding); figures come from its report.json; peak RSS is the child's VmHWM (worker threads included).",
  ];
  const budget = () => ctx.deadline - Date.now();
  // Whole journeys only: `completed` counts journeys that ran to their end (truncated ones do not).
  const plan = ctx.quick ? [1_000] : [1_000, 10_000, 100_000];
  const goals: Record<number, number> = { 10000: 60, 100000: 600 };
  const figures = new Map<number, { seconds: number; projected: boolean; note: string }>();
  for (const users of plan) {
    // The last run gets whatever the budget still allows (less a few seconds for the partial-report
    // flush); an earlier one at most 45 % of it.
    const limit = Math.max(
      5_000,
      users === plan[plan.length - 1] ? budget() - 8_000 : Math.min(budget() * 0.45, 900_000),
    );
    if (budget() < 10_000) {
      findings.push(`${users.toLocaleString('en-US')} families: not run (time budget reached).`);
      continue;
    }
    ctx.log(`  harness: ${users} families (limit ${(limit / 1000).toFixed(0)} s)`);
    const run = await runHarness(users, limit);
    const c = toCase(run);
    cases.push(c);
    const done = c.metrics.journeysCompleted ?? 0;
    const rate = c.metrics.journeysPerSec ?? 0;
    if (!run.timedOut && done >= users)
      figures.set(users, { seconds: c.metrics.wallS!, projected: false, note: 'measured' });
    else if (rate > 0 && done > 0)
      figures.set(users, {
        seconds: users / rate,
        projected: true,
        note: `projected from a time-limited partial run (${done.toLocaleString('en-US')} whole journeys in ${c.metrics.wallS!.toFixed(0)} s)`,
      });
    findings.push(
      `${users.toLocaleString('en-US')} families: ${done.toLocaleString('en-US')} whole journeys in ${c.metrics.wallS!.toFixed(1)} s (${rate.toFixed(1)}/s), peak RSS ${c.metrics.peakRssMb!.toFixed(0)} MB (${c.metrics.peakRssMbPer10kFamilies!.toFixed(0)} MB per 10k families started)${run.timedOut ? ', stopped at the time limit' : ''}.`,
    );
  }
  if (!ctx.quick) {
    for (const [users, goal] of Object.entries(goals)) {
      const f = figures.get(Number(users));
      targets.push(
        target(
          `${Number(users).toLocaleString('en-US')} whole journeys (default scenario)${f?.projected ? ` — ${f.note}` : ''}`,
          f?.seconds ?? null,
          '<=',
          goal,
          's',
          'harness CPU per journey: the official SDKs (axios, klaviyo-api, supabase-js) and the mocks behind them, ~60 requests a family; see docs/performance.md',
        ),
      );
    }
  }
  return { status: 'ok', cases, targets, findings };
};
