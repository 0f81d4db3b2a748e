/**
 * Baseline comparison. Counts that a seed fixes (journeys, events, conservation) must match exactly;
 * timings and rates may drift within a relative tolerance in the bad direction; wall-clock throughput
 * depends on the machine and is shown but never gates.
 */
import type { ReportDocument } from './model.ts';

export type FigureKind = 'exact' | 'lower-better' | 'higher-better' | 'info';

export interface ComparisonRow {
  figure: string;
  kind: FigureKind;
  baseline: number | null;
  current: number | null;
  /** Relative change (current − baseline) / baseline; null when undefined. */
  change: number | null;
  status: 'same' | 'within tolerance' | 'improved' | 'regressed' | 'changed' | 'info';
}

export interface Comparison {
  baseline: {
    scenario: string;
    seed: number;
    users: number;
    faults: string;
    generatedAt: string;
    file?: string;
  };
  tolerance: number;
  /** Why exact counts are not gated (runs of different scenario/seed/users/faults), when that is the case. */
  comparableNote: string | null;
  rows: ComparisonRow[];
  regressions: ComparisonRow[];
  passed: boolean;
  /** The baseline's percentile curves ([percentile, ms]) by latency name, for the report's CDF overlay. */
  latencyCurves?: Record<string, [number, number][]>;
}

const EXACT = new Set([
  'events_tracked',
  'events_delivered',
  'events_stored',
  'events_pending',
  'events_dead_lettered',
  'events_lost',
  'journeys_started',
  'journeys_completed',
  'journeys_failed',
]);
const HIGHER_BETTER = new Set([
  'api_success_rate',
  'call_success_rate',
  'retry_success_rate',
  'retry_after_honoured_rate',
  'cache_hit_rate',
  'api_calls_saved_rate',
]);
const LOWER_BETTER = new Set(['journey_error_rate', 'step_error_rate']);

/** Latency deltas smaller than this (ms) are noise even when relatively large (0.2 → 0.3 ms). */
const LATENCY_FLOOR_MS = 1;

export function figureKind(name: string): FigureKind {
  if (EXACT.has(name) || name.endsWith('_latency.count')) return 'exact';
  if (HIGHER_BETTER.has(name)) return 'higher-better';
  if (LOWER_BETTER.has(name) || /_latency\.(p50|p90|p95|p99|max|mean)$/.test(name)) return 'lower-better';
  return 'info';
}

export function compareReports(
  baseline: ReportDocument,
  current: ReportDocument,
  options: { tolerance?: number; baselineFile?: string } = {},
): Comparison {
  const tolerance = options.tolerance ?? 0.1;
  const sameRun = (['name', 'seed', 'users', 'faults'] as const).filter(
    (k) => baseline.scenario[k] !== current.scenario[k],
  );
  const comparableNote = sameRun.length
    ? `baseline differs in ${sameRun.map((k) => `${k} (${baseline.scenario[k]} vs ${current.scenario[k]})`).join(', ')}: counts are shown but not gated`
    : null;

  const names = [...new Set([...Object.keys(baseline.figures), ...Object.keys(current.figures)])].sort();
  const rows: ComparisonRow[] = names.map((figure) => {
    let kind = figureKind(figure);
    if (kind === 'exact' && comparableNote) kind = 'info';
    const b = baseline.figures[figure] ?? null;
    const c = current.figures[figure] ?? null;
    const change = b === null || c === null ? null : b === 0 ? (c === 0 ? 0 : null) : (c - b) / Math.abs(b);
    return { figure, kind, baseline: b, current: c, change, status: judge(figure, kind, b, c, tolerance) };
  });
  const regressions = rows.filter(
    (r) => r.status === 'regressed' || (r.status === 'changed' && r.kind === 'exact'),
  );
  return {
    baseline: {
      scenario: baseline.scenario.name,
      seed: baseline.scenario.seed,
      users: baseline.scenario.users,
      faults: baseline.scenario.faults,
      generatedAt: baseline.generatedAt,
      file: options.baselineFile,
    },
    tolerance,
    comparableNote,
    rows,
    regressions,
    passed: regressions.length === 0,
    latencyCurves: Object.fromEntries(
      Object.entries(baseline.metrics?.latency ?? {}).map(([name, l]) => [name, l.curve ?? []]),
    ),
  };
}

function judge(
  figure: string,
  kind: FigureKind,
  b: number | null,
  c: number | null,
  tol: number,
): ComparisonRow['status'] {
  if (kind === 'info') return 'info';
  if (b === c) return 'same';
  if (kind === 'exact') return 'changed';
  // A figure that appears or disappears (a rate with no data on one side) is a change worth a look, not a gate.
  if (b === null || c === null) return 'info';
  const worse = kind === 'lower-better' ? c > b : c < b;
  if (!worse) return 'improved';
  const isLatency = figure.includes('_latency.');
  if (isLatency && Math.abs(c - b) < LATENCY_FLOOR_MS) return 'within tolerance';
  const limit = kind === 'lower-better' ? b * (1 + tol) : b * (1 - tol);
  const beyond = kind === 'lower-better' ? c > limit : c < limit;
  return beyond ? 'regressed' : 'within tolerance';
}
