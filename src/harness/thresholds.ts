/**
 * Thresholds: `event_tracking_latency.p95 < 200`, `retry_success_rate > 0.95`, `events_lost == 0`,
 * and k6's own syntax beside it: `event_tracking_latency: p(95)<200` (or, in a scenario file, the map
 * `thresholds: { event_tracking_latency: ['p(95)<200', 'avg<100'] }`), with k6's aggregates `p(N)`,
 * `avg`, `med`, `min`, `max`, `count`, `rate` and `value`.
 *
 * A threshold names a metric from the catalogue below (latency metrics need an aggregate such as
 * `.p95`), a comparison, and a number (`%` allowed: `99.7%` is 0.997). Parsing fails with a message
 * that says what was expected, so a typo in a scenario file is caught when the file is loaded.
 */

import { MCP_METRIC_CATALOGUE } from './mcp-figures.ts';
import { SYSTEM_METRICS } from './systems/ledger.ts';

export type Comparator = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface Threshold {
  /** The text as written. */
  source: string;
  /** `event_tracking_latency.p95`, `events_lost`, … */
  metric: string;
  op: Comparator;
  value: number;
}

export interface ThresholdResult extends Threshold {
  actual: number | null;
  passed: boolean;
}

export const LATENCY_AGGREGATES = ['p50', 'p90', 'p95', 'p99', 'max', 'min', 'mean', 'count'] as const;

/** Every metric a threshold may name, with its unit (for reports) and meaning. */
export const METRIC_CATALOGUE: Record<string, { unit: 'ms' | 'ratio' | 'count' | 'per_s'; help: string }> = {
  event_tracking_latency: { unit: 'ms', help: 'create_event calls as the app sees them, retries included' },
  profile_sync_latency: { unit: 'ms', help: 'profile create/update/import calls, retries included' },
  klaviyo_call_latency: { unit: 'ms', help: 'every Klaviyo call, retries included' },
  journey_step_latency: { unit: 'ms', help: 'backend API calls made by the journeys' },
  api_success_rate: { unit: 'ratio', help: 'Klaviyo HTTP attempts that succeeded / all attempts' },
  call_success_rate: { unit: 'ratio', help: 'Klaviyo calls that succeeded in the end / all calls' },
  retry_success_rate: {
    unit: 'ratio',
    help: 'outbox jobs (events, profile syncs) that met a failure and were delivered in the end / jobs that met a failure (without an outbox: calls); n/a when nothing failed',
  },
  call_retry_success_rate: {
    unit: 'ratio',
    help: 'calls (reads included) that failed an attempt and succeeded within the same call / calls that failed an attempt',
  },
  retry_after_honoured_rate: {
    unit: 'ratio',
    help: 'retries after a 429 that waited at least Retry-After / such retries',
  },
  retries: { unit: 'count', help: 'retry attempts made' },
  throttled_responses: { unit: 'count', help: '429 answers the integration received' },
  cache_hit_rate: { unit: 'ratio', help: 'cache hits / lookups' },
  api_calls_saved: { unit: 'count', help: 'Klaviyo calls the cache avoided' },
  api_calls_saved_rate: {
    unit: 'ratio',
    help: 'calls avoided / calls that would have been made without the cache',
  },
  events_tracked: { unit: 'count', help: 'events the app asked to track' },
  events_delivered: { unit: 'count', help: 'events the outbox delivered' },
  events_stored: { unit: 'count', help: 'events the Klaviyo mock holds' },
  events_pending: { unit: 'count', help: 'events still in the outbox after the final flush' },
  events_dead_lettered: { unit: 'count', help: 'events that exhausted their retries' },
  events_lost: { unit: 'count', help: 'tracked − delivered − pending − dead-lettered (must be 0)' },
  journeys_started: { unit: 'count', help: 'journeys begun' },
  journeys_completed: { unit: 'count', help: 'journeys that ran every step' },
  journeys_failed: { unit: 'count', help: 'journeys stopped by an error' },
  journeys_truncated: {
    unit: 'count',
    help: 'journeys the end of the run cut short, or never let start (every scenario checks == 0)',
  },
  journey_error_rate: { unit: 'ratio', help: 'failed journeys / started journeys' },
  step_error_rate: { unit: 'ratio', help: 'backend calls that failed / all backend calls' },
  journeys_per_second: { unit: 'per_s', help: 'journeys completed per second of wall time' },
  requests_per_second: { unit: 'per_s', help: 'backend calls per second of wall time' },
  ...MCP_METRIC_CATALOGUE,
  ...SYSTEM_METRICS,
};

const LINE = /^\s*([a-z_][a-z0-9_]*)(?:\.([a-z0-9_]+))?\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)(%?)\s*$/;

/** `metric: p(95) < 200`, k6's form: the metric, then an aggregate expression. */
const K6_LINE =
  /^\s*([a-z_][a-z0-9_]*)\s*:\s*(p\(\s*\d+(?:\.\d+)?\s*\)|avg|med|min|max|count|rate|value)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)(%?)\s*$/;

