/**
 * How an MCP tool call reaches the Klaviyo mock: one function, `KlaviyoCall`, that takes a Klaviyo API
 * request (method, path, query, JSON body) and returns its status and parsed JSON:API body. Two
 * implementations, so every tool is written once:
 * - `inProcessCall(service, apiKey)`: straight into `service.handle` (the same core, store, journal,
 *   rate limits and fault layer the HTTP server uses; no network hop);
 * - `httpCall(baseUrl, apiKey)`: over HTTP to a running mock (`--klaviyo-url`), e.g. the one `up` starts.
 *
 * Both send what the `klaviyo-api` SDK sends (`Authorization: Klaviyo-API-Key …`, `revision`), so a tool
 * answers exactly what the API answers for the same account.
 */
import type { InternalAxiosRequestConfig } from 'axios';
import { sdkAxios } from '../../shared/direct-transport.ts';
import { createMockRequest } from '../../shared/http.ts';
import { settleInProcess } from '../../shared/in-process.ts';
import type { MockService } from '../../shared/service.ts';

/** The revision the mock emulates (and the klaviyo-api SDK 23.x hard-codes). */
export const MCP_KLAVIYO_REVISION = '2026-07-15';
/** The origin in-process answers' absolute `links` carry, as Klaviyo's own do. */
const IN_PROCESS_ORIGIN = 'https://a.klaviyo.com';

export interface KlaviyoRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** `/api/profiles/ID` */
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
}

export interface KlaviyoAnswer {
  status: number;
  /** The parsed JSON:API document; `null` for an empty body (e.g. `create_event`'s 202). */
  body: unknown;
}

export type KlaviyoCall = (req: KlaviyoRequest) => Promise<KlaviyoAnswer>;

function headers(apiKey: string, withBody: boolean): Record<string, string> {
  return {
    authorization: `Klaviyo-API-Key ${apiKey}`,
    revision: MCP_KLAVIYO_REVISION,
    accept: 'application/vnd.api+json',
    ...(withBody ? { 'content-type': 'application/vnd.api+json' } : {}),
  };
}

/**
 * The request URL as the klaviyo-api SDK would build it: axios's own `getUri` encodes the query, so the
 * absolute `links` in an answer are byte-identical to the ones the SDK gets for the same request.
 */
function buildUrl(base: string, req: KlaviyoRequest): URL {
  const params = Object.fromEntries(Object.entries(req.query ?? {}).filter(([, v]) => v !== undefined));
  const url = new URL(req.path, base).href;
  return new URL(sdkAxios().getUri({ url, params } as unknown as InternalAxiosRequestConfig));
}

function parseBody(text: string | null | undefined, status: number): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`Klaviyo answered ${status} with a body that is not JSON`);
  }
}

export function inProcessCall(service: MockService, apiKey: string): KlaviyoCall {
  return async (req) => {
    const withBody = req.body !== undefined;
    const out = await service.handle(
      createMockRequest({
        method: req.method,
        url: buildUrl(IN_PROCESS_ORIGIN, req),
        headers: headers(apiKey, withBody),
        body: withBody ? JSON.stringify(req.body) : '',
      }),
    );
    // An injected network fault surfaces as the error an HTTP client would see.
    const outcome = await settleInProcess(service, out);
    if ('networkError' in outcome)
      throw new Error(`Klaviyo connection failed (injected ${outcome.networkError})`);
    return { status: outcome.reply.status, body: parseBody(outcome.reply.body, outcome.reply.status) };
  };
}

export function httpCall(baseUrl: string, apiKey: string, fetchImpl: typeof fetch = fetch): KlaviyoCall {
  return async (req) => {
    const withBody = req.body !== undefined;
    const res = await fetchImpl(buildUrl(baseUrl, req), {
      method: req.method,
      headers: headers(apiKey, withBody),
      body: withBody ? JSON.stringify(req.body) : undefined,
    });
    return { status: res.status, body: parseBody(await res.text(), res.status) };
  };
}
