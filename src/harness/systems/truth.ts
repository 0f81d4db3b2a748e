/**
 * Hidden ground truth the harness gives each family, never shown to the integration: its churn
 * propensity, the chance it lapses at a scenario's `lapse` step. Drawn from its own PRNG stream
 * (`churn:<index>`), so adding it changed no other draw of the persona or the journey.
 *
 * The population is a mixture, as churn is in practice: about a third of the families are "fragile"
 * (propensity 0.5–0.95), the rest "settled" (0.02–0.3).
 */
import { createRng } from '../../../lib/prng.ts';

export const FRAGILE_SHARE = 0.35;

export function churnPropensity(seed: number, index: number): number {
  const rng = createRng(seed).fork(`churn:${index}`);
  const fragile = rng.chance(FRAGILE_SHARE);
  const u = rng.next();
  return fragile ? 0.5 + u * 0.45 : 0.02 + u * 0.28;
}

/**
 * Hidden listening preferences: whether a child listens a story to the end. A model, not data about
 * real children: its parameters are drawn per family from their own stream (`listening:<index>`), and
 * the chance that a story is finished is `base` times a factor for each thing the story gets wrong:
 *
 * | the story …                                                   | factor          | drawn from    |
 * |---------------------------------------------------------------|-----------------|---------------|
 * | (any story)                                                   | × `base`        | 0.70 – 0.90   |
 * | starts after the family's wind-down time (or before 05:00) with scenes longer than one sentence | × (1 − `longScenesLate`) | 0.15 – 0.35 |
 * | starts after wind-down with a theme that is not calm (CALM_THEMES)                              | × (1 − `excitingLate`)   | 0.10 – 0.25 |
 * | is not shared though the family has several children (one child's story, the others wait)       | × (1 − `apart`)          | 0.15 – 0.35 |
 * | has scenes longer than one sentence and a child of 0–5 listens                                  | × (1 − `littleOnes`)     | 0.10 – 0.25 |
 *
 * Wind-down is a minute of the day drawn from 18:45 – 19:45 (UTC, the simulation's zone). The
 * engine never sees any of it: it plans from the clock, the Klaviyo profile and age bands, and the A/B
 * measures how often its stories suit families that behave like this.
 */
export interface ListeningPreferences {
  base: number;
  windDownMinutes: number;
  longScenesLate: number;
  excitingLate: number;
  apart: number;
  littleOnes: number;
}

/** What the families find calm at night: their own view, not the engine's BEDTIME_THEMES. */
export const CALM_THEMES: readonly string[] = [
  'Ocean Adventure',
  'Enchanted Forest',
  'Fairy Tale',
  'Underwater Kingdom',
  'Dream Castle',
  'Rainbow Garden',
  'Arctic Friends',
];

/** Seconds of narration per sentence (listened_seconds of a finished story). */
export const SECONDS_PER_SENTENCE = 8;

export function listeningPreferences(seed: number, index: number): ListeningPreferences {
  const rng = createRng(seed).fork(`listening:${index}`);
  const between = (lo: number, hi: number) => lo + rng.next() * (hi - lo);
  return {
    base: between(0.7, 0.9),
    windDownMinutes: rng.int(18 * 60 + 45, 19 * 60 + 45),
    longScenesLate: between(0.15, 0.35),
    excitingLate: between(0.1, 0.25),
    apart: between(0.15, 0.35),
    littleOnes: between(0.1, 0.25),
  };
}

/** What the child heard: the story as the app says it was given. */
export interface HeardStory {
  /** Clock time the story started. */
  at: number;
  numScenes: number;
  sentencesPerScene: number;
  shared: boolean;
  theme: string;
}

/** The chance this family's children finish this story (the model above). */
export function completionChance(
  prefs: ListeningPreferences,
  children: readonly { age_band: string }[],
  story: HeardStory,
): number {
  const minute = Math.floor((story.at % 86_400_000) / 60_000);
  const late = minute >= prefs.windDownMinutes || minute < 5 * 60;
  const long = story.sentencesPerScene > 1;
  let p = prefs.base;
  if (late && long) p *= 1 - prefs.longScenesLate;
  if (late && !CALM_THEMES.includes(story.theme)) p *= 1 - prefs.excitingLate;
  if (children.length > 1 && !story.shared) p *= 1 - prefs.apart;
  if (long && children.some((c) => c.age_band === '0-2' || c.age_band === '3-5')) p *= 1 - prefs.littleOnes;
  return p;
}
