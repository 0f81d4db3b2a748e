/**
 * The seeds' claims about Dream Flow's systems (doc `001_…`, "Measurable impact": "82% churn prediction
 * accuracy", "23% completion increase"), set against what a run with those systems measured. Rows are
 * always there, "not measured" when the run did not exercise the system, so every report shows which
 * scenario would measure them. The third claim of that sentence, "80% API call reduction", is the
 * cache's row in claims.ts (`api_calls_saved_rate`), measured by every scenario (and, for batching, by
 * the outbox work of issue 16).
 */
import type { SystemsFigures } from '../harness/systems/ledger.ts';
import type { ClaimRow } from './claims.ts';

export function judgeSystemClaims(s: SystemsFigures | undefined): ClaimRow[] {
  const accuracy = s?.churn?.predictor.accuracy ?? null;
  const c = s?.churn?.predictor;
  const ab = s?.adaptive;
  const increase = ab?.increase ?? null;
  return [
    {
      id: 'churn_prediction_accuracy',
      claim: 'Churn prediction accuracy',
      claimed: '82 %',
      target: null,
      measured: accuracy,
      measuredLabel: c
        ? `families the churn score (>= ${s?.churn?.threshold}) classed right at its first run vs their hidden churn outcome (precision ${pct(c.precision)}, recall ${pct(c.recall)}, ${c.tp + c.fp + c.fn + c.tn} families)`
        : 'measured by the churn-and-winback scenario (hidden churn propensity per family)',
      unit: 'ratio',
      verdict: accuracy === null ? 'not measured' : accuracy >= 0.82 ? 'holds' : 'does not hold',
    },
    {
      id: 'story_completion_increase',
      claim: 'Story completion increase (adaptive stories)',
      claimed: '23 %',
      target: null,
      measured: increase,
      measuredLabel: ab
        ? `relative increase in stories finished, adaptive arm ${pct(ab.arms.adaptive.completionRate)} (${ab.arms.adaptive.stories} stories) vs plain arm ${pct(ab.arms.plain.completionRate)} (${ab.arms.plain.stories} stories), judged against the personas' modelled listening preferences: it shows the engine's decisions reach the stories and the A/B measures them, not how real children listen`
        : 'measured by the adaptive-stories scenario (A/B against modelled listening preferences)',
      unit: 'ratio',
      // A model's number can show the engine works end to end; it cannot confirm or refute the seeds' 23 %.
      verdict: increase === null ? 'not measured' : 'modelled',
    },
  ];
}

function pct(v: number | null): string {
  return v === null ? 'n/a' : `${(v * 100).toFixed(1)} %`;
}
