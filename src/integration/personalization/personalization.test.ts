import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../lib/clock.ts';
import { createRng } from '../../../lib/prng.ts';
import { StoryGenerator } from '../story-generator.ts';
import { adaptStory } from './adaptive.ts';
import { scoreChurnRisk } from './churn.ts';
import { segmentsFor } from './segments.ts';
import { recommendSimilarThemes } from './themes.ts';

describe('segments (seeds’ rules)', () => {
  it('places profiles in High Engagement, Upgrade Candidates, Churn Risk, Family Accounts', () => {
    expect(segmentsFor({ total_stories: 21, current_streak: 6, subscription_tier: 'premium' })).toEqual([
      'High Engagement',
    ]);
    expect(segmentsFor({ total_stories: 20, current_streak: 6, subscription_tier: 'premium' })).toEqual([]);
    expect(segmentsFor({ total_stories: 11, current_streak: 1, subscription_tier: 'free' })).toEqual([
      'Upgrade Candidates',
    ]);
    expect(
      segmentsFor({
        total_stories: 6,
        current_streak: 0,
        subscription_tier: 'family',
        family_mode_enabled: true,
      }),
    ).toEqual(['Churn Risk', 'Family Accounts']);
  });
});

describe('churn risk', () => {
  const now = Date.UTC(2026, 0, 20);
  it('rises with inactivity and a broken streak', () => {
    const active = scoreChurnRisk(
      {
        total_stories: 30,
        current_streak: 8,
        last_story_at: new Date(now - 3_600_000).toISOString(),
        subscription_tier: 'premium',
      },
      now,
    );
    const lapsed = scoreChurnRisk(
      { total_stories: 6, current_streak: 0, last_story_at: new Date(now - 15 * 86_400_000).toISOString() },
      now,
    );
    expect(active.level).toBe('low');
    expect(lapsed.level).toBe('high');
    expect(lapsed.reasons).toContain('streak broken');
    expect(lapsed.score).toBeGreaterThan(active.score);
  });
});

describe('adaptive story engine', () => {
  it('adapts to bedtime, mood and siblings', () => {
    const bedtime = adaptStory({ now: Date.UTC(2026, 0, 1, 20), mood: 'excited', siblings: 2 });
    expect(bedtime).toMatchObject({
      timeOfDay: 'bedtime',
      sentencesPerScene: 1,
      siblingMode: true,
      tone: 'calming, slowly winding down',
    });
    const morning = adaptStory({ now: Date.UTC(2026, 0, 1, 8), siblings: 1 });
    expect(morning).toMatchObject({ timeOfDay: 'morning', siblingMode: false, sentencesPerScene: 2 });
  });
});

describe('recommendations fallback and story generator', () => {
  it('recommends the favourite first, then similar themes', () => {
    expect(recommendSimilarThemes(['Ocean Adventure'])).toEqual([
      'Ocean Adventure',
      'Pirate Cove',
      'Arctic Friends',
    ]);
    expect(recommendSimilarThemes([])).toHaveLength(3);
  });

  it('generates the same story for the same input, sleeping its latency on the clock', async () => {
    const clock = new VirtualClock();
    const gen = new StoryGenerator(clock, createRng(7), { baseMs: 1000, perSceneMs: 500, jitterRatio: 0 });
    const req = { theme: 'Space Explorer', prompt: 'A rocket', numScenes: 3, mood: 'calm', childName: 'Io' };
    const a = await gen.generate(req);
    const b = await gen.generate(req);
    expect(a.text).toBe(b.text);
    expect(a.scenes).toHaveLength(4);
    expect(a.text).toContain('Io');
    expect(a.generationTimeMs).toBe(2500);
  });
});
