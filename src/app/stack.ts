/**
 * Wires the whole integration for one environment: config → supabase-js clients, KlaviyoService (official
 * SDK), circuit breaker, outbox + worker, cache, MCP adapter, story generator, backend. Used by
 * `dreamflow-sim app`, `dreamflow-sim up` and the harness's in-process mode — where msw intercepts both
 * SDKs and a VirtualClock drives every wait: all time comes from `clock`, all randomness from `seed`/`rng`.
 */

import type { SupabaseClient } from '@supabase/supabase-js';
import type { AxiosAdapter } from 'axios';
import { type Clock, systemClock } from '../../lib/clock.ts';
import { createRng, type Rng } from '../../lib/prng.ts';
import { Cache } from '../integration/cache.ts';
import { type BreakerOptions, CircuitBreaker } from '../integration/circuit-breaker.ts';
import { assertSupabaseConfigured, type IntegrationConfig, loadConfig } from '../integration/config.ts';
import { Instrumentation } from '../integration/instrumentation.ts';
import { KlaviyoMarketing } from '../integration/klaviyo/marketing.ts';
import { type CacheMode, KlaviyoService, type Logger } from '../integration/klaviyo/service.ts';
import { KlaviyoMcpAdapter, type McpAdapterOptions } from '../integration/mcp.ts';
import { type BatchingOptions, Outbox, type OutboxStats } from '../integration/outbox/worker.ts';
import type { AdaptiveMode } from '../integration/personalization/story-plan.ts';
import type { RetryPolicy } from '../integration/retry.ts';
import { StoryGenerator, type StoryLatency } from '../integration/story-generator.ts';
import { createSupabaseClients, type SupabaseClients } from '../integration/supabase.ts';
import { createDreamFlowBackend, type DreamFlowBackend } from './backend.ts';
import { KlaviyoWebhookReceiver, sdkProfileLookup } from './webhooks.ts';

export interface DreamFlowStackOptions {
  /** Where the integration's measurements go (default: a new one keeping up to 1,000,000 records). */
  instrumentation?: Instrumentation;
  /** Explicit settings; anything missing is read from `env` (default process.env). */
  config?: Partial<IntegrationConfig>;
  env?: Record<string, string | undefined>;
  clock?: Clock;
  seed?: number;
  rng?: Rng;
  /** Outbox SQLite file (default `:memory:`). */
  outboxPath?: string;
  outboxConcurrency?: number;
  /** Delivery rounds (each the whole retry policy) before a job is dead-lettered (default 5). */
  deliveryRounds?: number;
  /** false → Klaviyo calls are awaited inline (the seeds' original, blocking behaviour). Default true. */
  nonBlocking?: boolean;
  /** Bulk calls when volume calls for it (default on); false → every job is a single call. */
  batching?: Partial<BatchingOptions> | false;
  /** Fold a queued profile sync into the next one of the same user (default true). */
  coalesceProfiles?: boolean;
  /** What a profile sync does to cached reads (default `invalidate`). */
  cacheMode?: CacheMode;
  storyLatency?: Partial<StoryLatency>;
  /**
   * The adaptive story engine on the story path: `off` (default, every story plain), `on`, or `ab`
   * (half the families, by a hash of their user id salted with `adaptiveSalt`, default `ab:<seed>`).
   */
  adaptive?: AdaptiveMode;
  adaptiveSalt?: string;
  cacheTtlMs?: number;
  breaker?: BreakerOptions;
  retryPolicy?: RetryPolicy;
  requestTimeoutMs?: number;
  logger?: Logger;
  /** Injected clients (tests). */
  supabase?: SupabaseClients;
  /** axios adapter for the Klaviyo SDK (the harness's direct in-process transport); default HTTP. */
  klaviyoAdapter?: AxiosAdapter;
  /** fetch for supabase-js (the harness's direct in-process transport); default a keep-alive node:http pool. */
  supabaseFetch?: typeof fetch;
  /** MCP transport for the adapter instead of Streamable HTTP to KLAVIYO_MCP_URL (the harness links one in-process). */
  mcpTransport?: McpAdapterOptions['transport'];
}

export interface DreamFlowStack {
  config: IntegrationConfig;
  backend: DreamFlowBackend;
  klaviyo: KlaviyoService;
  outbox: Outbox | null;
  cache: Cache;
  instrumentation: Instrumentation;
  mcp: KlaviyoMcpAdapter;
  supabase: SupabaseClients;
  /** Klaviyo's marketing APIs for the scheduled jobs (src/integration/systems/); null without a key. */
  marketing: KlaviyoMarketing | null;
  /** Klaviyo's webhooks (`POST /webhooks/klaviyo`) when KLAVIYO_WEBHOOK_SECRET is set; else null. */
  webhooks: KlaviyoWebhookReceiver | null;
  clock: Clock;
  rng: Rng;
  /** Flush the outbox within `deadlineMs` (Clock time) and stop the worker. */
  close(deadlineMs?: number): Promise<OutboxStats | null>;
}

