/**
 * Request bodies shaped exactly as the official `klaviyo-api` SDK sends them for Dream Flow's calls
 * (JSON:API, snake_case), with a unique email / unique_id per request so that the mock does real work
 * (a new profile, a new event) instead of hitting a dedup short-cut.
 */
import { createRng } from '../../lib/prng.ts';

export const BENCH_API_KEY = 'pk_bench_0000000000000000000000000000';
export const REVISION = '2026-07-15';

export const SDK_HEADERS: Record<string, string> = {
  authorization: `Klaviyo-API-Key ${BENCH_API_KEY}`,
  revision: REVISION,
  accept: 'application/vnd.api+json',
  'content-type': 'application/vnd.api+json',
  'user-agent': 'klaviyo-api-node/23.0.0',
};

const THEMES = ['space', 'dragons', 'ocean', 'forest', 'dinosaurs', 'princesses'];
const MOODS = ['calm', 'happy', 'sleepy', 'anxious', 'excited'];
const EPOCH = Date.UTC(2026, 0, 1);

/** A `Story Generated` event for user `n`, as `KlaviyoService.trackStoryGenerated` sends it. */
export function eventBody(n: number | string, salt = 0, variant = Number(n) || 0): string {
  const rng = createRng(variant * 7919 + salt);
  return JSON.stringify({
    data: {
      type: 'event',
      attributes: {
        properties: {
          theme: rng.pick(THEMES),
          story_length: rng.int(800, 4000),
          generation_time_seconds: Math.round(rng.next() * 8000) / 1000,
          num_scenes: rng.int(3, 8),
          user_mood: rng.pick(MOODS),
        },
        time: new Date(EPOCH + variant * 60_000).toISOString(),
        value: 1,
        unique_id: `evt-${salt}-${n}`,
        metric: { data: { type: 'metric', attributes: { name: 'Story Generated' } } },
        profile: {
          data: {
            type: 'profile',
            attributes: { email: emailOf(n, salt), external_id: `user-${salt}-${n}` },
          },
        },
      },
    },
  });
}

/** A profile upsert (`POST /api/profile-import`) as `createOrUpdateProfile` sends it. */
export function profileImportBody(n: number | string, salt = 0, variant = Number(n) || 0): string {
  const rng = createRng(variant * 104729 + salt);
  return JSON.stringify({
    data: {
      type: 'profile',
      attributes: {
        email: emailOf(n, salt),
        external_id: `user-${salt}-${n}`,
        first_name: rng.pick(['Ada', 'Ben', 'Chloe', 'Dev', 'Elif', 'Finn']),
        properties: {
          subscription_tier: rng.pick(['free', 'premium', 'family']),
          story_preferences: [rng.pick(THEMES), rng.pick(THEMES)],
          total_stories: rng.int(0, 200),
          current_streak: rng.int(0, 30),
          family_mode_enabled: rng.chance(0.3),
          user_id: `user-${salt}-${n}`,
          last_synced_at: new Date(EPOCH + variant * 1000).toISOString(),
        },
      },
    },
  });
}

export function emailOf(n: number | string, salt = 0): string {
  return `parent.${salt}.${n}@bench.dreamflow.test`;
}

/** `GET /api/profiles` with an email filter, the lookup the integration does before a sync. */
export function profilesByEmailPath(n: number, salt = 0): string {
  return `/api/profiles?filter=${encodeURIComponent(`equals(email,"${emailOf(n, salt)}")`)}`;
}

const MARK = '\u0000N\u0000';

/**
 * A cheap per-request body factory for load generation: 64 pre-rendered variants with the unique part
 * spliced in, so that autocannon's `setupRequest` costs a string join rather than a JSON.stringify
 * (on two cores the load generator's CPU is CPU the server does not get).
 */
export function bodyFactory(
  build: (n: number | string, salt: number, variant: number) => string,
  salt: number,
): (n: number) => string {
  const templates = Array.from({ length: 64 }, (_, v) =>
    build(MARK, salt, v).split(JSON.stringify(MARK).slice(1, -1)),
  );
  return (n) => templates[n & 63]!.join(String(n));
}
