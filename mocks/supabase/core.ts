/**
 * The fake Supabase provider: the API gateway's key check, PostgREST under `/rest/v1/`, GoTrue under
 * `/auth/v1/`, one SQLite database. Wrapped by `createMockService` like every mock, so the admin API,
 * the journal and the fault layer are shared; the Express and msw adapters only translate.
 *
 * Known limitations (what real Supabase does that this fake does not):
 * - Row Level Security: on by default, enforcing the policies the migrations declare
 *   (`migrations/003_rls.sql`); `rls: false` (`--no-rls`) turns every table open. Only permissive
 *   `column = auth.uid()` policies are understood (`store/policies.ts`); any other policy expression,
 *   RESTRICTIVE, ALTER/DROP POLICY or DISABLE/FORCE ROW LEVEL SECURITY is a startup error naming the
 *   migration. No GRANT/REVOKE (every role has table privileges, as Supabase's defaults); service_role
 *   bypasses RLS; other JWT roles are matched by name against the policies' TO list.
 * - PostgREST subset: no RPC (`/rpc/*` → 404 PGRST202), no views, no aggregates, no spread embeds
 *   (`...rel(*)`), no JSON paths (`col->key`), no full-text search (`fts`), no range operators, no CSV or
 *   GeoJSON output, no `Prefer: tx=rollback`, no `handling=strict`, `count=planned|estimated` are exact.
 *   Embedding follows foreign keys in both directions and may nest; ordering by an embedded column is
 *   not supported. Text comparisons (`gt`, `order`) use byte order, not a locale collation.
 * - Unfiltered PATCH/DELETE are refused with 21000, as Supabase's pg-safeupdate does.
 * - GoTrue subset: email + password only (sign-up auto-confirms), password and refresh-token grants,
 *   get/update user, logout. No OTP, magic links, OAuth, MFA, phone, anonymous users or admin API.
 *   Access tokens stay valid until they expire even after logout (as in GoTrue); `GET /user` does check
 *   the session. Token expiry uses the injected clock; auth-js checks expiry against wall time.
 * - No Storage, Realtime, Edge Functions: their paths answer 404 like an unknown gateway route.
 * - The fake never answers 503 itself (supabase-js retries 503); only the fault layer injects errors.
 */

import type { Clock } from '../../lib/clock.ts';
import { systemClock } from '../../lib/clock.ts';
import type { HttpReply, MockRequest, MockResponse } from '../shared/http.ts';
import { jsonReply } from '../shared/http.ts';
import type { MockCore } from '../shared/service.ts';
import { AuthError, authErrorReply } from './gotrue/errors.ts';
import { authOperation, handleAuth } from './gotrue/handler.ts';
import { AuthStore } from './gotrue/users.ts';
import { tableBrowserRoutes } from './inspector.ts';
import type { JwtClaims } from './jwt.ts';
import { DEFAULT_JWT_SECRET, verifyJwt } from './jwt.ts';
import { supabaseKeys } from './keys.ts';
import { PgrstError, pgrstReply } from './postgrest/errors.ts';
import { handleRest, restOperation } from './postgrest/handler.ts';
import { CATALOG_TABLES } from './store/catalog.ts';
import type { Db } from './store/db.ts';
import { isoNow, openDatabase } from './store/db.ts';
import type { SchemaCache } from './store/schema.ts';
import { loadSchema } from './store/schema.ts';

export interface SupabaseCoreOptions {
  /** SQLite file (WAL); default an in-memory database. */
  dbFile?: string;
  clock?: Clock;
  /** HS256 secret for API keys and access tokens; default the Supabase CLI's local secret. */
  jwtSecret?: string;
  /** Access-token lifetime in seconds (default 3600, as GoTrue). */
  jwtExpiry?: number;
  /** uuid generator for ids (default crypto.randomUUID). */
  newId?: () => string;
  /**
   * Enforce the migrations' Row Level Security policies (default true, as a Supabase project with RLS
   * enabled). The service role bypasses them; `false` makes every table open to every key.
   */
  rls?: boolean;
  /** Migrations directory (default the fake's own `migrations/`); tests use it to try bad policies. */
  migrationsDir?: string;
}

const CORS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
  'access-control-allow-headers':
    'authorization, apikey, content-type, prefer, range, accept, accept-profile, content-profile, x-client-info, x-supabase-api-version, x-retry-count',
  'access-control-expose-headers':
    'content-range, content-location, location, preference-applied, x-supabase-api-version',
};

