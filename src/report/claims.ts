/**
 * The seeds' performance claims (docs `000_…` "Performance Metrics" and `001_…` "Cache Effectiveness"),
 * set against what a run measured. A claim is judged under the run's fault profile: "holds" there says
 * nothing about other profiles, which is why the report names the profile next to the table.
 */
import type { RunMetrics } from '../harness/metrics.ts';

export interface ClaimRow {
  id: string;
  claim: string;
  /** The seeds' stated figure and target, as written. */
  claimed: string;
  target: string | null;
  /** The measured figure (ms or ratio) and how it was measured. */
  measured: number | null;
  measuredLabel: string;
  unit: 'ms' | 'ratio';
  /**
   * `modelled`: measured against the harness's model of families (the personas' hidden preferences),
   * so it neither holds nor fails the claim; `measuredLabel` says what the model is.
   */
  verdict: 'holds' | 'meets target only' | 'does not hold' | 'not measured' | 'modelled';
}

interface ClaimSpec {
  id: string;
  claim: string;
  claimed: string;
  target: string | null;
  unit: 'ms' | 'ratio';
  /** Claimed value and target as numbers; `lower` = lower is better. */
  value: number;
  targetValue: number | null;
  lower: boolean;
  measure: (m: RunMetrics) => { value: number | null; label: string };
}

const CLAIMS: ClaimSpec[] = [
  {
    id: 'event_tracking_latency',
    claim: 'Event tracking latency',
    claimed: '~80 ms',
    target: '< 200 ms',
    unit: 'ms',
    value: 80,
    targetValue: 200,
    lower: true,
    measure: (m) => ({
      value: m.latency.event_tracking.p50,
      label: 'p50 of create_event calls, retries included',
    }),
  },
  {
    id: 'profile_sync_latency',
    claim: 'Profile sync latency',
    claimed: '~120 ms',
    target: '< 300 ms',
    unit: 'ms',
    value: 120,
    targetValue: 300,
    lower: true,
    measure: (m) => ({ value: m.latency.profile_sync.p50, label: 'p50 of profile create/update calls' }),
  },
  {
    id: 'api_success_rate',
    claim: 'API success rate',
    claimed: '99.7 %',
    target: '> 99 %',
    unit: 'ratio',
    value: 0.997,
    targetValue: 0.99,
    lower: false,
    measure: (m) => ({ value: m.klaviyo.apiSuccessRate, label: 'successful HTTP attempts / all attempts' }),
  },
  {
    id: 'retry_success_rate',
    claim: 'Retry success rate',
    claimed: '98 %',
    target: '> 95 %',
    unit: 'ratio',
    value: 0.98,
    targetValue: 0.95,
    lower: false,
    measure: (m) => ({
      value: m.klaviyo.retrySuccessRate,
      label: m.klaviyo.retried
        ? `${m.klaviyo.retried.unit} delivered after a failure / ${m.klaviyo.retried.unit} that met a failure`
        : 'recovered calls / calls that failed at least once',
    }),
  },
  {
    id: 'cache_hit_rate',
    claim: 'Cache hit rate (profile data)',
    claimed: '84 %',
    target: null,
    unit: 'ratio',
    value: 0.84,
    targetValue: null,
    lower: false,
    measure: (m) => ({ value: m.cache.hitRate, label: 'hits / lookups' }),
  },
  {
    id: 'api_calls_saved_rate',
    claim: 'Fewer API calls thanks to the cache',
    claimed: '80 %',
    target: null,
    unit: 'ratio',
    value: 0.8,
    targetValue: null,
    lower: false,
    measure: (m) => ({
      value: m.cache.callsSavedRate,
      label: 'calls avoided / calls needed without a cache',
    }),
  },
  {
    id: 'api_call_reduction',
    claim: 'API calls reduced (cache, bulk calls and coalesced syncs together)',
    claimed: '80 %',
    target: null,
    unit: 'ratio',
    value: 0.8,
    targetValue: null,
    lower: false,
    measure: (m) => ({
      value: m.delivery?.apiCallReduction ?? null,
      label: '1 − calls made / (jobs tracked + profile reads): against one call per event, sync and read',
    }),
  },
];

/** "~80 ms" is approximate: a measured median within 25 % above it still counts as holding. */
const APPROX = 1.25;

export function judgeClaims(m: RunMetrics): ClaimRow[] {
  return CLAIMS.map((c) => {
    const { value, label } = c.measure(m);
    let verdict: ClaimRow['verdict'];
    if (value === null) verdict = 'not measured';
    else if (c.lower ? value <= c.value * APPROX : value >= c.value) verdict = 'holds';
    else if (c.targetValue !== null && (c.lower ? value < c.targetValue : value > c.targetValue))
      verdict = 'meets target only';
    else verdict = 'does not hold';
    return {
      id: c.id,
      claim: c.claim,
      claimed: c.claimed,
      target: c.target,
      measured: value,
      measuredLabel: label,
      unit: c.unit,
      verdict,
    };
  });
}
