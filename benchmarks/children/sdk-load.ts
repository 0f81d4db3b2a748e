/**
 * Child-process probe: official `klaviyo-api` SDK calls per second, with a bounded number in flight.
 *
 * Modes:
 *  - `msw`       in-process: alternates the SDK through msw + the Klaviyo mock's handlers, the same
 *                SDK calls answered by a no-op handler (same status, canned body), and by a no-op
 *                handler that reads the request body as the mock's adapter must; one warmed-up process,
 *                so drift hits all alike.
 *  - `msw-mock`  only the mock side (used under --cpu-prof to see where the time goes).
 *  - `http URL`  the SDK over real HTTP to a server started by the parent (the mock or bare node:http).
 *
 * Usage: sdk-load.ts <mode> <op> <seconds> <concurrency> [url]
 */
import { performance } from 'node:perf_hooks';
import { ApiKeySession, EventsApi, ProfilesApi } from 'klaviyo-api';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { BENCH_API_KEY } from '../lib/bodies.ts';
import { exitWithParent, serveParent } from '../lib/child.ts';
import { importOptional } from '../lib/optional.ts';
import { startProfiling } from '../lib/profiler.ts';
import { answer } from '../servers/baselines.ts';

type Op = 'create-event' | 'profile-import' | 'get-profiles';
const BASE = 'https://a.klaviyo.com';

function makeCall(op: Op, basePath: string | undefined, salt: number): (n: number) => Promise<unknown> {
  // The SDK's own retry is left on its defaults: with no faults it never fires.
  const session = new ApiKeySession(BENCH_API_KEY);
  const events = new EventsApi(session);
  const profiles = new ProfilesApi(session);
  if (basePath) {
    events.basePath = basePath;
    profiles.basePath = basePath;
  }
  switch (op) {
    case 'create-event':
      return (n) =>
        events.createEvent({
          data: {
            type: 'event',
            attributes: {
              properties: {
                theme: 'space',
                story_length: 1800,
                generation_time_seconds: 2.4,
                num_scenes: 5,
                user_mood: 'calm',
              },
              uniqueId: `sdk-${salt}-${n}`,
              metric: { data: { type: 'metric', attributes: { name: 'Story Generated' } } },
              profile: {
                data: {
                  type: 'profile',
                  attributes: {
                    email: `sdk.${salt}.${n}@bench.dreamflow.test`,
                    externalId: `u-${salt}-${n}`,
                  },
                },
              },
            },
          },
        } as never);
    case 'profile-import':
      return (n) =>
        profiles.createOrUpdateProfile({
          data: {
            type: 'profile',
            attributes: {
              email: `sdk.${salt}.${n}@bench.dreamflow.test`,
              externalId: `u-${salt}-${n}`,
              firstName: 'Ada',
              properties: { subscription_tier: 'premium', total_stories: n % 50, current_streak: n % 9 },
            },
          },
        } as never);
    case 'get-profiles':
      return (n) => profiles.getProfiles({ filter: `equals(email,"sdk.0.${n % 200}@bench.dreamflow.test")` });
  }
}

