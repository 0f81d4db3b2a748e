/**
 * `run --json`: the run's outcome as one JSON object on stdout, for scripts and CI steps (`jq
 * .passed`). The full figures stay in report.json; this is what a pipeline decides on. Stable keys;
 * a figure with nothing to measure is null (n/a), never 0.
 */
import type { ReportDocument } from './model.ts';

export interface JsonSummary {
  tool: string;
  scenario: { name: string; seed: number; users: number; faults: string; mode: string; duration: string };
  passed: boolean;
  partial: boolean;
  /** The exit code `run` ends with: 0 passed, 1 a threshold or the baseline failed, 130 interrupted. */
  exitCode: 0 | 1 | 130;
  journeys: ReportDocument['metrics']['journeys'];
  thresholds: { source: string; metric: string; actual: number | null; passed: boolean }[];
  baseline: { passed: boolean; regressions: string[] } | null;
  figures: Record<string, number | null>;
  reports: Record<string, string>;
}

export function exitCodeOf(r: ReportDocument): 0 | 1 | 130 {
  if (r.partial) return 130;
  // A shard's thresholds wait for the merged report (`report merge`): the slice ran, that is all.
  if (r.shard) return r.passed ? 0 : 1;
  const failed = r.thresholds.some((t) => !t.passed) || (r.baseline !== undefined && !r.baseline.passed);
  return failed ? 1 : 0;
}

export function jsonSummary(r: ReportDocument, reports: Record<string, string> = {}): JsonSummary {
  return {
    tool: `${r.tool.name} ${r.tool.version}`,
    scenario: {
      name: r.scenario.name,
      seed: r.scenario.seed,
      users: r.scenario.users,
      faults: r.scenario.faults,
      mode: r.scenario.mode,
      duration: r.scenario.duration,
    },
    passed: r.passed && (r.baseline?.passed ?? true),
    partial: r.partial,
    exitCode: exitCodeOf(r),
    journeys: r.metrics.journeys,
    thresholds: r.thresholds.map((t) => ({
      source: t.source,
      metric: t.metric,
      actual: t.actual,
      passed: t.passed,
    })),
    baseline: r.baseline
      ? { passed: r.baseline.passed, regressions: r.baseline.regressions.map((row) => row.figure) }
      : null,
    figures: r.figures,
    reports,
  };
}
