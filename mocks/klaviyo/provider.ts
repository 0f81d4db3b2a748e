/**
 * The Klaviyo mock core: one `MockCore` behind both the Express server and the msw handlers.
 *
 * Per request: route (404 unknown path, 405 wrong method) → `Authorization: Klaviyo-API-Key …` (401)
 * → `revision` header (400) → per-account, per-operation rate limit (429) → the operation's handler.
 * Each private API key is its own account (rows are scoped by a hash of the key).
 *
 * Known limitations (LocalStack style — what this mock does NOT do):
 * - Only the operations in IMPLEMENTED_OPERATIONS exist; every other Klaviyo path answers 404.
 * - Any non-empty API key is accepted (no key registry, no scopes); revisions are checked for
 *   format only, and every revision gets the 2026-07-15 behaviour.
 * - No lists, segments, flows, conversations, push tokens or attributions: those relationships and
 *   `include`s are always empty. Subscriptions are all "NEVER_SUBSCRIBED"; predictive analytics all null.
 * - `filter` supports the spec's field/operator pairs per endpoint, combined with `and(...)` or commas;
 *   `or(...)` and `not(...)` are rejected.
 * - Metric aggregates filter on the datetime range only; weeks start on the range's first day;
 *   `sort`, `return_fields` and `page_cursor` are accepted and ignored.
 * - `anonymous_id` and `_kx` never match an existing profile; `meta.patch_identifiers` is ignored.
 * - Event writes are synchronous: an accepted event is readable at once (Klaviyo is eventually consistent).
 * - Event dedup without `unique_id` keys on the second, as Klaviyo documents: one event per profile,
 *   metric and second.
 * - An event's `uuid` is derived from its id (stable, unique), not an independent identifier.
 * - In memory (no `--db`), SQLite caps the store at 1 GB (about 3M events with small properties); writes
 *   beyond that answer 500 `store_full`. Use `--db FILE` for more.
 */

import { createHash } from 'node:crypto';
import type { Clock } from '../../lib/clock.ts';
import { systemClock } from '../../lib/clock.ts';
import { createRng } from '../../lib/prng.ts';
import type { HttpReply, MockRequest, MockResponse } from '../shared/http.ts';
import type { MockCore } from '../shared/service.ts';
import type { Ctx, Handler } from './api/context.ts';
import { createEvent, getEvent, getEvents } from './api/events.ts';
import { queryMetricAggregates } from './api/metric-aggregates.ts';
import { getMetric, getMetrics } from './api/metrics.ts';
import {
  createOrUpdateProfile,
  createProfile,
  getProfile,
  getProfiles,
  updateProfile,
} from './api/profiles.ts';
import { IdFactory } from './ids.ts';
import { errorReply, KlaviyoError } from './jsonapi/errors.ts';
import { RateLimiter } from './ratelimit.ts';
import { KlaviyoStore } from './store.ts';

export interface KlaviyoCoreOptions {
  /** SQLite file (WAL); omitted → in memory. */
  dbFile?: string;
  /** Per-operation rate limits from the spec (default true). */
  rateLimits?: boolean;
  clock?: Clock;
  /** Seed for ids (default 1). */
  seed?: number;
}

interface Route {
  method: string;
  /** Path segments; `:id` matches one segment. */
  segments: string[];
  operation: string;
  handler: Handler;
}

const ROUTES: [string, string, string, Handler][] = [
  ['GET', '/api/profiles', 'get_profiles', getProfiles],
  ['POST', '/api/profiles', 'create_profile', createProfile],
  ['GET', '/api/profiles/:id', 'get_profile', getProfile],
  ['PATCH', '/api/profiles/:id', 'update_profile', updateProfile],
  ['POST', '/api/profile-import', 'create_or_update_profile', createOrUpdateProfile],
  ['GET', '/api/events', 'get_events', getEvents],
  ['POST', '/api/events', 'create_event', createEvent],
  ['GET', '/api/events/:id', 'get_event', getEvent],
  ['GET', '/api/metrics', 'get_metrics', getMetrics],
  ['GET', '/api/metrics/:id', 'get_metric', getMetric],
  ['POST', '/api/metric-aggregates', 'query_metric_aggregates', queryMetricAggregates],
];

/** The spec operation ids this mock implements. */
export const IMPLEMENTED_OPERATIONS: string[] = ROUTES.map((r) => r[2]);

const REVISION = /^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/;
const AUTH = /^Klaviyo-API-Key\s+(\S+)\s*$/;

type Match = { route: Route; params: Record<string, string> } | { allowed: string[] } | null;

export class KlaviyoCore implements MockCore {
  readonly name = 'klaviyo';
  readonly store: KlaviyoStore;
  private readonly clock: Clock;
  private readonly ids: IdFactory;
  private readonly limiter: RateLimiter | null;
  private readonly routes: Route[];
  /** `"POST /api/events"` → route, for paths without parameters: one Map lookup instead of a segment walk. */
  private readonly staticRoutes = new Map<string, Route>();
  private readonly accounts = new Map<string, string>();
  private readonly metricCache = new Map<string, string>();

