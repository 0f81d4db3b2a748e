/**
 * Issue 11, property-based: malformed requests spread over the Klaviyo mock, the fake Supabase and the
 * Dream Flow app, over real sockets on 127.0.0.1. Every answer must come within a second, below 500,
 * in the API's own format (JSON:API errors for Klaviyo, PostgREST / GoTrue / gateway JSON for Supabase,
 * `{"error": {...}}` for the app), and the data written before the storm must be intact after it.
 *
 * The requests are drawn by fast-check from a fixed seed (so a failure names a request that replays),
 * then sent a few at a time. FUZZ_REQUESTS overrides the count (default 10,000; CI runs the default).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../lib/clock.ts';
import { createFaultInjector } from '../../mocks/faults/index.ts';
import { startKlaviyoServer } from '../../mocks/klaviyo/index.ts';
import { listen, type RunningServer } from '../../mocks/shared/listen.ts';
import { startSupabaseServer, supabaseKeys } from '../../mocks/supabase/index.ts';
import { signJwt } from '../../mocks/supabase/jwt.ts';
import { createAppServer } from '../../src/app/server.ts';
import { createDreamFlowStack, type DreamFlowStack } from '../../src/app/stack.ts';
import { sdk } from '../klaviyo/helpers.ts';
import { client } from '../supabase/client.ts';
import { type RawAnswer, rawRequest } from './raw-http.ts';

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const IN_FLIGHT = 4;
const SEED = 20261202;
const CANARY_KEY = 'pk_canary_account_key';
const keys = supabaseKeys();

type Service = 'klaviyo' | 'supabase' | 'app';
interface Fuzzed {
  service: Service;
  method: string;
  target: string;
  headers: [string, string][];
  body: string;
}

const uuid = fc.uuid().map(String);
/** The first value half of the time, else one of the rest. */
const usually = <T>(common: T, ...rare: T[]): fc.Arbitrary<T> =>
  fc.oneof(
    { weight: rare.length, arbitrary: fc.constant(common) },
    { weight: rare.length, arbitrary: fc.constantFrom(...rare) },
  );
const junk = fc.string({ maxLength: 24, unit: 'binary-ascii' });

const PATHS: Record<Service, string[]> = {
  klaviyo: [
    '/api/events',
    '/api/events/abc',
    '/api/profiles',
    '/api/profiles/01JABCDEFGHJKMNPQRSTVWXYZ0',
    '/api/profile-import',
    '/api/lists',
    '/api/lists/XyZ123/relationships/profiles',
    '/api/segments',
    '/api/segments/ABC/profiles',
    '/api/metrics',
    '/api/metric-aggregates',
    '/api/profile-bulk-import-jobs',
    '/client/events',
    '/client/profiles',
    '/api',
    '/api/',
    '/',
  ],
  supabase: [
    '/rest/v1/profiles',
    '/rest/v1/children',
    '/rest/v1/stories',
    '/rest/v1/subscriptions',
    '/rest/v1/nope',
    '/rest/v1/',
    '/rest/v1/rpc/anything',
    '/auth/v1/signup',
    '/auth/v1/token',
    '/auth/v1/user',
    '/auth/v1/logout',
    '/auth/v1/settings',
    '/storage/v1/object/x',
    '/',
  ],
  app: [
    '/api/v1/auth/signup',
    '/api/v1/story',
    '/api/v1/subscriptions',
    '/api/v1/subscriptions/cancel',
    '/api/v1/profile',
    '/api/v1/recommendations',
    '/api/v1/insights',
    '/api/v1/stories/00000000-0000-4000-8000-000000000001/completion',
    '/api/v1/stories/not-a-uuid/completion',
    '/api/v1/health',
    '/api/v1/nope',
    '/',
  ],
};

