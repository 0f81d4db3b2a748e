/**
 * The inspector's JSON admin views over real HTTP, after the official SDK wrote to the mock: what an
 * account received (metrics with counts over time, a profile with its properties, lists and events,
 * list members, catalog items), kept apart per API key, and clear 400/404s for bad parameters. The
 * fake Supabase's table browser is checked on the same terms.
 */
import {
  ApiKeySession,
  CatalogsApi,
  EventsApi,
  ListsApi,
  ProfilesApi,
  RetryWithExponentialBackoff,
} from 'klaviyo-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../shared/listen.ts';
import { startSupabaseServer, supabaseKeys } from '../../supabase/index.ts';
import { createKlaviyoMock, startKlaviyoServer } from '../index.ts';

const KEY = 'pk_inspector_main_0123456789';
const OTHER = 'pk_inspector_other_0123456789';
let klaviyo: RunningServer;

function sdk(key: string) {
  const session = new ApiKeySession(key, new RetryWithExponentialBackoff({ numRetries: 0 }));
  const apis = {
    events: new EventsApi(session),
    profiles: new ProfilesApi(session),
    lists: new ListsApi(session),
    catalogs: new CatalogsApi(session),
  };
  for (const api of Object.values(apis)) api.basePath = klaviyo.url;
  return apis;
}

const track = (api: ReturnType<typeof sdk>, name: string, email: string, time: string) =>
  api.events.createEvent({
    data: {
      type: 'event',
      attributes: {
        properties: { theme: 'space' },
        time: new Date(time),
        metric: { data: { type: 'metric', attributes: { name } } },
        profile: { data: { type: 'profile', attributes: { email } } },
      },
    },
  } as Parameters<EventsApi['createEvent']>[0]);

