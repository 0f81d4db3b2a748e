/**
 * What the systems did and what the families did about it, recorded as the run goes: which families
 * lapsed (the ground truth), which came back after a win-back email, and every job's output. `figures`
 * turns it into the report's numbers: the churn predictor's precision, recall and accuracy against the
 * truth (the integration's score, and the seeds' "Churn Risk" rule on the same data, side by side),
 * and how many lapsed families the win-back brought back.
 */
import type { StoryAdaptationResult } from '../../app/contract.ts';
import type { CatalogSyncResult } from '../../integration/systems/catalog-sync.ts';
import type { ChurnWinbackResult } from '../../integration/systems/churn-winback.ts';
import {
  INSIGHTS_CAMPAIGN_PREFIX,
  type ParentInsightsResult,
} from '../../integration/systems/parent-insights.ts';
import type { StackSystems, WebhookFigures } from '../stack.ts';

export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number | null;
  recall: number | null;
  accuracy: number | null;
}

export interface ChurnFigures {
  /** Job runs, in order: when, families scored, at risk. */
  runs: { day: number; scored: number; atRisk: number; campaign: boolean }[];
  /** Families with a hidden propensity that reached their `lapse` step / lapsed there. */
  families: number;
  lapsed: number;
  /** The integration's score at the first run (`churn_risk_score >= threshold`) vs the truth. */
  threshold: number;
  predictor: Confusion;
  /** The seeds' segment rule (`current_streak = 0 AND total_stories > 5`) on the same families. */
  seedsRule: Confusion;
  winback: {
    /** Families that received a win-back email / of those, lapsed ones. */
    emailed: number;
    lapsedEmailed: number;
    opened: number;
    clicked: number;
    /** Lapsed families that came back after an email (and ran their `then` steps). */
    returned: number;
    /** returned / lapsed families emailed. */
    returnRate: number | null;
  };
}

export interface InsightsFigures {
  /** One row per weekly run: simulated day, the week, opted-in families, their mean score, emails received. */
  weeks: { day: number; week: string; families: number; meanScore: number | null; emailed: number }[];
  /** Emails received over all weeks. */
  emails: number;
  /** Klaviyo's render of the first family's email in the last week (a sample; no child data in it). */
  previewText: string | null;
}

/** One arm of the adaptive-stories A/B: what its stories were given and how many were finished. */
export interface ArmFigures {
  families: number;
  /** Stories heard (a `listen` step) / finished, by the families' modelled preferences. */
  stories: number;
  completed: number;
  /** completed / stories; null (n/a) when the arm heard no story. */
  completionRate: number | null;
  /** Stories the engine's plan shaped (in the adaptive arm, the rest fell back to plain). */
  planned: number;
  shared: number;
  /** Stories with one sentence per scene. */
  shortScenes: number;
}

export interface AdaptiveFigures {
  arms: { adaptive: ArmFigures; plain: ArmFigures };
  /** (adaptive rate − plain rate) / plain rate; null when either rate is n/a or the plain rate is 0. */
  increase: number | null;
}

export type CatalogRun = CatalogSyncResult & { drift: number; items: number; day: number };

export interface SystemsFigures {
  churn?: ChurnFigures;
  insights?: InsightsFigures;
  /** Each catalog sync: what it changed, and how far Klaviyo's catalog was from the release after it. */
  catalog?: { runs: CatalogRun[] };
  /** Adaptive stories vs plain, completion judged by the personas' modelled listening preferences. */
  adaptive?: AdaptiveFigures;
  /** Klaviyo's webhook deliveries to the app's receiver under faults, against the truth. */
  webhooks?: WebhookFigures;
  /** Job runs that failed (after their calls' retries). */
  jobFailures?: { kind: string; at: number; error: string }[];
}

interface FamilyTruth {
  userId?: string;
  email: string;
  lapsed: boolean;
  returned: boolean;
  /** What the family did with its win-back emails, when it looked. */
  engagement: { received: number; opened: number; clicked: number };
}

const ratio = (a: number, b: number) => (b === 0 ? null : a / b);

function newArm() {
  return { users: new Set<number>(), stories: 0, completed: 0, planned: 0, shared: 0, shortScenes: 0 };
}

