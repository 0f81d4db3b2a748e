/**
 * The behaviour suite for the fake Supabase, driven through the official @supabase/supabase-js client.
 * http.test.ts runs it over a real HTTP server, msw.test.ts in-process through msw: same core, same answers.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { VirtualClock } from '../../lib/clock.ts';
import { client, type Family, insertFamilies, keys } from './client.ts';

type Query = any;

export interface Target {
  url: string;
  clock: VirtualClock;
  close(): Promise<void>;
}

export function describeSupabase(label: string, start: () => Promise<Target>): void {
  describe(`fake Supabase via supabase-js (${label})`, () => {
    let target: Target;
    let sb: SupabaseClient;
    let families: Family[];

    const raw = (path: string, init: RequestInit = {}) => fetch(`${target.url}${path}`, init);
    const authed = (extra: Record<string, string> = {}) => ({
      apikey: keys.service_role_key,
      authorization: `Bearer ${keys.service_role_key}`,
      ...extra,
    });

    beforeAll(async () => {
      target = await start();
    });
    afterAll(async () => {
      await target?.close();
    });
    beforeEach(async () => {
      const res = await raw('/__admin/reset', { method: 'POST' });
      expect(res.status).toBe(200);
      sb = client(target.url);
      families = await insertFamilies(sb);
    });

    describe('gateway and keys', () => {
      it('serves the keys it accepts at /__admin/keys', async () => {
        const res = await raw('/__admin/keys');
        expect(await res.json()).toEqual(keys);
      });

      it('answers 401 without an apikey and with a wrong one', async () => {
        const none = await raw('/rest/v1/profiles');
        expect(none.status).toBe(401);
        expect(await none.json()).toMatchObject({ message: 'No API key found in request' });
        const bad = await raw('/rest/v1/profiles', {
          headers: { apikey: `${keys.anon_key.slice(0, -2)}xx` },
        });
        expect(bad.status).toBe(401);
        expect(await bad.json()).toMatchObject({ message: 'Invalid API key' });
        const { error } = await client(target.url, 'not-a-key').from('profiles').select();
        expect(error?.message).toBe('Invalid API key');
      });

      it('accepts the anon key as well as the service-role key (anon sees no rows under RLS)', async () => {
        const { data, error, status } = await client(target.url, keys.anon_key)
          .from('profiles')
          .select('email');
        expect(error).toBeNull();
        expect(status).toBe(200);
        expect(data).toEqual([]);
      });

      it('rejects a tampered bearer token with PGRST301', async () => {
        const res = await raw('/rest/v1/profiles', {
          headers: {
            apikey: keys.anon_key,
            authorization: `Bearer ${keys.service_role_key.slice(0, -3)}abc`,
          },
        });
        expect(res.status).toBe(401);
        expect(await res.json()).toMatchObject({ code: 'PGRST301' });
      });
    });

    describe('auth (GoTrue)', () => {
      it('signs up (auto-confirmed, session returned), reads and updates the user, signs out', async () => {
        const auth = client(target.url, keys.anon_key);
        const { data, error } = await auth.auth.signUp({
          email: 'New@Example.com',
          password: 'sleepytime',
          options: { data: { first_name: 'Nia' } },
        });
        expect(error).toBeNull();
        expect(data.session?.access_token).toMatch(/^ey/);
        expect(data.session?.refresh_token).toBeTruthy();
        expect(data.user).toMatchObject({
          email: 'new@example.com',
          role: 'authenticated',
          user_metadata: { first_name: 'Nia' },
        });
        expect(data.user?.email_confirmed_at).toBeTruthy();
        const claims = JSON.parse(
          Buffer.from(data.session!.access_token.split('.')[1]!, 'base64url').toString(),
        );
        expect(claims).toMatchObject({
          sub: data.user!.id,
          role: 'authenticated',
          aud: 'authenticated',
          email: 'new@example.com',
        });
        expect(claims.exp - claims.iat).toBe(3600);

        const me = await auth.auth.getUser();
        expect(me.error).toBeNull();
        expect(me.data.user?.id).toBe(data.user!.id);

        const updated = await auth.auth.updateUser({ data: { favourite: 'dragons' } });
        expect(updated.error).toBeNull();
        expect(updated.data.user?.user_metadata).toEqual({ first_name: 'Nia', favourite: 'dragons' });

        // The user's JWT is accepted by PostgREST too: create the profile as the app would.
        const profile = await auth
          .from('profiles')
          .insert({ id: data.user!.id, email: 'new@example.com' })
          .select()
          .single();
        expect(profile.error).toBeNull();
        expect(profile.status).toBe(201);

        const token = data.session!.access_token;
        expect((await auth.auth.signOut()).error).toBeNull();
        const after = await auth.auth.getUser(token);
        expect(after.data.user).toBeNull();
        expect(after.error?.name).toBe('AuthSessionMissingError');
      });

      it('refuses a second sign-up with user_already_exists (422)', async () => {
        const auth = client(target.url, keys.anon_key);
        await auth.auth.signUp({ email: 'twice@example.com', password: 'sleepytime' });
        const { error } = await auth.auth.signUp({ email: 'twice@example.com', password: 'sleepytime' });
        expect(error?.status).toBe(422);
        expect(error?.code).toBe('user_already_exists');
      });

      it('validates sign-up input: weak_password (422), bad email (400 validation_failed)', async () => {
        const auth = client(target.url, keys.anon_key);
        const weak = await auth.auth.signUp({ email: 'weak@example.com', password: '123' });
        expect(weak.error?.status).toBe(422);
        expect(weak.error?.code).toBe('weak_password');
        expect(weak.error?.name).toBe('AuthWeakPasswordError');
        const email = await auth.auth.signUp({ email: 'not-an-email', password: 'sleepytime' });
        expect(email.error?.status).toBe(400);
        expect(email.error?.code).toBe('validation_failed');
      });

      it('signs in with a password; wrong password or unknown user → invalid_credentials (400)', async () => {
        const auth = client(target.url, keys.anon_key);
        await auth.auth.signUp({ email: 'pw@example.com', password: 'correct-horse' });
        const wrong = await auth.auth.signInWithPassword({
          email: 'pw@example.com',
          password: 'battery-staple',
        });
        expect(wrong.error?.status).toBe(400);
        expect(wrong.error?.code).toBe('invalid_credentials');
        const unknown = await auth.auth.signInWithPassword({
          email: 'nobody@example.com',
          password: 'correct-horse',
        });
        expect(unknown.error?.code).toBe('invalid_credentials');
        const ok = await auth.auth.signInWithPassword({ email: 'PW@example.com', password: 'correct-horse' });
        expect(ok.error).toBeNull();
        expect(ok.data.user?.email).toBe('pw@example.com');
        expect(ok.data.session?.access_token).toBeTruthy();
      });

      it('rotates refresh tokens and refuses a reused one', async () => {
        const auth = client(target.url, keys.anon_key);
        const { data } = await auth.auth.signUp({ email: 'refresh@example.com', password: 'sleepytime' });
        const first = data.session!.refresh_token;
        target.clock.advance(1000);
        const refreshed = await auth.auth.refreshSession();
        expect(refreshed.error).toBeNull();
        expect(refreshed.data.session?.refresh_token).not.toBe(first);
        expect(refreshed.data.session?.access_token).not.toBe(data.session!.access_token);
        const reuse = await raw('/auth/v1/token?grant_type=refresh_token', {
          method: 'POST',
          headers: {
            apikey: keys.anon_key,
            'content-type': 'application/json',
            'x-supabase-api-version': '2024-01-01',
          },
          body: JSON.stringify({ refresh_token: first }),
        });
        expect(reuse.status).toBe(400);
        expect(await reuse.json()).toMatchObject({ code: 'refresh_token_already_used' });
      });

      it('answers GoTrue errors in the legacy shape to clients without an API version', async () => {
        const res = await raw('/auth/v1/token?grant_type=password', {
          method: 'POST',
          headers: { apikey: keys.anon_key, 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'x@example.com', password: 'nope-nope' }),
        });
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual({
          code: 400,
          error_code: 'invalid_credentials',
          msg: 'Invalid login credentials',
        });
      });

      it('rejects an expired access token on GET /user and in PostgREST', async () => {
        const auth = client(target.url, keys.anon_key);
        const { data } = await auth.auth.signUp({ email: 'expiry@example.com', password: 'sleepytime' });
        const token = data.session!.access_token;
        target.clock.advance(3601 * 1000);
        const user = await raw('/auth/v1/user', {
          headers: { apikey: keys.anon_key, authorization: `Bearer ${token}` },
        });
        expect(user.status).toBe(403);
        const rest = await raw('/rest/v1/profiles', {
          headers: { apikey: keys.anon_key, authorization: `Bearer ${token}` },
        });
        expect(rest.status).toBe(401);
        expect(await rest.json()).toMatchObject({ code: 'PGRST303', message: 'JWT expired' });
      });
    });

    describe('insert', () => {
      it('fills defaults and round-trips JSON arrays, booleans and integers', async () => {
        const { data, error, status } = await sb
          .from('profiles')
          .insert({ email: 'defaults@example.com' })
          .select()
          .single();
        expect(error).toBeNull();
        expect(status).toBe(201);
        expect(data).toMatchObject({
          email: 'defaults@example.com',
          first_name: null,
          subscription_tier: 'free',
          story_preferences: [],
          total_stories: 0,
          current_streak: 0,
          last_story_at: null,
          family_mode_enabled: false,
        });
        expect(data.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(new Date(data.created_at).getTime()).toBe(target.clock.now());
        const ada = await sb
          .from('profiles')
          .select('story_preferences, family_mode_enabled, total_stories')
          .eq('email', 'ada@example.com')
          .single();
        expect(ada.data).toEqual({
          story_preferences: ['space', 'dragons'],
          family_mode_enabled: true,
          total_stories: 12,
        });
      });

      it('returns nothing by default (return=minimal) and 201', async () => {
        const res = await sb.from('children').insert({ parent_id: families[1]!.parent.id, name: 'Quiet' });
        expect(res).toMatchObject({ error: null, data: null, status: 201 });
      });

      it('with missing=default (defaultToNull: false) an absent key takes the column default', async () => {
        const { data, error } = await sb
          .from('profiles')
          .insert([{ email: 'm1@example.com', subscription_tier: 'premium' }, { email: 'm2@example.com' }], {
            defaultToNull: false,
          })
          .select('email, subscription_tier');
        expect(error).toBeNull();
        expect(data).toEqual([
          { email: 'm1@example.com', subscription_tier: 'premium' },
          { email: 'm2@example.com', subscription_tier: 'free' },
        ]);
        // Without it, PostgREST writes NULL for the absent key: here a NOT NULL violation.
        const nulls = await sb
          .from('profiles')
          .insert([{ email: 'm3@example.com', subscription_tier: 'premium' }, { email: 'm4@example.com' }]);
        expect(nulls.error?.code).toBe('23502');
        expect(await count(sb, 'profiles', (q) => q.like('email', 'm3@%'))).toBe(0);
      });

      it('maps constraint failures to Postgres codes: 23505 (409), 23503 (409), 23502, 23514, 22P02', async () => {
        const dup = await sb.from('profiles').insert({ email: 'ada@example.com' });
        expect(dup.status).toBe(409);
        expect(dup.error).toMatchObject({
          code: '23505',
          details: 'Key (email)=(ada@example.com) already exists.',
        });
        const fk = await sb
          .from('children')
          .insert({ parent_id: '00000000-0000-0000-0000-000000000000', name: 'Orphan' });
        expect(fk.status).toBe(409);
        expect(fk.error?.code).toBe('23503');
        const nn = await sb.from('children').insert({ parent_id: families[0]!.parent.id, name: null });
        expect(nn.status).toBe(400);
        expect(nn.error?.code).toBe('23502');
        const check = await sb
          .from('profiles')
          .insert({ email: 'tier@example.com', subscription_tier: 'gold' });
        expect(check.status).toBe(400);
        expect(check.error?.code).toBe('23514');
        const uuid = await sb.from('children').insert({ parent_id: 'not-a-uuid', name: 'X' });
        expect(uuid.status).toBe(400);
        expect(uuid.error).toMatchObject({
          code: '22P02',
          message: 'invalid input syntax for type uuid: "not-a-uuid"',
        });
      });

      it('rolls back a whole bulk insert when one row fails', async () => {
        const res = await sb
          .from('profiles')
          .insert([{ email: 'ok@example.com' }, { email: 'bob@example.com' }]);
        expect(res.error?.code).toBe('23505');
        expect(await count(sb, 'profiles')).toBe(3);
      });

      it('reports an unknown column in the body as PGRST204', async () => {
        const { error, status } = await sb
          .from('profiles')
          .insert({ email: 'x@example.com', favourite_colour: 'blue' });
        expect(status).toBe(400);
        expect(error).toMatchObject({
          code: 'PGRST204',
          message: "Could not find the 'favourite_colour' column of 'profiles' in the schema cache",
        });
      });
    });

    describe('upsert', () => {
      it('merges on the primary key by default and inserts new rows', async () => {
        const ada = families[0]!.parent;
        const { data, error, status } = await sb
          .from('profiles')
          .upsert([
            { id: ada.id, email: ada.email, total_stories: 13 },
            { id: '11111111-1111-4111-8111-111111111111', email: 'new@example.com', total_stories: 1 },
          ])
          .select('email, total_stories, first_name');
        expect(error).toBeNull();
        expect(status).toBe(201);
        expect(data).toEqual([
          { email: 'ada@example.com', total_stories: 13, first_name: 'Ada' },
          { email: 'new@example.com', total_stories: 1, first_name: null },
        ]);
        expect(await count(sb, 'profiles')).toBe(4);
      });

      it('merges on on_conflict=email and ignores duplicates with ignoreDuplicates', async () => {
        const merged = await sb
          .from('profiles')
          .upsert({ email: 'bob@example.com', current_streak: 9 }, { onConflict: 'email' })
          .select()
          .single();
        expect(merged.error).toBeNull();
        expect(merged.data).toMatchObject({
          id: families[1]!.parent.id,
          current_streak: 9,
          first_name: 'Bob',
        });
        const ignored = await sb
          .from('profiles')
          .upsert(
            { email: 'bob@example.com', current_streak: 1 },
            { onConflict: 'email', ignoreDuplicates: true },
          )
          .select();
        expect(ignored.error).toBeNull();
        expect(ignored.data).toEqual([]);
        const bob = await sb
          .from('profiles')
          .select('current_streak')
          .eq('email', 'bob@example.com')
          .single();
        expect(bob.data?.current_streak).toBe(9);
      });

      it('refuses on_conflict columns without a unique constraint (42P10)', async () => {
        const { error } = await sb
          .from('profiles')
          .upsert({ email: 'z@example.com', first_name: 'Z' }, { onConflict: 'first_name' });
        expect(error?.code).toBe('42P10');
      });
    });

    describe('update and delete', () => {
      it('updates matching rows, returns them, and bumps updated_at', async () => {
        const before = await sb.from('profiles').select('updated_at').eq('email', 'bob@example.com').single();
        target.clock.advance(60_000);
        const { data, error, status } = await sb
          .from('profiles')
          .update({ subscription_tier: 'premium', story_preferences: ['ocean', 'space'] })
          .eq('email', 'bob@example.com')
          .select();
        expect(error).toBeNull();
        expect(status).toBe(200);
        expect(data).toHaveLength(1);
        expect(data![0]).toMatchObject({
          subscription_tier: 'premium',
          story_preferences: ['ocean', 'space'],
        });
        expect(new Date(data![0].updated_at).getTime()).toBe(
          new Date(before.data!.updated_at).getTime() + 60_000,
        );
        const minimal = await sb.from('profiles').update({ current_streak: 1 }).gt('total_stories', 5);
        expect(minimal).toMatchObject({ error: null, data: null, status: 204 });
        expect(await count(sb, 'profiles', (q) => q.eq('current_streak', 1))).toBe(2);
      });

      it('refuses unfiltered updates and deletes (21000), like Supabase', async () => {
        const up = await sb.from('profiles').update({ current_streak: 0 });
        expect(up.error?.code).toBe('21000');
        const del = await sb.from('profiles').delete();
        expect(del.error?.code).toBe('21000');
        expect(await count(sb, 'profiles')).toBe(3);
      });

      it('deletes, returns deleted rows with .select(), and cascades to children', async () => {
        const ada = families[0]!.parent;
        const { data, error, status } = await sb
          .from('profiles')
          .delete()
          .eq('id', ada.id)
          .select('email, children(name)');
        expect(error).toBeNull();
        expect(status).toBe(200);
        expect(data).toEqual([{ email: 'ada@example.com', children: [{ name: 'Luna' }, { name: 'luna' }] }]);
        expect(await count(sb, 'children', (q) => q.eq('parent_id', ada.id))).toBe(0);
        expect(await count(sb, 'stories', (q) => q.eq('user_id', ada.id))).toBe(0);
        const minimal = await sb.from('children').delete().eq('name', 'Max');
        expect(minimal).toMatchObject({ error: null, status: 204 });
      });

      it('rolls back a .single() update that would touch several rows', async () => {
        const { error, status } = await sb
          .from('profiles')
          .update({ current_streak: 42 })
          .neq('email', 'x')
          .select()
          .single();
        expect(status).toBe(406);
        expect(error?.code).toBe('PGRST116');
        expect(await count(sb, 'profiles', (q) => q.eq('current_streak', 42))).toBe(0);
      });
    });

    describe('filters', () => {
      const names = async (build: (q: Query) => Query) => {
        const { data, error } = await build(sb.from('children').select('name')).order('name');
        expect(error).toBeNull();
        return (data as { name: string }[]).map((r) => r.name);
      };
      const emails = async (build: (q: Query) => Query) => {
        const { data, error } = await build(sb.from('profiles').select('email')).order('email');
        expect(error).toBeNull();
        return (data as { email: string }[]).map((r) => r.email);
      };

      it('eq, neq, gt, gte, lt, lte', async () => {
        expect(await emails((q) => q.eq('subscription_tier', 'free'))).toEqual(['bob@example.com']);
        expect(await emails((q) => q.neq('subscription_tier', 'free'))).toEqual([
          'ada@example.com',
          'cy@example.com',
        ]);
        expect(await emails((q) => q.gt('total_stories', 12))).toEqual(['cy@example.com']);
        expect(await emails((q) => q.gte('total_stories', 12))).toEqual([
          'ada@example.com',
          'cy@example.com',
        ]);
        expect(await emails((q) => q.lt('total_stories', 12))).toEqual(['bob@example.com']);
        expect(await emails((q) => q.lte('total_stories', 12))).toEqual([
          'ada@example.com',
          'bob@example.com',
        ]);
        expect(await emails((q) => q.eq('family_mode_enabled', true))).toEqual([
          'ada@example.com',
          'cy@example.com',
        ]);
      });

      it('like is case-sensitive, ilike is not, and * works as a wildcard', async () => {
        expect(await names((q) => q.like('name', 'Lun%'))).toEqual(['Luna']);
        expect(await names((q) => q.like('name', 'lun_'))).toEqual(['luna']);
        expect(await names((q) => q.ilike('name', 'lun%'))).toEqual(['LUNAR', 'Luna', 'luna']);
        expect(await names((q) => q.ilike('name', 'LUNA'))).toEqual(['Luna', 'luna']);
        expect(await names((q) => q.filter('name', 'like', 'L*'))).toEqual(['LUNAR', 'Luna']);
        expect(await names((q) => q.likeAnyOf('name', ['M%', 'l%']))).toEqual(['Max', 'luna']);
      });

      it('in, is (null / true / false), not', async () => {
        expect(await names((q) => q.in('name', ['Max', 'Luna', 'nobody']))).toEqual(['Luna', 'Max']);
        expect(await names((q) => q.in('name', []))).toEqual([]);
        expect(await names((q) => q.is('age_band', null))).toEqual(['Max']);
        expect(await names((q) => q.not('age_band', 'is', null))).toEqual(['LUNAR', 'Luna', 'luna']);
        expect(await emails((q) => q.is('family_mode_enabled', false))).toEqual(['bob@example.com']);
        expect(await emails((q) => q.is('first_name', null))).toEqual(['cy@example.com']);
        expect(await names((q) => q.not('name', 'in', '(Luna,luna)'))).toEqual(['LUNAR', 'Max']);
        expect(await names((q) => q.not('name', 'ilike', 'lun%'))).toEqual(['Max']);
      });

      it('or, with nested and', async () => {
        expect(await emails((q) => q.or('total_stories.lt.5,subscription_tier.eq.family'))).toEqual([
          'bob@example.com',
          'cy@example.com',
        ]);
        expect(
          await emails((q) => q.or('email.eq.bob@example.com,and(total_stories.gt.10,current_streak.lt.5)')),
        ).toEqual(['ada@example.com', 'bob@example.com']);
        expect(
          await emails((q) => q.or('first_name.is.null,first_name.eq.Bob').neq('email', 'bob@example.com')),
        ).toEqual(['cy@example.com']);
        expect(await names((q) => q.or('name.in.(Max,LUNAR),age_band.eq.3-5'))).toEqual([
          'LUNAR',
          'Luna',
          'Max',
        ]);
        const negated = await raw(
          '/rest/v1/children?select=name&order=name.asc&not.or=(name.eq.Max,name.eq.Luna)',
          { headers: authed() },
        );
        expect(await negated.json()).toEqual([{ name: 'LUNAR' }, { name: 'luna' }]);
        const quoted = await names((q) => q.or('name.eq."Max",name.in.("LUNAR","a,b")'));
        expect(quoted).toEqual(['LUNAR', 'Max']);
      });

      it('contains / containedBy / overlaps on JSON arrays, and match()', async () => {
        expect(await emails((q) => q.contains('story_preferences', ['dragons']))).toEqual([
          'ada@example.com',
        ]);
        expect(await emails((q) => q.containedBy('story_preferences', ['ocean', 'space']))).toEqual([
          'bob@example.com',
          'cy@example.com',
        ]);
        expect(await emails((q) => q.overlaps('story_preferences', ['ocean', 'space']))).toEqual([
          'ada@example.com',
          'bob@example.com',
        ]);
        expect(await emails((q) => q.match({ subscription_tier: 'premium', current_streak: 3 }))).toEqual([
          'ada@example.com',
        ]);
      });

      it('rejects bad operands in the emulated format (22P02, PGRST100)', async () => {
        const bad = await sb.from('profiles').select().eq('total_stories', 'many');
        expect(bad.status).toBe(400);
        expect(bad.error).toMatchObject({
          code: '22P02',
          message: 'invalid input syntax for type integer: "many"',
        });
        const op = await sb.from('profiles').select().filter('email', 'startswith', 'a');
        expect(op.status).toBe(400);
        expect(op.error?.code).toBe('PGRST100');
      });
    });

    describe('ordering, paging and counts', () => {
      it('orders by several columns with nulls first/last', async () => {
        const { data } = await sb
          .from('children')
          .select('name, age_band')
          .order('age_band', { ascending: false, nullsFirst: true })
          .order('name');
        expect(data?.map((r) => r.name)).toEqual(['Max', 'LUNAR', 'luna', 'Luna']);
        const last = await sb
          .from('children')
          .select('name')
          .order('age_band', { ascending: false, nullsFirst: false });
        expect(last.data?.map((r) => r.name)).toEqual(['LUNAR', 'luna', 'Luna', 'Max']);
        const multi = await sb
          .from('profiles')
          .select('email')
          .order('family_mode_enabled', { ascending: false })
          .order('total_stories', { ascending: false });
        expect(multi.data?.map((r) => r.email)).toEqual([
          'cy@example.com',
          'ada@example.com',
          'bob@example.com',
        ]);
      });

      it('limits, ranges and offsets', async () => {
        const lim = await sb.from('children').select('name').order('name').limit(2);
        expect(lim.data?.map((r) => r.name)).toEqual(['LUNAR', 'Luna']);
        const range = await sb.from('children').select('name').order('name').range(1, 2);
        expect(range.data?.map((r) => r.name)).toEqual(['Luna', 'Max']);
        const res = await raw('/rest/v1/children?select=name&order=name.asc&offset=3', { headers: authed() });
        expect(await res.json()).toEqual([{ name: 'luna' }]);
        const header = await raw('/rest/v1/children?select=name&order=name.asc', {
          headers: authed({ range: '0-1' }),
        });
        expect(await header.json()).toEqual([{ name: 'LUNAR' }, { name: 'Luna' }]);
        expect(header.headers.get('content-range')).toBe('0-1/*');
      });

      it('counts exactly, with head: true, and answers 206 + Content-Range for partial pages', async () => {
        const head = await sb.from('children').select('*', { count: 'exact', head: true });
        expect(head).toMatchObject({ error: null, data: null, count: 4, status: 200 });
        const filtered = await sb
          .from('children')
          .select('*', { count: 'exact', head: true })
          .ilike('name', 'lun%');
        expect(filtered.count).toBe(3);
        const page = await sb.from('children').select('name', { count: 'exact' }).order('name').range(0, 1);
        expect(page).toMatchObject({ count: 4, status: 206 });
        expect(page.data).toHaveLength(2);
        const res = await raw('/rest/v1/children?select=name&limit=2&offset=1', {
          headers: authed({ prefer: 'count=exact' }),
        });
        expect(res.status).toBe(206);
        expect(res.headers.get('content-range')).toBe('1-2/4');
        const all = await raw('/rest/v1/children?select=name', {
          headers: authed({ prefer: 'count=exact' }),
        });
        expect(all.status).toBe(200);
        expect(all.headers.get('content-range')).toBe('0-3/4');
        const none = await raw('/rest/v1/children?name=eq.nobody', {
          headers: authed({ prefer: 'count=exact' }),
        });
        expect(none.headers.get('content-range')).toBe('*/0');
        const beyond = await raw('/rest/v1/children?offset=10', {
          headers: authed({ prefer: 'count=exact' }),
        });
        expect(beyond.status).toBe(416);
        expect(await beyond.json()).toMatchObject({ code: 'PGRST103' });
      });

      it('counts affected rows on writes', async () => {
        const { count: n, error } = await sb
          .from('children')
          .update({ age_band: '0-2' }, { count: 'exact' })
          .ilike('name', 'lun%');
        expect(error).toBeNull();
        expect(n).toBe(3);
      });
    });

    describe('single and maybeSingle', () => {
      it('single() returns one object, or 406 PGRST116 for zero or many rows', async () => {
        const one = await sb.from('profiles').select('email').eq('email', 'ada@example.com').single();
        expect(one).toMatchObject({ error: null, data: { email: 'ada@example.com' }, status: 200 });
        const zero = await sb.from('profiles').select().eq('email', 'nobody@example.com').single();
        expect(zero.status).toBe(406);
        expect(zero.error).toMatchObject({ code: 'PGRST116', details: 'The result contains 0 rows' });
        const many = await sb.from('profiles').select().single();
        expect(many.status).toBe(406);
        expect(many.error).toMatchObject({ code: 'PGRST116', details: 'The result contains 3 rows' });
      });

      it('maybeSingle() returns null for zero rows and PGRST116 for many', async () => {
        const zero = await sb.from('profiles').select().eq('email', 'nobody@example.com').maybeSingle();
        expect(zero).toMatchObject({ error: null, data: null });
        const one = await sb
          .from('profiles')
          .select('first_name')
          .eq('email', 'bob@example.com')
          .maybeSingle();
        expect(one.data).toEqual({ first_name: 'Bob' });
        const many = await sb.from('profiles').select().maybeSingle();
        expect(many.error?.code).toBe('PGRST116');
      });
    });

    describe('embedding', () => {
      it('embeds to-many as arrays and to-one as objects', async () => {
        const parents = await sb.from('profiles').select('email, children(name, age_band)').order('email');
        expect(parents.error).toBeNull();
        expect(parents.data).toEqual([
          {
            email: 'ada@example.com',
            children: [
              { name: 'Luna', age_band: '3-5' },
              { name: 'luna', age_band: '6-8' },
            ],
          },
          { email: 'bob@example.com', children: [] },
          {
            email: 'cy@example.com',
            children: [
              { name: 'LUNAR', age_band: '9-12' },
              { name: 'Max', age_band: null },
            ],
          },
        ]);
        const kids = await sb
          .from('children')
          .select('name, profiles(email, subscription_tier)')
          .eq('name', 'Max')
          .single();
        expect(kids.data).toEqual({
          name: 'Max',
          profiles: { email: 'cy@example.com', subscription_tier: 'family' },
        });
        const stories = await sb.from('stories').select('theme, children(name)').order('theme');
        expect(stories.data).toEqual([
          { theme: 'dragons', children: null },
          { theme: 'ocean', children: { name: 'Max' } },
          { theme: 'space', children: { name: 'Luna' } },
        ]);
      });

      it('supports aliases, *, !inner with embedded filters, and embedded order/limit', async () => {
        const aliased = await sb
          .from('profiles')
          .select('mail:email, kids:children(*)')
          .eq('email', 'cy@example.com')
          .single();
        expect(aliased.data?.mail).toBe('cy@example.com');
        expect(aliased.data?.kids).toHaveLength(2);
        expect(Object.keys(aliased.data!.kids[0]).sort()).toEqual([
          'age_band',
          'created_at',
          'id',
          'name',
          'parent_id',
        ]);
        const inner = await sb
          .from('profiles')
          .select('email, children!inner(name)')
          .eq('children.name', 'Max');
        expect(inner.data).toEqual([{ email: 'cy@example.com', children: [{ name: 'Max' }] }]);
        const ordered = await sb
          .from('profiles')
          .select('email, children(name)')
          .eq('email', 'ada@example.com')
          .order('name', { referencedTable: 'children', ascending: false })
          .limit(1, { referencedTable: 'children' })
          .single();
        expect(ordered.data).toEqual({ email: 'ada@example.com', children: [{ name: 'luna' }] });
        const both = await sb
          .from('profiles')
          .select('email, children(name), stories(theme), subscriptions(*)')
          .eq('email', 'ada@example.com')
          .single();
        expect(both.data?.stories).toHaveLength(2);
        expect(both.data?.subscriptions).toEqual([]);
      });

      it('reports an unknown relationship as PGRST200', async () => {
        const { error, status } = await sb.from('profiles').select('email, toys(*)');
        expect(status).toBe(400);
        expect(error?.code).toBe('PGRST200');
      });
    });

    describe('unknown tables and columns', () => {
      it('404 PGRST205 with a hint naming the closest table', async () => {
        const { error, status } = await sb.from('profile').select();
        expect(status).toBe(404);
        expect(error).toMatchObject({
          code: 'PGRST205',
          message: "Could not find the table 'public.profile' in the schema cache",
          hint: "Perhaps you meant the table 'public.profiles'",
        });
        const auth = await sb.from('auth_users').select();
        expect(auth.error?.code).toBe('PGRST205');
      });

      it('400 42703 for unknown columns in select, filters and order', async () => {
        const sel = await sb.from('profiles').select('email, emial');
        expect(sel.status).toBe(400);
        expect(sel.error).toMatchObject({ code: '42703', message: 'column profiles.emial does not exist' });
        const filt = await sb.from('profiles').select().eq('tier', 'free');
        expect(filt.error?.code).toBe('42703');
        const ord = await sb.from('profiles').select().order('nope');
        expect(ord.error?.code).toBe('42703');
      });
    });

    describe('SQL injection attempts are rejected or inert', () => {
      it('through filter values, in-lists and like patterns', async () => {
        for (const value of [
          "x' OR '1'='1",
          "'; DROP TABLE profiles; --",
          'bob@example.com" OR 1=1 --',
          "%' OR 1=1 --",
        ]) {
          const eq = await sb.from('profiles').select('email').eq('email', value);
          expect(eq.error).toBeNull();
          expect(eq.data).toEqual([]);
          const like = await sb.from('profiles').select('email').like('email', value);
          expect(like.data).toEqual([]);
          const inList = await sb.from('profiles').select('email').in('email', [value, "') OR ('1'='1"]);
          expect(inList.data).toEqual([]);
        }
        const orValue = await sb.from('profiles').select('email').or(`email.eq."x') OR 1=1 --"`);
        expect(orValue.data ?? []).toEqual([]);
        await expectIntact();
      });

      it('through column names, select, order and table names', async () => {
        const attempts = [
          sb.from('profiles').select('email').eq('email; DROP TABLE profiles; --', 'x'),
          sb.from('profiles').select('email').eq('"email" = "email" OR 1', 'x'),
          sb.from('profiles').select('email, (SELECT 1)'),
          sb.from('profiles').select('*, "email""; DROP TABLE children; --"'),
          sb.from('profiles').select('email').order('email; DROP TABLE profiles'),
          sb.from('profiles').select('email').order('(CASE WHEN 1=1 THEN email END)'),
          sb.from('profiles').select('email').or('email.eq.x),id.neq.(1'),
          sb.from('profiles; DROP TABLE children; --').select(),
          sb.from('profiles').insert({ "email\") VALUES ('x'); DROP TABLE children; --": 'x' }),
          sb.from('profiles').update({ 'first_name = 1; --': 'x' }).eq('email', 'bob@example.com'),
        ];
        for (const attempt of attempts) {
          const { error, status } = await attempt;
          expect(error, `status ${status}`).not.toBeNull();
          expect(status).toBeGreaterThanOrEqual(400);
          expect(status).toBeLessThan(500);
          expect(['PGRST100', '42703', 'PGRST205', 'PGRST204']).toContain(error!.code);
        }
        await expectIntact();
      });

      async function expectIntact(): Promise<void> {
        expect(await count(sb, 'profiles')).toBe(3);
        expect(await count(sb, 'children')).toBe(4);
        expect(await count(sb, 'stories')).toBe(3);
      }
    });

    describe('admin API', () => {
      it('reports counts per table and resets', async () => {
        const state = await (await raw('/__admin/state')).json();
        expect(state).toMatchObject({
          service: 'supabase',
          profiles: 3,
          children: 4,
          stories: 3,
          subscriptions: 0,
        });
        await raw('/__admin/reset', { method: 'POST' });
        expect(await count(sb, 'profiles')).toBe(0);
        const journal = await (await raw('/__admin/requests?limit=1')).json();
        expect(journal.requests[0]).toMatchObject({
          method: 'HEAD',
          path: '/rest/v1/profiles',
          operation: 'rest.select.profiles',
          status: 200,
        });
      });
    });
  });
}

async function count(
  sb: SupabaseClient,
  table: string,
  where: (q: Query) => Query = (q) => q,
): Promise<number> {
  const { count: n, error } = await where(sb.from(table).select('*', { count: 'exact', head: true }));
  if (error) throw new Error(`count failed: ${JSON.stringify(error)}`);
  return n as number;
}
