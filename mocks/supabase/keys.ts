/**
 * The anon and service-role API keys, made exactly as `supabase start` makes them: HS256 JWTs with
 * `{iss: 'supabase-demo', role, exp: 1983812996}` signed with the JWT secret. With the default secret
 * they equal the keys every Supabase CLI user has seen, and they never change between runs.
 */
import { DEFAULT_JWT_SECRET, signJwt } from './jwt.ts';

export interface SupabaseKeys {
  anon_key: string;
  service_role_key: string;
}

/** 2032-11-12, the expiry the Supabase CLI puts in its demo keys. */
const DEMO_EXP = 1983812996;

export function supabaseKeys(jwtSecret: string = DEFAULT_JWT_SECRET): SupabaseKeys {
  return {
    anon_key: signJwt({ iss: 'supabase-demo', role: 'anon', exp: DEMO_EXP }, jwtSecret),
    service_role_key: signJwt({ iss: 'supabase-demo', role: 'service_role', exp: DEMO_EXP }, jwtSecret),
  };
}
