/**
 * HTTP suite (autocannon): create-event, profile-import and get-profiles-by-email against the Klaviyo
 * mock (rate limits off, no faults; in-memory and file-backed), side by side in the same run with a bare
 * Express 5 app and a bare node:http server that parse the same JSON and answer the same status.
 *
 * Each server runs in its own child process (benchmarks/servers/server-child.ts) and autocannon runs in
 * this process, so on two cores the load generator and the server each get one. Scenarios are
 * interleaved (for each scenario, every server in turn) so that drift over the run hits all alike.
 */
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon, { type Result } from 'autocannon';
import {
  bodyFactory,
  eventBody,
  profileImportBody,
  profilesByEmailPath,
  SDK_HEADERS,
} from '../lib/bodies.ts';
import { type Child, startChild } from '../lib/child.ts';
import { describeHotPath, summariseProfile } from '../lib/cpuprofile.ts';
import { moduleExists } from '../lib/optional.ts';
import { type CaseResult, type Suite, type TargetResult, target } from '../lib/types.ts';

const SERVER_SCRIPT = 'benchmarks/servers/server-child.ts';
export const CONNECTIONS = 20;

type ServerKind = 'klaviyo-mem' | 'klaviyo-file' | 'express' | 'node-http';
const LABEL: Record<ServerKind, string> = {
  'klaviyo-mem': 'Klaviyo mock (in-memory)',
  'klaviyo-file': 'Klaviyo mock (file, WAL)',
  express: 'bare Express 5',
  'node-http': 'bare node:http',
};

interface Scenario {
  name: 'create-event' | 'profile-import' | 'get-profiles';
  method: 'GET' | 'POST';
  /** A request factory for one phase (salt keeps warm-up and measurement bodies apart). */
  factory(salt: number): (n: number) => { path: string; body?: string };
}

/** Profiles seeded before get-profiles (the lookups hit the first 1,000 of them). */
const SEEDED_PROFILES = 5_000;
const SEED_SALT = 999;

const SCENARIOS: Scenario[] = [
  {
    name: 'create-event',
    method: 'POST',
    factory: (salt) => {
      const body = bodyFactory(eventBody, salt);
      return (n) => ({ path: '/api/events', body: body(n) });
    },
  },
  {
    name: 'profile-import',
    method: 'POST',
    factory: (salt) => {
      const body = bodyFactory(profileImportBody, salt);
      return (n) => ({ path: '/api/profile-import', body: body(n) });
    },
  },
  {
    // Look up one of the seeded profiles by email, as the integration does before a sync.
    name: 'get-profiles',
    method: 'GET',
    factory: () => {
      const paths = Array.from({ length: 1000 }, (_, i) => profilesByEmailPath(i, SEED_SALT));
      return (n) => ({ path: paths[n % paths.length]! });
    },
  },
];

export interface LoadFigures {
  reqPerSec: number;
  /** All responses (2xx and others) in the measured phase. */
  responses: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  statuses: string;
  /** Server CPU (user + system) per response, µs. */
  cpuUsPerReq?: number;
}

/** One autocannon run: unique body per request via setupRequest, bounded by duration. */
export async function load(
  url: string,
  scenario: Scenario,
  seconds: number,
  salt: number,
): Promise<LoadFigures> {
  let n = 0;
  const build = scenario.factory(salt);
  const { 'content-type': contentType, ...getHeaders } = SDK_HEADERS;
  const headers = scenario.method === 'GET' ? getHeaders : { ...getHeaders, 'content-type': contentType! };
  const result: Result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        method: scenario.method,
        headers,
        setupRequest: (req) => {
          const built = build(n++);
          return { ...req, path: built.path, body: built.body };
        },
      },
    ],
  });
  const total = result['2xx'] ?? 0;
  return {
    reqPerSec: total / Math.max(0.001, result.duration),
    responses: total + (result.non2xx ?? 0),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    statuses: Object.entries(result.statusCodeStats ?? {})
      .map(([code, s]) => `${code}×${s.count}`)
      .join(' '),
  };
}

