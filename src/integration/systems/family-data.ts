/**
 * What Dream Flow's scheduled jobs read from Supabase (service-role supabase-js client), page by page:
 * parent profiles, subscriptions, and story rows. Child rows are never read here: the jobs work on
 * parent-level aggregates only.
 */
import type { SupabaseClient } from '@supabase/supabase-js';

export interface FamilyRow {
  id: string;
  email: string;
  first_name: string | null;
  subscription_tier: string | null;
  total_stories: number | null;
  current_streak: number | null;
  last_story_at: string | null;
  family_mode_enabled: boolean | null;
  created_at: string;
}

export interface SubscriptionRow {
  user_id: string;
  tier: string;
  status: string;
  created_at: string;
  cancelled_at: string | null;
}

export interface StoryRow {
  user_id: string;
  theme: string | null;
  created_at: string;
}

const PAGE = 1000;

/** Every row of a select, paged with `range` (PostgREST caps a response; so does the fake). */
export async function selectAll<T>(
  db: SupabaseClient,
  table: string,
  columns: string,
  narrow: (q: ReturnType<ReturnType<SupabaseClient['from']>['select']>) => typeof q = (q) => q,
): Promise<T[]> {
  const out: T[] = [];
  for (let from = 0; ; from += PAGE) {
    const { data, error } = await narrow(db.from(table).select(columns))
      .order('id', { ascending: true })
      .range(from, from + PAGE - 1);
    if (error) throw new Error(`Supabase ${table}: ${error.message}`);
    out.push(...((data ?? []) as T[]));
    if (!data || data.length < PAGE) return out;
  }
}

export function readFamilies(db: SupabaseClient): Promise<FamilyRow[]> {
  return selectAll<FamilyRow>(
    db,
    'profiles',
    'id, email, first_name, subscription_tier, total_stories, current_streak, last_story_at, family_mode_enabled, created_at',
  );
}

export function readSubscriptions(db: SupabaseClient): Promise<SubscriptionRow[]> {
  return selectAll<SubscriptionRow>(db, 'subscriptions', 'user_id, tier, status, created_at, cancelled_at');
}

/** Stories created at or after `sinceIso` (theme and time only: no prompt, text or mood). */
export function readStoriesSince(db: SupabaseClient, sinceIso: string): Promise<StoryRow[]> {
  return selectAll<StoryRow>(db, 'stories', 'user_id, theme, created_at', (q) =>
    q.gte('created_at', sinceIso),
  );
}
