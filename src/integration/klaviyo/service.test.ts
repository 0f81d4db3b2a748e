import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../lib/clock.ts';
import { createRng } from '../../../lib/prng.ts';
import type { KlaviyoJob } from './events.ts';
import { EVENT_NAMES, stripChildData } from './events.ts';
import { KlaviyoService } from './service.ts';

describe('KlaviyoService', () => {
  it('without a key: every call returns false and logs exactly one warning', async () => {
    const warnings: string[] = [];
    const svc = new KlaviyoService({
      apiKey: '',
      clock: new VirtualClock(),
      rng: createRng(1),
      logger: { warn: (m) => warnings.push(m) },
    });
    expect(svc.enabled).toBe(false);
    expect(await svc.trackSignedUp('u1', 'email', 'a@example.com')).toBe(false);
    expect(await svc.trackProfileUpdated('u1', ['first_name'])).toBe(false);
    expect(await svc.createOrUpdateProfile({ userId: 'u1', email: 'a@example.com' })).toBe(false);
    expect(await svc.syncFullProfileFromSupabase('u1')).toBe(false);
    expect(await svc.getProfileMetrics('u1')).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/KLAVIYO_API_KEY/);
  });

  it('builds the seeds’ payloads with deterministic unique ids and strips child data', async () => {
    const jobs: KlaviyoJob[] = [];
    const clock = new VirtualClock();
    const svc = new KlaviyoService({ apiKey: 'pk_x', clock, rng: createRng(1), logger: { warn: () => {} } });
    svc.useSink({ enqueue: (j) => jobs.push(j) });
    await svc.trackStoryGenerated({
      userId: 'u1',
      email: 'a@example.com',
      storyId: 's1',
      theme: 'Ocean Adventure',
      storyLength: 850,
      generationTimeSeconds: 2.3,
      numScenes: 4,
      userMood: 'excited',
    });
    await svc.trackStoryGenerated({
      userId: 'u1',
      email: 'a@example.com',
      storyId: 's1',
      theme: 'Ocean Adventure',
      storyLength: 850,
      generationTimeSeconds: 2.3,
      numScenes: 4,
      userMood: 'excited',
    });
    await svc.trackEvent('Profile Updated', 'u1', {
      updated_fields: ['x'],
      child_name: 'Luna',
      children: ['Luna'],
      children_count: 1,
    });
    await svc.createOrUpdateProfile({
      userId: 'u1',
      email: 'a@example.com',
      subscriptionTier: 'premium',
      familyModeEnabled: true,
    });
    const [a, b, c, p] = jobs as [KlaviyoJob, KlaviyoJob, KlaviyoJob, KlaviyoJob];
    expect(a).toMatchObject({
      kind: 'event',
      name: 'Story Generated',
      properties: {
        theme: 'Ocean Adventure',
        story_length: 850,
        generation_time_seconds: 2.3,
        num_scenes: 4,
      },
    });
    // The mood is the child's: it stays in Supabase.
    expect(a.kind === 'event' && 'user_mood' in a.properties).toBe(false);
    expect(a.kind === 'event' && b.kind === 'event' && a.uniqueId === b.uniqueId).toBe(true);
    expect(c.properties).toEqual({ updated_fields: ['x'], children_count: 1 });
    expect(p).toMatchObject({
      kind: 'profile',
      userId: 'u1',
      email: 'a@example.com',
      properties: {
        subscription_tier: 'premium',
        family_mode_enabled: true,
        user_id: 'u1',
        last_synced_at: new Date(clock.now()).toISOString(),
      },
    });
    expect(Object.keys(p.properties)).not.toContain('total_stories'); // only given fields are sent
  });

  it('names the seeds’ five events, and Story Completed (adaptive stories)', () => {
    expect(EVENT_NAMES).toEqual([
      'Signed Up',
      'Story Generated',
      'Subscription Created',
      'Subscription Cancelled',
      'Profile Updated',
      'Story Completed',
    ]);
    expect(
      stripChildData({ age_band: '4-6', child_age: 5, kid_names: ['a'], family_mode_enabled: true })
        .properties,
    ).toEqual({ family_mode_enabled: true });
  });
});
