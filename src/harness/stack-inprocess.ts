/**
 * The in-process stack: the Klaviyo mock and the fake Supabase served to the official SDKs in this
 * process, the real integration (createDreamFlowStack) on top, and one VirtualClock under all of it, so
 * think times, injected latency and retry backoff cost no wall time.
 *
 * Two transports carry the SDKs' requests to the mocks (same journeys, events and fault sequence):
 * - `direct` (default): an axios adapter for the Klaviyo SDK and a `fetch` for supabase-js hand each
 *   request straight to `service.handle` (mocks/shared/direct-transport.ts) — several times faster;
 * - `msw`: msw's `setupServer` intercepts the process's HTTP stack, as a test suite would.
 *
 * Known limitations: the msw transport patches this process's HTTP stack, so one msw run at a time per
 * process; unhandled requests are errors (nothing leaves the machine).
 */

import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VirtualClock } from '../../lib/clock.ts';
import { createRng, type Rng } from '../../lib/prng.ts';
import { createFaultInjector } from '../../mocks/faults/index.ts';
import { createKlaviyoMock, klaviyoHandlers } from '../../mocks/klaviyo/index.ts';
import { inProcessMcpTransport } from '../../mocks/klaviyo/mcp/in-memory.ts';
import { createDirectAxiosAdapter, createDirectFetch } from '../../mocks/shared/direct-transport.ts';
import type { FaultInjector, MockService } from '../../mocks/shared/service.ts';
import { createSupabaseMock, supabaseHandlers, supabaseKeys } from '../../mocks/supabase/index.ts';
import { createDreamFlowStack, type DreamFlowStackOptions } from '../app/stack.ts';
import { KlaviyoWebhookReceiver, sdkProfileLookup } from '../app/webhooks.ts';
import { Instrumentation } from '../integration/instrumentation.ts';
import { CATALOG_PREFIX, catalogRelease, syncStoryCatalog } from '../integration/systems/catalog-sync.ts';
import { runChurnWinback } from '../integration/systems/churn-winback.ts';
import { runParentInsights } from '../integration/systems/parent-insights.ts';
import { registerWebhook } from '../integration/systems/webhooks-setup.ts';
import { exportKlaviyoData } from './export-data.ts';
import { combineFaultSummaries, FaultLog } from './fault-log.ts';
import { mcpFigures } from './mcp-figures.ts';
import { CallRecorder, type KlaviyoCallRecord, outboxFigures } from './metrics.ts';
import { DEFAULT_INTEGRATION, type IntegrationSettings } from './scenario-schema.ts';
import type { SimulationStack, StackOptions } from './stack.ts';
import {
  catalogSnapshot,
  EMAIL_METRIC_NAMES,
  emailEngagement,
  emailRecipients,
  integrationEventCount,
} from './systems/mock-reader.ts';
import {
  deliveryLog,
  prepareWebhookWorld,
  settleDeliveries,
  startWebhookBench,
  type WebhookBench,
} from './systems/webhook-bench.ts';
import type { TimelineRecorder } from './timeline.ts';
import { WireTap, withHandle } from './wiretap.ts';

const KLAVIYO_BASE = 'https://a.klaviyo.com';
const SUPABASE_BASE = 'http://supabase.local';
/** A well-formed private key: the mock treats each key as its own account. */
export const HARNESS_KLAVIYO_KEY = 'pk_dreamflow_harness_0000000000';
/** The simulation starts at midnight UTC on a fixed day, so bedtimes land on the same instants every run. */
export const SIMULATION_EPOCH = Date.UTC(2026, 0, 5);

/** A scenario's `integration:` block as the stack's options. */
export function stackSettings(i: IntegrationSettings) {
  return {
    nonBlocking: i.delivery === 'outbox',
    batching: i.batching ? undefined : (false as const),
    coalesceProfiles: i.coalesce_profile_syncs,
    cacheMode: i.cache,
    adaptive: i.adaptive,
  };
}

/** How often (simulated) the Klaviyo mock's due asynchronous work runs without a request to trigger it. */
const KLAVIYO_TICK_MS = 60_000;

/** How far ahead of the end of a run the mock's accepted asynchronous work (bulk jobs) may land. */
const ACCEPTED_WORK_SETTLE_MS = 1_000;

