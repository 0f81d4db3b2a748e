import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../lib/clock.ts';
import { createRng } from '../../../lib/prng.ts';
import { startTestbed, type Testbed } from '../../../test/systems/testbed.ts';
import { EMAIL_METRIC_NAMES } from '../../harness/systems/mock-reader.ts';
import { INSIGHTS_CAMPAIGN_PREFIX, runParentInsights } from './parent-insights.ts';
import { weeklyWellness } from './wellness.ts';

const at = (day: number, hh: number, mm = 0) => Date.UTC(2026, 0, 5 + day, hh, mm);

describe('wellness formula', () => {
  it('rewards nights read, a regular bedtime and the streak', () => {
    const regular = weeklyWellness(
      [0, 1, 2, 3, 4, 5, 6].map((d) => at(d, 19, 30)),
      7,
    );
    expect(regular).toMatchObject({
      nights: 7,
      regularity: 1,
      bedtimeSpreadMinutes: 0,
      streak: 7,
      score: 100,
    });
    // Around midnight: 23:30 and 00:30 are an hour apart, not 23 hours.
    const late = weeklyWellness([at(0, 23, 30), at(2, 0, 30)], 0);
    expect(late.bedtimeSpreadMinutes).toBe(30);
    expect(late).toMatchObject({
      nights: 2,
      regularity: 0.5,
      score: Math.round(100 * (0.4 * (2 / 7) + 0.3 * 0.5)),
    });
    expect(weeklyWellness([], 0)).toMatchObject({ nights: 0, regularity: null, score: 0 });
    // Two stories the same night count one night, the first one's time.
    expect(weeklyWellness([at(1, 19), at(1, 21)], 1)).toMatchObject({
      stories: 2,
      nights: 1,
      regularity: null,
    });
  });
});

describe('parent insights job', () => {
  const clock = new VirtualClock(at(7, 9));
  let bed: Testbed;
  beforeAll(async () => {
    bed = await startTestbed(clock, 9);
  });
  afterAll(() => bed.close());

  it('sends opted-in parents their week, rendered by Klaviyo, with no child data', async () => {
    const { data: parents, error } = await bed.db
      .from('profiles')
      .insert([
        {
          email: 'in@example.com',
          first_name: 'Ana',
          insights_opt_in: true,
          current_streak: 3,
          last_story_at: new Date(at(6, 19)).toISOString(),
        },
        {
          email: 'out@example.com',
          first_name: 'Bo',
          insights_opt_in: false,
          current_streak: 0,
          last_story_at: null,
        },
      ])
      .select('id, email');
    expect(error).toBeNull();
    const ana = parents!.find((p) => p.email === 'in@example.com')!.id;
    await bed.db.from('children').insert({ parent_id: ana, name: 'Zephyrine', age_band: '3-5' });
    await bed.db.from('stories').insert(
      [4, 5, 6].map((d) => ({
        user_id: ana,
        theme: 'Ocean Adventure',
        user_mood: 'anxious',
        created_at: new Date(at(d, 19, 30)).toISOString(),
      })),
    );
    const result = await runParentInsights({ db: bed.db, marketing: bed.marketing(createRng(3)) });
    expect(result.families.map((f) => f.email)).toEqual(['in@example.com']);
    expect(result.families[0]).toMatchObject({
      nights: 3,
      stories: 3,
      regularity: 1,
      favouriteTheme: 'Ocean Adventure',
    });
    expect(result.preview?.html).toContain(`Wellness score: <b>${result.families[0]!.score}</b>`);
    expect(result.preview?.html).toContain('Ana');

    clock.advance(2 * 60_000);
    expect(bed.emailsReceived(EMAIL_METRIC_NAMES.received, INSIGHTS_CAMPAIGN_PREFIX)).toEqual([
      'in@example.com',
    ]);
    const profile = await bed.sdk.profiles.getProfiles({ filter: 'equals(email,"in@example.com")' });
    expect(profile.body.data[0]!.attributes.properties).toMatchObject({
      wellness_score: result.families[0]!.score,
      wellness_nights: 3,
    });
    // Nothing the job sent to Klaviyo names the child, her age band or the mood.
    const bodies = bed.klaviyo.service.journal.list().map((e) => e.requestBody ?? '');
    expect(bodies.length).toBeGreaterThan(0);
    // Ids are masked first: a random user id such as 68ded5f3-5fcd-… holds "3-5" about once in a
    // hundred runs.
    const noIds = (text = '') => text.replace(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/g, '<id>');
    for (const b of bodies) expect(noIds(b)).not.toMatch(/Zephyrine|3-5|anxious/);
    expect(noIds(result.preview?.html)).not.toMatch(/Zephyrine|3-5|anxious/);
  });
});