export const httpSuite: Suite = async (ctx) => {
  const mockAvailable = moduleExists('mocks/klaviyo/index.ts');
  const measureS = ctx.quick ? 1.2 : 6;
  const warmS = ctx.quick ? 0.5 : 2;
  // The quick form leaves out the file-backed mock to stay well inside its two minutes.
  const mocks: ServerKind[] = ctx.quick ? ['klaviyo-mem'] : ['klaviyo-mem', 'klaviyo-file'];
  const kinds: ServerKind[] = ['node-http', 'express', ...(mockAvailable ? mocks : [])];
  const tmp = mkdtemp();
  const servers = new Map<ServerKind, Child<{ url: string }>>();
  const cases: CaseResult[] = [];
  const findings: string[] = [
    `Servers run in child processes (one per server), autocannon in the parent: on ${os.availableParallelism()} cores the load generator and the server do not share a core. ${CONNECTIONS} connections, ${warmS} s warm-up then ${measureS} s measured per case; every POST carries a unique email / unique_id.`,
  ];
  if (!mockAvailable)
    findings.push('Klaviyo mock: skipped: module not available (mocks/klaviyo/index.ts); baselines only.');
  const figures = new Map<string, LoadFigures>();
  try {
    for (const kind of kinds) {
      try {
        const child = await startChild<{ url: string }>(SERVER_SCRIPT, [kind, path.join(tmp, `${kind}.db`)]);
        servers.set(kind, child);
        if (kind.startsWith('klaviyo')) {
          const seeded = await child.request<{ seeded: number }>({
            cmd: 'seed',
            count: ctx.quick ? 1000 : SEEDED_PROFILES,
            salt: SEED_SALT,
          });
          if (seeded.seeded === 0)
            findings.push(
              `${LABEL[kind]}: seeding profiles for get-profiles stored none (profile-import not answering 200/201).`,
            );
        }
      } catch (err) {
        cases.push({ name: LABEL[kind], metrics: {}, error: (err as Error).message.slice(0, 300) });
      }
    }
    let salt = 1;
    for (const scenario of SCENARIOS) {
      for (const kind of kinds) {
        const child = servers.get(kind);
        if (!child) continue;
        if (Date.now() > ctx.deadline) {
          findings.push(`Time budget reached: ${scenario.name} on ${LABEL[kind]} not run.`);
          continue;
        }
        ctx.log(`  http ${scenario.name} → ${LABEL[kind]}`);
        try {
          await load(child.ready.url, scenario, warmS, salt++);
          const cpu0 = await child.request<{ cpuUs: number }>({ cmd: 'cpu' });
          const f = await load(child.ready.url, scenario, measureS, salt++);
          const cpu1 = await child.request<{ cpuUs: number }>({ cmd: 'cpu' });
          const cpuUsPerReq = (cpu1.cpuUs - cpu0.cpuUs) / Math.max(1, f.responses);
          figures.set(`${scenario.name}/${kind}`, { ...f, cpuUsPerReq });
          const notes =
            f.non2xx > 0 || f.errors > 0
              ? [`non-2xx ${f.non2xx}, socket errors ${f.errors} (${f.statuses})`]
              : undefined;
          cases.push({
            name: LABEL[kind],
            group: scenario.name,
            metrics: {
              reqPerSec: f.reqPerSec,
              p50Ms: f.p50Ms,
              p99Ms: f.p99Ms,
              serverCpuUsPerReq: cpuUsPerReq,
              ...ratios(figures, scenario.name, kind),
            },
            notes,
          });
        } catch (err) {
          cases.push({
            name: LABEL[kind],
            group: scenario.name,
            metrics: {},
            error: (err as Error).message.slice(0, 300),
          });
        }
      }
    }
    for (const kind of ['klaviyo-mem', 'klaviyo-file'] as const) {
      const child = servers.get(kind);
      if (!child) continue;
      const mem = await child.request<{ rssMb: number }>({ cmd: 'mem' }).catch(() => null);
      if (mem) findings.push(`${LABEL[kind]} RSS after the HTTP runs: ${mem.rssMb.toFixed(0)} MB.`);
    }
  } finally {
    await Promise.all([...servers.values()].map((c) => c.stop()));
    rmSync(tmp, { recursive: true, force: true });
  }

  const targets: TargetResult[] = [];
  const ce = figures.get('create-event/klaviyo-mem');
  const ex = figures.get('create-event/express');
  if (mockAvailable) {
    const ratio = ce && ex ? ce.reqPerSec / ex.reqPerSec : null;
    targets.push(
      target(
        `create-event throughput vs. bare Express (${CONNECTIONS} conns, in-memory)`,
        ratio,
        '>=',
        0.75,
        'x',
      ),
    );
    const byCpu = ce?.cpuUsPerReq && ex?.cpuUsPerReq ? ex.cpuUsPerReq / ce.cpuUsPerReq : null;
    targets.push(
      target(
        'create-event server CPU per request, bare Express / mock (noise-robust form of the above)',
        byCpu,
        '>=',
        0.75,
        'x',
      ),
    );
    targets.push(
      target(`create-event p99 latency (${CONNECTIONS} conns, in-memory)`, ce?.p99Ms ?? null, '<=', 10, 'ms'),
    );
    if (targets.some((t) => t.met === false) && !ctx.quick && Date.now() < ctx.deadline) {
      const hot = await profileMock(ctx.outDir, ctx.log).catch(
        (err: Error) => `profiling failed: ${err.message}`,
      );
      findings.push(`Klaviyo mock CPU profile under create-event load (load phase only): ${hot}`);
      for (const t of targets)
        if (t.met === false) t.bound = `mock CPU time per request; hot path: ${hot.slice(0, 400)}`;
    }
  }
  return { status: 'ok', cases, targets, findings };
};

