import { describe, expect, it } from 'vitest';
import { DEFAULT_JWT_SECRET, signJwt, verifyJwt } from './jwt.ts';
import { supabaseKeys } from './keys.ts';

describe('supabaseKeys', () => {
  it('equals the keys the Supabase CLI prints with its default secret', () => {
    expect(supabaseKeys()).toEqual({
      anon_key:
        'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0',
      service_role_key:
        'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU',
    });
  });

  it('changes with the secret and verifies only with it', () => {
    const other = supabaseKeys('another-secret-that-is-at-least-32-chars');
    expect(other.anon_key).not.toBe(supabaseKeys().anon_key);
    expect(verifyJwt(other.anon_key, 'another-secret-that-is-at-least-32-chars', 0)).toMatchObject({
      ok: true,
      claims: { role: 'anon' },
    });
    expect(verifyJwt(other.anon_key, DEFAULT_JWT_SECRET, 0)).toEqual({ ok: false, reason: 'signature' });
  });
});

describe('verifyJwt', () => {
  it('checks exp against the given clock time and rejects malformed or alg-swapped tokens', () => {
    const token = signJwt({ sub: 'u', exp: 100 }, DEFAULT_JWT_SECRET);
    expect(verifyJwt(token, DEFAULT_JWT_SECRET, 99_000).ok).toBe(true);
    expect(verifyJwt(token, DEFAULT_JWT_SECRET, 100_000)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyJwt('abc', DEFAULT_JWT_SECRET, 0)).toEqual({ ok: false, reason: 'malformed' });
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${token.split('.')[1]}.`;
    expect(verifyJwt(none, DEFAULT_JWT_SECRET, 0).ok).toBe(false);
  });
});
