/**
 * In-process suite: official `klaviyo-api` SDK calls per second
 *  - through msw + the Klaviyo mock's handlers vs. the same calls answered by a no-op msw handler
 *    (alternated in one child process; target mock / no-op >= 0.8), and
 *  - over real HTTP to the mock vs. to bare node:http (server in its own child, SDK in another).
 * Then a `--cpu-prof` run of the msw + mock case says where an in-process call's time goes.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Child, startChild } from '../lib/child.ts';
import { describeHotPath, summariseProfile } from '../lib/cpuprofile.ts';
import { ModuleUnavailable, moduleExists } from '../lib/optional.ts';
import { type CaseResult, type Suite, type TargetResult, target } from '../lib/types.ts';

const LOAD = 'benchmarks/children/sdk-load.ts';
const SERVER = 'benchmarks/servers/server-child.ts';
const CONCURRENCY = 10;

interface Drive {
  calls: number;
  errors: number;
  firstError?: string;
  callsPerSec: number;
}

async function runLoad(args: string[], env: Record<string, string> = {}): Promise<Record<string, Drive>> {
  const child = await startChild<Record<string, Drive>>(LOAD, args, { readyTimeoutMs: 120_000, env });
  await child.stop(10_000);
  return child.ready;
}

function row(
  name: string,
  group: string,
  d: Drive | undefined,
  extra: Record<string, number> = {},
): CaseResult {
  if (!d) return { name, group, metrics: {}, error: 'no result' };
  return {
    name,
    group,
    metrics: { callsPerSec: d.callsPerSec, calls: d.calls, ...extra },
    notes: d.errors ? [`${d.errors} failed calls; first: ${d.firstError}`] : undefined,
  };
}

export const inprocessSuite: Suite = async (ctx) => {
  if (!moduleExists('mocks/klaviyo/index.ts')) throw new ModuleUnavailable('mocks/klaviyo/index.ts');
  const seconds = ctx.quick ? 2 : 6;
  const cases: CaseResult[] = [];
  const targets: TargetResult[] = [];
  const findings: string[] = [
    `SDK calls with ${CONCURRENCY} in flight; msw cases run no-op, no-op reading the body, mock, then the reverse (ABCCBA) in one warmed-up process (${seconds} s each in total).`,
  ];
  let createRatio: number | null = null;
  // create-event first (it carries the target), then the HTTP comparison, then the other operations
  // while the budget lasts.
  const mswOp = async (op: 'create-event' | 'profile-import' | 'get-profiles') => {
    if (Date.now() > ctx.deadline) return;
    ctx.log(`  inprocess: SDK ${op} through msw (mock vs. no-op)`);
    const r = await runLoad(['msw', op, String(seconds), String(CONCURRENCY)]);
    const ratio = r.noop && r.mock ? r.mock.callsPerSec / r.noop.callsPerSec : Number.NaN;
    if (op === 'create-event') createRatio = ratio;
    cases.push(row('SDK → msw → no-op handler', `msw ${op}`, r.noop));
    if (r.noopReadBody && r.noop) {
      cases.push(
        row('SDK → msw → no-op handler that reads the body', `msw ${op}`, r.noopReadBody, {
          xNoop: r.noopReadBody.callsPerSec / r.noop.callsPerSec,
        }),
      );
    }
    cases.push(row('SDK → msw → Klaviyo mock', `msw ${op}`, r.mock, { xNoop: ratio }));
  };
  await mswOp('create-event');

  // Over HTTP: the same SDK against the mock and against bare node:http, each server in its own child.
  let httpMock: number | null = null;
  for (const kind of ['node-http', 'klaviyo-mem'] as const) {
    if (Date.now() > ctx.deadline) break;
    ctx.log(`  inprocess: SDK create-event over HTTP → ${kind}`);
    let server: Child<{ url: string }> | undefined;
    try {
      server = await startChild<{ url: string }>(SERVER, [kind]);
      const r = await runLoad([
        'http',
        'create-event',
        String(seconds),
        String(CONCURRENCY),
        server.ready.url,
      ]);
      const base = cases.find(
        (c) => c.group === 'SDK over HTTP create-event' && c.name.includes('node:http'),
      );
      if (kind === 'klaviyo-mem') httpMock = r.http?.callsPerSec ?? null;
      const extra: Record<string, number> =
        base && r.http ? { xNodeHttp: r.http.callsPerSec / base.metrics.callsPerSec! } : {};
      cases.push(
        row(
          kind === 'node-http' ? 'SDK → HTTP → bare node:http' : 'SDK → HTTP → Klaviyo mock',
          'SDK over HTTP create-event',
          r.http,
          extra,
        ),
      );
    } catch (err) {
      cases.push({
        name: kind,
        group: 'SDK over HTTP create-event',
        metrics: {},
        error: (err as Error).message.slice(0, 300),
      });
    } finally {
      await server?.stop();
    }
  }
  const mswMock = cases.find((c) => c.group === 'msw create-event' && c.name.includes('mock'))?.metrics
    .callsPerSec;
  if (mswMock && httpMock) {
    findings.push(
      `The SDK makes ${httpMock.toFixed(0)} create-event calls/s over HTTP to the mock vs. ${mswMock.toFixed(0)}/s through msw in-process: ${httpMock > mswMock ? 'HTTP on loopback (mock in its own process) is the faster path on this machine' : 'in-process msw is the faster path on this machine'}.`,
    );
  }

  // Where does an in-process call's time go? One --cpu-prof run of the msw + mock case.
  if (!ctx.quick && Date.now() < ctx.deadline) {
    ctx.log('  inprocess: CPU profile of SDK → msw → mock (measured phase only)');
    try {
      mkdirSync(ctx.outDir, { recursive: true });
      const file = path.resolve(ctx.outDir, `inprocess-msw-mock-${Date.now()}.cpuprofile`);
      await runLoad(['msw-mock', 'create-event', '4', String(CONCURRENCY)], { BENCH_PROFILE_FILE: file });
      findings.push(
        `CPU profile of SDK → msw → mock create-event (${path.basename(file)}): ${describeHotPath(summariseProfile(file, 12), 8)}`,
      );
    } catch (err) {
      findings.push(`profiling failed: ${(err as Error).message}`);
    }
  }

  // Each further operation takes ~25 s; start one only if it fits in the budget.
  if (!ctx.quick)
    for (const op of ['profile-import', 'get-profiles'] as const)
      if (ctx.deadline - Date.now() > 25_000) await mswOp(op);

  targets.push(
    target(
      'SDK create-event through msw: mock vs. no-op handler',
      createRatio,
      '>=',
      0.8,
      'x',
      'the mock adds its per-call work (validation, SQLite writes, journal) on top of msw + axios',
    ),
  );
  return { status: 'ok', cases, targets, findings };
};
