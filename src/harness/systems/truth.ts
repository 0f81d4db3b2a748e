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