/** Run `call` with `concurrency` in flight for `seconds` (and at most 1M calls). */
async function drive(call: (n: number) => Promise<unknown>, seconds: number, concurrency: number) {
  let n = 0;
  let errors = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  const worker = async () => {
    while (performance.now() < until && n < 1_000_000) {
      try {
        await call(n++);
      } catch (err) {
        errors++;
        const e = err as { response?: { status?: number; data?: unknown }; message?: string };
        firstError ??= `${e.response?.status ?? ''} ${JSON.stringify(e.response?.data ?? e.message).slice(0, 300)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  return { calls: n, errors, firstError, callsPerSec: (n - errors) / elapsed };
}

async function main(): Promise<void> {
  exitWithParent();
  const [mode, op, secondsArg, concArg, url] = process.argv.slice(2) as [string, Op, string, string, string?];
  const seconds = Math.min(Number(secondsArg) || 2, 60);
  const concurrency = Math.min(Math.max(1, Number(concArg) || 10), 256);
  const warm = Math.min(2, seconds / 2);
  const out: Record<string, unknown> = { op, concurrency, seconds };

  if (mode === 'http') {
    const call = makeCall(op, url, 1);
    if (op === 'get-profiles') await seedProfilesOver(makeCall('profile-import', url, 0));
    await drive(call, warm, concurrency);
    out.http = await drive(call, seconds, concurrency);
  } else {
    const { klaviyoHandlers, createKlaviyoMock } = await importOptional<{
      klaviyoHandlers: (o: object) => Parameters<typeof setupServer>;
      createKlaviyoMock: (o: object) => unknown;
    }>('mocks/klaviyo/index.ts');
    const service = createKlaviyoMock({ rateLimits: false });
    const mockServer = setupServer(...klaviyoHandlers({ service }));
    const noop = (readBody: boolean) =>
      setupServer(
        http.all(`${BASE}/*`, async ({ request }) => {
          // The mock's msw adapter must read the body (request.text()); a variant that does the same and
          // nothing else separates the cost of that read from the mock's own work.
          if (readBody && request.method !== 'GET') await request.text();
          const out = answer(request.method, new URL(request.url).pathname, null);
          return new HttpResponse(out.body, {
            status: out.status,
            headers: { 'content-type': 'application/vnd.api+json' },
          });
        }),
      );
    const noopServer = noop(false);
    const readServer = noop(true);
    const call = makeCall(op, undefined, 1);
    const run = async (server: typeof mockServer, secs: number) => {
      server.listen({ onUnhandledRequest: 'error' });
      try {
        return await drive(call, secs, concurrency);
      } finally {
        server.close();
      }
    };
    if (op === 'get-profiles') {
      mockServer.listen({ onUnhandledRequest: 'error' });
      await seedProfilesOver(makeCall('profile-import', undefined, 0));
      mockServer.close();
    }
    if (mode === 'msw-mock') {
      await run(mockServer, warm);
      // BENCH_PROFILE_FILE: profile only the measured phase (not start-up) and write it there.
      const profileFile = process.env.BENCH_PROFILE_FILE;
      const stop = profileFile ? await startProfiling() : null;
      out.mock = await run(mockServer, seconds);
      if (stop && profileFile) out.profile = await stop(profileFile);
    } else {
      // Warm all up, then measure in ABCCBA order so linear drift (JIT, a neighbour's load) cancels out
      // of the ratios.
      // Two warm-up rounds: one was not enough (the first variant measured came out slowest).
      for (let i = 0; i < 2; i++) {
        await run(noopServer, warm / 2);
        await run(readServer, warm / 2);
        await run(mockServer, warm / 2);
      }
      type D = Awaited<ReturnType<typeof drive>>;
      const parts = { noop: [] as D[], read: [] as D[], mock: [] as D[] };
      parts.noop.push(await run(noopServer, seconds / 2));
      parts.read.push(await run(readServer, seconds / 2));
      parts.mock.push(await run(mockServer, seconds / 2));
      parts.mock.push(await run(mockServer, seconds / 2));
      parts.read.push(await run(readServer, seconds / 2));
      parts.noop.push(await run(noopServer, seconds / 2));
      const merge = (xs: Awaited<ReturnType<typeof drive>>[]) => ({
        calls: xs.reduce((s, x) => s + x.calls, 0),
        errors: xs.reduce((s, x) => s + x.errors, 0),
        firstError: xs.find((x) => x.firstError)?.firstError,
        callsPerSec: xs.reduce((s, x) => s + x.callsPerSec, 0) / xs.length,
      });
      out.noop = merge(parts.noop);
      out.noopReadBody = merge(parts.read);
      out.mock = merge(parts.mock);
    }
  }
  process.send?.(out);
  serveParent({});
}

/** get-profiles looks up 200 known emails; create them first through the same SDK. */
async function seedProfilesOver(call: (n: number) => Promise<unknown>): Promise<void> {
  for (let n = 0; n < 200; n++) await call(n).catch(() => undefined);
}

main().catch((err: Error) => process.send?.({ error: `sdk-load failed: ${err.message}` }));
