/**
 * The request pipeline shared by every mock: admin routes, fault injection, the core, the journal.
 *
 * A mock is a `MockCore` (the emulated API and its store) wrapped by `createMockService`. Adapters
 * (Express, msw) only ever call `service.handle(request)`, so both transports get identical behaviour.
 */

import { timingSafeEqual } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../../lib/clock.ts';
import { systemClock } from '../../lib/clock.ts';
import type { HttpReply, MockRequest, MockResponse, NetworkFault } from './http.ts';
import { jsonReply } from './http.ts';
import { inspectorAsset, isInspectorPath } from './inspector/assets.ts';
import { RequestJournal } from './journal.ts';
import { findRequests, parseRequestPattern, QueryError, unmatchedRequests } from './journal-query.ts';
import { withRequestLog } from './request-log.ts';

export interface MockCore {
  /** `klaviyo` or `supabase`: used in logs and the listening line. */
  readonly name: string;
  /** Answer one emulated-API request (never an `/__admin/` one). */
  handle(req: MockRequest): MockResponse | Promise<MockResponse>;
  /** Name the operation a request targets (an OpenAPI operation id for Klaviyo), for fault rules and the journal. */
  operationOf?(req: MockRequest): string | undefined;
  /**
   * Answer an error in the emulated API's own format (JSON:API for Klaviyo, PostgREST/GoTrue for Supabase).
   * Used for errors decided outside the core (injected faults, internal errors, unreadable bodies); `code`
   * is then one of the fault layer's generic codes (`throttled`, `error`, `invalid`) unless a rule set its
   * own, and `req`, when known, lets a core with several APIs pick the right one.
   */
  formatError(
    status: number,
    code: string,
    detail: string,
    headers?: Record<string, string>,
    req?: MockRequest,
  ): HttpReply;
  /** Drop all state (`POST /__admin/reset`). */
  reset(): void;
  /** Counts per resource (`GET /__admin/state`). */
  state(): Record<string, unknown>;
  /**
   * Run the asynchronous work the mock has accepted that is due by `until` on its clock (bulk jobs):
   * the in-process harness counts what the mock holds once accepted work has landed.
   */
  runAcceptedWork?(until: number): void;
  /**
   * The body as the journal should keep it, when it holds secrets (passwords, refresh tokens) that
   * `GET /__admin/requests` must not show; default the body as received. Headers are never journalled.
   */
  journalBody?(req: MockRequest): string | undefined;
  /** Extra admin routes, keyed `"GET keys"` for `GET /__admin/keys`. */
  adminRoutes?: Record<string, (req: MockRequest) => MockResponse | Promise<MockResponse>>;
  /** A short account label for the journal (e.g. a hash of the API key). */
  accountOf?(req: MockRequest): string | undefined;
  close?(): void;
}

/** What the fault layer decided for one request. */
export interface FaultDecision {
  /** Journal label, e.g. `error:503`, `network:reset`, `latency`. */
  label: string | null;
  /** Latency to add before answering, ms. */
  delayMs: number;
  /** When set, answer this instead of calling the core. */
  outcome?:
    | { type: 'error'; status: number; code?: string; detail?: string; retryAfterSeconds?: number }
    | { type: 'network'; fault: NetworkFault };
}

/** The fault layer as the pipeline sees it (implemented in `mocks/faults`). */
export interface FaultInjector {
  /** `service` is the core's name (`klaviyo`, `supabase`), for rules scoped to one mock. */
  decide(
    req: MockRequest,
    operation: string | undefined,
    now: number,
    service?: string,
  ): FaultDecision | null;
  /** The active rules document (`GET /__admin/faults`). */
  describe(): unknown;
  /** Replace the active rules (`PUT /__admin/faults`); throws an Error with a `field` on invalid input. */
  replace(doc: unknown): void;
  /** The named profiles `replace({profile})` accepts (`GET /__admin/faults/profiles`, the inspector's switch). */
  profiles?(): string[];
}

