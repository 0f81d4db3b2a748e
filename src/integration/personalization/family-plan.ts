/**
 * Sibling coordination and time of day for a family's bedtime (seeds: `adaptive_story_engine.py`,
 * "Time-of-day awareness", "Sibling coordination for families"), from the cached Klaviyo profile
 * (`KlaviyoService.getProfileMetrics`, served by the cache after the first read) and the children's
 * age bands, which the caller reads from Supabase (they never leave it).
 *
 * - One shared story when the profile says family mode and there is more than one child; else one
 *   story per child, youngest first (they fall asleep first).
 * - Pacing follows the youngest listener (adaptStory with the youngest age band).
 * - Theme: the family's favourite, except near bedtime / at night, when the first calm favourite
 *   (BEDTIME_THEMES) wins, or a calm theme if no favourite is calm.
 * The app's story path applies it through story-plan.ts (adaptive mode `on`, or the adaptive arm of
 * `ab`); scenarios/adaptive-stories.yaml measures it against the personas' modelled preferences.
 */
import { type AdaptiveInput, adaptStory, type StoryAdaptation } from './adaptive.ts';
import { BEDTIME_THEMES, DAYTIME_THEMES } from './themes.ts';

export interface CachedProfile {
  story_preferences?: string[];
  family_mode_enabled?: boolean;
}

export interface FamilyPlan {
  shared: boolean;
  /** Age bands in reading order (youngest first); one entry when the story is shared. */
  listeners: (string | null)[];
  theme: string;
  adaptation: StoryAdaptation;
}

const AGE_ORDER = ['0-2', '3-5', '6-8', '9-12'];
const ageRank = (band: string | null) => {
  const i = band ? AGE_ORDER.indexOf(band) : -1;
  return i < 0 ? AGE_ORDER.length : i;
};

export function planFamilyBedtime(
  profile: CachedProfile | null,
  children: readonly { age_band: string | null }[],
  at: Pick<AdaptiveInput, 'now' | 'utcOffsetHours' | 'mood'>,
): FamilyPlan {
  const bands = children.map((c) => c.age_band).sort((a, b) => ageRank(a) - ageRank(b));
  const youngest = bands[0] ?? null;
  const shared = Boolean(profile?.family_mode_enabled) && children.length > 1;
  const adaptation = adaptStory({ ...at, siblings: shared ? children.length : 1, ageBand: youngest });
  const favourites = profile?.story_preferences ?? [];
  const late = adaptation.timeOfDay === 'bedtime' || adaptation.timeOfDay === 'night';
  const theme = late
    ? (favourites.find((t) => BEDTIME_THEMES.includes(t)) ?? BEDTIME_THEMES[0]!)
    : (favourites[0] ?? DAYTIME_THEMES[0]!);
  return { shared, listeners: shared ? [youngest] : bands, theme, adaptation };
}
