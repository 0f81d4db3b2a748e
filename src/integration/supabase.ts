/**
 * supabase-js clients for the backend. Two of them, on purpose: `auth` (anon key) signs users up and
 * checks bearer tokens, and keeps whatever session that leaves in memory; `db` (service-role key) reads
 * and writes tables and never holds a user session — supabase-js would otherwise send the last
 * signed-up user's token with every later query. Node 20 needs `ws` as the realtime transport.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { createPooledFetch } from './pooled-fetch.ts';

export interface SupabaseClients {
  auth: SupabaseClient;
  db: SupabaseClient;
  /** Close the connection pool the clients share (a no-op with an injected fetch). */
  close?(): Promise<void>;
}

export function createSupabaseClients(
  url: string,
  anonKey: string,
  serviceRoleKey: string,
  /**
   * A custom fetch (the harness's direct in-process transport); default a keep-alive `node:http`
   * pool (./pooled-fetch.ts), shared by both clients.
   */
  fetch?: typeof globalThis.fetch,
): SupabaseClients {
  const pooled = fetch ? null : createPooledFetch();
  const transport = fetch ?? pooled!.fetch;
  const make = (key: string) =>
    createClient(url, key, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      realtime: { transport: WebSocket as unknown as never },
      global: { fetch: transport },
    });
  return { auth: make(anonKey), db: make(serviceRoleKey), close: async () => pooled?.close() };
}
