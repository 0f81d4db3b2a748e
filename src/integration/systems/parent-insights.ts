/**
 * Weekly parent insights (seeds: `parent_insights.py`, "weekly email campaigns", "wellness score").
 *
 * One run of the job, for the week that ends now:
 * 1. reads the parents who opted in (`profiles.insights_opt_in`) and the week's story rows (time and
 *    theme only) from Supabase, and computes each family's wellness figures (wellness.ts);
 * 2. writes them to the parents' Klaviyo profiles with one bulk import job (`wellness_score`,
 *    `wellness_nights`, `bedtime_regularity`, `stories_this_week`, `favourite_theme_this_week`,
 *    `insights_week`): parent-level aggregates, never a child's name, age or mood;
 * 3. points the "Parent Insights" segment at this week's profiles (`insights_week` = this week);
 * 4. keeps the "Parent Insights" template, renders a preview through Klaviyo's template render
 *    (the first family's figures), and sends the week's campaign to the segment.
 *
 * Known limitations: one template for every family (no per-age content: ages stay in Supabase); the
 * preview render checks one family, the campaign personalises the rest from profile properties.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import type { KlaviyoMarketing } from '../klaviyo/marketing.ts';
import { streakAsOf } from './churn-winback.ts';
import { type FamilyRow, readStoriesSince, selectAll } from './family-data.ts';
import { type WeeklyWellness, weeklyWellness } from './wellness.ts';

export const INSIGHTS_SEGMENT = 'Parent Insights';
export const INSIGHTS_CAMPAIGN_PREFIX = 'Parent Insights';
const WEEK = 7 * 86_400_000;

export const INSIGHTS_TEMPLATE_HTML = `<h1>Your week of bedtime stories, {{ first_name|default:"there" }}</h1>
<p>Wellness score: <b>{{ wellness_score }}</b>/100</p>
<ul>
  <li>{{ stories_this_week }} stories on {{ wellness_nights }} of 7 nights</li>
  <li>Bedtime regularity: {{ bedtime_regularity|default:"not enough nights yet" }}</li>
  <li>Favourite theme: {{ favourite_theme_this_week|default:"—" }}</li>
</ul>
<p><a href="https://dreamflow.example/stories">Pick tonight's story</a></p>`;

export interface FamilyInsight extends WeeklyWellness {
  userId: string;
  email: string;
  favouriteTheme: string | null;
}

export interface ParentInsightsResult {
  at: number;
  week: string;
  families: FamilyInsight[];
  segmentId: string | null;
  campaignId: string | null;
  /** The rendered preview (Klaviyo's render of the first family's email), when there was a family. */
  preview: { html: string; text: string } | null;
}

export async function runParentInsights(opts: {
  db: SupabaseClient;
  marketing: KlaviyoMarketing;
}): Promise<ParentInsightsResult> {
  const { db, marketing } = opts;
  const now = marketing.clock.now();
  const week = new Date(now).toISOString().slice(0, 10);
  const [parents, stories] = await Promise.all([
    selectAll<FamilyRow>(
      db,
      'profiles',
      'id, email, first_name, subscription_tier, total_stories, current_streak, last_story_at, family_mode_enabled, created_at',
      (q) => q.eq('insights_opt_in', true),
    ),
    readStoriesSince(db, new Date(now - WEEK).toISOString()),
  ]);
  const byUser = new Map<string, { times: number[]; themes: Map<string, number> }>();
  for (const s of stories) {
    let e = byUser.get(s.user_id);
    if (!e) {
      e = { times: [], themes: new Map() };
      byUser.set(s.user_id, e);
    }
    e.times.push(Date.parse(s.created_at));
    if (s.theme) e.themes.set(s.theme, (e.themes.get(s.theme) ?? 0) + 1);
  }
  const families = parents.map((p): FamilyInsight => {
    const e = byUser.get(p.id);
    const favourite = e
      ? ([...e.themes].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? null)
      : null;
    return {
      userId: p.id,
      email: p.email,
      favouriteTheme: favourite,
      ...weeklyWellness(e?.times ?? [], streakAsOf(p.last_story_at, p.current_streak ?? 0, now)),
    };
  });
  if (families.length === 0)
    return { at: now, week, families, segmentId: null, campaignId: null, preview: null };

  const properties = (f: FamilyInsight) => ({
    wellness_score: f.score,
    wellness_nights: f.nights,
    bedtime_regularity: f.regularity,
    stories_this_week: f.stories,
    favourite_theme_this_week: f.favouriteTheme,
    insights_week: week,
  });
  await marketing.importProfiles(
    families.map((f) => ({ email: f.email, externalId: f.userId, properties: properties(f) })),
  );
  const segmentId = await marketing.ensureSegment(INSIGHTS_SEGMENT, {
    condition_groups: [
      {
        conditions: [
          {
            type: 'profile-property',
            property: "properties['insights_week']",
            filter: { type: 'string', operator: 'equals', value: week },
          },
        ],
      },
    ],
  });
  await marketing.segmentSettled(segmentId);
  const templateId = await marketing.ensureTemplate('Parent Insights', INSIGHTS_TEMPLATE_HTML);
  const first = parents[0]!;
  const preview = await marketing.renderTemplate(templateId, {
    first_name: first.first_name,
    ...properties(families[0]!),
  });
  const campaignId = await marketing.sendCampaign({
    name: `${INSIGHTS_CAMPAIGN_PREFIX} ${week}`,
    included: [segmentId],
    subject: 'Your week of bedtime stories: wellness score {{ wellness_score }}',
    previewText: 'Nights read, bedtime regularity and this week’s favourite theme',
    templateId,
  });
  return { at: now, week, families, segmentId, campaignId, preview };
}