export function confusion(pairs: readonly { predicted: boolean; actual: boolean }[]): Confusion {
  const c = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (const { predicted, actual } of pairs) {
    if (predicted && actual) c.tp++;
    else if (predicted) c.fp++;
    else if (actual) c.fn++;
    else c.tn++;
  }
  return {
    ...c,
    precision: ratio(c.tp, c.tp + c.fp),
    recall: ratio(c.tp, c.tp + c.fn),
    accuracy: ratio(c.tp + c.tn, pairs.length),
  };
}

export class SystemsLedger {
  private readonly families = new Map<number, FamilyTruth>();
  readonly churnRuns: ChurnWinbackResult[] = [];
  churnThreshold = 0.6;
  /** Clock time the run started: job runs are reported by simulated day. */
  simStart = 0;
  readonly failures: { kind: string; at: number; error: string }[] = [];
  readonly insightRuns: (ParentInsightsResult & { simDay: number })[] = [];
  readonly catalogRuns: CatalogRun[] = [];
  webhooksStarted = false;
  private webhooks: WebhookFigures | null = null;
  private readonly insightEmails = new Map<string, number>();
  private readonly heard = { adaptive: newArm(), plain: newArm() };

  /** At the end of the run, when every send has landed: read what the mock delivered. */
  async collect(systems: StackSystems | undefined): Promise<void> {
    if (!systems) return;
    if (this.webhooksStarted) this.webhooks = await systems.webhookFigures();
    for (const r of this.insightRuns)
      if (r.campaignId)
        this.insightEmails.set(r.week, systems.recipients(`${INSIGHTS_CAMPAIGN_PREFIX} ${r.week}`).length);
  }

  jobFailed(kind: string, at: number, error: string): void {
    this.failures.push({ kind, at, error });
  }

  /** A family reached its `lapse` step and stayed (or lapsed). */
  decided(user: number, email: string, userId: string | undefined, lapsed: boolean): void {
    this.families.set(user, {
      userId,
      email,
      lapsed,
      returned: false,
      engagement: { received: 0, opened: 0, clicked: 0 },
    });
  }

  /** A lapsed family looked at its inbox (engagement so far) and maybe came back. */
  looked(user: number, engagement: FamilyTruth['engagement'], returned: boolean): void {
    const f = this.families.get(user);
    if (!f) return;
    f.engagement = engagement;
    if (returned) f.returned = true;
  }

  /** A family heard a story (the app's account of what it was given) and finished it or not. */
  listened(user: number, story: StoryAdaptationResult, completed: boolean): void {
    const arm = this.heard[story.ab_arm ?? (story.adaptive ? 'adaptive' : 'plain')];
    arm.users.add(user);
    arm.stories++;
    if (completed) arm.completed++;
    if (story.adaptive) arm.planned++;
    if (story.shared) arm.shared++;
    if (story.sentences_per_scene <= 1) arm.shortScenes++;
  }

  figures(): SystemsFigures {
    const out: SystemsFigures = {};
    if (this.heard.adaptive.stories + this.heard.plain.stories > 0) out.adaptive = this.adaptiveFigures();
    if (this.churnRuns.length > 0 || this.families.size > 0) out.churn = this.churnFigures();
    if (this.insightRuns.length > 0) out.insights = this.insightsFigures();
    if (this.webhooks) out.webhooks = this.webhooks;
    if (this.catalogRuns.length > 0) out.catalog = { runs: this.catalogRuns.map((r) => ({ ...r })) };
    if (this.failures.length > 0) out.jobFailures = [...this.failures];
    return out;
  }

  private adaptiveFigures(): AdaptiveFigures {
    const arm = ({ users, ...a }: ReturnType<typeof newArm>): ArmFigures => ({
      families: users.size,
      ...a,
      completionRate: ratio(a.completed, a.stories),
    });
    const adaptive = arm(this.heard.adaptive);
    const plain = arm(this.heard.plain);
    const increase =
      adaptive.completionRate === null || !plain.completionRate
        ? null
        : (adaptive.completionRate - plain.completionRate) / plain.completionRate;
    return { arms: { adaptive, plain }, increase };
  }

  private insightsFigures(): InsightsFigures {
    const weeks = this.insightRuns.map((r) => ({
      day: r.simDay,
      week: r.week,
      families: r.families.length,
      meanScore:
        r.families.length === 0
          ? null
          : Math.round((r.families.reduce((a, f) => a + f.score, 0) / r.families.length) * 10) / 10,
      emailed: this.insightEmails.get(r.week) ?? 0,
    }));
    const last = this.insightRuns.filter((r) => r.preview).at(-1);
    return {
      weeks,
      emails: weeks.reduce((a, w) => a + w.emailed, 0),
      previewText: last?.preview?.html ?? null,
    };
  }

