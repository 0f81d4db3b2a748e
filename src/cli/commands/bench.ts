/**
 * `dreamflow-sim bench [--quick] [--only SUITE…] [--out DIR] [--cpu-prof]`: the benchmark suite
 * (benchmarks/index.ts). Prints the targets with met / not met and writes reports/bench/latest.{json,md}.
 * Exit code is 0 whatever the figures: benchmarks document speed, they never fail a build.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';

const SUITES = ['micro', 'http', 'inprocess', 'delivery', 'harness'] as const;
type SuiteName = (typeof SUITES)[number];

function parseOnly(value: string, previous: SuiteName[] = []): SuiteName[] {
  const names = value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!(SUITES as readonly string[]).includes(n)) {
      throw new InvalidArgumentError(
        `unknown suite "${n}"; choose from ${SUITES.join(', ')} (comma-separated or repeated).`,
      );
    }
  }
  return [...previous, ...(names as SuiteName[])];
}

export function register(program: Command): void {
  program
    .command('bench')
    .description(
      'Run the benchmark suites (micro, http, inprocess, delivery, harness) and write reports/bench/latest.{json,md}',
    )
    .option('--quick', 'short durations and small datasets (about a minute; what CI runs)', false)
    .option(
      '--only <suite>',
      `run only these suites: ${SUITES.join('|')} (repeat or comma-separate)`,
      parseOnly,
    )
    .option('--out <dir>', 'output directory', 'reports/bench')
    .option(
      '--cpu-prof',
      'always write a --cpu-prof profile of the Klaviyo mock under load and summarise it',
      false,
    )
    .action(async (opts: { quick: boolean; only?: SuiteName[]; out: string; cpuProf: boolean }) => {
      const { runBench } = await import('../../../benchmarks/index.ts');
      const { renderTargets } = await import('../../../benchmarks/lib/summary.ts');
      const { report, files } = await runBench({
        quick: opts.quick,
        only: opts.only,
        outDir: opts.out,
        cpuProfile: opts.cpuProf,
      });
      process.stdout.write(`\n${renderTargets(report)}\n`);
      process.stdout.write(
        `Wrote ${files.latestMd}, ${files.latestJson} and ${files.json} (${(report.durationMs / 1000).toFixed(1)} s)\n`,
      );
    });
}