export interface MockServiceOptions {
  clock?: Clock;
  faults?: FaultInjector;
  journalSize?: number;
  /** Record request bodies in the journal (default true). */
  journalBodies?: boolean;
  /** Called after every emulated-API response: contract tests validate bodies here. */
  onResponse?: (req: MockRequest, res: MockResponse, operation: string | undefined) => void;
  /** Largest accepted request body in bytes (default 5 MiB, as Klaviyo's bulk endpoints allow). */
  maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

export interface MockService {
  readonly name: string;
  readonly core: MockCore;
  readonly journal: RequestJournal;
  readonly clock: Clock;
  faults?: FaultInjector;
  /** Bodies above this many bytes get 413; the Express adapter reads no further than this. */
  readonly maxBodyBytes: number;
  /**
   * When set, `/__admin/` answers only requests with `Authorization: Bearer <adminToken>`. `serveMock`
   * sets it when the server binds beyond loopback, where anyone on the network could reset the data.
   */
  adminToken?: string;
  handle(req: MockRequest): Promise<MockResponse>;
  /**
   * `handle` without the promise when nothing waits (no injected delay, a synchronous core): the Express
   * adapter's hot path. Optional so hand-written services (tests) need only `handle`.
   */
  respond?(req: MockRequest): MockResponse | Promise<MockResponse>;
  close(): void;
}

const ADMIN_PREFIX = '/__admin/';

export function createMockService(core: MockCore, options: MockServiceOptions = {}): MockService {
  const clock = options.clock ?? systemClock;
  // Logging (pino, off unless DREAMFLOW_LOG_LEVEL asks) hooks the journal: one place for every mock.
  const journal = withRequestLog(new RequestJournal(options.journalSize), core.name);
  const recordBodies = options.journalBodies ?? true;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  // Synchronous unless a delay or an async core makes it wait: a promise per request costs measurable
  // CPU on the HTTP hot path, so `respond` returns a plain value when it can.
  function answer(
    req: MockRequest,
    operation: string | undefined,
    decision: FaultDecision | null,
    at: number,
  ): MockResponse | Promise<MockResponse> {
    const started = performance.now();
    const outcome = decision?.outcome;
    if (outcome?.type === 'network') {
      return finish(req, operation, decision, at, started, { kind: 'network', fault: outcome.fault });
    }
    if (outcome?.type === 'error') {
      const headers: Record<string, string> = {};
      if (outcome.retryAfterSeconds !== undefined) headers['retry-after'] = String(outcome.retryAfterSeconds);
      const res = core.formatError(
        outcome.status,
        outcome.code ?? defaultCode(outcome.status),
        outcome.detail ?? 'Injected fault.',
        headers,
        req,
      );
      return finish(req, operation, decision, at, started, res);
    }
    let res: MockResponse | Promise<MockResponse>;
    try {
      res = core.handle(req);
    } catch (err) {
      res = internalError(req, err);
    }
    if (isThenable(res)) {
      return res.then(
        (out) => finish(req, operation, decision, at, started, out),
        (err) => finish(req, operation, decision, at, started, internalError(req, err)),
      );
    }
    return finish(req, operation, decision, at, started, res);
  }

  // A bug in a core must still answer in the API's own format, never crash the server.
  function internalError(req: MockRequest, err: unknown): MockResponse {
    return core.formatError(500, 'error', `Internal mock error: ${(err as Error).message}`, {}, req);
  }

  function finish(
    req: MockRequest,
    operation: string | undefined,
    decision: FaultDecision | null,
    at: number,
    started: number,
    res: MockResponse,
  ): MockResponse {
    journal.record({
      at,
      method: req.method,
      path: req.path,
      operation,
      status: res.kind === 'network' ? null : res.status,
      latencyMs: performance.now() - started,
      injectedLatencyMs: decision && decision.delayMs > 0 ? decision.delayMs : 0,
      fault: decision?.label ?? null,
      requestBody:
        recordBodies && req.body ? (core.journalBody ? core.journalBody(req) : req.body) : undefined,
      account: core.accountOf?.(req),
      emulation: res.kind === 'network' ? undefined : res.headers['x-dreamflow-emulation'],
    });
    options.onResponse?.(req, res, operation);
    return res;
  }

  const service: MockService = {
    name: core.name,
    core,
    journal,
    clock,
    faults: options.faults,
    maxBodyBytes,
    handle(req) {
      try {
        return Promise.resolve(service.respond!(req));
      } catch (err) {
        return Promise.reject(err);
      }
    },
    respond(req) {
      if (isInspectorPath(req.path) && req.method === 'GET') return inspectorAsset(req.path);
      if (req.path.startsWith(ADMIN_PREFIX) || req.path === '/__admin') {
        if (service.adminToken && !bearerMatches(req.headers.authorization, service.adminToken)) {
          return jsonReply(401, {
            error:
              'The admin API needs "Authorization: Bearer <token>" when the server listens beyond loopback. Use the admin token printed at start, or set DREAMFLOW_ADMIN_TOKEN before starting it.',
          });
        }
        return handleAdmin(service, req);
      }
      const at = clock.now();
      const unreadable = req.bodyError ?? bodyTooLarge(req.body, maxBodyBytes);
      if (unreadable) {
        // Refused before faults and the core, as a real gateway would; journalled without the body.
        const res = core.formatError(unreadable.status, 'invalid', unreadable.message, {}, req);
        journal.record({
          at,
          method: req.method,
          path: req.path,
          operation: core.operationOf?.(req),
          status: res.status,
          latencyMs: 0,
          injectedLatencyMs: 0,
          fault: null,
          account: core.accountOf?.(req),
        });
        options.onResponse?.(req, res, undefined);
        return res;
      }
      const operation = core.operationOf?.(req);
      const decision = service.faults?.decide(req, operation, at, core.name) ?? null;
      if (decision && decision.delayMs > 0) {
        return clock.sleep(decision.delayMs).then(() => answer(req, operation, decision, at));
      }
      return answer(req, operation, decision, at);
    },
    close() {
      core.close?.();
    },
  };
  return service;
}

/** Constant-time, so the token cannot be guessed a character at a time from response times. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim() ?? '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

function isThenable<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown }).then === 'function';
}

function bodyTooLarge(body: string, max: number): MockRequest['bodyError'] {
  // Cheap pre-check: a UTF-8 byte count is at least the string length and at most three times it.
  if (body.length * 3 <= max || Buffer.byteLength(body) <= max) return undefined;
  return tooLargeError(max);
}

/** The 413 every transport gives for a body over `max` bytes (the Express adapter stops reading there). */
export function tooLargeError(max: number): NonNullable<MockRequest['bodyError']> {
  const size = max % (1024 * 1024) === 0 ? `${max / (1024 * 1024)} MB` : `${max} bytes`;
  return { status: 413, message: `The request body is larger than ${size}; send smaller batches.` };
}

function defaultCode(status: number): string {
  if (status === 429) return 'throttled';
  if (status >= 500) return 'error';
  return 'invalid';
}

async function handleAdmin(service: MockService, req: MockRequest): Promise<MockResponse> {
  const route = req.path.slice(ADMIN_PREFIX.length);
  const key = `${req.method} ${route}`;
  const extra = service.core.adminRoutes?.[key];
  if (extra) return extra(req);
  switch (key) {
    case 'GET health':
      return jsonReply(200, { status: 'ok', service: service.name, requests: service.journal.total });
    case 'POST reset':
      service.core.reset();
      service.journal.clear();
      return jsonReply(200, { status: 'reset', service: service.name });
    case 'GET requests': {
      const params: { limit?: number; since?: number } = {};
      for (const field of ['limit', 'since'] as const) {
        const raw = req.query.get(field);
        if (raw === null || raw === '') continue;
        const n = Number(raw);
        if (!Number.isSafeInteger(n) || n < 0) {
          return jsonReply(400, {
            error: `${field} must be a whole number >= 0 (got '${raw}'), e.g. /__admin/requests?since=120&limit=50.`,
            field,
          });
        }
        params[field] = n;
      }
      return jsonReply(200, { total: service.journal.total, requests: service.journal.list(params) });
    }
    // WireMock's request-journal queries (see journal-query.ts for the pattern format).
    case 'POST requests/find':
    case 'POST requests/count': {
      let found: ReturnType<typeof findRequests>;
      try {
        found = findRequests(service.journal.list(), parseRequestPattern(req.body));
      } catch (err) {
        if (!(err instanceof QueryError)) throw err;
        return jsonReply(400, { error: err.message, field: err.field });
      }
      return route === 'requests/count'
        ? jsonReply(200, { count: found.length })
        : jsonReply(200, { requests: found });
    }
    case 'GET requests/unmatched':
      return jsonReply(200, { requests: unmatchedRequests(service.journal.list()) });
    case 'GET state':
      return jsonReply(200, { service: service.name, ...service.core.state() });
    case 'GET faults':
      return jsonReply(200, service.faults ? service.faults.describe() : { rules: [] });
    case 'GET faults/profiles':
      return jsonReply(200, { profiles: service.faults?.profiles?.() ?? [] });
    case 'PUT faults': {
      if (!service.faults) return jsonReply(501, { error: 'This mock was started without a fault layer.' });
      let doc: unknown;
      try {
        doc = req.body ? JSON.parse(req.body) : undefined;
      } catch (err) {
        return jsonReply(400, {
          error: `Body is not valid JSON: ${(err as Error).message}`,
          field: '(body)',
        });
      }
      try {
        service.faults.replace(doc);
      } catch (err) {
        const e = err as Error & { field?: string };
        return jsonReply(400, { error: e.message, field: e.field ?? null });
      }
      return jsonReply(200, service.faults.describe());
    }
    default:
      return jsonReply(404, {
        error: `No admin route ${req.method} /__admin/${route}.`,
        routes: [
          'GET health',
          'POST reset',
          'GET requests',
          'POST requests/find',
          'POST requests/count',
          'GET requests/unmatched',
          'GET state',
          'GET faults',
          'PUT faults',
          'GET faults/profiles',
          ...Object.keys(service.core.adminRoutes ?? {}),
        ].map((r) => r.replace(' ', ' /__admin/')),
      });
  }
}