/** Ratios of a Klaviyo row to the bare servers' rows measured earlier in the same run. */
function ratios(
  figures: Map<string, LoadFigures>,
  scenario: string,
  kind: ServerKind,
): Record<string, number> {
  if (!kind.startsWith('klaviyo')) return {};
  const me = figures.get(`${scenario}/${kind}`);
  const ex = figures.get(`${scenario}/express`);
  const nd = figures.get(`${scenario}/node-http`);
  const out: Record<string, number> = {};
  if (me && ex && ex.reqPerSec > 0) out.xExpress = me.reqPerSec / ex.reqPerSec;
  if (me && nd && nd.reqPerSec > 0) out.xNodeHttp = me.reqPerSec / nd.reqPerSec;
  // Express's CPU per request over the mock's: what the throughput ratio would be with a core each
  // and no neighbours (less noisy than req/s on a shared machine).
  if (me?.cpuUsPerReq && ex?.cpuUsPerReq) out.xExpressByCpu = ex.cpuUsPerReq / me.cpuUsPerReq;
  return out;
}

/**
 * Profile a server child while create-event load runs (inspector, load phase only) and summarise where
 * its CPU time goes. The profile is kept in `outDir` (`*.cpuprofile` there is git-ignored).
 */
export async function profileMock(
  outDir: string,
  log: (l: string) => void,
  seconds = 5,
  kind: ServerKind = 'klaviyo-mem',
): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  log(`  http: profiling ${LABEL[kind]} under create-event load`);
  const child = await startChild<{ url: string }>(SERVER_SCRIPT, [kind]);
  const file = path.resolve(outDir, `http-${kind}-${Date.now()}.cpuprofile`);
  try {
    await load(child.ready.url, SCENARIOS[0]!, 1, 776); // warm-up, not profiled
    await child.request({ cmd: 'profile-start' });
    await load(child.ready.url, SCENARIOS[0]!, seconds, 777);
    await child.request({ cmd: 'profile-stop', file });
  } finally {
    await child.stop();
  }
  return `${describeHotPath(summariseProfile(file))} (profile: ${path.relative(process.cwd(), file)})`;
}

function mkdtemp(): string {
  const dir = path.join(os.tmpdir(), `dreamflow-bench-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}
