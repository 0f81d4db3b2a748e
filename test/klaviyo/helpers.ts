/**
 * Shared set-up for the Klaviyo mock tests: a mock on 127.0.0.1:0 whose every response is checked
 * against the OpenAPI spec, and the official SDK's API classes pointed at it (no retries: the SDK
 * would otherwise sleep for real on 429/503).
 */
import {
  ApiKeySession,
  EventsApi,
  ListsApi,
  MetricsApi,
  ProfilesApi,
  RetryWithExponentialBackoff,
  SegmentsApi,
} from 'klaviyo-api';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll } from 'vitest';
import {
  createKlaviyoMock,
  type KlaviyoMockOptions,
  klaviyoHandlers,
  type StartKlaviyoOptions,
  startKlaviyoServer,
} from '../../mocks/klaviyo/index.ts';
import type { MockService } from '../../mocks/shared/service.ts';
import { useKlaviyoContract } from '../support/klaviyo-contract.ts';

export const REVISION = '2026-07-15';

/** The SDK's API classes for one key; without `basePath` they keep `https://a.klaviyo.com` (for msw). */
export function sdk(key: string, basePath?: string) {
  const session = new ApiKeySession(key, new RetryWithExponentialBackoff({ numRetries: 0 }));
  const all = {
    profiles: new ProfilesApi(session),
    events: new EventsApi(session),
    metrics: new MetricsApi(session),
    lists: new ListsApi(session),
    segments: new SegmentsApi(session),
  };
  if (basePath) for (const api of Object.values(all)) api.basePath = basePath;
  return all;
}

/** Call in a describe/file scope: registers the contract check's afterAll. */
export function contractChecked() {
  return useKlaviyoContract();
}

export async function startChecked(
  contract: ReturnType<typeof useKlaviyoContract>,
  opts: StartKlaviyoOptions = {},
) {
  return startKlaviyoServer({ rateLimits: false, ...opts, onResponse: contract.onResponse });
}

/**
 * In-process: a mock behind msw on https://a.klaviyo.com (the SDK's default base path), every response
 * checked against the spec. Call in a describe scope: it listens before the tests and closes after.
 */
export function inProcessChecked(
  contract: ReturnType<typeof useKlaviyoContract>,
  opts: KlaviyoMockOptions = {},
): MockService {
  const service = createKlaviyoMock({ rateLimits: false, ...opts, onResponse: contract.onResponse });
  const msw = setupServer(...klaviyoHandlers({ service }));
  beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => {
    msw.close();
    service.close();
  });
  return service;
}

/** The HTTP error an SDK call failed with (axios error → status + parsed body). */
export async function sdkError(p: Promise<unknown>): Promise<{ status: number; data: any; headers: any }> {
  try {
    await p;
  } catch (err) {
    const e = err as { response?: { status: number; data: unknown; headers: unknown } };
    if (!e.response) throw err;
    return { status: e.response.status, data: e.response.data, headers: e.response.headers };
  }
  throw new Error('expected the call to fail');
}

/** The SDK's models use camelCase names and drop unknown keys; tests write wire (snake_case) names. */
function camel(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(obj).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v]),
  );
}

export function eventBody(
  metric: string,
  profile: Record<string, unknown>,
  extra: Record<string, unknown> = {},
  properties: Record<string, unknown> = {},
) {
  return {
    data: {
      type: 'event',
      attributes: {
        properties,
        metric: { data: { type: 'metric', attributes: { name: metric } } },
        profile: { data: { type: 'profile', attributes: camel(profile) } },
        ...camel(extra),
      },
    },
  } as any;
}

export function profileBody(attributes: Record<string, unknown>, id?: string) {
  return { data: { type: 'profile', ...(id ? { id } : {}), attributes: camel(attributes) } } as any;
}

/** Raw fetch with Klaviyo's headers (override or drop any with `headers`). */
export function raw(
  base: string,
  path: string,
  init: { method?: string; body?: string; headers?: Record<string, string | undefined> } = {},
) {
  const headers: Record<string, string> = {};
  const merged = {
    authorization: 'Klaviyo-API-Key pk_raw',
    revision: REVISION,
    'content-type': 'application/vnd.api+json',
    ...init.headers,
  };
  for (const [k, v] of Object.entries(merged)) if (v !== undefined) headers[k] = v;
  return fetch(`${base}${path}`, { method: init.method ?? 'GET', body: init.body, headers });
}
