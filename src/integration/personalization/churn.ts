/**
 * Churn-risk scoring (seeds: "predictive churn prevention"). A transparent additive score in [0, 1]
 * from recency, streak, volume and tier, with the reasons that contributed, so a reader can check it.
 */
import type { EngagementProfile } from './segments.ts';

export interface ChurnInput extends EngagementProfile {
  /** ISO time of the last story, if any. */
  last_story_at?: string | null;
  /** The user cancelled a paid plan recently. */
  recently_cancelled?: boolean;
}

export interface ChurnScore {
  score: number;
  level: 'low' | 'medium' | 'high';
  reasons: string[];
}

const DAY = 86_400_000;

export function scoreChurnRisk(p: ChurnInput, now: number): ChurnScore {
  let score = 0;
  const reasons: string[] = [];
  const add = (w: number, reason: string) => {
    score += w;
    reasons.push(reason);
  };
  const days = p.last_story_at ? Math.floor((now - Date.parse(p.last_story_at)) / DAY) : null;
  if (days === null) add(0.3, 'no story yet');
  else if (days >= 14) add(0.45, `no story for ${days} days`);
  else if (days >= 7) add(0.3, `no story for ${days} days`);
  else if (days >= 3) add(0.15, `no story for ${days} days`);
  if ((p.current_streak ?? 0) === 0) add(0.2, 'streak broken');
  if ((p.total_stories ?? 0) < 3) add(0.15, 'fewer than 3 stories');
  if (p.recently_cancelled) add(0.25, 'cancelled a subscription');
  if ((p.subscription_tier ?? 'free') !== 'free') score -= 0.1;
  if (p.family_mode_enabled) score -= 0.05;
  const s = Math.max(0, Math.min(1, Math.round(score * 100) / 100));
  return { score: s, level: s >= 0.6 ? 'high' : s >= 0.3 ? 'medium' : 'low', reasons };
}
