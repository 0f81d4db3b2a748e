/**
 * The benchmark runner behind `npm run bench` / `dreamflow-sim bench`: runs the suites in order, each
 * under its own time budget, and writes `reports/bench/{bench-<ts>.json,latest.json,latest.md}`.
 *
 * Figures are documentation, not verdicts: a missed target is reported, never thrown, and a suite whose
 * module has not landed is reported as skipped.
 */
import { performance } from 'node:perf_hooks';
import { describeMachine, loadAverage } from './lib/machine.ts';
import { ModuleUnavailable } from './lib/optional.ts';
import { type WrittenReport, writeReports } from './lib/report.ts';
import { type BenchReport, SUITE_NAMES, type Suite, type SuiteName, type SuiteResult } from './lib/types.ts';

export type { BenchReport, SuiteResult } from './lib/types.ts';

export interface BenchOptions {
  quick?: boolean;
  /** Run only these suites (default: all). */
  only?: SuiteName[];
  /** Output directory (default `reports/bench`). */
  outDir?: string;
  /** Force a `--cpu-prof` run of the Klaviyo mock even when targets are met. */
  cpuProfile?: boolean;
  log?: (line: string) => void;
  /** Suites to run instead of the built-in ones (the smoke test uses a tiny one). */
  suites?: Partial<Record<string, Suite>>;
}

/**
 * Per-suite time budgets (ms). The full run takes about an hour on 2 cores, most of it the harness's
 * 100,000 whole journeys (~40 min at ~45 journeys/s); quick is under 2 min (what CI runs).
 */
const BUDGET_MS: Record<SuiteName, { full: number; quick: number }> = {
  micro: { full: 100_000, quick: 25_000 },
  http: { full: 170_000, quick: 30_000 },
  inprocess: { full: 100_000, quick: 25_000 },
  // Two 45 s load runs with their drains, then six small scenario runs.
  delivery: { full: 900_000, quick: 60_000 },
  // 1k, 10k and 100k families: the 100k run takes what is left; cut short, it is reported as partial
  // with a projection labelled as one.
  harness: { full: 4_500_000, quick: 35_000 },
};

async function loadSuite(name: SuiteName): Promise<Suite> {
  switch (name) {
    case 'micro':
      return (await import('./suites/micro.ts')).microSuite;
    case 'http':
      return (await import('./suites/http.ts')).httpSuite;
    case 'inprocess':
      return (await import('./suites/inprocess.ts')).inprocessSuite;
    case 'delivery':
      return (await import('./suites/delivery.ts')).deliverySuite;
    case 'harness':
      return (await import('./suites/harness.ts')).harnessSuite;
  }
}

export async function runBench(
  options: BenchOptions = {},
): Promise<{ report: BenchReport; files: WrittenReport }> {
  const quick = options.quick ?? false;
  const outDir = options.outDir ?? 'reports/bench';
  const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const startedAt = new Date();
  const machine = describeMachine();
  const t0 = performance.now();
  const names: string[] = options.suites ? Object.keys(options.suites) : (options.only ?? [...SUITE_NAMES]);
  const suites: SuiteResult[] = [];
  for (const name of names) {
    const s0 = performance.now();
    const budget = BUDGET_MS[name as SuiteName]?.[quick ? 'quick' : 'full'] ?? 60_000;
    log(`▶ ${name}${quick ? ' (quick)' : ''}`);
    try {
      const suite = options.suites?.[name] ?? (await loadSuite(name as SuiteName));
      const out = await suite({
        quick,
        outDir,
        cpuProfile: options.cpuProfile ?? false,
        log,
        deadline: Date.now() + budget,
      });
      suites.push({ suite: name, durationMs: performance.now() - s0, ...out });
    } catch (err) {
      const unavailable = err instanceof ModuleUnavailable;
      suites.push({
        suite: name,
        status: unavailable ? 'skipped' : 'failed',
        reason: unavailable ? `skipped: ${err.message}` : `${(err as Error).stack ?? err}`.slice(0, 2000),
        durationMs: performance.now() - s0,
        cases: [],
        targets: [],
      });
    }
    const last = suites[suites.length - 1]!;
    log(
      `  ${name}: ${last.status}${last.reason ? ` (${last.reason.split('\n')[0]})` : ''} in ${(last.durationMs / 1000).toFixed(1)} s`,
    );
  }
  const report: BenchReport = {
    schema: 'dreamflow-sim/bench@1',
    startedAt: startedAt.toISOString(),
    durationMs: performance.now() - t0,
    quick,
    machine: { ...machine, loadAvgEnd: loadAverage() },
    suites,
  };
  const files = writeReports(outDir, report);
  return { report, files };
}
