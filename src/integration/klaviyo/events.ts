/**
 * What Dream Flow sends to Klaviyo, as the seeds name it: event names, event properties, profile
 * properties. Payload builders live here so the outbox can store a job as plain JSON and replay it.
 */

export const EVENT = {
  signedUp: 'Signed Up',
  storyGenerated: 'Story Generated',
  subscriptionCreated: 'Subscription Created',
  subscriptionCancelled: 'Subscription Cancelled',
  profileUpdated: 'Profile Updated',
  /** The child finished a story (adaptive stories, issue 17): the completion A/B reads these. */
  storyCompleted: 'Story Completed',
} as const;
export type EventName = (typeof EVENT)[keyof typeof EVENT];
export const EVENT_NAMES: readonly string[] = Object.values(EVENT);

/** The custom profile properties the seeds list (email, first name and external_id are attributes). */
export const PROFILE_PROPERTIES = [
  'subscription_tier',
  'story_preferences',
  'total_stories',
  'current_streak',
  'family_mode_enabled',
  'user_id',
  'last_synced_at',
] as const;

/** One unit of work for Klaviyo; stored verbatim in the outbox. */
export type KlaviyoJob = EventJob | ProfileJob;

export interface EventJob {
  kind: 'event';
  name: string;
  userId: string;
  email?: string;
  properties: Record<string, unknown>;
  /** ISO time the action happened (from the Clock), so a late delivery keeps the real time. */
  time: string;
  /** Klaviyo deduplicates on it: a retry or a replay can never double-count. */
  uniqueId: string;
}

export interface ProfileJob {
  kind: 'profile';
  userId: string;
  email?: string;
  firstName?: string;
  properties: Record<string, unknown>;
}

/**
 * Privacy guard (COPPA, seeds' "no child data in profiles"): child names, ages and moods stay in Supabase.
 * Keys that could carry them are removed before anything leaves for Klaviyo; counts and flags such as
 * `family_mode_enabled` or `children_count` are fine.
 */
const CHILD_KEYS =
  /^(child|children|kid|kids|son|daughter|sibling|siblings)(_?(name|names|age|ages|age_band|id|ids|birthday))?$|^(age|age_band|child_name|child_age|mood|user_mood|child_mood)$/i;

export function stripChildData(properties: Record<string, unknown>): {
  properties: Record<string, unknown>;
  removed: string[];
} {
  const out: Record<string, unknown> = {};
  const removed: string[] = [];
  for (const [k, v] of Object.entries(properties)) {
    if (CHILD_KEYS.test(k)) removed.push(k);
    else if (v !== undefined) out[k] = v;
  }
  return { properties: out, removed };
}
