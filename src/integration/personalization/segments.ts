/**
 * The seeds' segments, as predicates over a profile's custom properties (Klaviyo or Supabase shape)
 * and as the definitions one would build in Klaviyo.
 */

export interface EngagementProfile {
  subscription_tier?: string | null;
  total_stories?: number | null;
  current_streak?: number | null;
  family_mode_enabled?: boolean | null;
}

export interface SegmentDefinition {
  name: string;
  /** The seeds' rule, verbatim. */
  rule: string;
  matches(p: EngagementProfile): boolean;
}

const n = (v: number | null | undefined) => v ?? 0;

export const SEGMENTS: readonly SegmentDefinition[] = [
  {
    name: 'High Engagement',
    rule: 'total_stories > 20 AND current_streak > 5',
    matches: (p) => n(p.total_stories) > 20 && n(p.current_streak) > 5,
  },
  {
    name: 'Upgrade Candidates',
    rule: 'tier = "free" AND total_stories > 10',
    matches: (p) => (p.subscription_tier ?? 'free') === 'free' && n(p.total_stories) > 10,
  },
  {
    name: 'Churn Risk',
    rule: 'current_streak = 0 AND total_stories > 5',
    matches: (p) => n(p.current_streak) === 0 && n(p.total_stories) > 5,
  },
  {
    name: 'Family Accounts',
    rule: 'family_mode_enabled = true',
    matches: (p) => p.family_mode_enabled === true,
  },
];

export function segmentsFor(profile: EngagementProfile): string[] {
  return SEGMENTS.filter((s) => s.matches(profile)).map((s) => s.name);
}
