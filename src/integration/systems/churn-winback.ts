/**
 * Churn prediction and win-back (seeds: "predictive churn prevention with automatic re-engagement").
 *
 * One run of the job:
 * 1. reads every family from Supabase (profiles, subscriptions) and scores its churn risk with
 *    `scoreChurnRisk` (personalization/churn.ts: days since the last story, the streak as of now,
 *    stories read, a recent cancellation, the tier);
 * 2. writes `churn_risk_score`, `churn_risk_level` and the streak as of now to each Klaviyo profile
 *    with one bulk import job (parent-level figures only: no child data);
 * 3. keeps the "Churn Risk" segment in Klaviyo (`churn_risk_score >= threshold`) and waits for it
 *    to catch up;
 * 4. sends the win-back campaign to that segment through the campaigns API.
 *
 * It returns every family's score, so a caller (the harness) can judge the predictor.
 * Known limitations: the win-back email is one fixed template (no A/B test); a family scored at risk
 * twice gets the email twice (once per run), as a weekly campaign would send it.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import type { KlaviyoMarketing } from '../klaviyo/marketing.ts';
import { scoreChurnRisk } from '../personalization/churn.ts';
import { readFamilies, readSubscriptions } from './family-data.ts';

export const CHURN_SEGMENT = 'Churn Risk';
export const WINBACK_CAMPAIGN_PREFIX = 'Win-back';
/** Score at or above which a family is "at risk" (the score's own `high` level). */
export const DEFAULT_CHURN_THRESHOLD = 0.6;
const DAY = 86_400_000;
/** A cancellation this recent counts as a churn signal. */
const RECENT_CANCEL_MS = 14 * DAY;

export const WINBACK_TEMPLATE_HTML = `<h1>We miss bedtime with you, {{ first_name|default:"friend" }}</h1>
<p>Tonight's story is waiting: pick a theme and we'll do the rest.</p>
<p><a href="https://dreamflow.example/stories">Read a story tonight</a></p>`;

export interface FamilyChurnScore {
  userId: string;
  email: string;
  score: number;
  level: 'low' | 'medium' | 'high';
  /** The streak as of the run: a streak whose last story is older than yesterday is broken (0). */
  streakNow: number;
  totalStories: number;
  atRisk: boolean;
  reasons: string[];
}

export interface ChurnWinbackResult {
  at: number;
  scored: FamilyChurnScore[];
  atRisk: number;
  segmentId: string;
  campaignId: string | null;
}

export interface ChurnWinbackOptions {
  db: SupabaseClient;
  marketing: KlaviyoMarketing;
  threshold?: number;
  /** Send the win-back campaign (default true); false only scores and segments. */
  send?: boolean;
}

/** The streak as of `now`: what Supabase holds, or 0 when the last story is older than yesterday. */
export function streakAsOf(lastStoryAt: string | null, streak: number, now: number): number {
  if (!lastStoryAt) return 0;
  return Math.floor(now / DAY) - Math.floor(Date.parse(lastStoryAt) / DAY) <= 1 ? streak : 0;
}

export async function runChurnWinback(options: ChurnWinbackOptions): Promise<ChurnWinbackResult> {
  const { db, marketing } = options;
  const now = marketing.clock.now();
  const threshold = options.threshold ?? DEFAULT_CHURN_THRESHOLD;
  const [families, subscriptions] = await Promise.all([readFamilies(db), readSubscriptions(db)]);
  const cancelledRecently = new Set(
    subscriptions
      .filter(
        (s) =>
          s.status === 'cancelled' && s.cancelled_at && now - Date.parse(s.cancelled_at) <= RECENT_CANCEL_MS,
      )
      .map((s) => s.user_id),
  );
  const scored = families.map((f): FamilyChurnScore => {
    const streakNow = streakAsOf(f.last_story_at, f.current_streak ?? 0, now);
    const s = scoreChurnRisk(
      {
        last_story_at: f.last_story_at,
        current_streak: streakNow,
        total_stories: f.total_stories ?? 0,
        subscription_tier: f.subscription_tier,
        family_mode_enabled: f.family_mode_enabled,
        recently_cancelled: cancelledRecently.has(f.id) && (f.subscription_tier ?? 'free') === 'free',
      },
      now,
    );
    return {
      userId: f.id,
      email: f.email,
      score: s.score,
      level: s.level,
      streakNow,
      totalStories: f.total_stories ?? 0,
      atRisk: s.score >= threshold,
      reasons: s.reasons,
    };
  });
  const scoredAt = new Date(now).toISOString();
  await marketing.importProfiles(
    scored.map((s) => ({
      email: s.email,
      externalId: s.userId,
      properties: {
        churn_risk_score: s.score,
        churn_risk_level: s.level,
        current_streak: s.streakNow,
        churn_scored_at: scoredAt,
      },
    })),
  );
  const segmentId = await marketing.ensureSegment(CHURN_SEGMENT, {
    condition_groups: [
      {
        conditions: [
          {
            type: 'profile-property',
            property: "properties['churn_risk_score']",
            filter: { type: 'numeric', operator: 'greater-than-or-equal', value: threshold },
          },
        ],
      },
    ],
  });
  await marketing.segmentSettled(segmentId);
  const atRisk = scored.filter((s) => s.atRisk).length;
  let campaignId: string | null = null;
  if ((options.send ?? true) && atRisk > 0) {
    const templateId = await marketing.ensureTemplate('Win-back', WINBACK_TEMPLATE_HTML);
    campaignId = await marketing.sendCampaign({
      name: `${WINBACK_CAMPAIGN_PREFIX} ${scoredAt.slice(0, 10)}`,
      included: [segmentId],
      subject: 'Your bedtime stories miss you',
      previewText: 'A new story is one tap away',
      templateId,
    });
  }
  return { at: now, scored, atRisk, segmentId, campaignId };
}
