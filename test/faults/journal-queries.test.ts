/**
 * WireMock-style journal queries over real HTTP: `POST /__admin/requests/find` and `/count`, and
 * `GET /__admin/requests/unmatched`, on the Klaviyo mock driven by the official SDK with a fault rule
 * that fails some event posts, and on the fake Supabase (the same query code serves both).
 */
import { ApiKeySession, EventsApi, RetryWithExponentialBackoff } from 'klaviyo-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaultInjector } from '../../mocks/faults/index.ts';
import { startKlaviyoServer } from '../../mocks/klaviyo/index.ts';
import type { RunningServer } from '../../mocks/shared/listen.ts';
import { startSupabaseServer } from '../../mocks/supabase/index.ts';

const KEY = 'pk_journal_query_0123456789abcdef';
let klaviyo: RunningServer;
let supabase: RunningServer;

async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const find = async (body: unknown) =>
  (await post(`${klaviyo.url}/__admin/requests/find`, body)).json.requests as {
    path: string;
    status: number;
    fault: string | null;
    requestBody?: string;
  }[];
const count = async (body: unknown) =>
  (await post(`${klaviyo.url}/__admin/requests/count`, body)).json.count as number;

beforeAll(async () => {
  // No faults but for the third event, which a rule fails with 503 (set and lifted around that call).
  const faults = createFaultInjector({ seed: 3, service: 'klaviyo' });
  klaviyo = await startKlaviyoServer({ port: 0, rateLimits: false, faults });
  supabase = await startSupabaseServer({ port: 0 });
  const events = new EventsApi(new ApiKeySession(KEY, new RetryWithExponentialBackoff({ numRetries: 0 })));
  events.basePath = klaviyo.url;
  const track = (name: string, email: string) =>
    events.createEvent({
      data: {
        type: 'event',
        attributes: {
          properties: { theme: 'space' },
          metric: { data: { type: 'metric', attributes: { name } } },
          profile: { data: { type: 'profile', attributes: { email } } },
        },
      },
    } as Parameters<EventsApi['createEvent']>[0]);
  await track('Story Generated', 'ada@example.com');
  await track('Story Generated', 'bo@example.com');
  faults.replace({
    rules: [{ match: { operation: 'create_event' }, errors: [{ status: 503, probability: 1 }] }],
  });
  await expect(track('Story Failed', 'ada@example.com')).rejects.toMatchObject({ response: { status: 503 } });
  faults.replace({ profile: 'ideal' });
  await fetch(`${klaviyo.url}/api/no-such-thing`, { headers: { revision: '2026-07-15' } });
}, 60_000);

afterAll(async () => {
  await klaviyo?.close();
  await supabase?.close();
});

describe('POST /__admin/requests/find and /count', () => {
  it('filters by method, path, operation, status and fault', async () => {
    expect(await count({})).toBe(4);
    expect(await count({ method: 'post', path: '/api/events/' })).toBe(3);
    expect(await count({ operation: 'create_event', status: 202 })).toBe(2);
    expect(await count({ status: '5xx' })).toBe(1);
    expect(await count({ status: [202, 404] })).toBe(3);
    const faulted = await find({ fault: true });
    expect(faulted).toHaveLength(1);
    expect(faulted[0]).toMatchObject({ path: '/api/events', status: 503, fault: 'error:503' });
    expect(await count({ fault: 'error:503' })).toBe(1);
    expect(await count({ fault: 'error:*' })).toBe(1);
    expect(await count({ fault: 'network:*' })).toBe(0);
    expect(await count({ fault: false })).toBe(3);
    expect(await count({ pathPattern: '^/api/no-' })).toBe(1);
  });

  it('filters by body fields with JSON Pointer equals / exists and by text', async () => {
    const byEmail = await find({
      bodyPatterns: [
        { pointer: '/data/attributes/profile/data/attributes/email', equals: 'ada@example.com' },
        { pointer: '/data/attributes/metric/data/attributes/name', equals: 'Story Generated' },
      ],
    });
    expect(byEmail).toHaveLength(1);
    expect(JSON.parse(byEmail[0]!.requestBody!).data.attributes.profile.data.attributes.email).toBe(
      'ada@example.com',
    );
    expect(
      await count({ bodyPatterns: [{ pointer: '/data/attributes/properties', equals: { theme: 'space' } }] }),
    ).toBe(3);
    expect(await count({ bodyPatterns: [{ pointer: '/data/attributes/nope', exists: false }] })).toBe(3);
    expect(await count({ bodyPatterns: [{ contains: 'bo@example.com' }] })).toBe(1);
  });

  it('keeps the newest `limit` and honours `since`', async () => {
    const all = await find({});
    const newest = await find({ limit: 2 });
    expect(newest.map((r) => r.path)).toEqual(all.slice(-2).map((r) => r.path));
    const seq1 = (all[0] as unknown as { seq: number }).seq;
    expect(await count({ since: seq1 })).toBe(3);
  });

  it('answers a bad query with a 400 that names the field', async () => {
    const cases: [unknown, string][] = [
      ['{not json', '(body)'],
      [{ colour: 'red' }, 'colour'],
      [{ status: 'teapot' }, 'status'],
      [{ fault: 3 }, 'fault'],
      [{ limit: 0 }, 'limit'],
      [{ pathPattern: '(' }, 'pathPattern'],
      [{ bodyPatterns: [{ pointer: 'no-slash', equals: 1 }] }, 'bodyPatterns.0'],
      [{ bodyPatterns: [{ pointer: '/a' }] }, 'bodyPatterns.0'],
    ];
    for (const [body, field] of cases) {
      const res = await post(`${klaviyo.url}/__admin/requests/find`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(String(res.json.field), JSON.stringify(body)).toContain(field);
      expect(typeof res.json.error).toBe('string');
    }
  });
});

describe('GET /__admin/requests/unmatched', () => {
  it('lists the requests no operation of the API matched, on both mocks', async () => {
    const res = (await (await fetch(`${klaviyo.url}/__admin/requests/unmatched`)).json()) as {
      requests: { path: string; status: number }[];
    };
    expect(res.requests.map((r) => [r.path, r.status])).toEqual([['/api/no-such-thing', 404]]);

    await fetch(`${supabase.url}/nowhere/at/all`);
    await fetch(`${supabase.url}/rest/v1/profiles?select=id`);
    const sb = (await (await fetch(`${supabase.url}/__admin/requests/unmatched`)).json()) as {
      requests: { path: string }[];
    };
    expect(sb.requests.map((r) => r.path)).toEqual(['/nowhere/at/all']);
    const rest = await post(`${supabase.url}/__admin/requests/count`, {
      method: 'GET',
      pathPattern: '^/rest/v1/',
    });
    expect(rest).toEqual({ status: 200, json: { count: 1 } });
  });
});
