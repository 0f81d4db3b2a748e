import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../lib/clock.ts';
import { createRng } from '../../../lib/prng.ts';
import { Cache } from '../cache.ts';
import { KlaviyoService } from '../klaviyo/service.ts';
import { abArm, planStory, type StoryPlanRequest } from './story-plan.ts';

const at = (h: number) => Date.UTC(2026, 0, 5, h);
const family: StoryPlanRequest = {
  userId: '6f1c2a9e-1b7d-4c3e-9a53-1d2e3f4a5b6c',
  now: at(20),
  mood: 'sleepy',
  theme: 'Dinosaurs',
  children: [
    { name: 'Ada', age_band: '6-8' },
    { name: 'Ben', age_band: '0-2' },
  ],
};
const profile = { family_mode_enabled: true, story_preferences: ['Dinosaurs', 'Ocean Adventure'] };
const source = (p: typeof profile | null) => ({ getProfileMetrics: async () => p });

describe('story plan on the app’s story path', () => {
  it('plans a shared, short-paced, calm bedtime story from the cached profile', async () => {
    const plan = await planStory({ mode: 'on', salt: '' }, source(profile), family);
    expect(plan).toMatchObject({ arm: null, adaptive: true, fallback: null, shared: true });
    expect(plan.theme).toBe('Ocean Adventure'); // the calm favourite wins at bedtime
    expect(plan.adaptation).toMatchObject({ timeOfDay: 'bedtime', sentencesPerScene: 1, siblingMode: true });
    expect(plan.childName).toBe('Ada and Ben');
    // In the afternoon the family's choice stands.
    const day = await planStory({ mode: 'on', salt: '' }, source(profile), { ...family, now: at(15) });
    expect(day.theme).toBe('Dinosaurs');
  });

  it('tells the plain story when off, and in the plain arm of the A/B', async () => {
    const off = await planStory({ mode: 'off', salt: '' }, source(profile), family);
    expect(off).toMatchObject({ arm: null, adaptive: false, shared: false, theme: 'Dinosaurs' });
    const salt = 'ab:7';
    const ids = Array.from(
      { length: 40 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    const arms = ids.map((id) => abArm(id, salt));
    expect(arms.map((_, i) => abArm(ids[i]!, salt))).toEqual(arms); // a family stays in its arm
    expect(arms).toContain('adaptive');
    expect(arms).toContain('plain');
    expect(ids.map((id) => abArm(id, 'ab:8'))).not.toEqual(arms); // another seed, another split
    const plainId = ids[arms.indexOf('plain')]!;
    const plain = await planStory({ mode: 'ab', salt }, source(profile), { ...family, userId: plainId });
    expect(plain).toMatchObject({ arm: 'plain', adaptive: false, fallback: null, shared: false });
  });

  it('falls back to the plain story on a cache miss Klaviyo cannot fill, or a failing read', async () => {
    expect(await planStory({ mode: 'on', salt: '' }, source(null), family)).toMatchObject({
      adaptive: false,
      fallback: 'no_profile',
      theme: 'Dinosaurs',
    });
    const throwing = { getProfileMetrics: () => Promise.reject(new Error('boom')) };
    expect((await planStory({ mode: 'on', salt: '' }, throwing, family)).fallback).toBe('no_profile');
  });

  it('falls back when Klaviyo is down (official SDK, nothing listening)', async () => {
    const klaviyo = new KlaviyoService({
      apiKey: 'pk_story_plan_test_000000000000',
      baseUrl: 'http://127.0.0.1:9', // discard port: connection refused
      clock: systemClock,
      rng: createRng(1),
      cache: new Cache({ clock: systemClock }),
      readRetryPolicy: {
        maxAttempts: 1,
        initialDelayMs: 0,
        multiplier: 1,
        jitterRatio: 0,
        maxDelayMs: 0,
        maxRetryAfterMs: 0,
      },
      logger: { warn: () => {} },
    });
    const plan = await planStory({ mode: 'on', salt: '' }, klaviyo, family);
    expect(plan).toMatchObject({ adaptive: false, fallback: 'no_profile', shared: false });
  });
});
