/**
 * The same fault layer on the fake Supabase, as `@supabase/supabase-js` sees it over HTTP.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createFaultInjector, type FaultLayer } from '../../mocks/faults/index.ts';
import type { RunningServer } from '../../mocks/shared/listen.ts';
import type { MockService } from '../../mocks/shared/service.ts';
import { startSupabaseServer, supabaseKeys } from '../../mocks/supabase/index.ts';

let server: RunningServer & { service: MockService };
let faults: FaultLayer;
let sb: SupabaseClient;

beforeAll(async () => {
  faults = createFaultInjector({ seed: 1 });
  server = await startSupabaseServer({ port: 0, faults });
  sb = createClient(server.url, supabaseKeys().service_role_key, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
  });
});
afterAll(() => server.close());
beforeEach(() => faults.replace({ rules: [] }));

describe('faults on the fake Supabase (supabase-js)', () => {
  it('an injected 500 arrives as a PostgREST error on the scoped table only', async () => {
    faults.replace({
      rules: [
        {
          match: { service: 'supabase', path: '/rest/v1/stories' },
          errors: [{ status: 500, probability: 1 }],
        },
      ],
    });
    const stories = await sb.from('stories').select('id');
    expect(stories.status).toBe(500);
    expect(stories.error).toMatchObject({ message: expect.any(String) });
    expect(Object.keys(stories.error!)).toEqual(
      expect.arrayContaining(['code', 'message', 'details', 'hint']),
    );
    const profiles = await sb.from('profiles').select('id');
    expect(profiles.status).toBe(200);
    const journal = server.service.journal.list({ limit: 2 });
    expect(journal.map((e) => e.fault)).toEqual(['error:500', null]);
  });

  it("an injected error on /auth/v1 arrives in GoTrue's format, with an auth-js error code", async () => {
    faults.replace({
      rules: [
        {
          match: { service: 'supabase', path: '/auth/v1/signup' },
          errors: [{ status: 429, probability: 1 }],
        },
        { match: { service: 'supabase', path: '/auth/v1/token' }, errors: [{ status: 500, probability: 1 }] },
      ],
    });
    const signUp = await sb.auth.signUp({ email: 'fault@example.com', password: 'password123' });
    expect(signUp.error).toMatchObject({ status: 429, code: 'over_request_rate_limit' });
    // auth-js reports any 5xx as a retryable fetch error without reading it; the raw body is GoTrue's.
    const raw = await fetch(`${server.url}/auth/v1/token?grant_type=password`, {
      method: 'POST',
      headers: { apikey: supabaseKeys().anon_key, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(raw.status).toBe(500);
    const body = await raw.json();
    expect(body).toMatchObject({ code: 500, error_code: 'unexpected_failure', msg: expect.any(String) });
    expect(body).not.toHaveProperty('hint');
  });

  it('a connection reset is an error result, not a crash', async () => {
    faults.replace({ profile: 'supabase-flaky' }); // exercise the shipped file, then force a reset
    faults.replace({
      rules: [{ match: { service: 'supabase' }, network: [{ fault: 'reset', probability: 1 }] }],
    });
    // supabase-js retries failed GETs itself (after 1 s, 2 s, 4 s of real time); turn that off here.
    const res = await sb.from('profiles').select('id').retry(false);
    expect(res.data).toBeNull();
    expect(res.error?.message).toMatch(/fetch failed|ECONNRESET|socket/i);
    expect(server.service.journal.list({ limit: 1 })[0]).toMatchObject({
      fault: 'network:reset',
      status: null,
    });
  });

  it('Klaviyo profiles leave the fake Supabase alone', async () => {
    for (const profile of ['klaviyo-realistic', 'flaky', 'throttled', 'outage', 'slow-network']) {
      faults.replace({ profile });
      const res = await sb.from('profiles').select('id');
      expect(res.status).toBe(200);
    }
    expect(faults.describe().stats).toMatchObject({ requests: 1, faulted: 0 });
  });
});
