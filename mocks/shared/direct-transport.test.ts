/**
 * The direct transport through the official SDKs: what reaches the mock is what msw would have delivered
 * (URL with the SDK's query string, body, auth headers), answers and errors look to the SDKs as over HTTP,
 * and network faults surface as network errors — hangs waiting on the service clock, not the wall.
 */
import type { AxiosError } from 'axios';
import { setupServer } from 'msw/node';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../lib/clock.ts';
import { createKlaviyoApis } from '../../src/integration/klaviyo/sdk.ts';
import { createSupabaseClients } from '../../src/integration/supabase.ts';
import { createFaultInjector } from '../faults/index.ts';
import { createKlaviyoMock, klaviyoHandlers } from '../klaviyo/index.ts';
import { createSupabaseMock, supabaseKeys } from '../supabase/index.ts';
import { createDirectAxiosAdapter, createDirectFetch } from './direct-transport.ts';
import type { MockRequest } from './http.ts';
import { IN_PROCESS_HANG_MS } from './msw-adapter.ts';
import type { MockService } from './service.ts';

const KEY = 'pk_direct_transport_0123456789';
const KLAVIYO = 'https://a.klaviyo.com';
const SUPABASE = 'http://supabase.local';

/** The service, recording every request it is handed. */
function recording(service: MockService): { service: MockService; seen: MockRequest[] } {
  const seen: MockRequest[] = [];
  return {
    seen,
    service: {
      ...service,
      handle: (req) => {
        seen.push(req);
        return service.handle(req);
      },
    },
  };
}

type Apis = ReturnType<typeof createKlaviyoApis>;
const newProfile = (email: string) =>
  ({ data: { type: 'profile', attributes: { email, first_name: 'Ada' } } }) as Parameters<
    Apis['profiles']['createProfile']
  >[0];

/** The same SDK calls, whatever the transport. */
async function sdkCalls(apis: Apis): Promise<void> {
  await apis.profiles.createProfile(newProfile('ada@example.com'));
  await apis.events.createEvent({
    data: {
      type: 'event',
      attributes: {
        properties: { theme: 'Space', scenes: 3 },
        uniqueId: 'story-1',
        metric: { data: { type: 'metric', attributes: { name: 'Story Generated' } } },
        profile: { data: { type: 'profile', attributes: { email: 'ada@example.com' } } },
      },
    },
  } as Parameters<Apis['events']['createEvent']>[0]);
  await apis.profiles.getProfiles({
    filter: 'equals(email,"ada@example.com")',
    fieldsProfile: ['email', 'first_name'],
    pageSize: 5,
  });
}

const wire = (r: MockRequest) => ({
  method: r.method,
  url: r.url.href,
  body: r.body,
  authorization: r.headers.authorization,
  revision: r.headers.revision,
  contentType: r.headers['content-type'],
});

let stopMsw: (() => void) | undefined;
afterEach(() => {
  stopMsw?.();
  stopMsw = undefined;
});

