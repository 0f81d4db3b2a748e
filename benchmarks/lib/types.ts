/**
 * The shape of a benchmark run: suites of cases, each case a set of named figures, plus targets
 * (goals from issue 7, reported as met / not met, never asserted in tests).
 */

export type SuiteName = 'micro' | 'http' | 'inprocess' | 'delivery' | 'harness';
export const SUITE_NAMES: readonly SuiteName[] = ['micro', 'http', 'inprocess', 'delivery', 'harness'];

/** One measured thing: a tinybench task, an autocannon run, a harness run. */
export interface CaseResult {
  name: string;
  /** Group within the suite, e.g. `create-event` for the HTTP cases that compare against each other. */
  group?: string;
  /** Figures keyed by name with their unit in the key: `opsPerSec`, `meanMs`, `p99Ms`, `reqPerSec`, `rssMb`… */
  metrics: Record<string, number>;
  /** Free-text notes (how it was measured, what was skipped). */
  notes?: string[];
  /** Set when the case could not run; metrics are then empty. */
  error?: string;
}

export interface TargetResult {
  /** Human name, e.g. `create-event >= 0.75 x bare Express`. */
  name: string;
  /** The goal as text, e.g. `>= 0.75`. */
  goal: string;
  /** The measured value (null when it could not be measured). */
  actual: number | null;
  unit?: string;
  met: boolean | null;
  /** Where not met: what bounds the gap (profile hot path, SDK ceiling, …). */
  bound?: string;
}

export interface SuiteResult {
  suite: SuiteName | string;
  status: 'ok' | 'skipped' | 'failed';
  /** Why skipped or failed, e.g. `skipped: module not available (mocks/klaviyo/index.ts)`. */
  reason?: string;
  durationMs: number;
  cases: CaseResult[];
  targets: TargetResult[];
  /** Findings in prose: where the time goes, profile hot paths. */
  findings?: string[];
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  totalMemMb: number;
  node: string;
  os: string;
  arch: string;
  /** 1-minute load average when the run started and ended: a busy machine explains noisy figures. */
  loadAvgStart?: number;
  loadAvgEnd?: number;
}

export interface BenchReport {
  schema: 'dreamflow-sim/bench@1';
  startedAt: string;
  durationMs: number;
  quick: boolean;
  machine: MachineInfo;
  suites: SuiteResult[];
}

/** What every suite receives. */
export interface BenchContext {
  quick: boolean;
  /** Output directory (profiles and temporary files go under it). */
  outDir: string;
  /** Write a `--cpu-prof` profile of the Klaviyo mock where a suite supports it. */
  cpuProfile: boolean;
  log(line: string): void;
  /** Deadline for the whole suite (ms since epoch); suites check it between cases. */
  deadline: number;
}

export type Suite = (ctx: BenchContext) => Promise<Omit<SuiteResult, 'suite' | 'durationMs'>>;

/** Build a target result from a measured value and a comparison. */
export function target(
  name: string,
  actual: number | null | undefined,
  op: '>=' | '<=',
  goal: number,
  unit?: string,
  bound?: string,
): TargetResult {
  const value = actual === undefined || actual === null || Number.isNaN(actual) ? null : actual;
  const met = value === null ? null : op === '>=' ? value >= goal : value <= goal;
  return {
    name,
    goal: `${op} ${goal}${unit ? ` ${unit}` : ''}`,
    actual: value,
    unit,
    met,
    bound: met ? undefined : bound,
  };
}