/** Map the integration's operation names to the report's categories. */
export function categorise(operation: string): KlaviyoCallRecord['category'] {
  if (/event/.test(operation)) return 'event';
  if (/^(create|update|create_or_update)_profile|profile_import|bulk_import_profiles$|sync/.test(operation))
    return 'profile_sync';
  if (/^get_/.test(operation)) return 'read';
  return 'other';
}

/**
 * Record every fault decision (label or `none`) in arrival order, one sequence per mock. How requests
 * to the two mocks interleave depends on the transport's event-loop hops, not on the scenario, so the
 * run's fault sequence is the Klaviyo mock's then the fake Supabase's: identical on msw and direct.
 */
function recordingInjector(
  inner: FaultInjector,
  log: FaultLog,
  service: string,
  timeline?: TimelineRecorder,
): FaultInjector {
  return {
    decide(req, operation, now) {
      const d = inner.decide(req, operation, now);
      log.record(`${service}:${d?.label ?? 'none'}`);
      timeline?.fault(now, d?.label);
      return d;
    },
    describe: () => inner.describe(),
    replace: (doc) => inner.replace(doc),
  };
}

function seededUuid(rng: Rng): () => string {
  return () => {
    const hex = Array.from({ length: 32 }, () => rng.int(0, 15).toString(16));
    hex[12] = '4';
    hex[16] = ((rng.int(0, 15) & 0x3) | 0x8).toString(16);
    const h = hex.join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
}

export async function createInProcessStack(options: StackOptions): Promise<SimulationStack> {
  const clock = new VirtualClock(SIMULATION_EPOCH);
  const rng = createRng(options.seed).fork('stack');
  const klaviyoLog = new FaultLog();
  const supabaseLog = new FaultLog();
  const timeline = options.timeline;
  const tap = new WireTap(
    timeline &&
      ((service, at, answeredAt, status) => {
        if (service === 'klaviyo') timeline.attempt(at, answeredAt, status);
      }),
  );

  const klaviyoFaults = recordingInjector(
    createFaultInjector({ profile: options.faults, seed: options.seed, clock, service: 'klaviyo' }),
    klaviyoLog,
    'klaviyo',
    timeline,
  );
  const supabaseFaults = recordingInjector(
    createFaultInjector({ profile: options.faults, seed: options.seed + 1, clock, service: 'supabase' }),
    supabaseLog,
    'supabase',
    timeline,
  );
  const klaviyo: MockService = createKlaviyoMock({
    clock,
    faults: klaviyoFaults,
    rateLimits: options.rateLimits,
    seed: options.seed,
    journalSize: 1000,
  });
  const supabase: MockService = createSupabaseMock({
    clock,
    faults: supabaseFaults,
    newId: seededUuid(rng.fork('supabase-ids')),
    journalSize: 1000,
  });

  const tappedKlaviyo = watchRequests(tap.wrap(klaviyo), options.onKlaviyoRequest);
  const tappedSupabase = tap.wrap(supabase);
  const transport = options.transport ?? 'direct';
  let server: { close(): void } | undefined;
  let direct: Pick<DreamFlowStackOptions, 'klaviyoAdapter' | 'supabaseFetch'> = {};
  if (transport === 'msw') {
    const { setupServer } = await import('msw/node');
    const msw = setupServer(
      ...klaviyoHandlers({ service: tappedKlaviyo, baseUrls: [KLAVIYO_BASE] }),
      ...supabaseHandlers({ service: tappedSupabase, baseUrls: [SUPABASE_BASE] }),
    );
    msw.listen({ onUnhandledRequest: 'error' });
    server = msw;
  } else {
    direct = {
      klaviyoAdapter: createDirectAxiosAdapter({ [KLAVIYO_BASE]: tappedKlaviyo }),
      supabaseFetch: createDirectFetch({ [SUPABASE_BASE]: tappedSupabase }),
    };
  }

  // The offline MCP server on the run's Klaviyo mock (untapped: its reads are not the integration's
  // calls), linked in memory; `down` is a server that cannot be reached, so every use case falls back.
  const mcpMode = options.mcp ?? 'off';
  const mcpTransport =
    mcpMode === 'up'
      ? () => inProcessMcpTransport(klaviyo, HARNESS_KLAVIYO_KEY)
      : mcpMode === 'down'
        ? () => {
            throw new Error('connect ECONNREFUSED (scenario mcp: down)');
          }
        : undefined;
  const keys = supabaseKeys();
  // Calls are counted as they are made, not kept: memory stays flat however many families run.
  const instrumentation = new Instrumentation(0);
  const callRecorder = new CallRecorder();
  instrumentation.onCall((c) => {
    callRecorder.record({
      operation: c.operation,
      category: categorise(c.operation),
      attempts: c.attempts,
      outcome: c.outcome,
      latencyMs: c.totalMs,
      failedAttempts: c.attempts - (c.outcome === 'success' ? 1 : 0),
      items: c.items,
      throttledAttempts: c.throttledAttempts,
    });
    timeline?.call(c.at, c.attempts);
  });
  instrumentation.onSkip((operation) => callRecorder.skip(operation));
  let app: ReturnType<typeof createDreamFlowStack>;
  try {
    app = createDreamFlowStack({
      instrumentation,
      config: {
        klaviyoApiKey: HARNESS_KLAVIYO_KEY,
        klaviyoBaseUrl: KLAVIYO_BASE,
        supabaseUrl: SUPABASE_BASE,
        supabaseAnonKey: keys.anon_key,
        supabaseServiceRoleKey: keys.service_role_key,
        klaviyoMcpUrl: '',
      },
      env: {},
      clock,
      seed: options.seed,
      logger: quietLogger,
      mcpTransport,
      ...stackSettings(options.integration ?? DEFAULT_INTEGRATION),
      ...direct,
    });
  } catch (err) {
    server?.close();
    klaviyo.close();
    supabase.close();
    throw err;
  }

  let closed = false;
  // Klaviyo's own asynchronous work (webhook retries, campaign sends, bulk jobs) runs when the mock
  // handles a request; in a quiet stretch of simulated time nothing would. A tick on the clock lets it
  // happen when it is due, as it would at Klaviyo, however few calls the integration makes.
  const ticker = new AbortController();
  void (async () => {
    for (let i = 0; i < 10_000_000 && !ticker.signal.aborted; i++) {
      await clock.sleep(KLAVIYO_TICK_MS, ticker.signal).catch(() => {});
      if (!ticker.signal.aborted) klaviyo.core.runAcceptedWork?.(clock.now());
    }
  })();
  let bench: WebhookBench | undefined;
  let webhookSince = 0;
  return {
    mode: 'inprocess',
    api: app.backend,
    clock,
    calls: () => {
      const ra = tap.retryAfter('klaviyo');
      return callRecorder.tally({ throttled: ra.throttled, retryAfterPairs: ra.pairs });
    },
    cache: () => {
      const s = app.cache.stats();
      return { hits: s.hits, misses: s.misses, savedCalls: s.savedCalls };
    },
    outbox: () => outboxFigures(app.outbox?.stats()),
    flush: async (deadline) => {
      await app.outbox?.flush(Math.max(0, deadline - clock.now()));
    },
    mcp: () => (mcpMode === 'off' ? undefined : mcpFigures(mcpMode, app.mcp.status())),
    // The integration's events only: campaigns add Klaviyo's own email events (Received Email, …).
    eventsStored: async () => {
      // Bulk events are accepted first and land a moment later (a job on the mock's clock): count
      // what Klaviyo holds once the work it already accepted has run.
      klaviyo.core.runAcceptedWork?.(clock.now() + ACCEPTED_WORK_SETTLE_MS);
      return integrationEventCount(klaviyo);
    },
    systems: {
      churnWinback: ({ threshold }) => {
        if (!app.marketing) throw new Error('the churn job needs a Klaviyo key');
        return runChurnWinback({ db: app.supabase.db, marketing: app.marketing, threshold });
      },
      parentInsights: () => {
        if (!app.marketing) throw new Error('the insights job needs a Klaviyo key');
        return runParentInsights({ db: app.supabase.db, marketing: app.marketing });
      },
      catalogSync: async (release) => {
        if (!app.marketing) throw new Error('the catalog sync needs a Klaviyo key');
        const desired = catalogRelease(release);
        const result = await syncStoryCatalog(app.marketing, desired);
        const held = catalogSnapshot(klaviyo);
        let drift = 0;
        for (const i of desired.items) {
          const h = held.get(`${CATALOG_PREFIX}${i.id}`);
          const want = i.categories.map((c) => `${CATALOG_PREFIX}${c}`).sort();
          if (!h || h.title !== i.title || h.categories.join() !== want.join()) drift++;
        }
        drift += [...held.keys()].filter(
          (id) => !desired.items.some((i) => `${CATALOG_PREFIX}${i.id}` === id),
        ).length;
        return { ...result, drift, items: held.size };
      },
      startWebhooks: async ({ failBefore, failAfter, unsubscribeRate }) => {
        if (!app.marketing) throw new Error('webhooks need a Klaviyo key');
        if (bench) return;
        const account = createHash('sha256').update(HARNESS_KLAVIYO_KEY).digest('hex').slice(0, 16);
        prepareWebhookWorld(klaviyo, account, clock.now(), unsubscribeRate);
        const secret = `whsec_${options.seed}`;
        const receiver = new KlaviyoWebhookReceiver({
          secret,
          db: app.supabase.db,
          clock,
          profile: sdkProfileLookup(app.marketing.profiles),
          toleranceMs: 86_400_000,
        });
        bench = await startWebhookBench(receiver, { failBefore, failAfter }, options.seed);
        webhookSince = clock.now();
        await registerWebhook(app.marketing, bench.url, secret);
      },
      webhookFigures: async () => {
        if (!bench) return null;
        await settleDeliveries(klaviyo, clock, bench);
        const log = deliveryLog(klaviyo);
        const s = bench.stats();
        const db = (klaviyo.core as import('../../mocks/klaviyo/provider.ts').KlaviyoCore).store.db;
        const truth = db
          .prepare(
            `SELECT count(DISTINCT p.email) AS n FROM events e JOIN profiles p ON p.seq = e.profile
               JOIN metrics m ON m.id = e.metric_id AND m.account = e.account
             WHERE m.name = 'Unsubscribed' AND e.datetime >= ?`,
          )
          .get(webhookSince) as { n: number };
        const { count } = await app.supabase.db
          .from('profiles')
          .select('id', { count: 'exact', head: true })
          .eq('email_status', 'unsubscribed');
        const deliveries = new Set(log.attempts.map((a) => a.delivery)).size;
        const figures = {
          attempts: log.attempts.length,
          deliveries,
          retries: log.attempts.length - deliveries,
          gaveUp: log.attempts.filter((a) => a.outcome === 'gave_up').length,
          injectedBefore: bench.injected.before,
          injectedAfter: bench.injected.after,
          duplicates: s.duplicates,
          acted: s.acted.unsubscribed + s.acted.bounced + s.acted.spam,
          rejected: s.rejected.signature + s.rejected.timestamp + s.rejected.webhookId + s.rejected.malformed,
          unsubscribedInKlaviyo: truth.n,
          unsubscribedInSupabase: count ?? 0,
        };
        await bench.close();
        return figures;
      },
      recipients: (prefix) => emailRecipients(klaviyo, EMAIL_METRIC_NAMES.received, prefix),
      inbox: (email, since, prefix) => emailEngagement(klaviyo, email, since, prefix),
    },
    faults: () => combineFaultSummaries([klaviyoLog.summary(), supabaseLog.summary()]),
    exportData: async (dir) => {
      mkdirSync(dir, { recursive: true });
      const files = await exportKlaviyoData(klaviyo, HARNESS_KLAVIYO_KEY, dir);
      const metricsFile = join(dir, 'instrumentation.json');
      writeFileSync(metricsFile, `${JSON.stringify(app.instrumentation.summary(), null, 2)}\n`);
      return [...files, metricsFile];
    },
    close: async () => {
      if (closed) return;
      closed = true;
      ticker.abort();
      await bench?.close().catch(() => {});
      try {
        await app.close(0);
      } finally {
        server?.close();
        klaviyo.close();
        supabase.close();
      }
    },
  };
}

/** A service that shows `watch` every emulated-API request first (fields listed, as WireTap does). */
function watchRequests(service: MockService, watch: StackOptions['onKlaviyoRequest']): MockService {
  if (!watch) return service;
  return withHandle(service, (req) => {
    if (!req.path.startsWith('/__admin')) watch({ method: req.method, path: req.path, body: req.body });
    return service.handle(req);
  });
}

/** The integration logs every warning; a run prints its own summary instead. */
const quietLogger = {
  info: () => {},
  warn: () => {},
  error: () => {},
  debug: () => {},
};
