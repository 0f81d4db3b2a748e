/**
 * The Klaviyo mock core: one `MockCore` behind both the Express server and the msw handlers.
 *
 * Per request: route (404 unknown path, 405 wrong method) → `Authorization: Klaviyo-API-Key …` (401)
 * → `revision` header (400) → per-account, per-operation rate limit (429) → the operation's handler.
 * Each private API key is its own account (rows are scoped by a hash of the key).
 *
 * The operations come from the API groups in `groups/` (one folder each, listed in `groups/index.ts`);
 * the core holds what every group shares: auth, revision, rate limits, the store and the job scheduler.
 *
 * Known limitations (LocalStack style — what this mock does NOT do):
 * - Only the operations in IMPLEMENTED_OPERATIONS follow Klaviyo's rules. Every other operation of the
 *   spec (GENERIC_OPERATIONS) is answered by the generic tier (`generic/`, header
 *   `x-dreamflow-emulation: generic`): parameters and body checked against the spec, a spec-valid body
 *   built from the response schema, resources a generic create makes kept so they read back, merge on
 *   PATCH and delete, but no business rules, no filtering, sorting or includes on generic lists, no
 *   side effects on other resources, and multipart uploads unchecked (see docs/klaviyo-coverage.md).
 * - Any non-empty private key is accepted (no key registry, no scopes); a 6-character public key (site
 *   id) is refused on `/api/` with 401, as Klaviyo does. Revisions are checked for format only, and every
 *   revision gets the 2026-07-15 behaviour.
 * - Asynchronous work (bulk jobs, segment processing, campaign sends and engagement, flow runs, webhook
 *   deliveries and their retries) runs on the scheduler when the mock's clock reaches it and the mock next handles
 *   a request (or the admin API reads its state); pending jobs are held in memory, so a restart of a
 *   file-backed mock drops them.
 * - Webhook deliveries go only to loopback receivers (http or https on 127.0.0.0/8, localhost, [::1]);
 *   a webhook naming any other host is refused with 400. Only events recorded in the mock are delivered
 *   (it sends no email or SMS, so e.g. `received_email` fires only for such an event created through
 *   the API). See `groups/webhooks/index.ts`.
 * - Catalogs: `$custom` / `$default` only; bulk jobs check shape at once and report rule failures per
 *   resource; back-in-stock subscriptions are stored but never notify; no 500-jobs-in-progress cap.
 *   See `groups/catalogs/index.ts`.
 * - bulk_create_events checks the whole batch at once (400) and records the events a job delay later;
 *   an event that fails then (its profile deleted meanwhile) is dropped silently (Klaviyo has no job
 *   to read either).
 * - Flows: metric and list triggers run (segment triggers are stored, never fire); time-delay,
 *   send-email, conditional-split and update-profile actions, anything else refused with 400; no
 *   re-entry rules, archiving or tags (see `groups/flows/index.ts`). No conversations, push tokens or
 *   attributions: those relationships and `include`s are always empty. Predictive analytics are all null.
 * - Templates render the Django subset Klaviyo documents through liquidjs (no Klaviyo-specific tags such
 *   as `{% unsubscribe %}`); universal content gets only the generic tier's answers.
 * - Campaigns are email only (SMS / push refused with 400, no A/B tests); every strategy sends all
 *   recipients at one instant (no throttling, local time or smart send time); nothing bounces. Opens,
 *   clicks and unsubscribes come from a seeded model (`groups/campaigns/engagement.ts`), not from
 *   rendered links. Limits at the top of `groups/campaigns/index.ts`.
 * - Reporting has the campaign and flow values reports only, computed from the recorded email events; bounce,
 *   spam and SMS statistics are 0 and conversions use last-touch 5-day attribution (see
 *   `groups/reporting/index.ts`).
 * - Consent is set only through the bulk subscribe / unsubscribe / suppress / unsuppress jobs and a
 *   campaign recipient's simulated unsubscribe (no double opt-in, no WhatsApp, no bounces or spam
 *   complaints); its own limitations are listed at the top of `groups/subscriptions/index.ts`.
 * - Segments evaluate profile-property (value and date filters), profile-group-membership,
 *   profile-metric (count/sum, with metric_filters on event properties) and email
 *   profile-marketing-consent conditions; other condition types, `phone-country-code-in` and
 *   anniversary timeframes on metrics are refused with 400 when saved. Dates are compared in UTC.
 *   Evaluation re-reads every profile of the account (and the filtered metric's events in the
 *   timeframe), PROCESSING_MS after a change; relative date windows move only when something triggers
 *   an evaluation (a write to the account or a segment save), not by the passing of time alone.
 * - Daily rate limits (`150/d` on create_list, `100/d` on create_segment) are token buckets refilling
 *   over 24 h on the mock's clock, not a calendar day that resets at midnight.
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
import type { Ctx } from './core/context.ts';
import { Router } from './core/router.ts';
import { Scheduler } from './core/scheduler.ts';
import { KlaviyoStore } from './core/store.ts';
import { GenericRepo } from './generic/repo.ts';
import { GenericTier } from './generic/tier.ts';
import { GROUPS } from './groups/index.ts';
import { IdFactory } from './ids.ts';
import { inspectorRoutes } from './inspector/routes.ts';
import { errorReply, KlaviyoError } from './jsonapi/errors.ts';
import type { OperationId } from './operations.generated.ts';
import { OPERATIONS } from './operations.generated.ts';
import { RateLimiter } from './ratelimit.ts';

export interface KlaviyoCoreOptions {
  /** SQLite file (WAL); omitted → in memory. */
  dbFile?: string;
  /** Per-operation rate limits from the spec (default true). */
  rateLimits?: boolean;
  clock?: Clock;
  /** Seed for ids (default 1). */
  seed?: number;
}

