/** Write report.json, report.md and report.html into a directory. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { packageInfo } from '../../lib/package-info.ts';
import { renderHtml } from './html.ts';
import { renderMarkdown } from './markdown.ts';
import type { ReportDocument } from './model.ts';

export interface WrittenReports {
  json: string;
  markdown: string;
  html: string;
}

export async function writeReports(report: ReportDocument, outDir: string): Promise<WrittenReports> {
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const files = {
    json: join(dir, 'report.json'),
    markdown: join(dir, 'report.md'),
    html: join(dir, 'report.html'),
  };
  // `$schema` points editors at schemas/report.schema.json, relative to wherever the report is written.
  const schema = relative(dir, join(packageInfo().root, 'schemas', 'report.schema.json'))
    .split(sep)
    .join('/');
  const { $schema: _old, ...body } = report as ReportDocument & { $schema?: string };
  writeFileSync(files.json, `${JSON.stringify({ $schema: schema, ...body }, null, 2)}\n`);
  writeFileSync(files.markdown, renderMarkdown(report));
  writeFileSync(files.html, await renderHtml(report));
  return files;
}
