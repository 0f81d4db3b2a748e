/**
 * `report.html`: one self-contained file (inline CSS, inline SVG charts rendered on the server by
 * charts.ts, no scripts, no external resources) so it opens offline, from a CI artifact, or attached to an email.
 */

import { type KindFigures, lostJobs } from '../harness/metrics.ts';
import {
  CHART_COLORS,
  type LatencyCategory,
  latencyCdfSpec,
  latencyHistogramSpec,
  operationsSpec,
  renderChart,
  shareSpec,
  timelineSpec,
} from './charts.ts';
import { mcpHtml } from './mcp.ts';
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
} from './model.ts';
import { systemsHtml } from './systems-section.ts';

export function esc(text: unknown): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** Render each chart (concurrently) into a labelled container; a missing spec renders nothing. */
async function renderCharts<K extends string>(
  specs: Record<K, Parameters<typeof renderChart>[0] | undefined>,
): Promise<Record<K, string>> {
  const entries = await Promise.all(
    Object.entries(specs).map(async ([id, spec]) => {
      if (!spec) return [id, ''];
      const svg = await renderChart(spec as Parameters<typeof renderChart>[0]);
      return [id, `<figure class="chart" id="chart-${id}">${svg}</figure>`];
    }),
  );
  return Object.fromEntries(entries) as Record<K, string>;
}

const CSS = `
:root{--fg:#1d2330;--muted:#5b6475;--line:#dde1ea;--ok:#1f8a4c;--bad:#c62f3b;--warn:#b7791f;--bg:#fafbfd}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:24px 32px;background:#fff;border-bottom:1px solid var(--line)}main{padding:8px 32px 48px;max-width:1240px}
h1{margin:0 0 4px;font-size:24px}h2{margin:32px 0 8px;font-size:19px}.meta{color:var(--muted)}
.badge{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;font-size:13px;color:#fff}
.badge.ok{background:var(--ok)}.badge.bad{background:var(--bad)}.badge.warn{background:var(--warn)}
table{border-collapse:collapse;background:#fff;margin:8px 0;min-width:50%}th,td{padding:6px 12px;border:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#f1f3f8;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:var(--ok);font-weight:700}.fail{color:var(--bad);font-weight:700}.warn{color:var(--warn);font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}.chart{margin:0;background:#fff;border:1px solid var(--line);border-radius:6px;max-width:100%;overflow:hidden}
.chart svg{display:block;max-width:100%;height:auto}
code{background:#eef1f7;padding:1px 5px;border-radius:4px}footer{color:var(--muted);font-size:13px;margin-top:32px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px 16px;min-width:150px}
.card b{display:block;font-size:20px}.card span{color:var(--muted);font-size:13px}
`;

function verdictClass(v: string): string {
  return v === 'holds' ? 'pass' : v === 'does not hold' ? 'fail' : 'warn';
}

