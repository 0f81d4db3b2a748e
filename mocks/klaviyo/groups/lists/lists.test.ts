/**
 * Lists through the official SDK, over real HTTP and in-process (msw), every response validated
 * against the spec:
 * CRUD, members (add/remove, 204, limit), profiles of a list with joined_group_at, profile_count and
 * its stricter rate tier, lists of a profile, and errors as Klaviyo writes them.
 */
import { ApiKeySession, ListsApi, ProfilesApi, RetryWithExponentialBackoff } from 'klaviyo-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../lib/clock.ts';
import {
  inProcessChecked,
  profileBody,
  raw,
  sdkError,
  startChecked,
} from '../../../../test/klaviyo/helpers.ts';
import { useKlaviyoContract } from '../../../../test/support/klaviyo-contract.ts';

const contract = useKlaviyoContract();
const clock = new VirtualClock(Date.UTC(2026, 5, 1));
let server: Awaited<ReturnType<typeof startChecked>>;
let lists: ListsApi;
let profiles: ProfilesApi;
/** The HTTP server's URL, or undefined in-process (the SDK's own https://a.klaviyo.com, served by msw). */
let basePath: string | undefined;

function apis(key: string) {
  const session = new ApiKeySession(key, new RetryWithExponentialBackoff({ numRetries: 0 }));
  const l = new ListsApi(session);
  const p = new ProfilesApi(session);
  if (basePath) {
    l.basePath = basePath;
    p.basePath = basePath;
  }
  return { l, p };
}

async function newProfile(email: string): Promise<string> {
  return (await profiles.createProfile(profileBody({ email }))).response.data.data.id;
}

beforeAll(async () => {
  server = await startChecked(contract, { clock });
});
afterAll(async () => {
  await server.close();
});

