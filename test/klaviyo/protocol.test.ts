/**
 * Protocol rules over raw HTTP (the SDK always sends good headers): auth, revision, bad JSON, unknown
 * routes, wrong methods, trailing slashes, account isolation, rate limits, admin endpoints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../lib/clock.ts';
import { contractChecked, eventBody, profileBody, raw, sdk, sdkError, startChecked } from './helpers.ts';

const contract = contractChecked();
let server: Awaited<ReturnType<typeof startChecked>>;

beforeAll(async () => {
  server = await startChecked(contract);
});
afterAll(async () => {
  await server.close();
});

async function errorOf(res: Response) {
  expect(res.headers.get('content-type')).toContain('application/vnd.api+json');
  const body = (await res.json()) as any;
  expect(body.errors).toHaveLength(1);
  const e = body.errors[0];
  for (const field of ['id', 'status', 'code', 'title', 'detail', 'source']) expect(e).toHaveProperty(field);
  expect(e.status).toBe(res.status);
  return e;
}

describe('authentication and revision', () => {
  it('401 not_authenticated without a key or with another scheme', async () => {
    for (const authorization of [undefined, 'Bearer pk_x', 'Klaviyo-API-Key ']) {
      const res = await raw(server.url, '/api/profiles', { headers: { authorization } });
      expect(res.status).toBe(401);
      expect((await errorOf(res)).code).toBe('not_authenticated');
    }
  });

  it('400 without a revision header or with a malformed one', async () => {
    for (const revision of [undefined, '2026-7-15', 'latest', '2026-07-15.Pre']) {
      const res = await raw(server.url, '/api/profiles', { headers: { revision } });
      expect(res.status).toBe(400);
      const e = await errorOf(res);
      expect(e.code).toBe('invalid');
      expect(e.source.parameter).toBe('revision');
    }
    const ok = await raw(server.url, '/api/profiles', { headers: { revision: '2026-07-15.pre' } });
    expect(ok.status).toBe(200);
  });
});

describe('bad input', () => {
  it('bad JSON is a 400 with a pointer, never a crash', async () => {
    for (const body of ['{"data": ', 'null', '[]', '"x"', '']) {
      const res = await raw(server.url, '/api/profiles', { method: 'POST', body });
      expect(res.status).toBe(400);
      const e = await errorOf(res);
      expect(e.code).toBe('invalid');
      expect(e.source.pointer).toMatch(/^\/data/);
    }
  });

  it('wrong type, unknown attribute and wrong value types point at the member', async () => {
    const cases: [unknown, string][] = [
      [{ data: { type: 'event', attributes: { email: 'a@b.co' } } }, '/data/type'],
      [{ data: { type: 'profile', attributes: { email: 'a@b.co', shoe: 1 } } }, '/data/attributes'],
      [{ data: { type: 'profile', attributes: { email: 42 } } }, '/data/attributes/email'],
    ];
    for (const [body, pointer] of cases) {
      const res = await raw(server.url, '/api/profiles', { method: 'POST', body: JSON.stringify(body) });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).source.pointer).toBe(pointer);
    }
  });

  it('unknown routes are 404 and wrong methods 405 in JSON:API form', async () => {
    const unknown = await raw(server.url, '/api/made-up-thing');
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe('not_found');
    const wrong = await raw(server.url, '/api/profiles', { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, POST');
    expect((await errorOf(wrong)).code).toBe('method_not_allowed');
  });

  it('accepts a trailing slash', async () => {
    const res = await raw(server.url, '/api/profiles/', {
      method: 'POST',
      body: JSON.stringify(profileBody({ email: 'slash@example.com' })),
    });
    expect(res.status).toBe(201);
    const list = await raw(server.url, '/api/profiles/?filter=equals(email,"slash@example.com")');
    expect(((await list.json()) as any).data).toHaveLength(1);
  });
});

describe('accounts', () => {
  it('keeps each API key in its own account', async () => {
    const a = sdk('pk_account_a', server.url);
    const b = sdk('pk_account_b', server.url);
    const created = await a.profiles.createProfile(profileBody({ email: 'shared@example.com' }));
    await a.events.createEvent(eventBody('Only A', { email: 'shared@example.com' }));
    // Same email in another account is not a duplicate, and A's data is invisible to B.
    const inB = await b.profiles.createProfile(profileBody({ email: 'shared@example.com' }));
    expect(inB.response.status).toBe(201);
    expect(inB.response.data.data.id).not.toBe(created.response.data.data.id);
    expect((await sdkError(b.profiles.getProfile(created.response.data.data.id))).status).toBe(404);
    expect((await b.metrics.getMetrics()).response.data.data).toHaveLength(0);
    expect((await b.events.getEvents()).response.data.data).toHaveLength(0);
    expect((await a.events.getEvents()).response.data.data).toHaveLength(1);
  });
});

describe('rate limits', () => {
  it('counts down RateLimit-Remaining, then answers 429 throttled with Retry-After until the bucket refills', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1));
    const limited = await startChecked(contract, { clock, rateLimits: true });
    try {
      const api = sdk('pk_rate', limited.url);
      // get_metric: burst 10/s, steady 150/m.
      const first = await sdkError(api.metrics.getMetric('NOPE00'));
      expect(first.status).toBe(404);
      expect(first.headers['ratelimit-limit']).toBe('10, 10;w=1, 150;w=60');
      expect(first.headers['ratelimit-remaining']).toBe('9');
      for (let i = 0; i < 9; i++) await sdkError(api.metrics.getMetric('NOPE00'));
      const throttled = await sdkError(api.metrics.getMetric('NOPE00'));
      expect(throttled.status).toBe(429);
      expect(throttled.data.errors[0].code).toBe('throttled');
      expect(throttled.headers['retry-after']).toMatch(/^\d+$/);
      expect(Number(throttled.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // Klaviyo's 429 carries Retry-After instead of the RateLimit-* headers.
      expect(throttled.headers['ratelimit-remaining']).toBeUndefined();
      // Other operations and other accounts have their own buckets.
      expect((await api.metrics.getMetrics()).response.status).toBe(200);
      expect((await sdkError(sdk('pk_rate_2', limited.url).metrics.getMetric('NOPE00'))).status).toBe(404);
      clock.advance(Number(throttled.headers['retry-after']) * 1000);
      expect((await sdkError(api.metrics.getMetric('NOPE00'))).status).toBe(404);
    } finally {
      await limited.close();
    }
  });

  it('rateLimits: false turns them off', async () => {
    const api = sdk('pk_unlimited', server.url);
    for (let i = 0; i < 12; i++) expect((await sdkError(api.metrics.getMetric('NOPE00'))).status).toBe(404);
  });
});

describe('admin API', () => {
  it('health, state, requests journal and reset', async () => {
    const health = (await (await fetch(`${server.url}/__admin/health`)).json()) as any;
    expect(health).toMatchObject({ status: 'ok', service: 'klaviyo' });
    const state = (await (await fetch(`${server.url}/__admin/state`)).json()) as any;
    expect(state.profiles).toBeGreaterThan(0);
    expect(state).toHaveProperty('events');
    expect(state).toHaveProperty('metrics');
    const journal = (await (await fetch(`${server.url}/__admin/requests?limit=5`)).json()) as any;
    expect(journal.requests.length).toBeGreaterThan(0);
    expect(journal.requests.some((r: any) => r.operation === 'get_metric')).toBe(true);
    const reset = await fetch(`${server.url}/__admin/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    const after = (await (await fetch(`${server.url}/__admin/state`)).json()) as any;
    expect(after).toMatchObject({ profiles: 0, events: 0, metrics: 0 });
  });
});

it('validated every response against the spec', () => {
  expect(contract.validated).toBeGreaterThan(20);
});
