/**
 * Opt-in owner-only RLS (`rls: true` / `--rls`): signed-in users see and write their own rows, anon
 * sees nothing, the service role everything. With RLS off (the default) every key sees every row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSupabaseServer } from '../../mocks/supabase/index.ts';
import { client, keys } from './client.ts';

describe('fake Supabase with rls: true', () => {
  let server: Awaited<ReturnType<typeof startSupabaseServer>>;

  beforeAll(async () => {
    server = await startSupabaseServer({ port: 0, rls: true });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('scopes reads, writes and embeds to auth.uid()', async () => {
    const alice = client(server.url, keys.anon_key);
    const bob = client(server.url, keys.anon_key);
    const a = await alice.auth.signUp({ email: 'alice@example.com', password: 'sleepytime' });
    const b = await bob.auth.signUp({ email: 'bob@example.com', password: 'sleepytime' });
    const aliceId = a.data.user!.id;
    const bobId = b.data.user!.id;

    expect(
      (await alice.from('profiles').insert({ id: aliceId, email: 'alice@example.com' })).error,
    ).toBeNull();
    expect((await bob.from('profiles').insert({ id: bobId, email: 'bob@example.com' })).error).toBeNull();
    expect((await alice.from('children').insert({ parent_id: aliceId, name: 'Ari' })).error).toBeNull();

    // Writing a row for someone else is refused with 42501 (403 for a signed-in user).
    const foreign = await bob.from('children').insert({ parent_id: aliceId, name: 'Intruder' });
    expect(foreign.status).toBe(403);
    expect(foreign.error?.code).toBe('42501');
    // Upserting onto another user's row is refused too.
    const takeover = await bob
      .from('profiles')
      .upsert({ id: aliceId, email: 'alice@example.com', first_name: 'Bob' });
    expect(takeover.error?.code).toBe('42501');

    const seenByBob = await bob.from('profiles').select('email, children(name)');
    expect(seenByBob.data).toEqual([{ email: 'bob@example.com', children: [] }]);
    const seenByAlice = await alice.from('profiles').select('email, children(name)');
    expect(seenByAlice.data).toEqual([{ email: 'alice@example.com', children: [{ name: 'Ari' }] }]);

    // Updates and deletes only touch own rows.
    const update = await bob.from('profiles').update({ first_name: 'X' }).neq('email', '').select('email');
    expect(update.data).toEqual([{ email: 'bob@example.com' }]);
    const steal = await bob.from('profiles').update({ id: aliceId }).eq('id', bobId);
    expect(steal.error?.code).toBe('42501');

    const anon = client(server.url, keys.anon_key);
    expect((await anon.from('profiles').select()).data).toEqual([]);
    const anonInsert = await anon.from('profiles').insert({ email: 'anon@example.com' });
    expect(anonInsert.status).toBe(401);
    expect(anonInsert.error?.code).toBe('42501');

    const admin = client(server.url, keys.service_role_key);
    const all = await admin.from('profiles').select('email').order('email');
    expect(all.data).toEqual([{ email: 'alice@example.com' }, { email: 'bob@example.com' }]);
  });
});