const queryPart = fc.oneof(
  fc.constantFrom(
    'select=*',
    'select=id,children(*)',
    'select=nope(*)',
    'select=((',
    'email=like.*',
    'id=eq.not-a-uuid',
    'limit=-1',
    'limit=abc',
    'offset=1e99',
    'order=zzz.desc',
    'or=(a.eq.1',
    'filter=equals(email,"x")',
    'filter=greater-than(datetime,garbage)',
    'page[cursor]=%ZZ',
    'page[size]=100000',
    'fields[profile]=email,nope',
    'additional-fields[profile]=subscriptions',
    'include=lists,segments,nope',
    'sort=-nope',
    'grant_type=password',
    'grant_type=nope',
    'user_id=abc',
    'user_id=',
    '%E0%A4%A',
    'a=%',
    '=&&=',
  ),
  uuid.map((id) => `user_id=${id}`),
  uuid.map((id) => `id=eq.${id}`),
  junk.map(encodeURIComponent),
);

const target = (service: Service) =>
  fc
    .record({
      path: fc.constantFrom(...PATHS[service]),
      query: fc.array(queryPart, { maxLength: 3 }),
      form: usually('origin', 'absolute', 'asterisk', 'broken', 'dots', 'double'),
    })
    .map(({ path, query, form }) => {
      const withQuery = query.length ? `${path}?${query.join('&')}` : path;
      if (form === 'absolute') return `http://127.0.0.1${withQuery}`;
      if (form === 'asterisk') return '*';
      if (form === 'broken') return `http://[bad${withQuery}`;
      if (form === 'dots') return `/../..${withQuery}`;
      if (form === 'double') return `/${withQuery}`;
      return withQuery;
    });

const forged = signJwt({ role: 'service_role', iss: 'supabase-demo' }, 'not-the-secret');
const expired = signJwt(
  { role: 'anon', iss: 'supabase-demo', exp: 1 },
  'super-secret-jwt-token-with-at-least-32-characters-long',
);

const authHeaders = (service: Service, method: string): fc.Arbitrary<[string, string][]> => {
  if (service === 'klaviyo') {
    return fc
      .tuple(
        usually(
          'Klaviyo-API-Key pk_fuzz_account_key',
          undefined,
          'Klaviyo-API-Key AbC123',
          'Klaviyo-API-Key ',
          'Bearer xyz',
          'klaviyo-api-key pk_fuzz_account_key',
        ),
        usually('2026-07-15', undefined, '1999-01-01', 'garbage', '2026-07-15.pre'),
      )
      .map(([auth, revision]) => [
        ...(auth === undefined ? [] : ([['authorization', auth]] as [string, string][])),
        ...(revision === undefined ? [] : ([['revision', revision]] as [string, string][])),
      ]);
  }
  if (service === 'supabase') {
    // The service role bypasses RLS, so it only reads: the canary rows must survive the storm.
    const apikeys = [keys.anon_key, forged, expired, 'garbage', undefined];
    if (method === 'GET' || method === 'HEAD') apikeys.push(keys.service_role_key);
    return fc
      .tuple(
        usually(keys.anon_key, ...apikeys.slice(1)),
        usually(undefined, `Bearer ${keys.anon_key}`, `Bearer ${forged}`, 'Bearer ', 'Basic abc'),
        fc.constantFrom(
          undefined,
          'return=representation',
          'resolution=merge-duplicates',
          'count=exact',
          'tx=rollback',
          'garbage=1',
        ),
        fc.constantFrom(
          undefined,
          'application/json',
          'application/vnd.pgrst.object+json',
          'text/csv',
          '*/*',
        ),
      )
      .map(([apikey, auth, prefer, accept]) =>
        (
          [
            ['apikey', apikey],
            ['authorization', auth],
            ['prefer', prefer],
            ['accept', accept],
          ] as [string, string | undefined][]
        ).filter((h): h is [string, string] => h[1] !== undefined),
      );
  }
  return fc.constant([]);
};