/** The fault layer's generic error codes, as GoTrue names the same failures. */
const GOTRUE_CODES: Record<string, string> = {
  throttled: 'over_request_rate_limit',
  error: 'unexpected_failure',
  invalid: 'validation_failed',
};

type Caller = { role: 'anon' | 'service_role' | 'authenticated' | string; claims: JwtClaims };

export class SupabaseCore implements MockCore {
  readonly name = 'supabase';
  readonly db: Db;
  readonly schema: SchemaCache;
  readonly clock: Clock;
  private readonly jwtSecret: string;
  private readonly auth: AuthStore;
  private readonly jwtExpiry: number;
  private readonly rls: boolean;
  readonly adminRoutes: MockCore['adminRoutes'];

  constructor(options: SupabaseCoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.jwtSecret = options.jwtSecret ?? DEFAULT_JWT_SECRET;
    this.jwtExpiry = options.jwtExpiry ?? 3600;
    this.rls = options.rls ?? true;
    this.db = openDatabase({
      dbFile: options.dbFile,
      clock: this.clock,
      newId: options.newId,
      migrationsDir: options.migrationsDir,
    });
    this.schema = loadSchema(this.db);
    this.auth = new AuthStore(this.db, () => isoNow(this.clock), options.newId);
    this.adminRoutes = {
      'GET keys': () => jsonReply(200, supabaseKeys(this.jwtSecret)),
      'GET schema': () =>
        jsonReply(200, {
          tables: Object.fromEntries(
            [...this.schema.tables.values()].map((t) => [
              t.name,
              {
                columns: t.columns,
                primary_key: t.primaryKey,
                unique: t.uniques,
                foreign_keys: t.outgoing,
                row_level_security: this.schema.rls.enabled.has(t.name),
                policies: this.schema.rls.policies.filter((p) => p.table === t.name),
              },
            ]),
          ),
        }),
      ...tableBrowserRoutes(this.db, this.schema),
    };
  }

  handle(req: MockRequest): MockResponse {
    return withCors(this.route(req));
  }

  private route(req: MockRequest): HttpReply {
    if (req.method === 'OPTIONS') return { status: 204, headers: {}, body: null };
    const area = this.areaOf(req);
    if (!area) return kongReply(404, { message: 'no Route matched with those values' });
    const gate = this.checkKey(req);
    if ('status' in gate) return gate;
    if (area.kind === 'rest') {
      const bearer = this.bearer(req);
      if (bearer && !bearer.ok) return pgrstReply(bearer.error);
      // PostgREST runs as the role in the Authorization JWT (supabase-js sends the key there when signed out).
      const claims = bearer?.ok ? bearer.claims : gate.claims;
      const role = String(claims.role ?? 'anon');
      const rls =
        this.rls && role !== 'service_role'
          ? // auth.uid() is the JWT's `sub`, whatever the role (the anon key has none).
            { role, uid: typeof claims.sub === 'string' ? claims.sub : null }
          : undefined;
      return handleRest({ db: this.db, schema: this.schema, rls }, req, area.rest);
    }
    return handleAuth(
      { store: this.auth, clock: this.clock, jwtSecret: this.jwtSecret, jwtExpiry: this.jwtExpiry },
      req,
      area.rest,
    );
  }

  private areaOf(req: MockRequest): { kind: 'rest' | 'auth'; rest: string } | undefined {
    for (const [prefix, kind] of [
      ['/rest/v1', 'rest'],
      ['/auth/v1', 'auth'],
    ] as const) {
      if (req.path === prefix) return { kind, rest: '' };
      if (req.path.startsWith(`${prefix}/`)) {
        const raw = req.path.slice(prefix.length + 1);
        // Malformed percent-encoding (`%E0%A4%A`) is the client's mistake: keep the raw text so the
        // route misses and answers 404 in the API's format, instead of URIError → 500 (issue 11).
        let rest = raw;
        try {
          rest = decodeURIComponent(raw);
        } catch {
          // keep raw
        }
        return { kind, rest };
      }
    }
    return undefined;
  }

