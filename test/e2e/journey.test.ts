/**
 * Issue 5, "done when": a signup, stories, an upgrade, a cancellation and a profile edit through the
 * backend API produce exactly the seeds' events and profile properties in the Klaviyo mock (read back
 * with the official SDK), the Supabase rows match, and no child's name ever reaches Klaviyo.
 * Run twice: in-process (msw + VirtualClock) and over real HTTP.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { httpWorld, inProcessWorld, klaviyoBodies, klaviyoReader, type World } from './world.ts';

const SEED_EVENTS = {
  'Signed Up': ['signup_method'],
  // No user_mood: the mood is the child's, and child data stays in Supabase (issue 17).
  'Story Generated': ['theme', 'story_length', 'generation_time_seconds', 'num_scenes'],
  'Subscription Created': ['subscription_tier', 'previous_tier', 'stripe_subscription_id'],
  'Subscription Cancelled': ['subscription_tier', 'cancellation_reason'],
  'Profile Updated': ['updated_fields'],
} as const;

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function journey(w: World) {
  const api = w.api;
  const email = 'maya.parent@example.com';
  const { user_id, access_token } = await api.signup({
    email,
    password: 'bedtime-123',
    first_name: 'Maya',
    signup_method: 'google',
    children: [
      { name: 'Luna', age_band: '4-6' },
      { name: 'Orion', age_band: '7-9' },
    ],
  });
  expect(user_id).toMatch(/^[0-9a-f-]{36}$/);
  expect(access_token.split('.')).toHaveLength(3);

  const db = w.stack.supabase.db;
  const kids = await db.from('children').select('*').eq('parent_id', user_id).order('name');
  expect(kids.data?.map((c) => c.name)).toEqual(['Luna', 'Orion']);
  const luna = kids.data![0]!;

  const s1 = await api.generateStory({
    user_id,
    theme: 'Ocean Adventure',
    prompt: 'A friendly dolphin',
    num_scenes: 3,
    mood: 'excited',
    child_id: luna.id,
  });
  expect(s1.story_text).toContain('Luna'); // the story may name the child: it stays in Supabase
  const s2 = await api.generateStory({
    user_id,
    theme: 'Space Explorer',
    prompt: 'A rocket to the moon',
    num_scenes: 4,
    mood: 'calm',
  });
  const sub = await api.subscribe({ user_id, tier: 'premium' });
  expect(sub).toMatchObject({ tier: 'premium', previous_tier: 'free' });
  expect(await api.cancelSubscription({ user_id, reason: 'too expensive' })).toEqual({ status: 'cancelled' });
  expect(await api.updateProfile({ user_id, story_preferences: ['Space Explorer', 'Dream Castle'] })).toEqual(
    {
      updated_fields: ['story_preferences'],
    },
  );

  const stats = await w.stack.outbox!.flush(120_000);
  expect(stats).toMatchObject({ pending: 0, deadLettered: 0, balanced: true });
  // Profile syncs queued behind one another fold into the latest (coalesced), the rest are delivered.
  expect(stats.delivered + stats.coalesced).toBe(stats.tracked);

  // ---- Klaviyo, read back with the official SDK ----
  const reader = klaviyoReader(w.klaviyoBaseUrl);
  const profiles = await reader.profileByUserId(user_id);
  expect(profiles).toHaveLength(1);
  const profile = profiles[0]!;
  expect(profile.attributes.email).toBe(email);
  expect(profile.attributes.externalId).toBe(user_id);
  expect(profile.attributes.firstName).toBe('Maya');
  const props = profile.attributes.properties as Record<string, unknown>;
  expect(Object.keys(props).sort()).toEqual(
    [
      'current_streak',
      'family_mode_enabled',
      'last_synced_at',
      'story_preferences',
      'subscription_tier',
      'total_stories',
      'user_id',
    ].sort(),
  );
  expect(props).toMatchObject({
    subscription_tier: 'free',
    story_preferences: ['Space Explorer', 'Dream Castle'],
    total_stories: 2,
    current_streak: 1,
    family_mode_enabled: true,
    user_id,
  });
  expect(Date.parse(String(props.last_synced_at))).not.toBeNaN();

  const events = await reader.eventsOf(profile.id!);
  // Klaviyo adds its own `$…` keys (e.g. `$event_id` = our unique_id); compare ours.
  const own = (p: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(p).filter(([k]) => !k.startsWith('$')));
  const byMetric = (m: string) =>
    events.filter((e) => e.metric === m).map((e) => ({ ...e, properties: own(e.properties) }));
  expect(events.map((e) => e.metric).sort()).toEqual(
    [
      'Signed Up',
      'Story Generated',
      'Story Generated',
      'Subscription Created',
      'Subscription Cancelled',
      'Profile Updated',
    ].sort(),
  );
  for (const e of events) {
    const expected = SEED_EVENTS[e.metric as keyof typeof SEED_EVENTS];
    // Klaviyo may add its own `$…` keys; ours are exactly the seeds'.
    expect(
      Object.keys(e.properties)
        .filter((k) => !k.startsWith('$'))
        .sort(),
    ).toEqual([...expected].sort());
  }
  expect(byMetric('Signed Up')[0]!.properties.signup_method).toBe('google');
  const stories = byMetric('Story Generated')
    .map((e) => e.properties)
    .sort((a, b) => String(a.theme).localeCompare(String(b.theme)));
  expect(stories[0]).toMatchObject({
    theme: 'Ocean Adventure',
    num_scenes: 3,
    story_length: s1.story_text.length,
  });
  expect(stories[1]).toMatchObject({
    theme: 'Space Explorer',
    num_scenes: 4,
    story_length: s2.story_text.length,
  });
  expect(stories[0]!.generation_time_seconds).toBe(s1.generation_time_ms / 1000);

  // ---- Supabase rows ----
  const row = (await db.from('profiles').select('*').eq('id', user_id).single()).data!;
  expect(row).toMatchObject({
    email,
    first_name: 'Maya',
    subscription_tier: 'free',
    story_preferences: ['Space Explorer', 'Dream Castle'],
    total_stories: 2,
    current_streak: 1,
    family_mode_enabled: true,
  });
  const storyRows = (await db.from('stories').select('*').eq('user_id', user_id).order('theme')).data!;
  expect(storyRows.map((r) => [r.id, r.theme, r.num_scenes, r.user_mood, r.child_id])).toEqual([
    [s1.story_id, 'Ocean Adventure', 3, 'excited', luna.id],
    [s2.story_id, 'Space Explorer', 4, 'calm', null],
  ]);
  const subs = (await db.from('subscriptions').select('*').eq('user_id', user_id)).data!;
  expect(subs).toHaveLength(1);
  expect(subs[0]).toMatchObject({
    id: sub.subscription_id,
    tier: 'premium',
    previous_tier: 'free',
    status: 'cancelled',
    cancellation_reason: 'too expensive',
  });
  const created = byMetric('Subscription Created')[0]!.properties;
  expect(created).toEqual({
    subscription_tier: 'premium',
    previous_tier: 'free',
    stripe_subscription_id: subs[0]!.stripe_subscription_id,
  });
  expect(byMetric('Subscription Cancelled')[0]!.properties).toEqual({
    subscription_tier: 'premium',
    cancellation_reason: 'too expensive',
  });

  // ---- privacy: no child name or age band in anything sent to Klaviyo ----
  const bodies = klaviyoBodies(w.klaviyo).join('\n');
  expect(bodies).toContain(user_id);
  // Age bands as JSON strings: a bare `7-9` also occurs inside random uuids (`…-4a97-9b…`).
  for (const secret of ['Luna', 'Orion', '"4-6"', '"7-9"', 'age_band']) expect(bodies).not.toContain(secret);
  return { user_id };
}

describe('Dream Flow journey → Klaviyo mock', () => {
  it('in-process (msw, virtual clock)', async () => {
    world = await inProcessWorld();
    const { user_id } = await journey(world);
    // The seeds' sync_full_profile_from_supabase: reads the row with supabase-js, upserts it.
    expect(await world.stack.klaviyo.syncFullProfileFromSupabase(user_id)).toBe(true);
    expect(
      await world.stack.klaviyo.syncFullProfileFromSupabase('00000000-0000-4000-8000-000000000000'),
    ).toBe(false);
    await world.stack.outbox!.flush(60_000);
    expect(await world.stack.klaviyo.getProfileMetrics(user_id)).toMatchObject({
      total_stories: 2,
      subscription_tier: 'free',
    });
    const snap = world.stack.instrumentation.snapshot();
    expect(snap.totals.failures).toBe(0);
    // Every write went through the outbox; only the explicit metrics read was direct.
    expect(snap.calls.filter((c) => c.via === 'direct').map((c) => c.operation)).toEqual(['get_profiles']);
  });

  it('over HTTP (Express servers on 127.0.0.1)', async () => {
    world = await httpWorld();
    await journey(world);
  });
});