const body = fc.oneof(
  fc.constant(''),
  fc.json({ maxDepth: 3 }),
  junk,
  fc.json({ maxDepth: 2 }).map((j) => j.slice(0, Math.max(1, j.length - 2))),
  fc
    .dictionary(fc.constantFrom('email', 'user_id', 'theme', 'tier', 'password', 'id', 'x'), fc.jsonValue(), {
      maxKeys: 4,
    })
    .map((attributes) => JSON.stringify({ data: { type: 'event', attributes }, ...attributes })),
  fc.integer({ min: 1, max: 64 }).map((n) => '['.repeat(n * 100)),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
);

const request: fc.Arbitrary<Fuzzed> = fc
  .record({
    service: fc.constantFrom<Service>('klaviyo', 'supabase', 'app'),
    method: usually('GET', 'POST', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'G@T'),
  })
  .chain(({ service, method }) =>
    fc.record({
      service: fc.constant(service),
      method: fc.constant(method),
      target: target(service),
      auth: authHeaders(service, method),
      // Mostly well-formed envelopes, so the storm reaches the parsers behind the gates as well.
      contentType: usually(
        'application/json',
        undefined,
        'application/vnd.api+json',
        'text/plain',
        '*/*',
        'application/json; charset=latin1',
        'application/json; charset=bogus',
        'multipart/form-data; boundary=x',
        'application/x-www-form-urlencoded',
        ';;;',
      ),
      encoding: usually(undefined, 'gzip', 'br', 'x-foo', 'deflate', 'identity', 'gzip, gzip'),
      body: method === 'GET' || method === 'HEAD' ? fc.constant('') : body,
    }),
  )
  .map(({ service, method, target, auth, contentType, encoding, body }) => ({
    service,
    method,
    target,
    headers: [
      ...auth,
      ...(contentType ? ([['content-type', contentType]] as [string, string][]) : []),
      ...(encoding ? ([['content-encoding', encoding]] as [string, string][]) : []),
    ],
    body,
  }));

