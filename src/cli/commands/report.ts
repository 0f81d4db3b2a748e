/**
 * `dreamflow-sim report compare A B [--tolerance 0.1]`: compare two report.json files (A = baseline).
 * `dreamflow-sim report render FILE [--out DIR]`: re-render report.md / report.html from a report.json.
 * Exit codes: 0 no regression, 1 regressions, 2 bad input.
 */
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { compareReports } from '../../report/compare.ts';
import { fmtFigure, readReport } from '../../report/model.ts';
import { writeReports } from '../../report/write.ts';

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
}
