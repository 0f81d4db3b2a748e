/**
 * What recipients do with an email after it lands: open it, click in it, unsubscribe. A seeded model
 * rather than a fixed script, so reports show plausible, reproducible numbers: every draw comes from a
 * `Rng` (lib/prng.ts) the caller forks per message, so the same seed gives the same engagement.
 * Campaigns use it for sends; a flows group can reuse `planEngagement` for its email actions.
 */
import type { Rng } from '../../../../lib/prng.ts';

export interface DelayRange {
  /** Shortest delay after the previous step, ms. */
  minMs: number;
  /** Longest delay after the previous step, ms (drawn uniformly in between). */
  maxMs: number;
}

export interface EngagementConfig {
  /** Chance a recipient opens the email (Opened Email), 0–1. */
  openRate: number;
  /** Chance an opener clicks a link (Clicked Email), 0–1. */
  clickRate: number;
  /** Chance an opener unsubscribes (Unsubscribed, and email marketing consent withdrawn), 0–1. */
  unsubscribeRate: number;
  /** How long after delivery the open comes. */
  openDelay: DelayRange;
  /** How long after the open the click comes. */
  clickDelay: DelayRange;
  /** How long after the open the unsubscribe comes. */
  unsubscribeDelay: DelayRange;
  /** The URL a click records (`URL` on Clicked Email). */
  clickUrl: string;
}

/** Rough email-marketing averages: about 40% of recipients open, a quarter of openers click. */
export const DEFAULT_ENGAGEMENT: EngagementConfig = {
  openRate: 0.4,
  clickRate: 0.25,
  unsubscribeRate: 0.02,
  openDelay: { minMs: 60_000, maxMs: 6 * 3_600_000 },
  clickDelay: { minMs: 5_000, maxMs: 600_000 },
  unsubscribeDelay: { minMs: 10_000, maxMs: 900_000 },
  clickUrl: 'https://dreamflow.example/stories',
};

export type EngagementKind = 'open' | 'click' | 'unsubscribe';

export interface EngagementStep {
  kind: EngagementKind;
  /** ms after delivery. */
  afterMs: number;
}

function delay(rng: Rng, range: DelayRange): number {
  return range.minMs + Math.floor(rng.next() * Math.max(0, range.maxMs - range.minMs));
}

/**
 * One recipient's engagement, in time order. The draws are made in a fixed order whatever the
 * outcome (open, open delay, click, click delay, unsubscribe, unsubscribe delay), so changing one
 * rate does not reshuffle every later recipient's draws.
 */
export function planEngagement(rng: Rng, config: EngagementConfig): EngagementStep[] {
  const opens = rng.next() < config.openRate;
  const openAt = delay(rng, config.openDelay);
  const clicks = rng.next() < config.clickRate;
  const clickAt = openAt + delay(rng, config.clickDelay);
  const unsubscribes = rng.next() < config.unsubscribeRate;
  const unsubscribeAt = openAt + delay(rng, config.unsubscribeDelay);
  if (!opens) return [];
  const steps: EngagementStep[] = [{ kind: 'open', afterMs: openAt }];
  if (clicks) steps.push({ kind: 'click', afterMs: clickAt });
  if (unsubscribes) steps.push({ kind: 'unsubscribe', afterMs: unsubscribeAt });
  return steps.sort((a, b) => a.afterMs - b.afterMs);
}