for (const transport of ['HTTP', 'in-process (msw)'] as const) {
  describe(`Lists over ${transport}`, () => {
    if (transport !== 'HTTP') inProcessChecked(contract, { clock });
    beforeAll(() => {
      basePath = transport === 'HTTP' ? server.url : undefined;
      ({ l: lists, p: profiles } = apis('pk_lists'));
    });

    it('creates, reads, renames and deletes a list', async () => {
      const created = await lists.createList({
        data: { type: 'list', attributes: { name: 'Bedtime Tips' } },
      } as any);
      expect(created.response.status).toBe(201);
      const list = created.response.data.data;
      expect(list).toMatchObject({
        type: 'list',
        attributes: { name: 'Bedtime Tips', opt_in_process: 'double_opt_in' },
      });
      expect(list.id).toMatch(/^[A-Za-z0-9]{6}$/);
      const got = await lists.getList(list.id);
      expect(got.response.data.data.attributes.name).toBe('Bedtime Tips');
      const renamed = await lists.updateList(list.id, {
        data: {
          type: 'list',
          id: list.id,
          attributes: { name: 'Sleep Tips', optInProcess: 'single_opt_in' },
        },
      } as any);
      expect(renamed.response.data.data.attributes).toMatchObject({
        name: 'Sleep Tips',
        opt_in_process: 'single_opt_in',
      });
      expect((await lists.deleteList(list.id)).response.status).toBe(204);
      const gone = await sdkError(lists.getList(list.id));
      expect(gone.status).toBe(404);
      expect(gone.data.errors[0]).toMatchObject({
        code: 'not_found',
        detail: expect.stringContaining(list.id),
      });
    });

    it('pages get_lists ten at a time, with filters and sort', async () => {
      const { l } = apis('pk_lists_many');
      for (let i = 0; i < 12; i++) {
        await l.createList({
          data: { type: 'list', attributes: { name: `List ${String(i).padStart(2, '0')}` } },
        } as any);
      }
      const first = await l.getLists();
      expect(first.response.data.data).toHaveLength(10);
      const second = await l.getLists({ pageCursor: first.response.data.links.next });
      expect(second.response.data.data.map((x: any) => x.attributes.name)).toEqual(['List 10', 'List 11']);
      const named = await l.getLists({ filter: 'equals(name,"List 03")' });
      expect(named.response.data.data.map((x: any) => x.attributes.name)).toEqual(['List 03']);
      const sorted = await l.getLists({ sort: '-name' });
      expect(sorted.response.data.data[0].attributes.name).toBe('List 11');
      const bad = await sdkError(l.getLists({ filter: 'equals(colour,"red")' }));
      expect(bad.status).toBe(400);
      expect(bad.data.errors[0].source).toEqual({ parameter: 'filter' });
    });

    it('adds and removes members (204), keeps the first join time, and lists them with joined_group_at', async () => {
      const list = (
        await lists.createList({ data: { type: 'list', attributes: { name: 'Families' } } } as any)
      ).response.data.data;
      const a = await newProfile('a@families.test');
      const b = await newProfile('b@families.test');
      const add = await lists.addProfilesToList(list.id, { data: [{ type: 'profile', id: a }] } as any);
      expect(add.response.status).toBe(204);
      clock.advance(60_000);
      await lists.addProfilesToList(list.id, {
        data: [
          { type: 'profile', id: b },
          { type: 'profile', id: a },
        ],
      } as any);
      const members = await lists.getProfilesForList(list.id);
      const rows = members.response.data.data;
      expect(rows.map((r: any) => r.attributes.email)).toEqual(['a@families.test', 'b@families.test']);
      expect(
        Date.parse(rows[1].attributes.joined_group_at) - Date.parse(rows[0].attributes.joined_group_at),
      ).toBe(60_000);
      const newest = await lists.getProfilesForList(list.id, { sort: '-joined_group_at', pageSize: 1 });
      expect(newest.response.data.data[0].id).toBe(b);
      const since = new Date(Date.parse(rows[1].attributes.joined_group_at)).toISOString();
      const joined = await lists.getProfileIdsForList(list.id, {
        filter: `greater-or-equal(joined_group_at,${since})`,
      });
      expect(joined.response.data.data).toEqual([{ type: 'profile', id: b }]);
      const byEmail = await lists.getProfileIdsForList(list.id, {
        filter: 'equals(email,"A@families.test")',
      });
      expect(byEmail.response.data.data).toEqual([{ type: 'profile', id: a }]);
      const counted = await lists.getList(list.id, { additionalFieldsList: ['profile_count'] });
      expect(counted.response.data.data.attributes.profile_count).toBe(2);

      const ofProfile = await profiles.getListsForProfile(a);
      expect(ofProfile.response.data.data.map((x: any) => x.id)).toEqual([list.id]);
      expect((await profiles.getListIdsForProfile(a)).response.data.data).toEqual([
        { type: 'list', id: list.id },
      ]);

      const removed = await lists.removeProfilesFromList(list.id, {
        data: [{ type: 'profile', id: a }],
      } as any);
      expect(removed.response.status).toBe(204);
      expect((await lists.getProfileIdsForList(list.id)).response.data.data).toEqual([
        { type: 'profile', id: b },
      ]);
      expect((await profiles.getListIdsForProfile(a)).response.data.data).toEqual([]);
    });

    it('refuses unknown profiles and more than 1000 per call, naming the member', async () => {
      const list = (await lists.createList({ data: { type: 'list', attributes: { name: 'Strict' } } } as any))
        .response.data.data;
      const unknown = await sdkError(
        lists.addProfilesToList(list.id, { data: [{ type: 'profile', id: 'NOPE' }] } as any),
      );
      expect(unknown.status).toBe(400);
      expect(unknown.data.errors[0].source).toEqual({ pointer: '/data/0/id' });
      const many = Array.from({ length: 1001 }, (_, i) => ({ type: 'profile', id: `P${i}` }));
      const tooMany = await sdkError(lists.addProfilesToList(list.id, { data: many } as any));
      expect(tooMany.status).toBe(400);
      expect(tooMany.data.errors[0].detail).toMatch(/At most 1000/);
      const noName = await sdkError(lists.createList({ data: { type: 'list', attributes: {} } } as any));
      expect(noName.status).toBe(400);
      expect(noName.data.errors[0].source.pointer).toBe('/data/attributes/name');
    });

    it('keeps lists per API key', async () => {
      const mine = (await lists.createList({ data: { type: 'list', attributes: { name: 'Mine' } } } as any))
        .response.data.data;
      const other = apis('pk_someone_else');
      expect((await sdkError(other.l.getList(mine.id))).status).toBe(404);
    });

    it('validated every response against the spec', () => {
      expect(contract.validated).toBeGreaterThan(20);
    });
  });
}

describe('the core around the groups', () => {
  it('rate-limits profile_count on its own, stricter tier (1/s)', async () => {
    const limited = await startChecked(contract, { clock, rateLimits: true });
    try {
      const session = new ApiKeySession('pk_rate', new RetryWithExponentialBackoff({ numRetries: 0 }));
      const l = new ListsApi(session);
      l.basePath = limited.url;
      const id = (await l.createList({ data: { type: 'list', attributes: { name: 'R' } } } as any)).response
        .data.data.id;
      await l.getList(id, { additionalFieldsList: ['profile_count'] });
      const second = await sdkError(l.getList(id, { additionalFieldsList: ['profile_count'] }));
      expect(second.status).toBe(429);
      expect((await l.getList(id)).response.status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('leaves a Klaviyo operation no group emulates to the generic tier, and a made-up path 404', async () => {
    const res = await raw(server.url, '/api/accounts');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-dreamflow-emulation')).toBe('generic');
    expect((await res.json()).data).toEqual(expect.any(Array));
    const made = await raw(server.url, '/api/made-up-thing');
    expect(made.status).toBe(404);
    expect((await made.json()).errors[0].detail).toMatch(/is not a Klaviyo API operation/);
  });

  it('refuses a public (site) key on /api/ with 401', async () => {
    const res = await raw(server.url, '/api/lists', { headers: { authorization: 'Klaviyo-API-Key AbC123' } });
    expect(res.status).toBe(401);
    expect((await res.json()).errors[0]).toMatchObject({ code: 'authentication_failed' });
  });
});
