/**
 * `dreamflow-sim report compare A B [--tolerance 0.1]`: compare two report.json files (A = baseline).
 * `dreamflow-sim report render FILE [--out DIR]`: re-render report.md / report.html from a report.json.
 * `dreamflow-sim report merge A.json B.json … --out DIR`: merge the `run --shard i/n` reports of one run.
 * Exit codes: 0 no regression (merge: thresholds and baseline pass), 1 regressions (merge: a threshold
 * or the baseline fails), 2 bad input.
 */
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { compareReports } from '../../report/compare.ts';
import { exitCodeOf } from '../../report/json-summary.ts';
import { mergeShardReports } from '../../report/merge.ts';
import { fmtFigure, readReport } from '../../report/model.ts';
import { emitOutputs } from '../../report/outputs.ts';
import { writeReports } from '../../report/write.ts';
import { packageVersion } from './run.ts';

interface MergeOptions {
  out: string;
  baseline?: string;
  tolerance: string;
  junit?: string;
  json?: boolean;
}

export function register(program: Command): void {
  const report = program
    .command('report')
    .description('Work with report.json files: compare against a baseline, re-render');

  report
    .command('compare')
    .description(
      'Compare a report with a baseline; counts must match exactly, timings and rates within --tolerance',
    )
    .argument('<baseline>', 'baseline report.json (e.g. reports/reference/report.json)')
    .argument('<current>', 'report.json to check')
    .option('--tolerance <ratio>', 'allowed relative drift in the bad direction for timings and rates', '0.1')
    .option('--json', 'print the comparison as JSON')
    .action((baselineFile: string, currentFile: string, opts: { tolerance: string; json?: boolean }) => {
      let code: number;
      try {
        const tolerance = Number(opts.tolerance);
        if (!(tolerance >= 0))
          throw new Error(`--tolerance expects a ratio such as 0.1, got "${opts.tolerance}"`);
        const c = compareReports(readReport(baselineFile), readReport(currentFile), {
          tolerance,
          baselineFile,
        });
        if (opts.json) process.stdout.write(`${JSON.stringify(c, null, 2)}\n`);
        else {
          process.stdout.write(
            `baseline ${baselineFile} (${c.baseline.scenario}, seed ${c.baseline.seed}) vs ${currentFile}, tolerance ${tolerance}\n`,
          );
          if (c.comparableNote) process.stdout.write(`note: ${c.comparableNote}\n`);
          for (const row of c.rows) {
            if (row.status === 'same' || row.status === 'info') continue;
            const mark = row.status === 'regressed' || row.status === 'changed' ? '✗' : '·';
            const change =
              row.change === null ? '' : ` (${row.change >= 0 ? '+' : ''}${(row.change * 100).toFixed(1)} %)`;
            process.stdout.write(
              `  ${mark} ${row.figure.padEnd(36)} ${fmtFigure(row.figure, row.baseline)} → ${fmtFigure(row.figure, row.current)}${change} ${row.status}\n`,
            );
          }
          process.stdout.write(c.passed ? '✓ no regressions\n' : `✗ ${c.regressions.length} regression(s)\n`);
        }
        code = c.passed ? 0 : 1;
      } catch (err) {
        process.stderr.write(`error: ${(err as Error).message}\n`);
        code = 2;
      }
      process.exitCode = code;
    });

  report
    .command('render')
    .description('Re-render report.md and report.html from a report.json')
    .argument('<report>', 'report.json')
    .option('--out <dir>', 'output directory (default: next to the report.json)')
    .action(async (file: string, opts: { out?: string }) => {
      try {
        const files = await writeReports(readReport(file), opts.out ?? dirname(file));
        process.stdout.write(`${files.markdown}\n${files.html}\n`);
      } catch (err) {
        process.stderr.write(`error: ${(err as Error).message}\n`);
        process.exitCode = 2;
      }
    });

  report
    .command('merge')
    .description(
      'Merge the reports of "run --shard i/n" (one per machine) into the run\'s report; thresholds are judged on the merge',
    )
    .argument('<reports...>', 'the shard report.json files, one per shard, in any order')
    .option(
      '--out <dir>',
      'directory for the merged report.json, report.md and report.html',
      'reports/merged',
    )
    .option('--baseline <file>', 'compare the merged report with a baseline report.json; regressions fail')
    .option('--tolerance <ratio>', 'allowed relative drift for timings and rates against the baseline', '0.1')
    .option('--junit <file>', 'also write JUnit XML (a test case per threshold and per scenario) to FILE')
    .option('--json', 'print a JSON summary on stdout (the text summary goes to stderr)')
    .action(async (files: string[], opts: MergeOptions) => {
      let merged: ReturnType<typeof mergeShardReports>;
      try {
        const tolerance = Number(opts.tolerance);
        if (!(tolerance >= 0))
          throw new Error(`--tolerance expects a ratio such as 0.1, got "${opts.tolerance}"`);
        const baseline = opts.baseline ? readReport(opts.baseline, `--baseline ${opts.baseline}`) : undefined;
        merged = mergeShardReports(
          files.map((file) => ({ file, report: readReport(file) })),
          packageVersion(),
        );
        if (baseline)
          merged.baseline = compareReports(baseline, merged, { tolerance, baselineFile: opts.baseline });
      } catch (err) {
        process.stderr.write(`error: ${(err as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      await emitOutputs(merged, {
        out: opts.out,
        junit: opts.junit,
        json: opts.json,
        before: [`merged ${files.length} shard report(s): ${merged.merged!.files.join(', ')}`],
      });
      // A shard cut short makes the merge incomplete: a failure, not an interruption of this command.
      process.exitCode = merged.partial ? 1 : exitCodeOf(merged);
    });
}
