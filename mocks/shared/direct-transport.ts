/**
 * Direct in-process transport: the official SDKs run unchanged, but their requests reach
 * `service.handle(MockRequest)` without msw's interception layer (which costs about 1 ms per call and
 * capped the harness at ~1,000 SDK calls/s).
 *
 * - `createDirectFetch(routes)`: a `fetch` for supabase-js (`createClient(url, key, { global: { fetch } })`).
 * - `createDirectAxiosAdapter(routes)`: an axios adapter for the klaviyo-api SDK (`config.adapter`).
 *
 * Both route by origin (`https://a.klaviyo.com` → the Klaviyo mock) and translate network faults the
 * way the msw adapter does, so a run gives the same journeys, events and fault sequence on either path:
 * `reset`/`empty`/`truncated` become a network error, `malformed` a broken body with its status, and
 * `hang` waits IN_PROCESS_HANG_MS on the service's clock (free on a virtual clock) before failing.
 *
 * Known limitations: no cookies, redirects, compression or streaming bodies (neither SDK needs them);
 * request bodies must be strings, `URLSearchParams` or bytes; axios's wall-clock `timeout` is not applied
 * (time is the service clock's; hangs end after IN_PROCESS_HANG_MS of it).
 */
import { STATUS_CODES } from 'node:http';
import { createRequire } from 'node:module';
import type { AxiosAdapter, AxiosError, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { createMockRequest } from './http.ts';
import { IN_PROCESS_HANG_MS, settleInProcess } from './in-process.ts';
import type { MockService } from './service.ts';

/** Origin (`https://a.klaviyo.com`) or base URL → the mock that answers it. */
export type DirectRoutes = Record<string, MockService>;

/** The parts of the axios module the adapter needs (the SDK's own copy: see `sdkAxios`). */
export interface AxiosLib {
  getUri(config: InternalAxiosRequestConfig): string;
  AxiosError: typeof AxiosError;
  AxiosHeaders: { from(headers: Record<string, string>): unknown };
}

/**
 * The CommonJS axios that `klaviyo-api` `require`s. An ESM `import 'axios'` loads a different module
 * instance (the ESM build), whose classes would not be the SDK's.
 */
export function sdkAxios(): AxiosLib {
  return createRequire(import.meta.url)('axios') as AxiosLib;
}

function router(routes: DirectRoutes): (url: URL) => MockService | undefined {
  const byOrigin = new Map<string, MockService>();
  for (const [base, service] of Object.entries(routes)) byOrigin.set(new URL(base).origin, service);
  return (url) => byOrigin.get(url.origin);
}

function noRoute(url: URL, routes: DirectRoutes): Error {
  return new Error(
    `direct transport: no in-process mock for ${url.origin} (known: ${Object.keys(routes).join(', ')}); ` +
      'point the client at one of those base URLs or add a route',
  );
}

function bodyText(body: unknown): string {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof ArrayBuffer) return Buffer.from(body).toString('utf8');
  if (ArrayBuffer.isView(body))
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  throw new TypeError(
    `direct transport: unsupported request body (${Object.prototype.toString.call(body)}); send a string, URLSearchParams or bytes`,
  );
}

function abortError(signal: AbortSignal | undefined | null): Error {
  const reason = signal?.reason;
  if (reason instanceof Error) return reason;
  return new DOMException('This operation was aborted', 'AbortError');
}

/** A `fetch` that answers from in-process mocks (supabase-js's `global.fetch`). */
export function createDirectFetch(routes: DirectRoutes): typeof fetch {
  const route = router(routes);
  return async function directFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
    let method = init.method;
    let headers = init.headers;
    let body: string;
    let urlText: string;
    const signal = init.signal ?? (input instanceof Request ? input.signal : undefined);
    if (input instanceof Request) {
      urlText = input.url;
      method ??= input.method;
      headers ??= input.headers;
      body = init.body !== undefined ? bodyText(init.body) : input.body ? await input.text() : '';
    } else {
      urlText = String(input);
      body = bodyText(init.body);
    }
    if (signal?.aborted) throw abortError(signal);
    const url = new URL(urlText);
    const service = route(url);
    if (!service) throw new TypeError('fetch failed', { cause: noRoute(url, routes) });
    method = (method ?? 'GET').toUpperCase();
    const req = createMockRequest({
      method,
      url,
      headers: normaliseFetchHeaders(headers),
      body: method === 'GET' || method === 'HEAD' ? '' : body,
    });
    const out = await service.handle(req);
    if (signal?.aborted) throw abortError(signal);
    const outcome = await settleInProcess(service, out, signal);
    // What undici throws when a connection dies.
    if ('networkError' in outcome)
      throw new TypeError('fetch failed', { cause: networkCause(outcome.networkError) });
    const { reply } = outcome;
    const nullBody =
      reply.status === 204 || reply.status === 205 || reply.status === 304 || method === 'HEAD';
    return new Response(nullBody ? null : reply.body || null, {
      status: reply.status,
      statusText: STATUS_CODES[reply.status] ?? '',
      headers: reply.headers,
    });
  };
}

