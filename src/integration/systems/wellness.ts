/**
 * A family's weekly wellness figures (seeds: parent insights' "wellness score"), from its Supabase
 * story rows only. The formula, also in docs/integration.md:
 *
 *   nights      = days of the week (UTC) with at least one story, 0–7
 *   bedtime     = each such night's first story, as minutes after noon (so 23:50 and 00:10 are close)
 *   regularity  = max(0, 1 − stddev(bedtime) / 60 min), when there are 2 nights or more; else none
 *   streak      = the streak as of the week's end, capped at 7
 *   score       = round(100 × (0.4 × nights / 7 + 0.3 × regularity + 0.3 × streak / 7)), 0–100
 *                 (a missing regularity counts as 0)
 *
 * Everything is a parent-level aggregate: no child names, ages or moods are read or produced.
 */

const DAY = 86_400_000;

export interface WeeklyWellness {
  stories: number;
  nights: number;
  /** 0–1, null with fewer than two nights. */
  regularity: number | null;
  /** Standard deviation of the nights' first-story times, minutes (null with fewer than two nights). */
  bedtimeSpreadMinutes: number | null;
  streak: number;
  score: number;
}

/** `storyTimes`: ms of the family's stories inside the week; `streak`: its streak at the week's end. */
export function weeklyWellness(storyTimes: readonly number[], streak: number): WeeklyWellness {
  const firstByDay = new Map<number, number>();
  for (const t of storyTimes) {
    const day = Math.floor(t / DAY);
    const prev = firstByDay.get(day);
    if (prev === undefined || t < prev) firstByDay.set(day, t);
  }
  const nights = Math.min(7, firstByDay.size);
  const minutes = [...firstByDay.values()].map((t) => (Math.floor((t % DAY) / 60_000) - 720 + 1440) % 1440);
  let spread: number | null = null;
  if (minutes.length >= 2) {
    const mean = minutes.reduce((a, b) => a + b, 0) / minutes.length;
    spread = Math.sqrt(minutes.reduce((a, m) => a + (m - mean) ** 2, 0) / minutes.length);
  }
  const regularity = spread === null ? null : Math.max(0, 1 - spread / 60);
  const capped = Math.min(7, Math.max(0, streak));
  const score = Math.round(100 * (0.4 * (nights / 7) + 0.3 * (regularity ?? 0) + 0.3 * (capped / 7)));
  return {
    stories: storyTimes.length,
    nights,
    regularity: regularity === null ? null : Math.round(regularity * 100) / 100,
    bedtimeSpreadMinutes: spread === null ? null : Math.round(spread),
    streak: capped,
    score,
  };
}
