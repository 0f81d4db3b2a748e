/**
 * Child-process entry for the HTTP suite: starts ONE server on 127.0.0.1:0 and reports its port over IPC.
 *
 * Why a child process: on a 2-core machine the load generator (autocannon, in the parent) and the server
 * must not share a core, or every figure measures their contention. The OS schedules the two processes
 * on the two cores; each server kind gets the same treatment, so the ratios compare like with like.
 *
 * Usage (forked by benchmarks/suites/http.ts): server-child.ts <klaviyo-mem|klaviyo-file|express|node-http> [dbFile]
 */
import { rmSync } from 'node:fs';
import { createMockRequest } from '../../mocks/shared/http.ts';
import { profileImportBody, SDK_HEADERS } from '../lib/bodies.ts';
import { exitWithParent, serveParent } from '../lib/child.ts';
import { importOptional } from '../lib/optional.ts';
import { startProfiling } from '../lib/profiler.ts';
import { createBareExpressApp, startBareNode } from './baselines.ts';

type Kind = 'klaviyo-mem' | 'klaviyo-file' | 'express' | 'node-http';

interface Running {
  url: string;
  port: number;
  close(): Promise<void>;
  service?: { handle(req: ReturnType<typeof createMockRequest>): Promise<{ status?: number }> };
}

async function start(kind: Kind, dbFile?: string): Promise<Running> {
  switch (kind) {
    case 'node-http':
      return startBareNode();
    case 'express': {
      const { listen } = await import('../../mocks/shared/listen.ts');
      return listen(createBareExpressApp(), { port: 0 });
    }
    case 'klaviyo-mem':
    case 'klaviyo-file': {
      const mod = await importOptional<{ startKlaviyoServer: (o: object) => Promise<Running> }>(
        'mocks/klaviyo/index.ts',
      );
      if (typeof mod.startKlaviyoServer !== 'function')
        throw new Error('mocks/klaviyo/index.ts has no startKlaviyoServer');
      return mod.startKlaviyoServer({
        port: 0,
        rateLimits: false,
        ...(kind === 'klaviyo-file' ? { dbFile } : {}),
      });
    }
  }
}

async function main(): Promise<void> {
  exitWithParent();
  const kind = process.argv[2] as Kind;
  const dbFile = process.argv[3];
  let running: Running;
  try {
    running = await start(kind, dbFile);
  } catch (err) {
    process.send?.({ error: `could not start ${kind}: ${(err as Error).message}` });
    return;
  }
  let stopProfile: ((file: string) => Promise<string>) | null = null;
  serveParent(
    {
      // Profile only the load phase the parent brackets with these two commands.
      async 'profile-start'() {
        stopProfile = await startProfiling();
        return {};
      },
      async 'profile-stop'(msg) {
        if (!stopProfile) throw new Error('profile-stop without profile-start');
        const file = await stopProfile(String(msg.file));
        stopProfile = null;
        return { file };
      },
      // Fill the store through the same pipeline the HTTP adapter uses (no sockets: seeding is set-up, not the measurement).
      async seed(msg) {
        const count = Number(msg.count ?? 0);
        const salt = Number(msg.salt ?? 0);
        if (!running.service) return { seeded: 0 };
        let ok = 0;
        for (let n = 0; n < count && n < 1_000_000; n++) {
          const res = await running.service.handle(
            createMockRequest({
              method: 'POST',
              url: `${running.url}/api/profile-import`,
              headers: SDK_HEADERS,
              body: profileImportBody(n, salt),
            }),
          );
          if (res.status === 200 || res.status === 201) ok++;
        }
        return { seeded: ok };
      },
      // CPU time the server process has used (user + system, µs): divided by requests it gives a cost per
      // request that a busy neighbour does not distort the way it distorts throughput.
      cpu() {
        const u = process.cpuUsage();
        return { cpuUs: u.user + u.system };
      },
      mem() {
        const m = process.memoryUsage();
        return { rssMb: m.rss / 2 ** 20, heapUsedMb: m.heapUsed / 2 ** 20 };
      },
    },
    async () => {
      await running.close();
      if (dbFile) for (const suffix of ['', '-wal', '-shm']) rmSync(dbFile + suffix, { force: true });
    },
  );
  process.send?.({ url: running.url, port: running.port, pid: process.pid });
}

await main();