  /** Kong's key-auth: an `apikey` header (or query parameter) holding the anon or service-role key. */
  private checkKey(req: MockRequest): Caller | HttpReply {
    const apikey = req.headers.apikey ?? req.query.get('apikey') ?? undefined;
    if (!apikey) {
      const bearer = this.bearer(req);
      if (bearer?.ok) return { role: String(bearer.claims.role ?? 'anon'), claims: bearer.claims };
      return kongReply(401, {
        message: 'No API key found in request',
        hint: 'No `apikey` request header or url param was found.',
      });
    }
    const result = verifyJwt(apikey, this.jwtSecret, this.clock.now());
    if (!result.ok || (result.claims.role !== 'anon' && result.claims.role !== 'service_role')) {
      return kongReply(401, {
        message: 'Invalid API key',
        hint: 'Double check your Supabase `anon` or `service_role` API key (GET /__admin/keys prints the ones this fake accepts).',
      });
    }
    return { role: result.claims.role, claims: result.claims };
  }

  private bearer(
    req: MockRequest,
  ): { ok: true; claims: JwtClaims } | { ok: false; error: PgrstError } | undefined {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return undefined;
    const result = verifyJwt(m[1]!, this.jwtSecret, this.clock.now());
    if (result.ok) return result;
    return {
      ok: false,
      error:
        result.reason === 'expired'
          ? new PgrstError(
              401,
              'PGRST303',
              'JWT expired',
              null,
              'Refresh the session (supabase.auth.refreshSession()).',
            )
          : new PgrstError(
              401,
              'PGRST301',
              `JWSError ${result.reason === 'signature' ? 'JWSInvalidSignature' : 'CompactDecodeError'}`,
            ),
    };
  }

  operationOf(req: MockRequest): string | undefined {
    const area = this.areaOf(req);
    if (!area) return undefined;
    return area.kind === 'rest' ? restOperation(req, area.rest) : authOperation(req, area.rest);
  }

  /** GoTrue bodies carry passwords and refresh tokens: the journal keeps them masked. */
  journalBody(req: MockRequest): string | undefined {
    if (this.areaOf(req)?.kind !== 'auth') return req.body;
    return redactSecrets(req.body);
  }

  accountOf(req: MockRequest): string | undefined {
    const token = req.headers.apikey ?? /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return undefined;
    const result = verifyJwt(token, this.jwtSecret, this.clock.now());
    return result.ok ? String(result.claims.role ?? 'unknown') : 'invalid-key';
  }

  formatError(
    status: number,
    code: string,
    detail: string,
    headers: Record<string, string> = {},
    req?: MockRequest,
  ): HttpReply {
    if (req && this.areaOf(req)?.kind === 'auth') {
      // auth-js reads GoTrue's body (error_code / msg), not PostgREST's, to fill error.code.
      const reply = authErrorReply(req, new AuthError(status, GOTRUE_CODES[code] ?? code, detail));
      return withCors({ ...reply, headers: { ...reply.headers, ...headers } });
    }
    return withCors({
      status,
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body: JSON.stringify({ code, details: null, hint: null, message: detail }),
    });
  }

  reset(): void {
    this.db.pragma('foreign_keys = OFF');
    try {
      const tables = this.db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'",
        )
        .all() as { name: string }[];
      // Data goes; the schema stays, and policies are schema.
      const keep = new Set(CATALOG_TABLES);
      this.db.transaction(() => {
        for (const t of tables.filter((x) => !keep.has(x.name)))
          this.db.prepare(`DELETE FROM "${t.name.replace(/"/g, '""')}"`).run();
      })();
    } finally {
      this.db.pragma('foreign_keys = ON');
    }
  }

  state(): Record<string, unknown> {
    const count = (t: string) =>
      (this.db.prepare(`SELECT COUNT(*) AS n FROM "${t}"`).get() as { n: number }).n;
    const out: Record<string, unknown> = {};
    for (const t of this.schema.tables.keys()) out[t] = count(t);
    out.auth_users = count('auth_users');
    out.auth_sessions = count('auth_sessions');
    return out;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function kongReply(status: number, body: unknown): HttpReply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  };
}

function withCors(reply: HttpReply): HttpReply {
  return { ...reply, headers: { ...CORS, ...reply.headers } };
}

const SECRET_FIELDS = new Set(['password', 'refresh_token', 'access_token', 'nonce', 'code_verifier']);

/** The JSON body with secret fields replaced by "[redacted]"; a body that is not JSON is dropped whole. */
export function redactSecrets(body: string): string | undefined {
  try {
    return JSON.stringify(JSON.parse(body), (key, value) =>
      SECRET_FIELDS.has(key) && typeof value === 'string' ? '[redacted]' : value,
    );
  } catch {
    return undefined;
  }
}