  constructor(options: KlaviyoCoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.store = new KlaviyoStore(options.dbFile);
    const rng = createRng(options.seed ?? 1).fork(`klaviyo-ids:${this.store.generation}`);
    this.ids = new IdFactory(rng, this.clock);
    this.limiter = options.rateLimits === false ? null : new RateLimiter(this.clock);
    this.routes = ROUTES.map(([method, path, operation, handler]) => ({
      method,
      segments: path.split('/').filter(Boolean),
      operation,
      handler,
    }));
    for (const route of this.routes) {
      if (!route.segments.some((s) => s.startsWith(':'))) {
        this.staticRoutes.set(`${route.method} /${route.segments.join('/')}`, route);
      }
    }
  }

  operationOf(req: MockRequest): string | undefined {
    const m = this.match(req);
    return m && 'route' in m ? m.route.operation : undefined;
  }

  accountOf(req: MockRequest): string | undefined {
    const key = AUTH.exec(req.headers.authorization ?? '')?.[1];
    return key ? this.account(key) : undefined;
  }

  handle(req: MockRequest): MockResponse {
    const m = this.match(req);
    if (m === null) {
      return this.error(
        404,
        'not_found',
        `No Klaviyo API route ${req.method} ${req.path} in this mock. Implemented: ${ROUTES.map((r) => `${r[0]} ${r[1]}`).join(', ')}.`,
      );
    }
    if ('allowed' in m) {
      return this.error(
        405,
        'method_not_allowed',
        `Method "${req.method}" not allowed on ${req.path}. Allowed: ${m.allowed.join(', ')}.`,
        {
          headers: { allow: m.allowed.join(', ') },
        },
      );
    }
    const auth = req.headers.authorization;
    const key = auth ? AUTH.exec(auth)?.[1] : undefined;
    if (!key) {
      return this.error(
        401,
        'not_authenticated',
        auth
          ? 'Missing or invalid authorization scheme. Please use Klaviyo-API-Key.'
          : 'Authentication credentials were not provided. Send the header "Authorization: Klaviyo-API-Key <your private key>".',
      );
    }
    const revision = req.headers.revision;
    if (!revision || !REVISION.test(revision)) {
      return this.error(
        400,
        'invalid',
        revision
          ? `Invalid revision header '${revision}': use the form YYYY-MM-DD or YYYY-MM-DD.suffix, e.g. 2026-07-15.`
          : 'The revision header is required, e.g. "revision: 2026-07-15".',
        { source: { parameter: 'revision' } },
      );
    }
    const account = this.account(key);
    let rateHeaders: Record<string, string> = {};
    if (this.limiter) {
      const decision = this.limiter.take(account, m.route.operation);
      if (!decision.ok) {
        return this.error(
          429,
          'throttled',
          `Request was throttled. Expected available in ${decision.retryAfterSeconds} second${decision.retryAfterSeconds === 1 ? '' : 's'}.`,
          { headers: decision.headers },
        );
      }
      rateHeaders = decision.headers;
    }
    const ctx: Ctx = {
      req,
      account,
      params: m.params,
      store: this.store,
      ids: this.ids,
      clock: this.clock,
      metricCache: this.metricCache,
    };
    try {
      const out = m.route.handler(ctx);
      Object.assign(out.headers, rateHeaders);
      return out;
    } catch (err) {
      if (err instanceof KlaviyoError) {
        return this.error(err.status, err.code, err.detail, {
          source: err.extra.source,
          meta: err.extra.meta,
          headers: { ...rateHeaders, ...err.extra.headers },
        });
      }
      if ((err as { code?: string }).code === 'SQLITE_FULL') {
        return this.error(
          500,
          'store_full',
          'The mock store is full (an in-memory store holds at most 1 GB). Restart the mock with --db FILE to keep more data.',
          { headers: rateHeaders },
        );
      }
      throw err;
    }
  }

  formatError(status: number, code: string, detail: string, headers?: Record<string, string>): HttpReply {
    return this.error(status, code, detail, { headers });
  }

  reset(): void {
    this.store.reset();
    this.metricCache.clear();
    this.limiter?.reset();
  }

  state(): Record<string, unknown> {
    return { ...this.store.counts(), rateLimits: this.limiter !== null };
  }

  close(): void {
    this.store.close();
  }

  private error(
    status: number,
    code: string,
    detail: string,
    extra: {
      source?: { pointer?: string; parameter?: string };
      meta?: Record<string, unknown>;
      headers?: Record<string, string>;
    } = {},
  ): HttpReply {
    return errorReply(this.ids.uuid(), status, code, detail, extra);
  }

  private account(key: string): string {
    let account = this.accounts.get(key);
    if (!account) {
      account = createHash('sha256').update(key).digest('hex').slice(0, 16);
      if (this.accounts.size > 10_000) this.accounts.clear();
      this.accounts.set(key, account);
    }
    return account;
  }

  private match(req: MockRequest): Match {
    const fixed = this.staticRoutes.get(`${req.method} ${req.path}`);
    if (fixed) return { route: fixed, params: {} };
    const segments = req.path.split('/').filter(Boolean);
    const allowed: string[] = [];
    for (const route of this.routes) {
      if (route.segments.length !== segments.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segments.length; i++) {
        const want = route.segments[i]!;
        if (want.startsWith(':')) params[want.slice(1)] = safeDecode(segments[i]!);
        else if (want !== segments[i]) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      if (route.method === req.method) return { route, params };
      allowed.push(route.method);
    }
    return allowed.length ? { allowed } : null;
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
