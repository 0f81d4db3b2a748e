/**
 * What one story is given, on the app's story path: the adaptive engine's family plan
 * (family-plan.ts, from the cached Klaviyo profile and the children's age bands read from Supabase),
 * or the plain story the app tells without it (time of day and mood from the request alone).
 *
 * Modes (`adaptive` in the stack options, the scenario's `integration.adaptive`, `--adaptive`):
 * - `off`: every story plain (the app's behaviour before the engine was wired);
 * - `on`: every story planned;
 * - `ab`: each family is in one arm for good, by a salted hash of its user id (the seeds' "A/B test
 *   adaptive parameters"); the salt makes the split a seeded choice.
 * A family in the adaptive arm whose profile is not in the cache and cannot be read from Klaviyo (no
 * profile yet, Klaviyo down, breaker open) gets the plain story: the plan never fails a request.
 */
import { createHash } from 'node:crypto';
import { adaptStory, type StoryAdaptation } from './adaptive.ts';
import { type CachedProfile, planFamilyBedtime } from './family-plan.ts';
import { BEDTIME_THEMES } from './themes.ts';

export const ADAPTIVE_MODES = ['off', 'on', 'ab'] as const;
export type AdaptiveMode = (typeof ADAPTIVE_MODES)[number];
export type AbArm = 'adaptive' | 'plain';

export interface AdaptiveSettings {
  mode: AdaptiveMode;
  /** Salt of the A/B split (`ab` only): another salt, another split. */
  salt: string;
}

/** The arm a family is in: half of the families, by the first byte of sha256(salt:userId). */
export function abArm(userId: string, salt: string): AbArm {
  const byte = createHash('sha256').update(`${salt}:${userId}`).digest()[0]!;
  return byte < 128 ? 'adaptive' : 'plain';
}

export interface StoryPlanRequest {
  userId: string;
  now: number;
  mood: string;
  /** The theme the family asked for. */
  theme: string;
  /** The family's children (Supabase rows; names and age bands never leave the app). */
  children: readonly { name: string; age_band: string | null }[];
  /** The child the request names, if any: the story is for that child alone. */
  child?: { name: string; age_band: string | null };
}

export interface StoryPlan {
  /** The family's arm in `ab` mode; null otherwise. */
  arm: AbArm | null;
  /** The engine's plan shaped this story (false: plain, by arm, mode or fallback). */
  adaptive: boolean;
  /** Why a story meant to be adaptive is plain: the cached profile could not be had. */
  fallback: 'no_profile' | null;
  /** One story for all the children. */
  shared: boolean;
  /** The theme told (the requested one, or a calm one near bedtime). */
  theme: string;
  adaptation: StoryAdaptation;
  /** Who the story is told to (stays in Supabase with the story text). */
  childName: string | null;
}

export interface ProfileSource {
  getProfileMetrics(userId: string): Promise<CachedProfile | null>;
}

export async function planStory(
  settings: AdaptiveSettings,
  klaviyo: ProfileSource,
  req: StoryPlanRequest,
): Promise<StoryPlan> {
  const arm = settings.mode === 'ab' ? abArm(req.userId, settings.salt) : null;
  const wantsPlan = settings.mode === 'on' || arm === 'adaptive';
  const profile = wantsPlan ? await cachedProfile(klaviyo, req.userId) : null;
  if (!profile) return { ...plainStory(req), arm, fallback: wantsPlan ? 'no_profile' : null };
  const listeners = req.child ? [req.child] : req.children;
  const plan = planFamilyBedtime(profile, listeners, { now: req.now, mood: req.mood });
  const late = plan.adaptation.timeOfDay === 'bedtime' || plan.adaptation.timeOfDay === 'night';
  return {
    arm,
    adaptive: true,
    fallback: null,
    shared: plan.shared,
    // The family's choice stands unless it is bedtime and the choice is not a calm theme.
    theme: late && !BEDTIME_THEMES.includes(req.theme) ? plan.theme : req.theme,
    adaptation: plan.adaptation,
    childName: plan.shared ? listeners.map((c) => c.name).join(' and ') : (req.child?.name ?? null),
  };
}

/** The app's story without the engine: time of day and mood from the request, the requested theme. */
function plainStory(req: StoryPlanRequest): Omit<StoryPlan, 'arm' | 'fallback'> {
  return {
    adaptive: false,
    shared: false,
    theme: req.theme,
    adaptation: adaptStory({
      now: req.now,
      mood: req.mood,
      siblings: req.children.length,
      ageBand: req.child?.age_band ?? null,
    }),
    childName: req.child?.name ?? null,
  };
}

/** The cached Klaviyo profile (read through on a miss); null on any failure: the story goes on plain. */
async function cachedProfile(klaviyo: ProfileSource, userId: string): Promise<CachedProfile | null> {
  try {
    return await klaviyo.getProfileMetrics(userId);
  } catch {
    return null;
  }
}
