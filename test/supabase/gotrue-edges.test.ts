/**
 * GoTrue request-body edges supabase-js cannot produce but hand-written clients can: user metadata
 * (`data`) that is not a JSON object is refused with GoTrue's 400 bad_json, never stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSupabaseServer } from '../../mocks/supabase/index.ts';
import { keys } from './client.ts';

describe('fake Supabase: GoTrue body edges over raw HTTP', () => {
  let server: Awaited<ReturnType<typeof startSupabaseServer>>;
  const post = (path: string, body: unknown, extra: Record<string, string> = {}) =>
    fetch(`${server.url}/auth/v1${path}`, {
      method: path === '/user' ? 'PUT' : 'POST',
      headers: { apikey: keys.anon_key, 'content-type': 'application/json', ...extra },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    server = await startSupabaseServer({ port: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('sign-up with non-object data is 400 bad_json and creates no user', async () => {
    for (const data of ['x', [1, 2], 5]) {
      const res = await post('/signup', { email: 'meta@example.com', password: 'password123', data });
      expect(res.status, JSON.stringify(data)).toBe(400);
      expect(await res.json()).toMatchObject({
        error_code: 'bad_json',
        msg: expect.stringContaining('data'),
      });
    }
    const state = await (await fetch(`${server.url}/__admin/state`)).json();
    expect(state.auth_users).toBe(0);
  });

  it('user update with non-object data is 400 bad_json and leaves the metadata alone', async () => {
    const signup = await post('/signup', {
      email: 'meta2@example.com',
      password: 'password123',
      data: { a: 1 },
    });
    const { access_token } = await signup.json();
    const auth = { authorization: `Bearer ${access_token}` };
    const bad = await post('/user', { data: 'x' }, auth);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error_code: 'bad_json' });
    const user = await (
      await fetch(`${server.url}/auth/v1/user`, { headers: { apikey: keys.anon_key, ...auth } })
    ).json();
    expect(user.user_metadata).toMatchObject({ a: 1 });
    // null data is "no change", as in GoTrue.
    expect((await post('/user', { data: null }, auth)).status).toBe(200);
  });
});
