/**
 * Public entry points of the fake Supabase (see docs/supabase.md):
 * - `createSupabaseMock(opts)` → MockService (the core behind the shared pipeline)
 * - `supabaseHandlers(opts)` → msw handlers for in-process use (default bases http://127.0.0.1:54321 and http://supabase.local)
 * - `startSupabaseServer(opts)` → a real HTTP server (Express) on 127.0.0.1
 * - `supabaseKeys(jwtSecret?)` → the anon and service-role keys, identical to the Supabase CLI's
 */
import type { HttpHandler } from 'msw';
import type { Clock } from '../../lib/clock.ts';
import { createExpressApp } from '../shared/express-adapter.ts';
import type { RunningServer } from '../shared/listen.ts';
import { serveMock } from '../shared/listen.ts';
import { createMswHandlers } from '../shared/msw-adapter.ts';
import type { FaultInjector, MockService } from '../shared/service.ts';
import { createMockService } from '../shared/service.ts';
import { SupabaseCore } from './core.ts';

export { SupabaseCore } from './core.ts';
export { DEFAULT_JWT_SECRET } from './jwt.ts';
export { type SupabaseKeys, supabaseKeys } from './keys.ts';

export const DEFAULT_SUPABASE_PORT = 54321;
export const DEFAULT_SUPABASE_BASE_URLS = ['http://127.0.0.1:54321', 'http://supabase.local'];

export interface SupabaseMockOptions {
  /** SQLite file (WAL, survives restarts); default in-memory. */
  dbFile?: string;
  clock?: Clock;
  faults?: FaultInjector;
  /** Default: the Supabase CLI's local secret, so keys are stable across runs and machines. */
  jwtSecret?: string;
  journalSize?: number;
  /** Access-token lifetime in seconds (default 3600). */
  jwtExpiry?: number;
  /** uuid generator for row and user ids (default crypto.randomUUID). */
  newId?: () => string;
  /** Enforce the migrations' Row Level Security policies (default true; see docs/supabase.md). */
  rls?: boolean;
  /** Migrations directory (default the fake's own); for trying other schemas and policies. */
  migrationsDir?: string;
}

export function createSupabaseMock(opts: SupabaseMockOptions = {}): MockService {
  const core = new SupabaseCore(opts);
  return createMockService(core, { clock: core.clock, faults: opts.faults, journalSize: opts.journalSize });
}

/** msw handlers for in-process interception (`setupServer(...supabaseHandlers())`). */
export function supabaseHandlers(
  opts: SupabaseMockOptions & { baseUrls?: string[]; service?: MockService } = {},
): HttpHandler[] {
  const service = opts.service ?? createSupabaseMock(opts);
  return createMswHandlers(service, opts.baseUrls ?? DEFAULT_SUPABASE_BASE_URLS);
}

export async function startSupabaseServer(
  opts: SupabaseMockOptions & {
    port?: number;
    host?: string;
    announce?: boolean;
    service?: MockService;
    /** Admin API token beyond loopback (see `serveMock`). */
    adminToken?: string;
  } = {},
): Promise<RunningServer & { service: MockService }> {
  const service = opts.service ?? createSupabaseMock(opts);
  return serveMock(service, createExpressApp, {
    port: opts.port ?? DEFAULT_SUPABASE_PORT,
    host: opts.host,
    announce: opts.announce,
    adminToken: opts.adminToken,
    ownsService: !opts.service,
  });
}

export { DEMO_PASSWORD, type SeedCounts, type SeedOptions, seedDemoFamilies } from './seed.ts';
