/**
 * The fault layer on the fake Supabase: faults only when asked for, per Supabase operation name, in
 * PostgREST's error format; a fault-free fake never answers 503.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaultInjector } from '../../mocks/faults/index.ts';
import { startSupabaseServer } from '../../mocks/supabase/index.ts';
import { client } from './client.ts';

describe('fake Supabase with the fault layer', () => {
  let server: Awaited<ReturnType<typeof startSupabaseServer>>;

  beforeAll(async () => {
    const faults = createFaultInjector({
      service: 'supabase',
      document: {
        rules: [
          {
            match: { service: 'supabase', operation: 'rest.insert.stories' },
            errors: [{ status: 500, probability: 1 }],
          },
        ],
      },
    });
    server = await startSupabaseServer({ port: 0, faults });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('faults only the matched operation, in PostgREST format, and records it in the journal', async () => {
    const sb = client(server.url);
    const parent = await sb.from('profiles').insert({ email: 'f@example.com' }).select('id').single();
    expect(parent.error).toBeNull();
    const story = await sb.from('stories').insert({ user_id: parent.data!.id, theme: 'space' });
    expect(story.status).toBe(500);
    expect(story.error).toMatchObject({ code: 'error', message: 'Injected fault.' });
    expect(await sb.from('stories').select('*', { count: 'exact', head: true })).toMatchObject({
      count: 0,
      error: null,
    });
    const journal = await (await fetch(`${server.url}/__admin/requests`)).json();
    const faulted = journal.requests.filter((r: { fault: string | null }) => r.fault);
    expect(faulted).toHaveLength(1);
    expect(faulted[0]).toMatchObject({ operation: 'rest.insert.stories', status: 500 });
  });

  it('never answers 503 on its own, even for requests it cannot serve', async () => {
    const statuses: number[] = [];
    for (const path of [
      '/rest/v1/nope',
      '/rest/v1/rpc/fn',
      '/storage/v1/object/x',
      '/auth/v1/otp',
      '/rest/v1/profiles?select=(',
    ]) {
      const res = await fetch(`${server.url}${path}`, {
        headers: { apikey: (await (await fetch(`${server.url}/__admin/keys`)).json()).anon_key },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([404, 404, 404, 404, 400]);
  });
});
