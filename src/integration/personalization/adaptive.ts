/**
 * The adaptive story engine (seeds: `adaptive_story_engine.py`): shapes a story from the time of day,
 * the child's mood and the siblings in the family. Inputs come from Supabase (children stay there);
 * the output only steers the generator.
 */

export interface AdaptiveInput {
  /** Clock time, ms. */
  now: number;
  /** Hours east of UTC for the family (default 0). */
  utcOffsetHours?: number;
  mood?: string | null;
  /** Children on the account (count only). */
  siblings?: number;
  ageBand?: string | null;
}

export interface StoryAdaptation {
  timeOfDay: 'morning' | 'afternoon' | 'evening' | 'bedtime' | 'night';
  tone: string;
  /** Sentences per scene: shorter near bedtime and for little ones. */
  sentencesPerScene: number;
  /** A shared adventure when there is more than one child. */
  siblingMode: boolean;
  notes: string[];
}

const MOOD_TONES: Record<string, string> = {
  excited: 'calming, slowly winding down',
  happy: 'warm and playful',
  sad: 'gentle and comforting',
  anxious: 'reassuring and safe',
  scared: 'reassuring and safe',
  tired: 'soft and sleepy',
  calm: 'peaceful',
};

export function adaptStory(input: AdaptiveInput): StoryAdaptation {
  const hour = (((new Date(input.now).getUTCHours() + (input.utcOffsetHours ?? 0)) % 24) + 24) % 24;
  const timeOfDay =
    hour >= 5 && hour < 12
      ? 'morning'
      : hour < 17 && hour >= 12
        ? 'afternoon'
        : hour < 19 && hour >= 17
          ? 'evening'
          : hour < 22 && hour >= 19
            ? 'bedtime'
            : 'night';
  const notes: string[] = [];
  const mood = (input.mood ?? '').toLowerCase();
  let tone = MOOD_TONES[mood] ?? (timeOfDay === 'morning' ? 'bright and curious' : 'cozy');
  let sentences = 2;
  if (timeOfDay === 'bedtime' || timeOfDay === 'night') {
    sentences = 1;
    if (!MOOD_TONES[mood]) tone = 'soft and sleepy';
    notes.push('bedtime: shorter scenes, slower pacing');
  }
  if (input.ageBand && /^(0|1|2|3)/.test(input.ageBand)) {
    sentences = 1;
    notes.push('young listener: simple sentences');
  }
  const siblingMode = (input.siblings ?? 0) > 1;
  if (siblingMode) notes.push('siblings: a shared adventure everyone can follow');
  if (mood && MOOD_TONES[mood]) notes.push(`mood ${mood}: ${MOOD_TONES[mood]}`);
  return { timeOfDay, tone, sentencesPerScene: sentences, siblingMode, notes };
}
