import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../lib/clock.ts';
import { createRng } from '../../../lib/prng.ts';
import { startTestbed, type Testbed } from '../../../test/systems/testbed.ts';
import { EMAIL_METRIC_NAMES } from '../../harness/systems/mock-reader.ts';
import { CHURN_SEGMENT, runChurnWinback, streakAsOf } from './churn-winback.ts';

const DAY = 86_400_000;

describe('churn and win-back job', () => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 20, 12));
  let bed: Testbed;
  beforeAll(async () => {
    bed = await startTestbed(clock, 5);
  });
  afterAll(() => bed.close());

  it('scores families from Supabase, segments the risky ones in Klaviyo and sends them the win-back', async () => {
    const now = clock.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const { error } = await bed.db.from('profiles').insert([
      {
        email: 'active@example.com',
        total_stories: 30,
        current_streak: 8,
        last_story_at: iso(now - 3_600_000),
      },
      {
        email: 'lapsed@example.com',
        total_stories: 6,
        current_streak: 4,
        last_story_at: iso(now - 15 * DAY),
      },
      { email: 'never@example.com', total_stories: 0, current_streak: 0, last_story_at: null },
    ]);
    expect(error).toBeNull();
    const result = await runChurnWinback({ db: bed.db, marketing: bed.marketing(createRng(1)) });
    const byEmail = Object.fromEntries(result.scored.map((s) => [s.email, s]));
    expect(byEmail['active@example.com']).toMatchObject({ atRisk: false, streakNow: 8 });
    expect(byEmail['lapsed@example.com']).toMatchObject({ atRisk: true, streakNow: 0 });
    expect(result.atRisk).toBe(2);
    expect(result.campaignId).not.toBeNull();

    // Klaviyo's side, read back through the SDK: the segment holds exactly the risky families.
    const seg = await bed.sdk.segments.getProfilesForSegment(result.segmentId);
    expect(seg.body.data.map((p) => p.attributes.email).sort()).toEqual([
      'lapsed@example.com',
      'never@example.com',
    ]);
    const segments = await bed.sdk.segments.getSegments({ filter: `equals(name,"${CHURN_SEGMENT}")` });
    expect(segments.body.data).toHaveLength(1);

    // The campaign sends on the clock: every risky family receives the win-back email.
    clock.advance(2 * 60_000);
    const received = bed.emailsReceived(EMAIL_METRIC_NAMES.received);
    expect(received.sort()).toEqual(['lapsed@example.com', 'never@example.com']);

    // A second run reuses the segment and template.
    const again = await runChurnWinback({ db: bed.db, marketing: bed.marketing(createRng(2)), send: false });
    expect(again.segmentId).toBe(result.segmentId);
  });

  it('breaks a streak whose last story is older than yesterday', () => {
    const now = Date.UTC(2026, 0, 20, 12);
    expect(streakAsOf(new Date(now - DAY).toISOString(), 5, now)).toBe(5);
    expect(streakAsOf(new Date(now - 2 * DAY).toISOString(), 5, now)).toBe(0);
    expect(streakAsOf(null, 5, now)).toBe(0);
  });
});
