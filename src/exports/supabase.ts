/**
 * `dreamflow-sim/supabase`: the SQLite-backed fake Supabase (PostgREST + GoTrue subsets) as a library,
 * over msw, as an Express app, or listening; `supabaseKeys()` gives the anon and service-role keys.
 */
import type { Express } from 'express';
import { createExpressApp } from '../../mocks/shared/express-adapter.ts';
import type { MockService } from '../../mocks/shared/service.ts';
import { createSupabaseMock, type SupabaseMockOptions } from '../../mocks/supabase/index.ts';

export {
  createSupabaseMock,
  DEFAULT_JWT_SECRET,
  DEFAULT_SUPABASE_BASE_URLS,
  DEFAULT_SUPABASE_PORT,
  DEMO_PASSWORD,
  SupabaseCore,
  type SupabaseKeys,
  type SupabaseMockOptions,
  seedDemoFamilies,
  startSupabaseServer,
  supabaseHandlers,
  supabaseKeys,
} from '../../mocks/supabase/index.ts';

/** The fake Supabase as an Express app, for mounting under your own server. */
export function createSupabaseApp(opts: SupabaseMockOptions & { service?: MockService } = {}): Express {
  return createExpressApp(opts.service ?? createSupabaseMock(opts));
}