  private churnFigures(): ChurnFigures {
    const truth = new Map([...this.families.values()].filter((f) => f.userId).map((f) => [f.userId!, f]));
    const first = this.churnRuns[0];
    // Judged on the families the first run scored whose truth is known (they reached `lapse`).
    const judged = (first?.scored ?? []).filter((s) => truth.has(s.userId));
    const predictor = confusion(
      judged.map((s) => ({ predicted: s.atRisk, actual: truth.get(s.userId)!.lapsed })),
    );
    const seedsRule = confusion(
      judged.map((s) => ({
        predicted: s.streakNow === 0 && s.totalStories > 5,
        actual: truth.get(s.userId)!.lapsed,
      })),
    );
    const all = [...this.families.values()];
    const emailedIds = new Set(
      this.churnRuns
        .filter((r) => r.campaignId)
        .flatMap((r) => r.scored.filter((s) => s.atRisk).map((s) => s.userId)),
    );
    const lapsedEmailed = all.filter((f) => f.lapsed && f.userId && emailedIds.has(f.userId));
    const returned = all.filter((f) => f.returned).length;
    return {
      runs: this.churnRuns.map((r) => ({
        day: (r.at - this.simStart) / 86_400_000,
        scored: r.scored.length,
        atRisk: r.atRisk,
        campaign: r.campaignId !== null,
      })),
      families: all.length,
      lapsed: all.filter((f) => f.lapsed).length,
      threshold: this.churnThreshold,
      predictor,
      seedsRule,
      winback: {
        emailed: emailedIds.size,
        lapsedEmailed: lapsedEmailed.length,
        opened: lapsedEmailed.filter((f) => f.engagement.opened > 0).length,
        clicked: lapsedEmailed.filter((f) => f.engagement.clicked > 0).length,
        returned,
        returnRate: ratio(returned, lapsedEmailed.length),
      },
    };
  }
}

/** The flat figures thresholds and `report compare` use. */
export function flattenSystems(s: SystemsFigures | undefined): Record<string, number | null> {
  if (!s) return {};
  const out: Record<string, number | null> = { jobs_failed: s.jobFailures?.length ?? 0 };
  if (s.insights) {
    const w = s.insights.weeks;
    Object.assign(out, {
      insights_weeks: w.length,
      insights_emails: s.insights.emails,
      insights_families: w.at(-1)?.families ?? 0,
      insights_mean_score: w.at(-1)?.meanScore ?? null,
    });
  }
  if (s.catalog) {
    const r = s.catalog.runs;
    const sum = (k: 'created' | 'updated' | 'deleted') => r.reduce((a, x) => a + x[k], 0);
    Object.assign(out, {
      catalog_syncs: r.length,
      catalog_items_created: sum('created'),
      catalog_items_updated: sum('updated'),
      catalog_items_deleted: sum('deleted'),
      catalog_failures: r.reduce((a, x) => a + x.failures.length, 0),
      catalog_drift: r.reduce((a, x) => a + x.drift, 0),
    });
  }
  if (s.webhooks) {
    const w = s.webhooks;
    Object.assign(out, {
      webhook_deliveries: w.deliveries,
      webhook_retries: w.retries,
      webhook_duplicates: w.duplicates,
      webhook_faults_injected: w.injectedBefore + w.injectedAfter,
      webhook_rejected: w.rejected,
      webhook_unsubscribes: w.unsubscribedInKlaviyo,
      webhook_missed: w.unsubscribedInKlaviyo - w.unsubscribedInSupabase,
    });
  }
  if (s.adaptive) {
    const { adaptive: a, plain: p } = s.adaptive.arms;
    Object.assign(out, {
      adaptive_stories: a.stories,
      plain_stories: p.stories,
      adaptive_completion_rate: a.completionRate,
      plain_completion_rate: p.completionRate,
      completion_increase: s.adaptive.increase,
      adaptive_planned_rate: ratio(a.planned, a.stories),
    });
  }
  const c = s.churn;
  if (!c) return out;
  return {
    ...out,
    churn_families: c.families,
    churn_lapsed: c.lapsed,
    churn_precision: c.predictor.precision,
    churn_recall: c.predictor.recall,
    churn_accuracy: c.predictor.accuracy,
    churn_seed_rule_precision: c.seedsRule.precision,
    churn_seed_rule_recall: c.seedsRule.recall,
    churn_seed_rule_accuracy: c.seedsRule.accuracy,
    winback_emailed: c.winback.emailed,
    winback_returned: c.winback.returned,
    winback_return_rate: c.winback.returnRate,
  };
}