describe('axios adapter (klaviyo-api SDK)', () => {
  it('delivers exactly what msw delivers: URL and query string, body, auth and revision headers', async () => {
    const direct = recording(createKlaviyoMock());
    await sdkCalls(
      createKlaviyoApis(KEY, KLAVIYO, 10_000, createDirectAxiosAdapter({ [KLAVIYO]: direct.service })),
    );

    const viaMsw = recording(createKlaviyoMock());
    const server = setupServer(...klaviyoHandlers({ service: viaMsw.service, baseUrls: [KLAVIYO] }));
    server.listen({ onUnhandledRequest: 'error' });
    stopMsw = () => server.close();
    await sdkCalls(createKlaviyoApis(KEY, KLAVIYO));

    expect(direct.seen).toHaveLength(3);
    expect(direct.seen.map(wire)).toEqual(viaMsw.seen.map(wire));
    expect(direct.seen[2]!.query.get('filter')).toBe('equals(email,"ada@example.com")');
    expect(direct.seen[2]!.query.get('fields[profile]')).toBe('email,first_name');
  });

  it('answers as over HTTP: parsed bodies, and errors as AxiosErrors with the JSON:API response', async () => {
    const apis = createKlaviyoApis(
      KEY,
      KLAVIYO,
      10_000,
      createDirectAxiosAdapter({ [KLAVIYO]: createKlaviyoMock() }),
    );
    const created = await apis.profiles.createProfile(newProfile('bo@example.com'));
    expect(created.response.status).toBe(201);
    expect(created.body.data.id).toMatch(/\w+/);

    const dup = (await apis.profiles
      .createProfile(newProfile('bo@example.com'))
      .catch((e) => e)) as AxiosError<{
      errors: { code: string; meta?: { duplicate_profile_id?: string } }[];
    }>;
    expect(dup.isAxiosError).toBe(true);
    expect(dup.code).toBe('ERR_BAD_REQUEST');
    expect(dup.response?.status).toBe(409);
    expect(dup.response?.data.errors[0]?.code).toBe('duplicate_profile');
    expect(dup.response?.data.errors[0]?.meta?.duplicate_profile_id).toBe(created.body.data.id);
    expect(dup.response?.headers['content-type']).toContain('application/vnd.api+json');
  });

  it('turns a reset into a network error (no response) and a hang into a time-out on the service clock', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5));
    const faulty = (fault: string) =>
      createKlaviyoMock({
        clock,
        faults: createFaultInjector({
          clock,
          document: { rules: [{ match: { service: 'klaviyo' }, network: [{ fault, probability: 1 }] }] },
        }),
      });
    const reset = createKlaviyoApis(
      KEY,
      KLAVIYO,
      10_000,
      createDirectAxiosAdapter({ [KLAVIYO]: faulty('reset') }),
    );
    const r = (await reset.profiles
      .createProfile(newProfile('cy@example.com'))
      .catch((e) => e)) as AxiosError;
    expect(r.isAxiosError).toBe(true);
    expect(r.response).toBeUndefined();
    expect(r.code).toBe('ECONNRESET');

    const hang = createKlaviyoApis(
      KEY,
      KLAVIYO,
      10_000,
      createDirectAxiosAdapter({ [KLAVIYO]: faulty('hang') }),
    );
    const before = clock.now();
    const h = (await hang.profiles.createProfile(newProfile('di@example.com')).catch((e) => e)) as AxiosError;
    expect(h.isAxiosError).toBe(true);
    expect(h.response).toBeUndefined();
    expect(h.code).toBe('ETIMEDOUT');
    expect(clock.now() - before).toBeGreaterThanOrEqual(IN_PROCESS_HANG_MS);
  });

  it('names the origin it has no mock for', async () => {
    const apis = createKlaviyoApis(
      KEY,
      'https://elsewhere.example',
      10_000,
      createDirectAxiosAdapter({ [KLAVIYO]: createKlaviyoMock() }),
    );
    const err = (await apis.profiles.createProfile(newProfile('ed@example.com')).catch((e) => e)) as Error;
    expect(err.message).toMatch(/no in-process mock for https:\/\/elsewhere\.example.*a\.klaviyo\.com/);
  });
});

describe('fetch (supabase-js)', () => {
  const keys = supabaseKeys();
  const clients = (service: MockService) =>
    createSupabaseClients(
      SUPABASE,
      keys.anon_key,
      keys.service_role_key,
      createDirectFetch({ [SUPABASE]: service }),
    );

  it('signs up, writes and reads through supabase-js, with PostgREST errors as supabase-js reports them', async () => {
    const { auth, db } = clients(createSupabaseMock());
    const signup = await auth.auth.signUp({ email: 'fay@example.com', password: 'correct-horse-1' });
    expect(signup.error).toBeNull();
    const id = signup.data.user!.id;

    const inserted = await db
      .from('profiles')
      .insert({ id, email: 'fay@example.com', first_name: 'Fay' })
      .select('*')
      .single();
    expect(inserted.error).toBeNull();
    expect(inserted.status).toBe(201);
    const read = await db.from('profiles').select('email, first_name').eq('id', id);
    expect(read.data).toEqual([{ email: 'fay@example.com', first_name: 'Fay' }]);

    const missing = await db
      .from('profiles')
      .select('*')
      .eq('id', '00000000-0000-4000-8000-000000000000')
      .single();
    expect(missing.status).toBe(406);
    expect(missing.error?.code).toBe('PGRST116');
    const again = await auth.auth.signUp({ email: 'fay@example.com', password: 'correct-horse-1' });
    expect(again.error?.code).toBe('user_already_exists');
  });

  it('fails like a dead connection on a network fault', async () => {
    const clock = new VirtualClock();
    const service = createSupabaseMock({
      clock,
      faults: createFaultInjector({
        clock,
        document: {
          rules: [{ match: { service: 'supabase' }, network: [{ fault: 'reset', probability: 1 }] }],
        },
      }),
    });
    const { db } = clients(service);
    // A write: supabase-js retries failed reads itself, with wall-clock back-off.
    const res = await db
      .from('profiles')
      .insert({ id: '00000000-0000-4000-8000-000000000001', email: 'g@example.com' });
    expect(res.data).toBeNull();
    expect(res.error?.message).toMatch(/fetch failed/);
  });
});
