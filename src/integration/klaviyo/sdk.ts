/**
 * The official `klaviyo-api` SDK, configured for our retry policy.
 *
 * The SDK's own `RetryWithExponentialBackoff` sleeps with real `setTimeout` and jitters with
 * `Math.random`, which would make runs unrepeatable and make the harness wait for real; we turn it off
 * (`numRetries: 0`) and retry in `retry.ts` on the injected Clock. A per-request time-out (wall clock,
 * axios `timeout`) keeps a hung connection from holding a worker slot forever.
 */
import type { AxiosAdapter, AxiosRequestConfig, AxiosResponse } from 'axios';
import { ApiKeySession, EventsApi, MetricsApi, ProfilesApi, RetryWithExponentialBackoff } from 'klaviyo-api';

export class TimedApiKeySession extends ApiKeySession {
  constructor(
    apiKey: string,
    private readonly timeoutMs: number,
    private readonly adapter?: AxiosAdapter,
  ) {
    super(apiKey, new RetryWithExponentialBackoff({ numRetries: 0 }));
  }

  override requestWithRetry(config: AxiosRequestConfig): Promise<AxiosResponse> {
    config.timeout = this.timeoutMs;
    // An injected adapter (the harness's direct in-process transport) replaces axios's HTTP adapter.
    if (this.adapter) config.adapter = this.adapter;
    return super.requestWithRetry(config);
  }
}

export interface KlaviyoApis {
  profiles: ProfilesApi;
  events: EventsApi;
  metrics: MetricsApi;
}

export function createKlaviyoApis(
  apiKey: string,
  baseUrl: string,
  timeoutMs = 10_000,
  adapter?: AxiosAdapter,
): KlaviyoApis {
  const session = new TimedApiKeySession(apiKey, timeoutMs, adapter);
  const profiles = new ProfilesApi(session);
  const events = new EventsApi(session);
  const metrics = new MetricsApi(session);
  for (const api of [profiles, events, metrics]) api.basePath = baseUrl;
  return { profiles, events, metrics };
}