export function createDreamFlowStack(options: DreamFlowStackOptions = {}): DreamFlowStack {
  const config = loadConfig(options.config, options.env);
  if (!options.supabase) assertSupabaseConfigured(config);
  const clock = options.clock ?? systemClock;
  const rng = options.rng ?? createRng(options.seed ?? 1);
  const supabase =
    options.supabase ??
    createSupabaseClients(
      config.supabaseUrl,
      config.supabaseAnonKey,
      config.supabaseServiceRoleKey,
      options.supabaseFetch,
    );
  const instrumentation = options.instrumentation ?? new Instrumentation();
  const cache = new Cache({ clock, defaultTtlMs: options.cacheTtlMs, instrumentation });
  const breaker = new CircuitBreaker(clock, options.breaker);
  const klaviyo = new KlaviyoService({
    apiKey: config.klaviyoApiKey,
    baseUrl: config.klaviyoBaseUrl,
    clock,
    rng: rng.fork('klaviyo'),
    instrumentation,
    breaker,
    retryPolicy: options.retryPolicy,
    cache,
    supabase: supabase.db,
    logger: options.logger,
    requestTimeoutMs: options.requestTimeoutMs,
    adapter: options.klaviyoAdapter,
    cacheMode: options.cacheMode,
  });
  let outbox: Outbox | null = null;
  if ((options.nonBlocking ?? true) && klaviyo.enabled) {
    outbox = new Outbox({
      path: options.outboxPath,
      deliver: (job) => klaviyo.deliver(job, 'outbox'),
      deliverBatch: (jobs) => klaviyo.deliverBatch(jobs),
      batching: options.batching,
      coalesceProfiles: options.coalesceProfiles,
      breaker,
      clock,
      rng: rng.fork('outbox'),
      concurrency: options.outboxConcurrency,
      // A delivery is 3 attempts; 5 rounds spaced by backoff keep a 14 %-error Klaviyo from
      // dead-lettering jobs that the next minute would have delivered.
      deliveryRounds: options.deliveryRounds ?? 5,
      retryPolicy: options.retryPolicy,
      instrumentation,
    });
    klaviyo.useSink(outbox);
    outbox.start();
  }
  const mcp = new KlaviyoMcpAdapter({ url: config.klaviyoMcpUrl, clock, transport: options.mcpTransport });
  // Ids are drawn from the seed, so a restart on the same persisted outbox would redraw ids already
  // stored; the run counter kept in that file makes run 2, 3, … draw fresh ones (run 1 is unchanged).
  const run = outbox && options.outboxPath && options.outboxPath !== ':memory:' ? outbox.store.nextRun() : 1;
  const idRng = run > 1 ? rng.fork(`run-${run}`) : rng;
  const storyGenerator = new StoryGenerator(clock, idRng.fork('stories'), options.storyLatency);
  const backend = createDreamFlowBackend({
    supabase: supabase.db,
    supabaseAuth: supabase.auth,
    klaviyo,
    outbox: outbox ?? undefined,
    cache,
    mcp,
    clock,
    rng: idRng.fork('app'),
    storyGenerator,
    instrumentation,
    adaptive: {
      mode: options.adaptive ?? 'off',
      salt: options.adaptiveSalt ?? `ab:${options.seed ?? options.rng?.seed ?? 1}`,
    },
  });
  // Its own stream: the jobs' retry jitter must not shift the draws of the journeys' calls.
  const marketing = klaviyo.enabled
    ? new KlaviyoMarketing({
        apiKey: config.klaviyoApiKey,
        baseUrl: config.klaviyoBaseUrl,
        clock,
        rng: rng.fork('marketing'),
        instrumentation,
        adapter: options.klaviyoAdapter,
        requestTimeoutMs: options.requestTimeoutMs,
      })
    : null;
  const secret = (options.env ?? process.env).KLAVIYO_WEBHOOK_SECRET;
  const webhooks =
    secret && marketing
      ? new KlaviyoWebhookReceiver({
          secret,
          db: supabase.db,
          clock,
          profile: sdkProfileLookup(marketing.profiles),
        })
      : null;
  let closing: Promise<OutboxStats | null> | null = null;
  return {
    marketing,
    webhooks,
    config,
    backend,
    klaviyo,
    outbox,
    cache,
    instrumentation,
    mcp,
    supabase,
    clock,
    rng,
    close(deadlineMs = 10_000) {
      closing ??= (async () => {
        const stats = outbox ? await outbox.close(deadlineMs) : null;
        await mcp.close();
        await Promise.allSettled([closeRealtime(supabase.auth), closeRealtime(supabase.db)]);
        // Only the pool this stack opened: injected clients belong to their caller.
        if (!options.supabase) await supabase.close?.();
        return stats;
      })();
      return closing;
    },
  };
}

/**
 * Tear down realtime only if it was ever used: supabase-js's disconnect arms a 10 s wall-clock timer it
 * never clears, which would keep the process alive after a run when realtime never connected at all.
 */
async function closeRealtime(client: SupabaseClient): Promise<void> {
  const rt = client.realtime;
  if (rt.getChannels().length === 0 && !rt.isConnected() && !rt.isConnecting()) return;
  await client.removeAllChannels();
}
