/**
 * Test worlds for the end-to-end tests: the Klaviyo mock, the fake Supabase and the Dream Flow stack,
 * wired either in-process (msw intercepts both official SDKs, VirtualClock) or over real HTTP on
 * 127.0.0.1 (Express servers, system clock). Plus read-back helpers that use the official Klaviyo SDK.
 */
import { ApiKeySession, EventsApi, ProfilesApi, RetryWithExponentialBackoff } from 'klaviyo-api';
import { setupServer } from 'msw/node';
import { type Clock, systemClock, VirtualClock } from '../../lib/clock.ts';
import { createFaultInjector } from '../../mocks/faults/index.ts';
import { createKlaviyoMock, klaviyoHandlers, startKlaviyoServer } from '../../mocks/klaviyo/index.ts';
import type { RunningServer } from '../../mocks/shared/listen.ts';
import { listen } from '../../mocks/shared/listen.ts';
import type { MockService } from '../../mocks/shared/service.ts';
import {
  createSupabaseMock,
  startSupabaseServer,
  supabaseHandlers,
  supabaseKeys,
} from '../../mocks/supabase/index.ts';
import type { DreamFlowApi } from '../../src/app/contract.ts';
import { createHttpDreamFlowClient } from '../../src/app/http-client.ts';
import { type AppServerOptions, createAppServer } from '../../src/app/server.ts';
import {
  createDreamFlowStack,
  type DreamFlowStack,
  type DreamFlowStackOptions,
} from '../../src/app/stack.ts';

export const KLAVIYO_KEY = 'pk_e2e_test_key';

export interface World {
  api: DreamFlowApi;
  stack: DreamFlowStack;
  klaviyo: MockService;
  supabase: MockService;
  klaviyoBaseUrl: string;
  clock: Clock;
  close(): Promise<void>;
}

const quiet = { warn: () => {} };

export async function inProcessWorld(
  options: Partial<DreamFlowStackOptions> = {},
): Promise<World & { clock: VirtualClock }> {
  const clock = new VirtualClock();
  const klaviyo = createKlaviyoMock({
    clock,
    faults: createFaultInjector({ clock, service: 'klaviyo' }),
    rateLimits: false,
  });
  const supabase = createSupabaseMock({ clock });
  const server = setupServer(
    ...klaviyoHandlers({ service: klaviyo }),
    ...supabaseHandlers({ service: supabase }),
  );
  server.listen({ onUnhandledRequest: 'error' });
  const keys = supabaseKeys();
  const stack = createDreamFlowStack({
    config: {
      klaviyoApiKey: KLAVIYO_KEY,
      klaviyoBaseUrl: 'https://a.klaviyo.com',
      supabaseUrl: 'http://supabase.local',
      supabaseAnonKey: keys.anon_key,
      supabaseServiceRoleKey: keys.service_role_key,
      klaviyoMcpUrl: '',
    },
    clock,
    seed: 42,
    logger: quiet,
    ...options,
  });
  return {
    api: stack.backend,
    stack,
    klaviyo,
    supabase,
    klaviyoBaseUrl: 'https://a.klaviyo.com',
    clock,
    async close() {
      await stack.close(60_000);
      server.close();
      klaviyo.close();
      supabase.close();
    },
  };
}

export async function httpWorld(
  options: Partial<DreamFlowStackOptions> = {},
  server: AppServerOptions = {},
): Promise<World & { app: RunningServer }> {
  const k = await startKlaviyoServer({
    port: 0,
    rateLimits: false,
    faults: createFaultInjector({ service: 'klaviyo' }),
  });
  const s = await startSupabaseServer({ port: 0 });
  const keys = supabaseKeys();
  const stack = createDreamFlowStack({
    config: {
      klaviyoApiKey: KLAVIYO_KEY,
      klaviyoBaseUrl: k.url,
      supabaseUrl: s.url,
      supabaseAnonKey: keys.anon_key,
      supabaseServiceRoleKey: keys.service_role_key,
      klaviyoMcpUrl: '',
    },
    clock: systemClock,
    seed: 42,
    logger: quiet,
    storyLatency: { baseMs: 0, perSceneMs: 0, jitterRatio: 0 },
    ...options,
  });
  const app = await listen(createAppServer(stack.backend, server), { port: 0 });
  return {
    api: createHttpDreamFlowClient(app.url),
    stack,
    klaviyo: k.service,
    supabase: s.service,
    klaviyoBaseUrl: k.url,
    clock: systemClock,
    app,
    async close() {
      await app.close();
      await stack.close(10_000);
      await k.close();
      await s.close();
    },
  };
}

/** The official SDK, pointed at the mock, for reading back what the integration stored. */
export function klaviyoReader(baseUrl: string, key = KLAVIYO_KEY) {
  const session = new ApiKeySession(key, new RetryWithExponentialBackoff({ numRetries: 0 }));
  const profiles = new ProfilesApi(session);
  const events = new EventsApi(session);
  profiles.basePath = baseUrl;
  events.basePath = baseUrl;
  return {
    async profileByUserId(userId: string) {
      const res = await profiles.getProfiles({ filter: `equals(external_id,"${userId}")` });
      return res.body.data;
    },
    /** Every event of a profile, with its metric name (follows pagination). */
    async eventsOf(
      profileId: string,
    ): Promise<{ metric: string; properties: Record<string, unknown>; uniqueId?: string }[]> {
      const out: { metric: string; properties: Record<string, unknown> }[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 100; page++) {
        const res = await events.getEvents({
          filter: `equals(profile_id,"${profileId}")`,
          include: ['metric'],
          ...(cursor ? { pageCursor: cursor } : {}),
        });
        const names = new Map<string, string>();
        for (const inc of res.body.included ?? []) {
          const i = inc as { type: string; id: string; attributes?: { name?: string } };
          if (String(i.type) === 'metric') names.set(i.id, i.attributes?.name ?? '');
        }
        for (const e of res.body.data) {
          const metricId = (e.relationships?.metric?.data as { id?: string } | undefined)?.id ?? '';
          out.push({
            metric: names.get(metricId) ?? `?${metricId}`,
            properties: (e.attributes?.eventProperties ?? {}) as Record<string, unknown>,
          });
        }
        cursor = res.body.links?.next ?? undefined;
        if (!cursor) break;
      }
      return out;
    },
  };
}

/** Every request body the Klaviyo mock received. */
export function klaviyoBodies(service: MockService): string[] {
  return service.journal.list().map((e) => e.requestBody ?? '');
}
