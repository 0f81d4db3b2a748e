/**
 * Row Level Security is on by default and enforces the policies in mocks/supabase/migrations/003_rls.sql:
 * users see and write their own rows (subscriptions: read only), anon sees and writes nothing, the
 * service role bypasses RLS, `rls: false` opens every table, and a policy the fake cannot enforce is a
 * startup error naming its migration.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SupabaseCore, startSupabaseServer } from '../../mocks/supabase/index.ts';
import { client, keys } from './client.ts';

type Server = Awaited<ReturnType<typeof startSupabaseServer>>;
const TABLES = ['profiles', 'children', 'stories', 'subscriptions'] as const;

async function signUp(url: string, email: string): Promise<{ sb: SupabaseClient; id: string }> {
  const sb = client(url, keys.anon_key);
  const { data, error } = await sb.auth.signUp({ email, password: 'sleepytime' });
  if (error || !data.user) throw new Error(`sign-up failed: ${error?.message}`);
  return { sb, id: data.user.id };
}

describe('fake Supabase RLS with default options', () => {
  let server: Server;
  let admin: SupabaseClient;
  let alice: { sb: SupabaseClient; id: string };
  let bob: { sb: SupabaseClient; id: string };
  /** Bob's row id in each table (written by the service role, as the backend does). */
  const bobs: Record<string, string> = {};
  let bobChildId: string;

  beforeAll(async () => {
    server = await startSupabaseServer({ port: 0 });
    admin = client(server.url, keys.service_role_key);
    alice = await signUp(server.url, 'alice@example.com');
    bob = await signUp(server.url, 'bob@example.com');
    // A user may create their own profile (the policy's WITH CHECK passes).
    const own = await alice.sb.from('profiles').insert({ id: alice.id, email: 'alice@example.com' });
    expect(own.error).toBeNull();
    const made = async (table: string, row: Record<string, unknown>) => {
      const { data, error } = await admin.from(table).insert(row).select('id').single();
      if (error) throw new Error(`fixture ${table}: ${error.message}`);
      return (data as { id: string }).id;
    };
    bobs.profiles = await made('profiles', { id: bob.id, email: 'bob@example.com' });
    bobChildId = bobs.children = await made('children', { parent_id: bob.id, name: 'Bea' });
    bobs.stories = await made('stories', { user_id: bob.id, theme: 'ocean' });
    bobs.subscriptions = await made('subscriptions', { user_id: bob.id, tier: 'premium' });
    await made('children', { parent_id: alice.id, name: 'Ari' });
    await made('subscriptions', { user_id: alice.id, tier: 'free' });
    // Alice's story points at Bob's child (foreign-key checks bypass RLS, as in Postgres).
    await made('stories', { user_id: alice.id, theme: 'space', child_id: bobChildId });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('alice reads only her own rows in every table, bob’s are invisible even by id', async () => {
    const owner = { profiles: 'id', children: 'parent_id', stories: 'user_id', subscriptions: 'user_id' };
    for (const table of TABLES) {
      const col = owner[table];
      const all = await alice.sb.from(table).select(col);
      expect(all.error, table).toBeNull();
      expect(all.data, table).toEqual([{ [col]: alice.id }]);
      const byId = await alice.sb.from(table).select('id').eq('id', bobs[table]!);
      expect(byId.data, table).toEqual([]);
      const { count } = await alice.sb.from(table).select('*', { count: 'exact', head: true });
      expect(count, table).toBe(1);
    }
  });

  it('alice cannot update or delete bob’s rows: nothing matches, bob’s data is untouched', async () => {
    const patch = {
      profiles: { first_name: 'Hacked' },
      children: { name: 'Hacked' },
      stories: { theme: 'Hacked' },
      subscriptions: { tier: 'family' },
    };
    for (const table of TABLES) {
      const updated = await alice.sb.from(table).update(patch[table]).eq('id', bobs[table]!).select('id');
      expect(updated.error, table).toBeNull();
      expect(updated.data, table).toEqual([]);
      const deleted = await alice.sb.from(table).delete().eq('id', bobs[table]!).select('id');
      expect(deleted.error, table).toBeNull();
      expect(deleted.data, table).toEqual([]);
      const still = await admin.from(table).select('*').eq('id', bobs[table]!).single();
      expect(still.data, table).toBeTruthy();
      expect(Object.values(still.data as object), table).not.toContain('Hacked');
      expect((still.data as { tier?: string }).tier, table).not.toBe('family');
    }
  });

  it('alice cannot write rows for bob, move her rows to him, or upsert over his', async () => {
    const foreign = await alice.sb.from('children').insert({ parent_id: bob.id, name: 'Intruder' });
    expect(foreign.status).toBe(403);
    expect(foreign.error?.code).toBe('42501');
    expect(foreign.error?.message).toBe('new row violates row-level security policy for table "children"');
    const story = await alice.sb.from('stories').insert({ user_id: bob.id, theme: 'x' });
    expect(story.error?.code).toBe('42501');
    const takeover = await alice.sb
      .from('profiles')
      .upsert({ id: bob.id, email: 'bob@example.com', first_name: 'Alice' });
    expect(takeover.error?.code).toBe('42501');
    const move = await alice.sb.from('children').update({ parent_id: bob.id }).eq('name', 'Ari');
    expect(move.status).toBe(403);
    expect(move.error?.code).toBe('42501');
    const steal = await alice.sb.from('profiles').update({ id: bob.id }).eq('id', alice.id);
    expect(steal.error?.code).toBe('42501');
    const bobKids = await admin.from('children').select('name').eq('parent_id', bob.id);
    expect(bobKids.data).toEqual([{ name: 'Bea' }]);
  });

  it('subscriptions are read-only for users: even their own cannot be written', async () => {
    const insert = await alice.sb.from('subscriptions').insert({ user_id: alice.id, tier: 'premium' });
    expect(insert.status).toBe(403);
    expect(insert.error?.code).toBe('42501');
    // No UPDATE policy: nothing matches, as in Postgres (no error, no row).
    const upgrade = await alice.sb
      .from('subscriptions')
      .update({ tier: 'family' })
      .eq('user_id', alice.id)
      .select('tier');
    expect(upgrade.error).toBeNull();
    expect(upgrade.data).toEqual([]);
    const mine = await admin.from('subscriptions').select('tier').eq('user_id', alice.id);
    expect(mine.data).toEqual([{ tier: 'free' }]);
  });

  it('embeds apply the embedded table’s policies', async () => {
    const own = await alice.sb.from('profiles').select('email, children(name)');
    expect(own.data).toEqual([{ email: 'alice@example.com', children: [{ name: 'Ari' }] }]);
    // Her story points at Bob's child, which she may not see: null, and !inner drops the story.
    const story = await alice.sb.from('stories').select('theme, children(name)');
    expect(story.data).toEqual([{ theme: 'space', children: null }]);
    const inner = await alice.sb.from('stories').select('theme, children!inner(name)');
    expect(inner.data).toEqual([]);
    const byAdmin = await admin.from('stories').select('theme, children(name)').eq('user_id', alice.id);
    expect(byAdmin.data).toEqual([{ theme: 'space', children: { name: 'Bea' } }]);
  });

  it('anon reads nothing and writes nothing', async () => {
    const anon = client(server.url, keys.anon_key);
    for (const table of TABLES) {
      const read = await anon.from(table).select('*');
      expect(read.error, table).toBeNull();
      expect(read.data, table).toEqual([]);
      const updated = await anon.from(table).update({ id: bobs[table]! }).eq('id', bobs[table]!).select();
      expect(updated.data, table).toEqual([]);
      const deleted = await anon.from(table).delete().eq('id', bobs[table]!).select();
      expect(deleted.data, table).toEqual([]);
    }
    const inserts: Record<(typeof TABLES)[number], Record<string, unknown>> = {
      profiles: { email: 'anon@example.com' },
      children: { parent_id: bob.id, name: 'Anon' },
      stories: { user_id: bob.id },
      subscriptions: { user_id: bob.id, tier: 'free' },
    };
    for (const table of TABLES) {
      const res = await anon.from(table).insert(inserts[table]);
      expect(res.status, table).toBe(401);
      expect(res.error?.code, table).toBe('42501');
    }
    const { count } = await admin.from('profiles').select('*', { count: 'exact', head: true });
    expect(count).toBe(2);
  });

  it('the service role bypasses RLS: it sees every row and writes where users are refused', async () => {
    for (const table of TABLES) {
      const { data } = await admin.from(table).select('id');
      expect(data!.length, table).toBeGreaterThanOrEqual(2);
      expect(data!.map((r) => r.id)).toContain(bobs[table]);
      const mine = await alice.sb.from(table).select('id');
      expect(mine.data!.map((r) => r.id)).not.toContain(bobs[table]);
    }
    const row = { user_id: alice.id, tier: 'premium' };
    expect((await alice.sb.from('subscriptions').insert(row)).error?.code).toBe('42501');
    expect((await admin.from('subscriptions').insert(row)).error).toBeNull();
  });
});