export async function renderHtml(r: ReportDocument): Promise<string> {
  const m = r.metrics;
  const s = r.scenario;
  const badge = r.partial
    ? '<span class="badge warn">partial run</span>'
    : r.shard
      ? `<span class="badge warn">shard ${r.shard.index}/${r.shard.count}: thresholds are judged on the merged report</span>`
      : r.passed
        ? '<span class="badge ok">all thresholds passed</span>'
        : '<span class="badge bad">thresholds failed</span>';

  const cards = [
    [
      'whole journeys',
      `${fmtNum(m.journeys.completed)}/${fmtNum(m.journeys.families ?? m.journeys.started)}`,
    ],
    ['event tracking p95', fmtMs(m.latency.event_tracking.p95)],
    ['profile sync p95', fmtMs(m.latency.profile_sync.p95)],
    ['API success', fmtPct(m.klaviyo.apiSuccessRate)],
    ['retry success', fmtPct(m.klaviyo.retrySuccessRate)],
    ['cache hit rate', fmtPct(m.cache.hitRate)],
    ['events lost', String(m.events.lost)],
  ]
    .map(([label, value]) => `<div class="card"><b>${esc(value)}</b><span>${esc(label)}</span></div>`)
    .join('');

  const thresholdRows = r.thresholds.length
    ? r.thresholds
        .map(
          (t) =>
            `<tr><td class="${t.passed ? 'pass' : 'fail'}">${t.passed ? '✓' : '✗'}</td><td><code>${esc(t.source)}</code></td><td class="num">${esc(fmtFigure(t.metric, t.actual))}</td></tr>`,
        )
        .join('')
    : '<tr><td colspan="3">This scenario sets no thresholds.</td></tr>';

  const claimRows = r.claims
    .map(
      (c) =>
        `<tr><td>${esc(c.claim)}</td><td>${esc(c.claimed)}</td><td>${esc(c.target ?? '—')}</td><td class="num">${esc(c.unit === 'ms' ? fmtMs(c.measured) : fmtPct(c.measured))}</td><td class="meta">${esc(c.measuredLabel)}</td><td class="${verdictClass(c.verdict)}">${esc(c.verdict)}</td></tr>`,
    )
    .join('');

  const latencyRows = Object.entries(m.latency)
    .map(
      ([name, l]) =>
        `<tr><td>${esc(name.replace(/_/g, ' '))}</td><td class="num">${fmtNum(l.count)}</td><td class="num">${fmtMs(l.p50)}</td><td class="num">${fmtMs(l.p95)}</td><td class="num">${fmtMs(l.p99)}</td><td class="num">${fmtMs(l.max)}</td></tr>`,
    )
    .join('');

  const stepRows = Object.entries(m.steps)
    .map(
      ([kind, v]) =>
        `<tr><td>${esc(kind)}</td><td class="num">${v.ok}</td><td class="num">${v.failed}</td><td class="num">${v.skipped}</td><td class="num">${fmtMs(v.latency.p50)}</td><td class="num">${fmtMs(v.latency.p95)}</td></tr>`,
    )
    .join('');

  const categories: LatencyCategory[] = (
    [
      ['event tracking', 'event_tracking'],
      ['profile sync', 'profile_sync'],
      ['all Klaviyo calls', 'klaviyo_call'],
    ] as const
  ).map(([name, key]) => ({
    name,
    summary: m.latency[key],
    baseline: r.baseline?.latencyCurves?.[key],
  }));
  const ops = Object.entries(m.klaviyo.byOperation).sort(([a], [b]) => a.localeCompare(b));
  const C = CHART_COLORS;
  const charts = await renderCharts({
    timeline: m.timeline ? timelineSpec(m.timeline) : undefined,
    'latency-cdf': latencyCdfSpec(categories),
    'latency-histogram': latencyHistogramSpec(categories.slice(0, 2)),
    operations: operationsSpec(ops),
    recovery: shareSpec(
      'Calls that failed at least once',
      [
        { label: 'recovered by retry', value: m.klaviyo.callsRecovered, color: C.green },
        { label: 'still failed', value: m.klaviyo.callsFailedOnce - m.klaviyo.callsRecovered, color: C.red },
      ],
      'calls (count)',
    ),
    cache: shareSpec(
      'Cache lookups',
      [
        { label: 'hits', value: m.cache.hits, color: C.green },
        { label: 'misses', value: m.cache.misses, color: C.orange },
      ],
      'lookups (count)',
    ),
    saved: shareSpec(
      'Klaviyo reads with the cache',
      [
        { label: 'calls saved', value: m.cache.savedCalls, color: C.green },
        { label: 'calls made', value: m.cache.misses, color: C.blue },
      ],
      'reads (count)',
    ),
    events: shareSpec(
      'Outbox job fates (tracked = delivered + pending + dead-lettered)',
      [
        { label: 'delivered', value: m.events.delivered, color: C.green },
        { label: 'pending', value: m.events.pending, color: C.orange },
        { label: 'dead-lettered', value: m.events.deadLettered, color: C.red },
        { label: 'lost', value: Math.max(0, m.events.lost), color: C.black },
      ],
      'jobs (count)',
    ),
  });
  const timelineSection = charts.timeline
    ? `<h2>Timeline</h2><div class="charts">${charts.timeline}</div>`
    : '';

  const faultRows = Object.entries(r.faults.counts)
    .sort(([, a], [, b]) => b - a)
    .map(([label, n]) => `<tr><td><code>${esc(label)}</code></td><td class="num">${n}</td></tr>`)
    .join('');

  let baseline = '';
  if (r.baseline) {
    const b = r.baseline;
    const rows = b.rows
      .filter((row) => row.status !== 'info')
      .map(
        (row) =>
          `<tr><td><code>${esc(row.figure)}</code></td><td class="num">${esc(fmtFigure(row.figure, row.baseline))}</td><td class="num">${esc(fmtFigure(row.figure, row.current))}</td><td class="num">${fmtChange(row.change)}</td><td class="${row.status === 'regressed' || row.status === 'changed' ? 'fail' : row.status === 'improved' ? 'pass' : ''}">${esc(row.status)}</td></tr>`,
      )
      .join('');
    baseline = `<h2>Baseline comparison</h2><p>${b.passed ? '<span class="badge ok">no regressions</span>' : `<span class="badge bad">${b.regressions.length} regression(s)</span>`} tolerance ${fmtPct(b.tolerance)} · baseline ${esc(b.baseline.scenario)} seed ${b.baseline.seed}, ${esc(b.baseline.generatedAt)}</p>${b.comparableNote ? `<p class="meta">${esc(b.comparableNote)}</p>` : ''}<table id="baseline"><thead><tr><th>Figure</th><th>Baseline</th><th>Current</th><th>Change</th><th>Status</th></tr></thead><tbody>${rows}</tbody></table>`;
  }

  const failures = m.journeys.failures.length
    ? `<details><summary>Journey failures (first ${m.journeys.failures.length})</summary><ul>${m.journeys.failures.map((f) => `<li>${esc(f)}</li>`).join('')}</ul></details>`
    : '';

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>dreamflow-sim report: ${esc(s.name)}</title><style>${CSS}</style></head>
<body><header><h1>dreamflow-sim · <code>${esc(s.name)}</code> ${badge}</h1>
<div class="meta">fault profile <b>${esc(s.faults)}</b> · seed ${s.seed} · ${s.users} families · simulated ${esc(s.duration)} · ${esc(s.mode)} · ${fmtNum(m.time.wallMs / 1000, 2)} s wall time</div>
${s.description ? `<p>${esc(s.description)}</p>` : ''}</header>
<main>
<div class="cards">${cards}</div>
${timelineSection}
<h2>Thresholds</h2>
<table id="thresholds"><thead><tr><th></th><th>Threshold</th><th>Measured</th></tr></thead><tbody>${thresholdRows}</tbody></table>
<h2>Seed claims vs. measured <span class="meta">(fault profile <code>${esc(s.faults)}</code>)</span></h2>
<table id="claims"><thead><tr><th>Claim</th><th>Seeds say</th><th>Target</th><th>Measured</th><th>How</th><th>Verdict</th></tr></thead><tbody>${claimRows}</tbody></table>
${systemsHtml(r.systems)}
<h2>Latency</h2>
<div class="charts">${charts['latency-cdf']}${charts['latency-histogram']}</div>
<table id="latency"><thead><tr><th>Operation</th><th>count</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr></thead><tbody>${latencyRows}</tbody></table>
<h2>Retries</h2>
<div class="charts">${charts.operations}${charts.recovery}</div>
<p>${fmtNum(m.klaviyo.calls)} calls · ${fmtNum(m.klaviyo.attempts)} attempts · ${m.klaviyo.throttled}× 429 · Retry-After honoured ${m.klaviyo.retryAfterHonoured}/${m.klaviyo.retryAfterObserved}${m.klaviyo.retryAfterMinSlackMs !== null ? ` (smallest margin ${fmtMs(m.klaviyo.retryAfterMinSlackMs)})` : ''}</p>
<h2>Cache</h2>
<div class="charts">${charts.cache}${charts.saved}</div>
${mcpHtml(m.mcp, esc)}<h2>Events</h2>
<div class="charts">${charts.events}</div>
<table id="events"><thead><tr><th>kind</th><th>tracked</th><th>delivered</th><th>coalesced</th><th>pending</th><th>dead-lettered</th><th>lost</th><th>stored in mock</th><th>expected from journeys</th></tr></thead>
<tbody>${m.events.byKind ? `${kindRow('events', m.events.byKind.event, m.events.stored ?? 'n/a', m.events.expected)}${kindRow('profile syncs', m.events.byKind.profile, '', '')}` : ''}${kindRow('all jobs', { ...m.events }, m.events.byKind ? '' : (m.events.stored ?? 'n/a'), m.events.byKind ? '' : m.events.expected)}</tbody></table>
${deliverySection(r)}
<h2>Journeys</h2>
<p>${esc(journeysLine(m.journeys))} · ${fmtNum(m.journeys.perSecond, 1)} whole journeys/s of wall time</p>
<table id="steps"><thead><tr><th>Step</th><th>ok</th><th>failed</th><th>skipped</th><th>p50</th><th>p95</th></tr></thead><tbody>${stepRows}</tbody></table>
${failures}
<h2>Faults injected</h2>
${faultRows ? `<table id="faults"><thead><tr><th>Fault</th><th>Requests</th></tr></thead><tbody>${faultRows}</tbody></table>` : '<p>None.</p>'}
${baseline}
<footer>Node ${esc(r.environment.node)} · ${esc(r.environment.os)} (${esc(r.environment.arch)}) · ${r.environment.cpus}× ${esc(r.environment.cpu)} · ${r.environment.memoryGb} GiB ·
report.json schema v${r.schemaVersion} · generated ${esc(r.generatedAt)} · fault sequence ${esc(r.faults.sequenceHash)}</footer>
</main></body></html>
`;
}

/** How jobs reached Klaviyo: settings, calls per job, bulk batches, 429s per operation. */
function deliverySection(r: ReportDocument): string {
  const line = deliveryLine(r.metrics);
  if (!line) return '';
  const settings = integrationLine(r.scenario);
  const rows = Object.entries(r.metrics.klaviyo.byOperation)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([op, o]) =>
        `<tr><th scope="row"><code>${esc(op)}</code></th><td class="num">${fmtNum(o.calls)}</td><td class="num">${fmtNum(o.items ?? o.calls)}</td><td class="num">${fmtNum(o.throttled ?? 0)}</td><td class="num">${fmtNum(o.failures)}</td><td class="num">${fmtNum(o.skipped ?? 0)}</td></tr>`,
    )
    .join('');
  return `<h2>Delivery to Klaviyo</h2>
${settings ? `<p>Integration: ${esc(settings)}</p>` : ''}
<p>${esc(line)}</p>
<table id="delivery"><thead><tr><th>Operation</th><th>calls</th><th>jobs carried</th><th>429 answers</th><th>failed calls</th><th>not sent (rate limit used up)</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** One row of the outbox table (a kind of job, or all of them). */
function kindRow(label: string, k: KindFigures, stored: number | string, expected: number | string): string {
  const lost = lostJobs(k);
  return `<tr><th scope="row">${label}</th><td class="num">${k.tracked}</td><td class="num">${k.delivered}</td><td class="num">${k.coalesced ?? 0}</td><td class="num">${k.pending}</td><td class="num">${k.deadLettered}</td><td class="num ${lost === 0 ? 'pass' : 'fail'}">${lost}</td><td class="num">${stored}</td><td class="num">${expected}</td></tr>`;
}