/** Threshold catalogue entries for these figures (merged into thresholds.ts's METRIC_CATALOGUE). */
export const SYSTEM_METRICS: Record<string, { unit: 'ratio' | 'count'; help: string }> = {
  jobs_failed: { unit: 'count', help: 'scheduled job runs (churn, insights, catalog) that failed' },
  insights_weeks: { unit: 'count', help: 'weekly parent insights runs' },
  catalog_syncs: { unit: 'count', help: 'story catalog syncs run' },
  webhook_deliveries: { unit: 'count', help: 'webhook deliveries Klaviyo made to the app' },
  webhook_retries: { unit: 'count', help: 'delivery attempts after a delivery’s first' },
  webhook_duplicates: { unit: 'count', help: 'events the receiver saw again and did not act on twice' },
  webhook_faults_injected: {
    unit: 'count',
    help: 'delivery attempts failed by the bench (before or after acting)',
  },
  webhook_rejected: { unit: 'count', help: 'deliveries the receiver refused (signature, timestamp, body)' },
  webhook_unsubscribes: {
    unit: 'count',
    help: 'families Klaviyo unsubscribed while the webhook existed (truth)',
  },
  webhook_missed: {
    unit: 'count',
    help: 'of those, families not marked unsubscribed in Supabase (must be 0)',
  },
  catalog_items_created: { unit: 'count', help: 'catalog items created by bulk jobs, all syncs' },
  catalog_items_updated: { unit: 'count', help: 'catalog items updated by bulk jobs, all syncs' },
  catalog_items_deleted: { unit: 'count', help: 'catalog items deleted by bulk jobs, all syncs' },
  catalog_failures: { unit: 'count', help: 'bulk job resources that failed, and jobs that did not complete' },
  catalog_drift: {
    unit: 'count',
    help: 'after each sync, items of Klaviyo’s catalog missing, extra or different from the release (summed)',
  },
  insights_emails: { unit: 'count', help: 'parent insights emails received, all weeks' },
  insights_families: { unit: 'count', help: 'opted-in families in the last weekly run' },
  insights_mean_score: { unit: 'count', help: 'mean wellness score (0–100) in the last weekly run' },
  churn_families: {
    unit: 'count',
    help: 'families whose hidden churn outcome is known (reached a lapse step)',
  },
  churn_lapsed: { unit: 'count', help: 'families that lapsed (ground truth from the hidden propensity)' },
  churn_precision: {
    unit: 'ratio',
    help: 'lapsed families among those the churn score put at risk (first job run)',
  },
  churn_recall: { unit: 'ratio', help: 'families the churn score put at risk among those that lapsed' },
  churn_accuracy: { unit: 'ratio', help: 'families the churn score classed right / families judged' },
  churn_seed_rule_precision: {
    unit: 'ratio',
    help: 'precision of the seeds’ rule current_streak = 0 AND total_stories > 5',
  },
  churn_seed_rule_recall: { unit: 'ratio', help: 'recall of the seeds’ rule' },
  churn_seed_rule_accuracy: { unit: 'ratio', help: 'accuracy of the seeds’ rule' },
  adaptive_stories: { unit: 'count', help: 'stories heard in the adaptive arm of the adaptive-stories A/B' },
  plain_stories: { unit: 'count', help: 'stories heard in the plain arm' },
  adaptive_completion_rate: {
    unit: 'ratio',
    help: 'adaptive-arm stories finished / heard (by the personas’ modelled listening preferences)',
  },
  plain_completion_rate: { unit: 'ratio', help: 'plain-arm stories finished / heard (same model)' },
  completion_increase: {
    unit: 'ratio',
    help: '(adaptive − plain completion rate) / plain completion rate; the seeds claim 23 %',
  },
  adaptive_planned_rate: {
    unit: 'ratio',
    help: 'adaptive-arm stories the engine’s plan shaped (the rest fell back to plain: no cached profile)',
  },
  winback_emailed: { unit: 'count', help: 'families the win-back campaign reached' },
  winback_returned: { unit: 'count', help: 'lapsed families that came back after a win-back email' },
  winback_return_rate: { unit: 'ratio', help: 'lapsed families that came back / lapsed families emailed' },
};
