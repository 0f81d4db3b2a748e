/** Terminal summary of a run: each case's figures on one line, then the targets with ✓ / ✗. */
import { fmt } from './report.ts';
import type { BenchReport } from './types.ts';

export function renderTargets(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    `Machine: ${m.cpuModel}, ${m.cores} cores, Node ${m.node}, ${m.os}, load average ${m.loadAvgStart ?? '?'} → ${m.loadAvgEnd ?? '?'}`,
  ];
  for (const s of report.suites) {
    lines.push(`\n${s.suite}: ${s.status}${s.reason ? ` — ${s.reason.split('\n')[0]}` : ''}`);
    for (const c of s.cases) {
      const figures = Object.entries(c.metrics)
        .map(([k, v]) => `${k}=${fmt(v)}`)
        .join('  ');
      lines.push(`  ${c.group ? `${c.group} · ` : ''}${c.name}: ${c.error ? `error: ${c.error}` : figures}`);
    }
    for (const t of s.targets) {
      const mark = t.met === null ? '–' : t.met ? '✓' : '✗';
      const actual = t.actual === null ? 'n/a' : `${fmt(t.actual)}${t.unit ? ` ${t.unit}` : ''}`;
      lines.push(
        `  ${mark} ${t.name}: ${actual} (goal ${t.goal})${t.met === false && t.bound ? ` — ${t.bound.slice(0, 200)}` : ''}`,
      );
    }
  }
  return lines.join('\n');
}