/** What "in the API's own format" means for an answer of each service. */
function formatProblem(req: Fuzzed, res: RawAnswer): string | undefined {
  if (res.body === '')
    return res.status >= 400 && req.method !== 'HEAD' ? 'an error with no body' : undefined;
  if (!/json/.test(res.headers['content-type'] ?? '')) return `content-type ${res.headers['content-type']}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    return 'a body that is not JSON';
  }
  if (res.status < 400) return undefined;
  const o = parsed as Record<string, unknown>;
  if (req.service === 'klaviyo') {
    const errors = o.errors as { status?: unknown; code?: unknown; detail?: unknown }[] | undefined;
    const ok =
      Array.isArray(errors) &&
      errors.length > 0 &&
      errors.every(
        (e) => typeof e.status === 'number' && typeof e.code === 'string' && typeof e.detail === 'string',
      );
    return ok ? undefined : 'not a JSON:API error document';
  }
  if (req.service === 'supabase') {
    // PostgREST {code, message, details, hint}, GoTrue {code, error_code, msg}, the gateway {message}.
    const ok = typeof o.message === 'string' || typeof o.msg === 'string';
    return ok ? undefined : 'not a PostgREST / GoTrue / gateway error';
  }
  const e = o.error as { code?: unknown; message?: unknown } | undefined;
  return e && typeof e.code === 'string' && typeof e.message === 'string'
    ? undefined
    : 'not the app error shape';
}

describe(`${REQUESTS} malformed requests over the three servers`, () => {
  let klaviyo: Awaited<ReturnType<typeof startKlaviyoServer>>;
  let supabase: Awaited<ReturnType<typeof startSupabaseServer>>;
  let app: RunningServer;
  let stack: DreamFlowStack;
  const before: Record<string, unknown> = {};

  async function canaries(): Promise<Record<string, unknown>> {
    const k = sdk(CANARY_KEY, klaviyo.url);
    const profiles = await k.profiles.getProfiles({ filter: 'equals(email,"canary@example.com")' });
    const events = await k.events.getEvents();
    const admin = client(supabase.url);
    const rows = await admin
      .from('profiles')
      .select('id, email, first_name, total_stories, children(id, name)')
      .eq('email', 'canary@example.com');
    return {
      klaviyoProfiles: profiles.body.data.map((p) => ({ id: p.id, attributes: p.attributes })),
      klaviyoEvents: events.body.data.map((e) => ({ id: e.id, properties: e.attributes?.eventProperties })),
      supabase: rows.data,
    };
  }

  beforeAll(async () => {
    klaviyo = await startKlaviyoServer({
      port: 0,
      rateLimits: false,
      faults: createFaultInjector({ service: 'klaviyo' }),
    });
    supabase = await startSupabaseServer({ port: 0 });
    stack = createDreamFlowStack({
      config: {
        klaviyoApiKey: 'pk_app_account_key',
        klaviyoBaseUrl: klaviyo.url,
        supabaseUrl: supabase.url,
        supabaseAnonKey: keys.anon_key,
        supabaseServiceRoleKey: keys.service_role_key,
        klaviyoMcpUrl: '',
      },
      clock: systemClock,
      seed: 7,
      logger: { warn: () => {} },
      storyLatency: { baseMs: 0, perSceneMs: 0, jitterRatio: 0 },
    });
    app = await listen(createAppServer(stack.backend), { port: 0 });

    const k = sdk(CANARY_KEY, klaviyo.url);
    await k.events.createEvent({
      data: {
        type: 'event' as never,
        attributes: {
          properties: { canary: true },
          metric: { data: { type: 'metric' as never, attributes: { name: 'Canary' } } },
          profile: { data: { type: 'profile' as never, attributes: { email: 'canary@example.com' } } },
        },
      },
    });
    const admin = client(supabase.url);
    const parent = await admin
      .from('profiles')
      .insert({ email: 'canary@example.com', first_name: 'Canary', total_stories: 3 })
      .select('id')
      .single();
    expect(parent.error).toBeNull();
    expect(
      (await admin.from('children').insert({ parent_id: parent.data!.id, name: 'Chick' })).error,
    ).toBeNull();
    Object.assign(before, await canaries());
    expect((before.klaviyoProfiles as unknown[]).length).toBe(1);
    expect((before.supabase as unknown[]).length).toBe(1);
  });

  afterAll(async () => {
    await app?.close();
    await stack?.close(10_000);
    await klaviyo?.close();
    await supabase?.close();
  });

  it('answers every one below 500, in its format, within a second; the canary data is intact', async () => {
    const requests = fc.sample(request, { numRuns: REQUESTS, seed: SEED });
    const ports: Record<Service, number> = { klaviyo: klaviyo.port, supabase: supabase.port, app: app.port };
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < requests.length && failures.length < 20) {
        const req = requests[next++]!;
        const head = [
          `${req.method} ${req.target} HTTP/1.1`,
          'host: 127.0.0.1',
          ...req.headers.map(([k, v]) => `${k}: ${v}`),
        ].join('\r\n');
        const label = `${req.service} ${JSON.stringify({ ...req, body: req.body.slice(0, 120) })}`;
        let res: RawAnswer;
        try {
          res = await rawRequest(ports[req.service], head, req.body, 3000);
        } catch (err) {
          failures.push(`${label}: ${(err as Error).message}`);
          continue;
        }
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const problem =
          res.status >= 500
            ? `status ${res.status}: ${res.body.slice(0, 200)}`
            : res.ms >= 1000
              ? `answered in ${Math.round(res.ms)} ms`
              : formatProblem(req, res);
        if (problem) failures.push(`${label}: ${problem}`);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    if (process.env.FUZZ_VERBOSE) console.log(Object.fromEntries(statuses));
    expect(failures).toEqual([]);
    expect(next).toBe(REQUESTS);
    // The storm must have reached past the gates, not only bounced off them.
    expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
    expect([...statuses.keys()].filter((s) => s >= 400).length).toBeGreaterThan(3);

    for (const url of [klaviyo.url, supabase.url])
      expect((await fetch(`${url}/__admin/health`)).status).toBe(200);
    expect((await fetch(`${app.url}/api/v1/health`)).status).toBeLessThan(500);
    expect(await canaries()).toEqual(before);
  }, 300_000);
});