async function view<T = Record<string, unknown>>(
  path: string,
  base = klaviyo.url,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}/__admin/inspector/${path}`);
  return { status: res.status, body: (await res.json()) as T };
}

let account: string;
let adaId: string;

beforeAll(async () => {
  klaviyo = await startKlaviyoServer({ port: 0, rateLimits: false });
  const api = sdk(KEY);
  const ada = await api.profiles.createProfile({
    data: {
      type: 'profile',
      attributes: {
        email: 'ada@example.com',
        firstName: 'Ada',
        properties: { subscription_tier: 'premium' },
      },
    },
  } as Parameters<ProfilesApi['createProfile']>[0]);
  adaId = (ada.body as { data: { id: string } }).data.id;
  await track(api, 'Signed Up', 'ada@example.com', '2026-03-01T10:15:00Z');
  await track(api, 'Story Generated', 'ada@example.com', '2026-03-01T11:05:00Z');
  await track(api, 'Story Generated', 'ada@example.com', '2026-03-01T11:45:00Z');
  await track(api, 'Story Generated', 'bo@example.com', '2026-03-01T12:30:00Z');
  const list = await api.lists.createList({
    data: { type: 'list', attributes: { name: 'Bedtime' } },
  } as never);
  await api.lists.addProfilesToList((list.body as { data: { id: string } }).data.id, {
    data: [{ type: 'profile', id: adaId }],
  } as never);
  await api.catalogs.createCatalogItem({
    data: {
      type: 'catalog-item',
      attributes: {
        externalId: 'OWL',
        title: 'The Owl',
        description: 'Hoot',
        url: 'https://shop.test/owl',
        price: 4.5,
      },
    },
  } as never);
  // Another key is another account: none of this may show in the first one.
  await track(sdk(OTHER), 'Story Generated', 'eve@example.com', '2026-03-01T11:00:00Z');
  const accounts = (
    await view<{ accounts: { account: string; profiles: number; events: number }[] }>('accounts')
  ).body.accounts;
  expect(accounts).toHaveLength(2);
  // Busiest first.
  expect(accounts[0]).toMatchObject({ profiles: 2, events: 4 });
  account = accounts[0]!.account;
}, 60_000);

afterAll(async () => {
  await klaviyo?.close();
});

describe('Klaviyo inspector views', () => {
  it('counts each metric, with hourly buckets that add up to the count', async () => {
    const { body } = await view<{
      bucketMs: number;
      metrics: { name: string; count: number; series: { t: string; count: number }[] }[];
    }>(`metrics?account=${account}`);
    expect(body.bucketMs).toBe(3_600_000);
    const story = body.metrics.find((m) => m.name === 'Story Generated')!;
    expect(story.count).toBe(3);
    // The account's span, 10:15 to 12:30, hour by hour: the empty 10:00 bucket is there.
    expect(story.series).toEqual([
      { t: '2026-03-01T10:00:00.000Z', count: 0 },
      { t: '2026-03-01T11:00:00.000Z', count: 2 },
      { t: '2026-03-01T12:00:00.000Z', count: 1 },
    ]);
    expect(body.metrics.map((m) => m.name)).toEqual(['Signed Up', 'Story Generated']);
  });

  it('searches profiles by email and shows one with properties, lists and its event timeline', async () => {
    const found = await view<{
      profiles: { id: string; email: string; events: number; first_name: string }[];
    }>(`profiles?account=${account}&search=ada@`);
    expect(found.body.profiles).toEqual([
      expect.objectContaining({ id: adaId, email: 'ada@example.com', events: 3, first_name: 'Ada' }),
    ]);
    const { body } = await view<{
      properties: Record<string, unknown>;
      lists: { name: string }[];
      events: { total: number; newest: { metric: string; datetime: string }[] };
    }>(`profile?account=${account}&id=${adaId}`);
    expect(body.properties).toEqual({ subscription_tier: 'premium' });
    expect(body.lists.map((l) => l.name)).toEqual(['Bedtime']);
    expect(body.events.total).toBe(3);
    expect(body.events.newest.map((e) => [e.metric, e.datetime])).toEqual([
      ['Story Generated', '2026-03-01T11:45:00.000Z'],
      ['Story Generated', '2026-03-01T11:05:00.000Z'],
      ['Signed Up', '2026-03-01T10:15:00.000Z'],
    ]);
  });

  it('lists list members and catalog items', async () => {
    const aud = await view<{ lists: { name: string; member_count: number; members: { email: string }[] }[] }>(
      `audiences?account=${account}`,
    );
    expect(aud.body.lists).toEqual([
      expect.objectContaining({
        name: 'Bedtime',
        member_count: 1,
        members: [expect.objectContaining({ email: 'ada@example.com' })],
      }),
    ]);
    const cat = await view<{ items: { title: string; price: number }[] }>(`catalog?account=${account}`);
    expect(cat.body.items).toEqual([expect.objectContaining({ title: 'The Owl', price: 4.5 })]);
  });

  it('keeps accounts apart and answers bad parameters with 400 / 404', async () => {
    const other = (await view<{ accounts: { account: string }[] }>('accounts')).body.accounts[1]!.account;
    const search = await view<{ profiles: { email: string }[] }>(`profiles?account=${other}`);
    expect(search.body.profiles.map((p) => p.email)).toEqual(['eve@example.com']);
    expect((await view(`profile?account=${other}&id=${adaId}`)).status).toBe(404);
    const missing = await view<{ field: string; error: string }>('metrics');
    expect(missing.status).toBe(400);
    expect(missing.body.field).toBe('account');
  });
});

describe('Supabase table browser', () => {
  let supabase: RunningServer;
  beforeAll(async () => {
    supabase = await startSupabaseServer({ port: 0 });
    const key = supabaseKeys().service_role_key;
    const res = await fetch(`${supabase.url}/rest/v1/profiles`, {
      method: 'POST',
      headers: { apikey: key, authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify([
        { id: '00000000-0000-4000-8000-000000000001', email: 'b@example.com', first_name: 'B' },
        { id: '00000000-0000-4000-8000-000000000002', email: 'a@example.com', first_name: 'A' },
      ]),
    });
    expect(res.status).toBe(201);
  });
  afterAll(async () => {
    await supabase?.close();
  });

  it('lists the public tables and pages one, ordered, read-only', async () => {
    const tables = await view<{ tables: { name: string; rows: number }[] }>('tables', supabase.url);
    expect(tables.body.tables.map((t) => t.name).sort()).toEqual([
      'children',
      'profiles',
      'stories',
      'subscriptions',
    ]);
    expect(tables.body.tables.find((t) => t.name === 'profiles')!.rows).toBe(2);
    const page = await view<{ total: number; rows: { email: string }[] }>(
      'table?name=profiles&order=email.asc&limit=1&offset=1',
      supabase.url,
    );
    expect(page.body.total).toBe(2);
    expect(page.body.rows.map((r) => r.email)).toEqual(['b@example.com']);
    expect((await view('table?name=auth_users', supabase.url)).status).toBe(404);
    const bad = await view<{ field: string }>('table?name=profiles&order=nope.asc', supabase.url);
    expect([bad.status, bad.body.field]).toEqual([400, 'order']);
    expect((await view<{ field: string }>('table?name=profiles&limit=-1', supabase.url)).body.field).toBe(
      'limit',
    );
  });
});

describe('access', () => {
  it('serves the page without the admin token but its data only with it', async () => {
    const service = createKlaviyoMock({ rateLimits: false });
    // What serveMock sets when the server listens beyond loopback.
    service.adminToken = 'inspector-test-token';
    const server = await startKlaviyoServer({ port: 0, service });
    try {
      const page = await fetch(`${server.url}/__inspector`);
      expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
      expect(await page.text()).toContain('/__inspector/inspector.js');
      expect((await fetch(`${server.url}/__inspector/inspector.js`)).status).toBe(200);
      expect((await fetch(`${server.url}/__inspector/nope.js`)).status).toBe(404);
      for (const path of ['inspector/accounts', 'requests/unmatched']) {
        expect((await fetch(`${server.url}/__admin/${path}`)).status).toBe(401);
        const ok = await fetch(`${server.url}/__admin/${path}`, {
          headers: { authorization: 'Bearer inspector-test-token' },
        });
        expect(ok.status).toBe(200);
      }
      const find = await fetch(`${server.url}/__admin/requests/find`, { method: 'POST', body: '{}' });
      expect(find.status).toBe(401);
    } finally {
      await server.close();
      service.close();
    }
  });
});
