/** The console summary printed at the end of a run (k6-style ✓/✗ per threshold). */

import { type KindFigures, lostJobs } from '../harness/metrics.ts';
import { mcpSummaryLine } from './mcp.ts';
import {
  callsLine,
  deliveryLine,
  fmtFigure,
  fmtMs,
  fmtNum,
  fmtPct,
  journeysLine,
  type ReportDocument,
  retryLine,
} from './model.ts';

export function renderSummary(r: ReportDocument, color = false): string {
  const green = (t: string) => (color ? `\x1b[32m${t}\x1b[0m` : t);
  const red = (t: string) => (color ? `\x1b[31m${t}\x1b[0m` : t);
  const dim = (t: string) => (color ? `\x1b[2m${t}\x1b[0m` : t);
  /** `tracked N = delivered + pending + dead-lettered ✓ conserved` for one kind of outbox job (or all). */
  const fateLine = (label: string, k: KindFigures, extra = ''): string => {
    const lost = lostJobs(k);
    const folded = k.coalesced ? ` + coalesced ${k.coalesced}` : '';
    return `${label}tracked ${k.tracked} = delivered ${k.delivered}${folded} + pending ${k.pending} + dead-lettered ${k.deadLettered} ${lost === 0 ? green('✓ conserved') : red(`✗ ${lost} lost`)}${extra}`;
  };
  const m = r.metrics;
  const lines: string[] = [];
  lines.push(
    `scenario ${r.scenario.name} · seed ${r.scenario.seed} · ${r.scenario.users} users · faults ${r.scenario.faults} · ${r.scenario.mode}${r.partial ? ' · PARTIAL (interrupted)' : ''}`,
    '',
    `  journeys ........ ${journeysLine(m.journeys)} · ${fmtNum(m.journeys.perSecond, 1)} whole journeys/s (wall)`,
    `  event tracking .. p50 ${fmtMs(m.latency.event_tracking.p50)}  p95 ${fmtMs(m.latency.event_tracking.p95)}  p99 ${fmtMs(m.latency.event_tracking.p99)}  max ${fmtMs(m.latency.event_tracking.max)}  (${callsLine(m.latency.event_tracking.count, m.events.byKind?.event.tracked, 'events')})`,
    `  profile sync .... p50 ${fmtMs(m.latency.profile_sync.p50)}  p95 ${fmtMs(m.latency.profile_sync.p95)}  p99 ${fmtMs(m.latency.profile_sync.p99)}  max ${fmtMs(m.latency.profile_sync.max)}  (${callsLine(m.latency.profile_sync.count, m.events.byKind?.profile.tracked, 'syncs')})`,
    `  Klaviyo API ..... success ${fmtPct(m.klaviyo.apiSuccessRate)} · retry success ${retryLine(m.klaviyo)} · in-call retries ${m.klaviyo.retries} · ${m.klaviyo.throttled}× 429`,
    `  cache ........... hit rate ${fmtPct(m.cache.hitRate)} · ${m.cache.savedCalls} calls saved (${fmtPct(m.cache.callsSavedRate)})`,
    ...mcpSummaryLine(m.mcp),
    ...(deliveryLine(m) ? [`  delivery ........ ${deliveryLine(m)}`] : []),
    ...(m.events.byKind
      ? [
          fateLine(
            '  events .......... ',
            m.events.byKind.event,
            ` · stored in mock ${m.events.stored ?? 'n/a'}, expected ${m.events.expected}`,
          ),
          fateLine('  profile syncs ... ', m.events.byKind.profile),
          fateLine('  outbox total .... ', m.events),
        ]
      : [fateLine('  outbox jobs ..... ', m.events)]),
    '',
  );
  if (r.thresholds.length) {
    lines.push(
      r.shard
        ? `  thresholds (shard ${r.shard.index}/${r.shard.count}: thresholds are judged on the merged report; measured on this slice)`
        : '  thresholds',
    );
    for (const t of r.thresholds) {
      const mark = t.passed ? green('✓') : red('✗');
      lines.push(`    ${mark} ${t.source.padEnd(44)} ${dim(`measured ${fmtFigure(t.metric, t.actual)}`)}`);
    }
    lines.push('');
  }
  if (r.merged)
    lines.push(`  merged from ${r.merged.shards} shard reports: ${r.merged.files.join(', ')}`, '');
  if (r.baseline) {
    const b = r.baseline;
    lines.push(
      `  baseline ${b.passed ? green('✓ no regressions') : red(`✗ ${b.regressions.length} regression(s)`)} (tolerance ${fmtPct(b.tolerance)})`,
    );
    if (b.comparableNote) lines.push(`    ${dim(b.comparableNote)}`);
    for (const row of b.regressions) {
      lines.push(
        `    ${red('✗')} ${row.figure}: ${fmtFigure(row.figure, row.baseline)} → ${fmtFigure(row.figure, row.current)}`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}
