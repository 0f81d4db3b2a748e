/** Profiles over HTTP with the official SDK: create/409, upsert 201/200 + merge, patch, reads. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractChecked, profileBody, raw, sdk, sdkError, startChecked } from './helpers.ts';

const contract = contractChecked();
let server: Awaited<ReturnType<typeof startChecked>>;
let api: ReturnType<typeof sdk>;

beforeAll(async () => {
  server = await startChecked(contract);
  api = sdk('pk_profiles', server.url);
});
afterAll(async () => {
  await server.close();
});

describe('POST /api/profiles', () => {
  it('creates a profile (201) with every Klaviyo attribute and links.self', async () => {
    const r = await api.profiles.createProfile(
      profileBody({ email: 'Ada@Example.com', first_name: 'Ada', properties: { plan: 'free' } }),
    );
    expect(r.response.status).toBe(201);
    const data = r.response.data.data;
    expect(data.type).toBe('profile');
    expect(data.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(data.attributes).toMatchObject({
      email: 'ada@example.com',
      first_name: 'Ada',
      phone_number: null,
      properties: { plan: 'free' },
    });
    expect(Object.keys(data.attributes)).toEqual(
      expect.arrayContaining([
        'external_id',
        'organization',
        'locale',
        'title',
        'image',
        'created',
        'updated',
        'last_event_date',
        'location',
      ]),
    );
    expect(data.links.self).toBe(`${server.url}/api/profiles/${data.id}/`);
    expect(r.response.headers['content-type']).toContain('application/vnd.api+json');
  });

  it('answers 409 duplicate_profile with meta.duplicate_profile_id on any shared identifier', async () => {
    const first = await api.profiles.createProfile(
      profileBody({ external_id: 'ext-1', phone_number: '+15005550001' }),
    );
    const id = first.response.data.data.id;
    for (const attrs of [{ external_id: 'ext-1' }, { phone_number: '+15005550001' }]) {
      const e = await sdkError(api.profiles.createProfile(profileBody(attrs)));
      expect(e.status).toBe(409);
      expect(e.data.errors[0]).toMatchObject({
        status: 409,
        code: 'duplicate_profile',
        meta: { duplicate_profile_id: id },
      });
      expect(typeof e.data.errors[0].id).toBe('string');
      expect(e.data.errors[0].title).toBeTruthy();
      expect(e.data.errors[0].detail).toBeTruthy();
    }
  });

  it('rejects a profile without identifiers and a bad email with source.pointer', async () => {
    const none = await sdkError(api.profiles.createProfile(profileBody({ first_name: 'X' })));
    expect(none.status).toBe(400);
    expect(none.data.errors[0].source.pointer).toBe('/data/attributes');
    const bad = await sdkError(api.profiles.createProfile(profileBody({ email: 'not-an-email' })));
    expect(bad.status).toBe(400);
    expect(bad.data.errors[0]).toMatchObject({
      code: 'invalid',
      source: { pointer: '/data/attributes/email' },
    });
    const phone = await sdkError(api.profiles.createProfile(profileBody({ phone_number: '555' })));
    expect(phone.data.errors[0].source.pointer).toBe('/data/attributes/phone_number');
  });
});

describe('POST /api/profile-import', () => {
  it('creates (201), then updates (200) merging properties instead of replacing them', async () => {
    const created = await api.profiles.createOrUpdateProfile(
      profileBody({ email: 'merge@example.com', properties: { a: 1, b: 'keep' } }),
    );
    expect(created.response.status).toBe(201);
    const updated = await api.profiles.createOrUpdateProfile(
      profileBody({ email: 'merge@example.com', last_name: 'Lovelace', properties: { a: 2, c: true } }),
    );
    expect(updated.response.status).toBe(200);
    expect(updated.response.data.data.id).toBe(created.response.data.data.id);
    expect(updated.response.data.data.attributes.properties).toEqual({ a: 2, b: 'keep', c: true });
    expect(updated.response.data.data.attributes.last_name).toBe('Lovelace');
  });

  it('matches by external_id, phone_number and id', async () => {
    const base = await api.profiles.createOrUpdateProfile(
      profileBody({ external_id: 'imp-2', phone_number: '+15005550002' }),
    );
    const id = base.response.data.data.id;
    const byExt = await api.profiles.createOrUpdateProfile(
      profileBody({ external_id: 'imp-2', first_name: 'E' }),
    );
    const byPhone = await api.profiles.createOrUpdateProfile(
      profileBody({ phone_number: '+15005550002', title: 'T' }),
    );
    const byId = await api.profiles.createOrUpdateProfile(profileBody({ locale: 'en-GB' }, id));
    for (const r of [byExt, byPhone, byId]) {
      expect(r.response.status).toBe(200);
      expect(r.response.data.data.id).toBe(id);
    }
    expect(byId.response.data.data.attributes).toMatchObject({
      first_name: 'E',
      title: 'T',
      locale: 'en-GB',
    });
  });

  it('applies meta.patch_properties (append / unset)', async () => {
    await api.profiles.createOrUpdateProfile(
      profileBody({ email: 'patch@example.com', properties: { tags: ['a'], gone: 1 } }),
    );
    const r = await api.profiles.createOrUpdateProfile({
      data: {
        type: 'profile',
        attributes: { email: 'patch@example.com' },
        meta: { patchProperties: { append: { tags: 'b' } } },
      },
    } as any);
    expect(r.response.data.data.attributes.properties).toEqual({ tags: ['a', 'b'], gone: 1 });
    // The SDK (23.0.0) cannot serialise `unset` (its oneOf type is missing), so send that one raw.
    const res = await raw(server.url, '/api/profile-import', {
      method: 'POST',
      headers: { authorization: 'Klaviyo-API-Key pk_profiles' },
      body: JSON.stringify({
        data: {
          type: 'profile',
          attributes: { email: 'patch@example.com' },
          meta: { patch_properties: { unset: ['gone'] } },
        },
      }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).data.attributes.properties).toEqual({ tags: ['a', 'b'] });
  });
});

describe('GET/PATCH /api/profiles/{id}', () => {
  it('reads and patches a profile; null clears an attribute', async () => {
    const created = await api.profiles.createProfile(
      profileBody({ email: 'p@example.com', first_name: 'P', organization: 'Org' }),
    );
    const id = created.response.data.data.id;
    const got = await api.profiles.getProfile(id);
    expect(got.response.data.data.attributes.first_name).toBe('P');
    const patched = await api.profiles.updateProfile(
      id,
      profileBody({ organization: null, properties: { x: 1 } }, id),
    );
    expect(patched.response.status).toBe(200);
    expect(patched.response.data.data.attributes).toMatchObject({
      organization: null,
      first_name: 'P',
      properties: { x: 1 },
    });
  });

  it('PATCH to an identifier held by another profile is a 409', async () => {
    const a = await api.profiles.createProfile(profileBody({ email: 'holder@example.com' }));
    const b = await api.profiles.createProfile(profileBody({ email: 'other@example.com' }));
    const id = b.response.data.data.id;
    const e = await sdkError(
      api.profiles.updateProfile(id, profileBody({ email: 'holder@example.com' }, id)),
    );
    expect(e.status).toBe(409);
    expect(e.data.errors[0].meta.duplicate_profile_id).toBe(a.response.data.data.id);
  });

  it('unknown ids are 404 not_found', async () => {
    const e = await sdkError(api.profiles.getProfile('01NOPE0000000000000000000Z'));
    expect(e.status).toBe(404);
    expect(e.data.errors[0].code).toBe('not_found');
  });

  it('sparse fieldsets and additional-fields', async () => {
    const c = await api.profiles.createProfile(
      profileBody({ email: 'fields@example.com', first_name: 'F', location: { city: 'Oslo' } }),
    );
    const id = c.response.data.data.id;
    const r = await api.profiles.getProfile(id, {
      fieldsProfile: ['email', 'location.city', 'subscriptions'],
      additionalFieldsProfile: ['subscriptions', 'predictive_analytics'],
    });
    const attrs = r.response.data.data.attributes;
    expect(Object.keys(attrs).sort()).toEqual(['email', 'location', 'subscriptions']);
    expect(attrs.location).toEqual({ city: 'Oslo' });
    expect(attrs.subscriptions.email.marketing.consent).toBe('NEVER_SUBSCRIBED');
    const full = await api.profiles.getProfile(id, { additionalFieldsProfile: ['predictive_analytics'] });
    expect(full.response.data.data.attributes.predictive_analytics).toHaveProperty('churn_probability', null);
    const inc = await api.profiles.getProfile(id, { include: ['lists'] });
    expect(inc.response.data.included).toEqual([]);
    expect(inc.response.data.data.relationships.lists.data).toEqual([]);
    const bad = await sdkError(api.profiles.getProfile(id, { fieldsProfile: ['nonsense' as any] }));
    expect(bad.status).toBe(400);
    expect(bad.data.errors[0].source.parameter).toBe('fields[profile]');
  });
});

describe('GET /api/profiles', () => {
  const key = 'pk_listing';
  let list: ReturnType<typeof sdk>;
  const emails: string[] = [];

  beforeAll(async () => {
    list = sdk(key, server.url);
    for (let i = 0; i < 7; i++) {
      const email = `user${i}@list.example`;
      emails.push(email);
      await list.profiles.createProfile(profileBody({ email, external_id: `L${i}` }));
    }
  });

  it('paginates across pages by following links.next through pageCursor, and back with links.prev', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    let lastLinks: any;
    for (; pages < 10; pages++) {
      const r = await list.profiles.getProfiles({ pageSize: 3, pageCursor: cursor });
      seen.push(...r.response.data.data.map((p: any) => p.attributes.email));
      lastLinks = r.response.data.links;
      expect(lastLinks.self.startsWith(server.url)).toBe(true);
      if (!lastLinks.next) break;
      expect(lastLinks.next.startsWith(`${server.url}/api/profiles?`)).toBe(true);
      cursor = lastLinks.next;
    }
    expect(pages).toBe(2);
    expect(seen).toEqual(emails);
    const back = await list.profiles.getProfiles({ pageSize: 3, pageCursor: lastLinks.prev });
    expect(back.response.data.data.map((p: any) => p.attributes.email)).toEqual(emails.slice(3, 6));
  });

  it('filters with equals, any, and(...), created ranges', async () => {
    const eq = await list.profiles.getProfiles({ filter: 'equals(email,"USER3@list.example")' });
    expect(eq.response.data.data.map((p: any) => p.attributes.external_id)).toEqual(['L3']);
    const any = await list.profiles.getProfiles({ filter: 'any(external_id,["L1","L5","nope"])' });
    expect(any.response.data.data.map((p: any) => p.attributes.external_id)).toEqual(['L1', 'L5']);
    const both = await list.profiles.getProfiles({
      filter: "and(equals(external_id,'L2'),equals(email,'user2@list.example'))",
    });
    expect(both.response.data.data).toHaveLength(1);
    const none = await list.profiles.getProfiles({
      filter: "and(equals(external_id,'L2'),equals(email,'user3@list.example'))",
    });
    expect(none.response.data.data).toHaveLength(0);
    const past = await list.profiles.getProfiles({ filter: 'less-than(created,2000-01-01T00:00:00Z)' });
    expect(past.response.data.data).toHaveLength(0);
    const recent = await list.profiles.getProfiles({
      filter: 'greater-than(created,2000-01-01T00:00:00Z)',
      pageSize: 100,
    });
    expect(recent.response.data.data).toHaveLength(7);
  });

  it('lists with include, additional-fields and fields like the single read', async () => {
    const r = await list.profiles.getProfiles({
      include: ['conversations', 'push-tokens'],
      additionalFieldsProfile: ['subscriptions', 'predictive_analytics'],
      fieldsProfile: ['email', 'subscriptions', 'predictive_analytics'],
      pageSize: 2,
    });
    expect(r.response.data.included).toEqual([]);
    const first = r.response.data.data[0];
    expect(Object.keys(first.attributes).sort()).toEqual(['email', 'predictive_analytics', 'subscriptions']);
    expect(first.relationships['push-tokens'].data).toEqual([]);
    expect(first.relationships.conversations.data).toEqual([]);
  });

  it('sorts by email descending', async () => {
    const r = await list.profiles.getProfiles({ sort: '-email' });
    expect(r.response.data.data.map((p: any) => p.attributes.email)).toEqual([...emails].reverse());
  });

  it('rejects bad filters, sorts and page sizes with source.parameter', async () => {
    for (const [opts, parameter] of [
      [{ filter: 'equals(email' }, 'filter'],
      [{ filter: 'contains(email,"x")' }, 'filter'],
      [{ filter: 'equals(shoe_size,"9")' }, 'filter'],
      [{ sort: 'first_name' }, 'sort'],
      [{ pageSize: 101 }, 'page[size]'],
      [{ pageCursor: 'garbage!' }, 'page[cursor]'],
    ] as const) {
      const e = await sdkError(list.profiles.getProfiles(opts as any));
      expect(e.status).toBe(400);
      expect(e.data.errors[0]).toMatchObject({ code: 'invalid', source: { parameter } });
    }
  });
});

it('validated every response against the spec', () => {
  expect(contract.validated).toBeGreaterThan(20);
});
