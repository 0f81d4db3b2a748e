import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../lib/clock.ts';
import { createRng } from '../../../lib/prng.ts';
import { startTestbed, TESTBED_KEY } from '../../../test/systems/testbed.ts';
import { Cache } from '../cache.ts';
import { KlaviyoService } from '../klaviyo/service.ts';
import { planFamilyBedtime } from './family-plan.ts';

const at = (h: number) => Date.UTC(2026, 0, 5, h);

describe('family bedtime plan', () => {
  it('coordinates siblings in family mode, paces for the youngest and picks a calm favourite at bedtime', () => {
    const profile = { family_mode_enabled: true, story_preferences: ['Space Explorer', 'Ocean Adventure'] };
    const kids = [{ age_band: '6-8' }, { age_band: '0-2' }];
    const bedtime = planFamilyBedtime(profile, kids, { now: at(20) });
    expect(bedtime).toMatchObject({ shared: true, listeners: ['0-2'], theme: 'Ocean Adventure' });
    expect(bedtime.adaptation).toMatchObject({
      timeOfDay: 'bedtime',
      siblingMode: true,
      sentencesPerScene: 1,
    });
    const afternoon = planFamilyBedtime(profile, kids, { now: at(15) });
    expect(afternoon.theme).toBe('Space Explorer');
    // Without family mode: one story each, youngest first; the time zone moves "bedtime".
    const apart = planFamilyBedtime({ ...profile, family_mode_enabled: false }, kids, {
      now: at(15),
      utcOffsetHours: 5,
    });
    expect(apart).toMatchObject({ shared: false, listeners: ['0-2', '6-8'], theme: 'Ocean Adventure' });
    expect(planFamilyBedtime(null, [], { now: at(21) }).theme).toBe('Dream Castle');
  });

  it('reads the profile from the cache: a second plan costs no Klaviyo call (official SDK, mock over HTTP)', async () => {
    const clock = new VirtualClock(at(19));
    const bed = await startTestbed(clock, 8);
    try {
      await bed.sdk.profiles.createProfile({
        data: {
          type: 'profile',
          attributes: {
            email: 'fam@example.com',
            externalId: 'u1',
            properties: { family_mode_enabled: true, story_preferences: ['Dream Castle'] },
          },
        },
      } as never);
      const klaviyo = new KlaviyoService({
        apiKey: TESTBED_KEY,
        baseUrl: bed.klaviyoUrl,
        clock,
        rng: createRng(1),
        cache: new Cache({ clock }),
        logger: { warn: () => {} },
      });
      const reads = () =>
        bed.klaviyo.service.journal
          .list()
          .filter((e) => e.method === 'GET' && e.path.startsWith('/api/profiles')).length;
      const kids = [{ age_band: '3-5' }, { age_band: '3-5' }];
      const first = planFamilyBedtime(await klaviyo.getProfileMetrics('u1'), kids, { now: clock.now() });
      const second = planFamilyBedtime(await klaviyo.getProfileMetrics('u1'), kids, { now: clock.now() });
      expect(first).toEqual(second);
      expect(first).toMatchObject({ shared: true, theme: 'Dream Castle' });
      expect(reads()).toBe(1);
    } finally {
      await bed.close();
    }
  });
});
