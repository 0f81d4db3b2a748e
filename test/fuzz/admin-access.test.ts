/**
 * Issue 11: the admin API can reset data and (on the fake Supabase) hand out the service-role key, so
 * beyond loopback it asks for a bearer token; and the journal it serves never shows credentials.
 * Servers here bind 127.0.0.1 only: the token is switched on directly on the service, and which hosts
 * switch it on is checked on `adminTokenFor`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKlaviyoServer } from '../../mocks/klaviyo/index.ts';
import { adminTokenFor, isLoopback } from '../../mocks/shared/listen.ts';
import { startSupabaseServer } from '../../mocks/supabase/index.ts';
import { sdk } from '../klaviyo/helpers.ts';
import { client, keys } from '../supabase/client.ts';

type Server = Awaited<ReturnType<typeof startSupabaseServer>>;

describe('admin token', () => {
  it('is asked for only beyond loopback, from the environment or fresh', () => {
    for (const host of [undefined, '127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) {
      expect(isLoopback(host)).toBe(true);
      expect(adminTokenFor(host)).toBeUndefined();
    }
    for (const host of ['0.0.0.0', '::', '192.0.2.10', 'example.test']) expect(isLoopback(host)).toBe(false);
    const a = adminTokenFor('0.0.0.0');
    expect(a).toMatch(/^[\w-]{32}$/);
    expect(adminTokenFor('0.0.0.0')).not.toBe(a);
    expect(adminTokenFor('0.0.0.0', 'given')).toBe('given');
    process.env.DREAMFLOW_ADMIN_TOKEN = 'from-env';
    try {
      expect(adminTokenFor('::')).toBe('from-env');
    } finally {
      delete process.env.DREAMFLOW_ADMIN_TOKEN;
    }
  });

  describe('with a token set', () => {
    let supabase: Server;
    beforeAll(async () => {
      supabase = await startSupabaseServer({ port: 0, host: '127.0.0.1' });
      supabase.service.adminToken = 's3cret-token';
    });
    afterAll(() => supabase?.close());

    it('refuses /__admin/ without the bearer token, in JSON, and serves it with the token', async () => {
      for (const auth of [undefined, 'Bearer wrong', 'Bearer s3cret-toke', 's3cret-token']) {
        const res = await fetch(`${supabase.url}/__admin/keys`, {
          headers: auth ? { authorization: auth } : {},
        });
        expect(res.status).toBe(401);
        const body = await res.json();
        expect(body.error).toMatch(/Authorization: Bearer <token>.*DREAMFLOW_ADMIN_TOKEN/);
        expect(JSON.stringify(body)).not.toContain(keys.service_role_key);
      }
      const res = await fetch(`${supabase.url}/__admin/keys`, {
        headers: { authorization: 'Bearer s3cret-token' },
      });
      expect(res.status).toBe(200);
      expect((await res.json()).service_role_key).toBe(keys.service_role_key);
      // The emulated API itself is not behind the admin token.
      expect((await client(supabase.url).from('profiles').select('id')).error).toBeNull();
    });
  });
});

describe('the journal keeps no credentials', () => {
  it('shows neither keys nor passwords nor tokens from Klaviyo and Supabase traffic', async () => {
    const supabase = await startSupabaseServer({ port: 0 });
    const klaviyo = await startKlaviyoServer({ port: 0 });
    try {
      const anon = client(supabase.url, keys.anon_key);
      const signUp = await anon.auth.signUp({ email: 'ada@example.com', password: 'very-secret-pw' });
      expect(signUp.error).toBeNull();
      const refresh = signUp.data.session!.refresh_token;
      expect((await anon.auth.refreshSession({ refresh_token: refresh })).error).toBeNull();
      const k = sdk('pk_journal_secret_key_123', klaviyo.url);
      await k.profiles.createProfile({
        data: { type: 'profile' as never, attributes: { email: 'ada@example.com' } },
      });
      for (const server of [supabase, klaviyo]) {
        const journal = await (await fetch(`${server.url}/__admin/requests`)).text();
        expect(journal.length).toBeGreaterThan(50);
        for (const secret of [
          'very-secret-pw',
          refresh,
          keys.anon_key,
          keys.service_role_key,
          signUp.data.session!.access_token,
          'pk_journal_secret_key_123',
        ]) {
          expect(journal).not.toContain(secret);
        }
      }
      const { requests } = (await (await fetch(`${supabase.url}/__admin/requests`)).json()) as {
        requests: { path: string; requestBody?: string }[];
      };
      const signup = requests.find((r) => r.path === '/auth/v1/signup')!;
      expect(JSON.parse(signup.requestBody ?? 'null')).toMatchObject({
        email: 'ada@example.com',
        password: '[redacted]',
      });
    } finally {
      await Promise.all([supabase.close(), klaviyo.close()]);
    }
  });
});
