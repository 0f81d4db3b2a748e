/** `report.md`: the run in a form that reads well in a pull request. */

import { mcpMarkdown } from './mcp.ts';
import {
  deliveryLine,
  fmtChange,
  fmtFigure,
  fmtMs,
  fmtNum,
  fmtPct,
  integrationLine,
  journeysLine,
  type ReportDocument,
  retryLine,
} from './model.ts';
import { systemsMarkdown } from './systems-section.ts';

export function renderMarkdown(r: ReportDocument): string {
  const m = r.metrics;
  const s = r.scenario;
  const out: string[] = [];
  const verdict = r.partial
    ? '⚠️ partial run (interrupted)'
    : r.shard
      ? `🧩 shard ${r.shard.index}/${r.shard.count} (thresholds are judged on the merged report)`
      : r.passed
        ? '✅ all thresholds passed'
        : '❌ thresholds failed';
  out.push(`# dreamflow-sim: \`${s.name}\` — ${verdict}`, '');
  if (s.description) out.push(`> ${s.description.trim().replace(/\n/g, '\n> ')}`, '');
  out.push(
    `**Fault profile:** \`${s.faults}\` · **seed** ${s.seed} · **users** ${s.users} · **simulated duration** ${s.duration} · **mode** ${s.mode}`,
    '',
    `Ran on Node ${r.environment.node}, ${r.environment.os}, ${r.environment.cpus}× ${r.environment.cpu}; ${fmtNum(m.time.wallMs / 1000, 2)} s wall time.`,
    '',
  );

  if (r.merged)
    out.push(
      `Merged from ${r.merged.shards} shard reports: ${r.merged.files.map((f) => `\`${f}\``).join(', ')}.`,
      '',
    );
  out.push('## Thresholds', '');
  if (r.shard)
    out.push(
      `_Shard ${r.shard.index}/${r.shard.count}: thresholds are judged on the merged report (\`report merge\`); below, what this slice measured._`,
      '',
    );
  if (r.thresholds.length === 0) out.push('_This scenario sets no thresholds._', '');
  else {
    out.push('| | Threshold | Measured |', '|---|---|---|');
    for (const t of r.thresholds)
      out.push(`| ${t.passed ? '✓' : '✗'} | \`${t.source}\` | ${fmtFigure(t.metric, t.actual)} |`);
    out.push('');
  }

  out.push(
    `## Seed claims vs. measured (fault profile \`${s.faults}\`)`,
    '',
    '| Claim | Seeds say | Target | Measured | Verdict |',
    '|---|---|---|---|---|',
  );
  for (const c of r.claims) {
    const measured = c.unit === 'ms' ? fmtMs(c.measured) : fmtPct(c.measured);
    out.push(`| ${c.claim} | ${c.claimed} | ${c.target ?? '—'} | ${measured} | ${c.verdict} |`);
  }
  out.push('');
  // The table has no room for how a figure was measured; a modelled one must say so beside it.
  for (const c of r.claims.filter((x) => x.verdict === 'modelled'))
    out.push(`*${c.claim}*, modelled: ${c.measuredLabel}.`, '');

  out.push(...systemsMarkdown(r.systems));

  out.push(
    '## Latency (as the app experiences it)',
    '',
    '| Operation | count | p50 | p95 | p99 | max |',
    '|---|---|---|---|---|---|',
  );
  for (const [name, l] of Object.entries(m.latency)) {
    out.push(
      `| ${name.replace(/_/g, ' ')} | ${fmtNum(l.count)} | ${fmtMs(l.p50)} | ${fmtMs(l.p95)} | ${fmtMs(l.p99)} | ${fmtMs(l.max)} |`,
    );
  }
  out.push('');

  const e = m.events;
  out.push(
    '## Outbox jobs: events and profile syncs (nothing may go missing)',
    '',
    `| kind | tracked | delivered | coalesced | pending | dead-lettered | lost | stored in mock | expected from journeys |`,
    '|---|---|---|---|---|---|---|---|---|',
    ...(e.byKind
      ? [
          `| events | ${e.byKind.event.tracked} | ${e.byKind.event.delivered} | ${e.byKind.event.coalesced ?? 0} | ${e.byKind.event.pending} | ${e.byKind.event.deadLettered} | ${e.byKind.event.lost} | ${e.stored ?? 'n/a'} | ${e.expected} |`,
          `| profile syncs | ${e.byKind.profile.tracked} | ${e.byKind.profile.delivered} | ${e.byKind.profile.coalesced ?? 0} | ${e.byKind.profile.pending} | ${e.byKind.profile.deadLettered} | ${e.byKind.profile.lost} | | |`,
        ]
      : []),
    `| all jobs | ${e.tracked} | ${e.delivered} | ${e.coalesced ?? 0} | ${e.pending} | ${e.deadLettered} | ${e.lost} | ${e.byKind ? '' : (e.stored ?? 'n/a')} | ${e.byKind ? '' : e.expected} |`,
    '',
    e.conserved && (!e.byKind || (e.byKind.event.conserved && e.byKind.profile.conserved))
      ? `Conservation holds for each kind and overall: tracked = delivered + coalesced + pending + dead-lettered.`
      : `**Conservation fails: ${e.lost} outbox job(s) unaccounted for.**`,
    '',
  );

  const delivery = deliveryLine(m);
  if (delivery) {
    const ops = Object.entries(m.klaviyo.byOperation).sort(([a], [b]) => a.localeCompare(b));
    out.push(
      '## Delivery to Klaviyo',
      '',
      ...(integrationLine(s) ? [`Integration: ${integrationLine(s)}.`, ''] : []),
      `${delivery}.`,
      '',
      '| Operation | calls | jobs carried | 429 answers | failed calls | not sent (rate limit used up) |',
      '|---|---|---|---|---|---|',
      ...ops.map(
        ([op, o]) =>
          `| \`${op}\` | ${fmtNum(o.calls)} | ${fmtNum(o.items ?? o.calls)} | ${fmtNum(o.throttled ?? 0)} | ${fmtNum(o.failures)} | ${fmtNum(o.skipped ?? 0)} |`,
      ),
      '',
    );
  }

  const k = m.klaviyo;
  out.push(
    '## Klaviyo calls, retries and cache',
    '',
    `- ${fmtNum(k.calls)} calls, ${fmtNum(k.attempts)} attempts, ${fmtNum(k.retries)} retries; API success ${fmtPct(k.apiSuccessRate)}, retry success ${retryLine(k)}; within a call ${fmtPct(k.callRetrySuccessRate ?? null)} (${k.callsRecovered}/${k.callsFailedOnce} calls).`,
    `- 429 answers: ${k.throttled}; retries after Retry-After honoured: ${k.retryAfterHonoured}/${k.retryAfterObserved}.`,
    `- Cache: ${m.cache.hits} hits, ${m.cache.misses} misses (hit rate ${fmtPct(m.cache.hitRate)}); ${m.cache.savedCalls} API calls saved (${fmtPct(m.cache.callsSavedRate)}).`,
    `- Journeys: ${journeysLine(m.journeys)}; ${fmtNum(m.journeys.perSecond, 1)} whole journeys/s of wall time.`,
    '',
    ...mcpMarkdown(m.mcp),
  );
  if (Object.keys(r.faults.counts).length) {
    out.push(
      `Faults injected: ${Object.entries(r.faults.counts)
        .map(([k2, v]) => `${k2} × ${v}`)
        .join(', ')}.`,
      '',
    );
  }
  if (m.journeys.failures.length) {
    out.push(
      '<details><summary>Journey failures (first 10)</summary>',
      '',
      ...m.journeys.failures.map((f) => `- ${f}`),
      '',
      '</details>',
      '',
    );
  }

  if (r.baseline) {
    const b = r.baseline;
    out.push(
      `## Baseline comparison (${b.passed ? 'no regressions' : `${b.regressions.length} regression(s)`}, tolerance ${fmtPct(b.tolerance)})`,
      '',
    );
    if (b.comparableNote) out.push(`_${b.comparableNote}_`, '');
    const shown = b.rows.filter((row) => row.status !== 'same' && row.status !== 'info');
    if (shown.length === 0) out.push('Every gated figure matches the baseline.', '');
    else {
      out.push('| Figure | Baseline | Current | Change | Status |', '|---|---|---|---|---|');
      for (const row of shown) {
        out.push(
          `| \`${row.figure}\` | ${fmtFigure(row.figure, row.baseline)} | ${fmtFigure(row.figure, row.current)} | ${fmtChange(row.change)} | ${row.status === 'regressed' || row.status === 'changed' ? `**${row.status}**` : row.status} |`,
        );
      }
      out.push('');
    }
  }
  out.push(
    `<sub>report.json schema v${r.schemaVersion} · generated ${r.generatedAt} · re-create with \`npx dreamflow-sim run ${s.name} --seed ${s.seed} --users ${s.users} --faults ${s.faults}\`</sub>`,
    '',
  );
  return out.join('\n');
}
