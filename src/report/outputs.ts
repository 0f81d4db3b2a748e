/**
 * What `run` and `report merge` both end with: report.json/.md/.html in the out directory, JUnit XML
 * when asked, the text summary, and with `--json` a JSON summary on stdout (the text then on stderr,
 * so `| jq` reads clean JSON).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { jsonSummary } from './json-summary.ts';
import { renderJunit } from './junit.ts';
import type { ReportDocument } from './model.ts';
import { renderSummary } from './summary.ts';
import { writeReports } from './write.ts';

export interface OutputOptions {
  out: string;
  junit?: string;
  json?: boolean;
  /** Lines printed before the summary (e.g. which shards were merged). */
  before?: string[];
  /** Lines printed after the report paths (e.g. exported data). */
  after?: string[];
}

export async function emitOutputs(
  report: ReportDocument,
  opts: OutputOptions,
): Promise<Record<string, string>> {
  const files: Record<string, string> = { ...(await writeReports(report, opts.out)) };
  if (opts.junit) {
    files.junit = resolve(opts.junit);
    mkdirSync(dirname(files.junit), { recursive: true });
    writeFileSync(files.junit, renderJunit(report));
  }
  const human = opts.json ? process.stderr : process.stdout;
  for (const line of opts.before ?? []) human.write(`${line}\n`);
  human.write(`\n${renderSummary(report, Boolean(human.isTTY))}\n`);
  human.write(
    `reports: ${[files.json, files.markdown, files.html, files.junit].filter(Boolean).join('\n         ')}\n`,
  );
  for (const line of opts.after ?? []) human.write(`${line}\n`);
  if (opts.json) process.stdout.write(`${JSON.stringify(jsonSummary(report, files), null, 2)}\n`);
  return files;
}