describe('fake Supabase with rls: false', () => {
  it('lets anon see and write everything (the default does not)', async () => {
    const open = await startSupabaseServer({ port: 0, rls: false });
    const closed = await startSupabaseServer({ port: 0 });
    try {
      for (const server of [open, closed]) {
        const { error } = await client(server.url).from('profiles').insert({ email: 'x@example.com' });
        expect(error).toBeNull();
      }
      const anonOpen = client(open.url, keys.anon_key);
      expect((await anonOpen.from('profiles').select('email')).data).toEqual([{ email: 'x@example.com' }]);
      const write = await anonOpen.from('children').insert({ parent_id: null, name: 'y' });
      expect(write.error?.code).toBe('23502'); // reached the table: a constraint, not RLS, refused it
      const anonClosed = client(closed.url, keys.anon_key);
      expect((await anonClosed.from('profiles').select('email')).data).toEqual([]);
    } finally {
      await Promise.all([open.close(), closed.close()]);
    }
  });
});

describe('policies in migrations', () => {
  const real = fileURLToPath(new URL('../../mocks/supabase/migrations/', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'dreamflow-rls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('enables RLS on every public table the migrations create', async () => {
    const core = new SupabaseCore();
    try {
      const reply = (await core.adminRoutes!['GET schema']!({} as never)) as { body: string };
      const schema = JSON.parse(reply.body) as {
        tables: Record<string, { row_level_security: boolean; policies: { command: string }[] }>;
      };
      expect(schema.tables.subscriptions).toMatchObject({
        row_level_security: true,
        policies: [{ command: 'SELECT' }],
      });
      expect([...core.schema.tables.keys()].sort()).toEqual([...TABLES].sort());
      for (const table of core.schema.tables.keys())
        expect(core.schema.rls.enabled.has(table), table).toBe(true);
    } finally {
      core.close();
    }
  });

  it('follows Postgres: a table without RLS is open, RETURNING needs a SELECT policy', async () => {
    const custom = join(dir, 'custom');
    mkdirSync(custom);
    for (const f of ['001_dreamflow.sql', '002_auth.sql']) copyFileSync(join(real, f), join(custom, f));
    writeFileSync(
      join(custom, '003_notes.sql'),
      `CREATE TABLE facts (id integer PRIMARY KEY, body text);
       CREATE TABLE notes (id integer PRIMARY KEY, user_id uuid NOT NULL, body text);
       ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
       CREATE POLICY "drop box" ON notes FOR INSERT TO authenticated WITH CHECK (user_id = auth.uid());`,
    );
    const server = await startSupabaseServer({ port: 0, migrationsDir: custom });
    try {
      const anon = client(server.url, keys.anon_key);
      expect((await anon.from('facts').insert({ id: 1, body: 'open' })).error).toBeNull();
      expect((await anon.from('facts').select('body')).data).toEqual([{ body: 'open' }]);
      const carol = await signUp(server.url, 'carol@example.com');
      expect((await carol.sb.from('notes').insert({ id: 1, user_id: carol.id })).error).toBeNull();
      const back = await carol.sb.from('notes').insert({ id: 2, user_id: carol.id }).select();
      expect(back.error?.code).toBe('42501');
      expect((await carol.sb.from('notes').select()).data).toEqual([]);
      const stored = await client(server.url).from('notes').select('id');
      expect(stored.data).toEqual([{ id: 1 }]); // the refused RETURNING rolled its insert back
    } finally {
      await server.close();
    }
  });

  it('refuses a policy on a column that does not exist, naming the migration', () => {
    const bad = join(dir, 'bad-column');
    mkdirSync(bad);
    copyFileSync(join(real, '001_dreamflow.sql'), join(bad, '001_dreamflow.sql'));
    writeFileSync(join(bad, '002_rls.sql'), 'CREATE POLICY own ON stories USING (owner_id = auth.uid());');
    expect(() => new SupabaseCore({ migrationsDir: bad })).toThrow(
      /migration 002_rls\.sql: .*column "owner_id" does not exist in table "stories"/,
    );
  });

  it('refuses to start on a policy it cannot enforce, naming the migration and the statement', () => {
    for (const f of ['001_dreamflow.sql', '002_auth.sql']) copyFileSync(join(real, f), join(dir, f));
    writeFileSync(
      join(dir, '003_bad_policy.sql'),
      'ALTER TABLE stories ENABLE ROW LEVEL SECURITY;\n' +
        'CREATE POLICY "staff read" ON stories FOR SELECT TO authenticated USING (user_id = current_user);\n',
    );
    expect(() => new SupabaseCore({ migrationsDir: dir })).toThrow(
      /migration 003_bad_policy\.sql: unsupported Row Level Security statement .*CREATE POLICY "staff read" ON stories/,
    );
  });
});
