/**
 * PostgREST details supabase-js does not expose directly (headers, raw bodies), checked over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSupabaseServer } from '../../mocks/supabase/index.ts';
import { keys } from './client.ts';

describe('fake Supabase: PostgREST edges over raw HTTP', () => {
  let server: Awaited<ReturnType<typeof startSupabaseServer>>;
  const headers = (extra: Record<string, string> = {}) => ({
    apikey: keys.service_role_key,
    authorization: `Bearer ${keys.service_role_key}`,
    'content-type': 'application/json',
    ...extra,
  });
  const call = (path: string, init: RequestInit = {}) => fetch(`${server.url}${path}`, init);

  beforeAll(async () => {
    server = await startSupabaseServer({ port: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('return=headers-only answers 201 with a Location for the new row', async () => {
    const res = await call('/rest/v1/profiles', {
      method: 'POST',
      headers: headers({ prefer: 'return=headers-only' }),
      body: JSON.stringify({ id: '22222222-2222-4222-8222-222222222222', email: 'loc@example.com' }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/profiles?id=eq.22222222-2222-4222-8222-222222222222');
    expect(await res.text()).toBe('');
  });

  it('answers bad JSON bodies with PGRST102 and mismatched bulk keys too', async () => {
    const bad = await call('/rest/v1/profiles', { method: 'POST', headers: headers(), body: '{"email": ' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'PGRST102' });
    const mismatch = await call('/rest/v1/profiles', {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify([{ email: 'a@example.com' }, { first_name: 'b' }]),
    });
    expect(await mismatch.json()).toMatchObject({
      code: 'PGRST102',
      message: 'Empty or invalid json',
      details: 'All object keys must match',
    });
  });

  it('refuses schemas other than public (PGRST106) and RPC (PGRST202)', async () => {
    const schema = await call('/rest/v1/profiles', { headers: headers({ 'accept-profile': 'auth' }) });
    expect(schema.status).toBe(406);
    expect(await schema.json()).toMatchObject({ code: 'PGRST106' });
    const rpc = await call('/rest/v1/rpc/sync_profiles', { method: 'POST', headers: headers(), body: '{}' });
    expect(rpc.status).toBe(404);
    expect(await rpc.json()).toMatchObject({ code: 'PGRST202' });
  });

  it('accepts the apikey as a query parameter and does not treat it as a filter', async () => {
    const res = await call(`/rest/v1/profiles?select=email&apikey=${keys.anon_key}`);
    expect(res.status).toBe(200);
    expect(Array.isArray(await res.json())).toBe(true);
  });

  it('answers CORS preflights so browser pages can use the fake', async () => {
    const res = await call('/rest/v1/profiles', {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:3000' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')).toContain('apikey');
  });

  it('reports unknown gateway routes like Kong, with 404', async () => {
    const res = await call('/graphql/v1', { headers: headers() });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: 'no Route matched with those values' });
  });
});
