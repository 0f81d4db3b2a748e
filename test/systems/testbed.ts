/**
 * A Klaviyo mock and a fake Supabase over real HTTP (127.0.0.1, port 0) on one virtual clock, with the
 * official SDKs pointed at them: what the systems jobs' tests drive.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import {
  ApiKeySession,
  CatalogsApi,
  ProfilesApi,
  RetryWithExponentialBackoff,
  SegmentsApi,
} from 'klaviyo-api';
import type { VirtualClock } from '../../lib/clock.ts';
import type { Rng } from '../../lib/prng.ts';
import { startKlaviyoServer } from '../../mocks/klaviyo/index.ts';
import { startSupabaseServer, supabaseKeys } from '../../mocks/supabase/index.ts';
import { emailRecipients } from '../../src/harness/systems/mock-reader.ts';
import { KlaviyoMarketing } from '../../src/integration/klaviyo/marketing.ts';
import { createSupabaseClients } from '../../src/integration/supabase.ts';

export const TESTBED_KEY = 'pk_systems_testbed_000000000000';

export interface Testbed {
  db: SupabaseClient;
  klaviyoUrl: string;
  supabaseUrl: string;
  anonKey: string;
  serviceKey: string;
  klaviyo: Awaited<ReturnType<typeof startKlaviyoServer>>;
  marketing(rng: Rng): KlaviyoMarketing;
  sdk: { segments: SegmentsApi; profiles: ProfilesApi; catalogs: CatalogsApi };
  emailsReceived(metric: string, campaignPrefix?: string): string[];
  close(): Promise<void>;
}

export async function startTestbed(clock: VirtualClock, seed = 1): Promise<Testbed> {
  const klaviyo = await startKlaviyoServer({ port: 0, clock, seed, rateLimits: false });
  const supabase = await startSupabaseServer({ port: 0, clock });
  const keys = supabaseKeys();
  const clients = createSupabaseClients(supabase.url, keys.anon_key, keys.service_role_key);
  const session = new ApiKeySession(TESTBED_KEY, new RetryWithExponentialBackoff({ numRetries: 0 }));
  const sdk = {
    segments: new SegmentsApi(session),
    profiles: new ProfilesApi(session),
    catalogs: new CatalogsApi(session),
  };
  for (const api of Object.values(sdk)) api.basePath = klaviyo.url;
  return {
    db: clients.db,
    klaviyoUrl: klaviyo.url,
    supabaseUrl: supabase.url,
    anonKey: keys.anon_key,
    serviceKey: keys.service_role_key,
    klaviyo,
    marketing: (rng) => new KlaviyoMarketing({ apiKey: TESTBED_KEY, baseUrl: klaviyo.url, clock, rng }),
    sdk,
    emailsReceived: (metric, prefix) => emailRecipients(klaviyo.service, metric, prefix),
    close: async () => {
      await Promise.all([klaviyo.close(), supabase.close()]);
    },
  };
}
