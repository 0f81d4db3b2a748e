/** The story-theme catalogue and the seeds' `recommend_similar_themes`. */

export const THEMES = [
  'Ocean Adventure',
  'Space Explorer',
  'Enchanted Forest',
  'Dinosaur Valley',
  'Fairy Kingdom',
  'Pirate Cove',
  'Arctic Friends',
  'Jungle Safari',
  'Dream Castle',
  'Rainbow Garden',
] as const;

/** Each theme's neighbours: what someone who likes it tends to like next. */
const SIMILAR: Record<string, string[]> = {
  'Ocean Adventure': ['Pirate Cove', 'Arctic Friends', 'Rainbow Garden'],
  'Space Explorer': ['Dream Castle', 'Dinosaur Valley', 'Ocean Adventure'],
  'Enchanted Forest': ['Fairy Kingdom', 'Jungle Safari', 'Rainbow Garden'],
  'Dinosaur Valley': ['Jungle Safari', 'Space Explorer', 'Pirate Cove'],
  'Fairy Kingdom': ['Enchanted Forest', 'Dream Castle', 'Rainbow Garden'],
  'Pirate Cove': ['Ocean Adventure', 'Jungle Safari', 'Dinosaur Valley'],
  'Arctic Friends': ['Ocean Adventure', 'Enchanted Forest', 'Dream Castle'],
  'Jungle Safari': ['Dinosaur Valley', 'Enchanted Forest', 'Pirate Cove'],
  'Dream Castle': ['Fairy Kingdom', 'Space Explorer', 'Rainbow Garden'],
  'Rainbow Garden': ['Fairy Kingdom', 'Enchanted Forest', 'Dream Castle'],
};

/** Calm themes first near bedtime; the default when we know nothing about the user. */
export const BEDTIME_THEMES = ['Dream Castle', 'Ocean Adventure', 'Rainbow Garden'];
export const DAYTIME_THEMES = ['Space Explorer', 'Dinosaur Valley', 'Jungle Safari'];

/** Favourite first, then neighbours of the favourites, without repeats; `count` themes at most. */
export function recommendSimilarThemes(preferences: readonly string[], count = 3): string[] {
  const out: string[] = [];
  const push = (t: string) => {
    if (!out.includes(t) && out.length < count) out.push(t);
  };
  if (preferences[0]) push(preferences[0]);
  for (const p of preferences) for (const s of SIMILAR[p] ?? []) push(s);
  for (const p of preferences.slice(1)) push(p);
  for (const t of THEMES) push(t);
  return out;
}