const ROUTES = GROUPS.flatMap((g) => g.routes);
const REPOS = [...GROUPS.flatMap((g) => g.repos), GenericRepo];

/** The spec operation ids this mock implements with Klaviyo's rules (the API groups' routes). */
export const IMPLEMENTED_OPERATIONS: OperationId[] = ROUTES.map((r) => r.operation);
const IMPLEMENTED = new Set<string>(IMPLEMENTED_OPERATIONS);

/** Every other spec operation: answered by the generic tier (spec-valid, no business rules). */
export const GENERIC_OPERATIONS: OperationId[] = (Object.keys(OPERATIONS) as OperationId[]).filter(
  (op) => !IMPLEMENTED.has(op),
);

const REVISION = /^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/;
const AUTH = /^Klaviyo-API-Key\s+(\S+)\s*$/;
/** A public API key (site id): six alphanumerics. Klaviyo refuses it on the private `/api/` endpoints. */
const PUBLIC_KEY = /^[A-Za-z0-9]{6}$/;
const COVERAGE = 'docs/klaviyo-coverage.md';

export class KlaviyoCore implements MockCore {
  readonly name = 'klaviyo';
  readonly store: KlaviyoStore;
  readonly scheduler: Scheduler;
  private readonly clock: Clock;
  private readonly ids: IdFactory;
  private readonly limiter: RateLimiter | null;
  private readonly router: Router;
  private readonly accounts = new Map<string, string>();
  /** The groups' admin routes (`ApiGroup.admin`), run after due scheduler work like `state()`. */
  readonly adminRoutes: NonNullable<MockCore['adminRoutes']> = Object.fromEntries(
    GROUPS.flatMap((g) => Object.entries(g.admin ?? {})).map(([key, fn]) => [
      key,
      (req: MockRequest) => {
        this.scheduler.runDue();
        return fn(this.store, req);
      },
    ]),
  );

  constructor(options: KlaviyoCoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.scheduler = new Scheduler(this.clock);
    this.store = new KlaviyoStore(options.dbFile, REPOS, this.scheduler);
    const rng = createRng(options.seed ?? 1).fork(`klaviyo-ids:${this.store.generation}`);
    this.ids = new IdFactory(rng, this.clock);
    this.limiter = options.rateLimits === false ? null : new RateLimiter(this.clock);
    const generic = new GenericTier(options.seed ?? 1, IMPLEMENTED);
    this.router = new Router(ROUTES, (op) => generic.handler(op));
    // The inspector's read-only views (GET /__admin/inspector/…), next to the groups' admin routes.
    Object.assign(
      this.adminRoutes,
      inspectorRoutes(this.store, () => this.scheduler.runDue()),
    );
  }

  operationOf(req: MockRequest): string | undefined {
    const m = this.router.match(req);
    return m && 'route' in m ? m.route.operation : undefined;
  }

  /** The account label a private API key stands for (each key is its own account): test helpers read by it. */
  accountOfKey(key: string): string {
    return this.account(key);
  }

  accountOf(req: MockRequest): string | undefined {
    const key = AUTH.exec(req.headers.authorization ?? '')?.[1];
    return key ? this.account(key) : undefined;
  }

  handle(req: MockRequest): MockResponse {
    const m = this.router.match(req);
    if (m === null) {
      return this.error(
        404,
        'not_found',
        `${req.method} ${req.path} is not a Klaviyo API operation. The operations this mock emulates are listed in ${COVERAGE}.`,
      );
    }
    if ('known' in m) {
      return this.error(
        404,
        'not_found',
        `${m.known.method} ${m.known.path} (${m.known.operation}, ${m.known.group} API) exists in Klaviyo but is not emulated by this mock. See ${COVERAGE} for what is.`,
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
    if (PUBLIC_KEY.test(key)) {
      return this.error(
        401,
        'authentication_failed',
        `'${key}' looks like a public API key (site id). Endpoints under /api/ need a private API key (pk_…); public keys work only on /client/ endpoints.`,
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
      const decision = this.limiter.take(account, m.route.operation, req.query);
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
    // Asynchronous work that is due by now lands before the request sees the data.
    this.scheduler.runDue();
    const ctx: Ctx = {
      req,
      account,
      params: m.params,
      store: this.store,
      ids: this.ids,
      clock: this.clock,
      scheduler: this.scheduler,
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

  /** Webhook secrets (`secret_key` in create/update_webhook) never reach `GET /__admin/requests`. */
  journalBody(req: MockRequest): string | undefined {
    const body = req.body;
    if (!body?.includes('"secret_key"')) return body;
    try {
      return JSON.stringify(JSON.parse(body), (key, value) =>
        key === 'secret_key' && typeof value === 'string' ? '[redacted]' : value,
      );
    } catch {
      return undefined;
    }
  }

  formatError(status: number, code: string, detail: string, headers?: Record<string, string>): HttpReply {
    return this.error(status, code, detail, { headers });
  }

  reset(): void {
    this.scheduler.reset();
    this.store.reset();
    this.limiter?.reset();
  }

  runAcceptedWork(until: number): void {
    this.scheduler.runUntil(until);
  }

  state(): Record<string, unknown> {
    this.scheduler.runDue();
    return { ...this.store.counts(), pendingJobs: this.scheduler.size, rateLimits: this.limiter !== null };
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
}
