/**
 * Writes a run to `bench-<timestamp>.json`, `latest.json` and `latest.md`. Reports are documentation,
 * never test verdicts: a missed target is printed, not thrown.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchReport, CaseResult, SuiteResult, TargetResult } from './types.ts';

export interface WrittenReport {
  json: string;
  latestJson: string;
  latestMd: string;
}

export function writeReports(outDir: string, report: BenchReport): WrittenReport {
  mkdirSync(outDir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const json = path.join(outDir, `bench-${stamp}.json`);
  const latestJson = path.join(outDir, 'latest.json');
  const latestMd = path.join(outDir, 'latest.md');
  const text = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(json, text);
  writeFileSync(latestJson, text);
  writeFileSync(latestMd, renderMarkdown(report));
  return { json, latestJson, latestMd };
}

export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const lines: string[] = [
    `# dreamflow-sim benchmarks${report.quick ? ' (quick)' : ''}`,
    '',
    `Run ${report.startedAt}, ${(report.durationMs / 1000).toFixed(1)} s.`,
    '',
    '| CPU | Cores | Memory | Node | OS | Load avg (start → end) |',
    '| --- | ---: | ---: | --- | --- | --- |',
    `| ${m.cpuModel} | ${m.cores} | ${m.totalMemMb} MB | ${m.node} | ${m.os} (${m.arch}) | ${m.loadAvgStart ?? '?'} → ${m.loadAvgEnd ?? '?'} |`,
    '',
  ];
  const targets = report.suites.flatMap((s) => s.targets.map((t) => ({ suite: s.suite, ...t })));
  if (targets.length > 0) {
    lines.push(
      '## Targets',
      '',
      '| Suite | Target | Goal | Measured | Met | What bounds the gap |',
      '| --- | --- | --- | ---: | :---: | --- |',
    );
    for (const t of targets) lines.push(targetRow(t.suite, t));
    lines.push('');
  }
  for (const suite of report.suites) lines.push(...renderSuite(suite));
  return `${lines.join('\n')}\n`;
}

function targetRow(suite: string, t: TargetResult): string {
  const met = t.met === null ? '–' : t.met ? '✓' : '✗';
  const actual = t.actual === null ? 'n/a' : `${fmt(t.actual)}${t.unit ? ` ${t.unit}` : ''}`;
  return `| ${suite} | ${t.name} | ${t.goal} | ${actual} | ${met} | ${escapeCell(t.bound ?? '')} |`;
}

function renderSuite(suite: SuiteResult): string[] {
  const out = [`## ${suite.suite}`, ''];
  if (suite.status !== 'ok') {
    out.push(`**${suite.status}**: ${escapeCell(suite.reason ?? '')}`, '');
  }
  if (suite.cases.length > 0) {
    // One table per group so that side-by-side comparisons (mock vs. Express vs. node:http) line up.
    const groups = new Map<string, CaseResult[]>();
    for (const c of suite.cases) {
      const key = c.group ?? '';
      groups.set(key, [...(groups.get(key) ?? []), c]);
    }
    for (const [group, all] of groups) {
      if (group) out.push(`### ${group}`, '');
      // Cases that could not run have no figures: list them instead of an empty table row.
      for (const c of all.filter((x) => x.error))
        out.push(`- **${escapeCell(c.name)}**: ${escapeCell(c.error!)}`);
      const cases = all.filter((x) => !x.error);
      if (cases.length === 0) {
        out.push('');
        continue;
      }
      if (cases.length < all.length) out.push('');
      const keys = [...new Set(cases.flatMap((c) => Object.keys(c.metrics)))];
      out.push(`| Case | ${keys.join(' | ')} |`, `| --- | ${keys.map(() => '---:').join(' | ')} |`);
      for (const c of cases) {
        const cells = keys.map((k) => (k in c.metrics ? fmt(c.metrics[k]!) : ''));
        out.push(`| ${escapeCell(c.name)} | ${cells.join(' | ')} |`);
      }
      const notes = cases.flatMap((c) => (c.notes ?? []).map((n) => `- ${c.name}: ${n}`));
      out.push('', ...(notes.length ? [...notes, ''] : []));
    }
  }
  if (suite.findings?.length) out.push('**Findings**', '', ...suite.findings.map((f) => `- ${f}`), '');
  out.push(`_Suite time: ${(suite.durationMs / 1000).toFixed(1)} s._`, '');
  return out;
}

/** Three significant digits for small numbers, thousands separators for big ones. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1000) return Math.round(n).toLocaleString('en-US');
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  if (abs >= 1) return n.toFixed(2);
  if (abs === 0) return '0';
  return n.toPrecision(3);
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