function normaliseFetchHeaders(
  headers: HeadersInit | undefined,
): Record<string, string> | Headers | undefined {
  if (headers === undefined || headers instanceof Headers) return headers;
  if (Array.isArray(headers)) return new Headers(headers);
  return headers as Record<string, string>;
}

function networkCause(fault: string): Error & { code: string } {
  const err = new Error(
    `socket ${fault === 'hang' ? 'timed out' : 'hang up'} (injected ${fault})`,
  ) as Error & {
    code: string;
  };
  err.code = fault === 'hang' ? 'ETIMEDOUT' : 'ECONNRESET';
  return err;
}

/**
 * An axios adapter that answers from in-process mocks. The URL (with `params`) is built by axios's own
 * `getUri`, so query strings are byte-identical to what the HTTP adapter would send; status validation
 * follows `config.validateStatus` as axios's `settle` does.
 */
export function createDirectAxiosAdapter(routes: DirectRoutes, lib: AxiosLib = sdkAxios()): AxiosAdapter {
  const route = router(routes);
  const { AxiosError: AxiosErrorClass, AxiosHeaders } = lib;
  return async function directAxiosAdapter(config: InternalAxiosRequestConfig): Promise<AxiosResponse> {
    // getUri re-merges the config with axios's defaults: only worth it when there is something to add.
    const params = config.params as Record<string, unknown> | URLSearchParams | undefined;
    const hasParams =
      params && (params instanceof URLSearchParams ? params.size > 0 : Object.keys(params).length > 0);
    const url = new URL(hasParams || config.baseURL ? lib.getUri(config) : String(config.url));
    const service = route(url);
    const request = { method: config.method?.toUpperCase(), url: url.href, transport: 'direct' };
    if (!service) {
      throw new AxiosErrorClass(noRoute(url, routes).message, 'ERR_INVALID_URL', config, request);
    }
    const signal = config.signal as AbortSignal | undefined;
    if (signal?.aborted) throw new AxiosErrorClass('canceled', 'ERR_CANCELED', config, request);
    const method = (config.method ?? 'get').toUpperCase();
    const headers = config.headers?.toJSON ? config.headers.toJSON(true) : config.headers;
    const req = createMockRequest({
      method,
      url,
      headers: headers as Record<string, string>,
      body: method === 'GET' || method === 'HEAD' ? '' : bodyText(config.data),
    });
    const out = await service.handle(req);
    let outcome: Awaited<ReturnType<typeof settleInProcess>>;
    try {
      outcome = await settleInProcess(service, out, signal);
    } catch {
      // Only an abort during an injected hang rejects here.
      throw new AxiosErrorClass('canceled', 'ERR_CANCELED', config, request);
    }
    if ('networkError' in outcome) {
      if (outcome.networkError === 'hang') {
        const message = `no answer after ${IN_PROCESS_HANG_MS} ms (injected hang)`;
        throw new AxiosErrorClass(message, 'ETIMEDOUT', config, request);
      }
      // As a socket reset surfaces from the HTTP adapter: an AxiosError with no response.
      const message = `socket hang up (injected ${outcome.networkError})`;
      throw new AxiosErrorClass(message, 'ECONNRESET', config, request);
    }
    const answer = outcome.reply;
    const status = answer.status;
    const response: AxiosResponse = {
      data: answer.body ?? '',
      status,
      statusText: STATUS_CODES[status] ?? '',
      headers: AxiosHeaders.from(answer.headers) as AxiosResponse['headers'],
      config,
      request,
    };
    const validate = config.validateStatus;
    if (!status || !validate || validate(status)) return response;
    // axios's settle(): 4xx → ERR_BAD_REQUEST, 5xx → ERR_BAD_RESPONSE.
    throw new AxiosErrorClass(
      `Request failed with status code ${status}`,
      [AxiosErrorClass.ERR_BAD_REQUEST, AxiosErrorClass.ERR_BAD_RESPONSE][Math.floor(status / 100) - 4],
      config,
      request,
      response,
    );
  };
}