export class ThresholdSyntaxError extends Error {}

/** k6 aggregate → this tool's: `p(95)` → `p95`, `avg` → `mean`, `med` → `p50`; `rate`/`value`/`count` of a single figure → none. */
function k6Aggregate(name: string, agg: string): string | undefined {
  const info = METRIC_CATALOGUE[name];
  const latency = info?.unit === 'ms';
  const p = /^p\(\s*(\d+(?:\.\d+)?)\s*\)$/.exec(agg);
  if (p) {
    const mapped = `p${p[1]}`;
    if (latency && !(LATENCY_AGGREGATES as readonly string[]).includes(mapped))
      throw new ThresholdSyntaxError(
        `percentile ${agg} of ${name} is not measured; use one of p(50), p(90), p(95), p(99)`,
      );
    if (!latency) throw new ThresholdSyntaxError(`"${name}" is a single figure: ${agg} does not apply`);
    return mapped;
  }
  if (latency) {
    if (agg === 'avg') return 'mean';
    if (agg === 'med') return 'p50';
    if (agg === 'min' || agg === 'max' || agg === 'count') return agg;
    throw new ThresholdSyntaxError(
      `"${name}" is a latency: ${agg} does not apply; use p(N), avg, med, min, max or count`,
    );
  }
  if (agg === 'rate' && info && info.unit !== 'ratio')
    throw new ThresholdSyntaxError(`"${name}" is a ${info.unit}, not a rate: use value or count`);
  return undefined;
}

/** A k6 threshold map (`{ metric: ['p(95)<200'] }`) as threshold lines. */
export function k6ThresholdLines(map: Record<string, readonly string[]>): string[] {
  return Object.entries(map).flatMap(([metric, exprs]) => exprs.map((e) => `${metric}: ${e}`));
}

export function parseThreshold(source: string): Threshold {
  const k6 = K6_LINE.exec(source);
  if (k6) {
    const [, name, agg, op, num, percent] = k6;
    if (!METRIC_CATALOGUE[name!]) {
      throw new ThresholdSyntaxError(
        `unknown metric "${name}"; expected one of ${Object.keys(METRIC_CATALOGUE).join(', ')}`,
      );
    }
    const aggregate = k6Aggregate(name!, agg!.replace(/\s+/g, ''));
    return {
      source: source.trim(),
      metric: aggregate ? `${name}.${aggregate}` : name!,
      op: op as Comparator,
      value: percent ? Number(num) / 100 : Number(num),
    };
  }
  const m = LINE.exec(source);
  if (!m) {
    throw new ThresholdSyntaxError(
      `expected "<metric>[.<aggregate>] <op> <number>" with op one of < <= > >= == !=, e.g. "event_tracking_latency.p95 < 200", or k6's "<metric>: p(95) < 200"; got ${JSON.stringify(source)}`,
    );
  }
  const [, name, aggregate, op, num, percent] = m;
  const info = METRIC_CATALOGUE[name!];
  if (!info) {
    throw new ThresholdSyntaxError(
      `unknown metric "${name}"; expected one of ${Object.keys(METRIC_CATALOGUE).join(', ')}`,
    );
  }
  if (info.unit === 'ms' && !aggregate) {
    throw new ThresholdSyntaxError(
      `"${name}" is a latency: name an aggregate, one of ${LATENCY_AGGREGATES.map((a) => `${name}.${a}`).join(', ')}`,
    );
  }
  if (info.unit === 'ms' && !(LATENCY_AGGREGATES as readonly string[]).includes(aggregate!)) {
    throw new ThresholdSyntaxError(
      `unknown aggregate ".${aggregate}" for ${name}; expected one of ${LATENCY_AGGREGATES.join(', ')}`,
    );
  }
  if (info.unit !== 'ms' && aggregate) {
    throw new ThresholdSyntaxError(`"${name}" is a single figure and takes no ".${aggregate}"`);
  }
  return {
    source: source.trim(),
    metric: aggregate ? `${name}.${aggregate}` : name!,
    op: op as Comparator,
    value: percent ? Number(num) / 100 : Number(num),
  };
}

export function compare(actual: number, op: Comparator, expected: number): boolean {
  switch (op) {
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case '>':
      return actual > expected;
    case '>=':
      return actual >= expected;
    case '==':
      return actual === expected;
    case '!=':
      return actual !== expected;
  }
}

/**
 * Judge thresholds against flat figures (`{ 'event_tracking_latency.p95': 83, events_lost: 0 }`).
 * A metric with no data (null, e.g. a retry rate when nothing failed) passes only comparisons that a
 * vacuous truth satisfies for rates: it is reported as "n/a" and counted as passed, because "no call
 * needed a retry" must not fail `retry_success_rate > 0.95`.
 */
export function evaluateThresholds(
  thresholds: readonly Threshold[],
  figures: Record<string, number | null>,
): ThresholdResult[] {
  return thresholds.map((t) => {
    const actual = figures[t.metric] ?? null;
    const passed = actual === null ? true : compare(actual, t.op, t.value);
    return { ...t, actual, passed };
  });
}
