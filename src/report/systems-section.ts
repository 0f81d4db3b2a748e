/**
 * The report section for Dream Flow's systems (churn and win-back; later insights, catalog, webhooks),
 * in Markdown and HTML, rendered from report.json's `systems` block alone. Empty when a run had none.
 */
import type { Confusion, SystemsFigures } from '../harness/systems/ledger.ts';
import { fmtNum, fmtPct } from './model.ts';

const esc = (s: string) =>
  s.replace(/[&<>"]/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' }[c]};`);

interface Table {
  title: string;
  note: string;
  head: string[];
  rows: string[][];
}

function tables(s: SystemsFigures | undefined): Table[] {
  const out: Table[] = [];
  const c = s?.churn;
  if (c) {
    const row = (name: string, x: Confusion) => [
      name,
      fmtPct(x.precision),
      fmtPct(x.recall),
      fmtPct(x.accuracy),
      `${x.tp} / ${x.fp} / ${x.fn} / ${x.tn}`,
    ];
    out.push({
      title: 'Churn prediction vs. ground truth',
      note: `${fmtNum(c.lapsed)} of ${fmtNum(c.families)} families lapsed (their hidden churn propensity decided). Judged at the churn job's first run; the seeds claim 82 % accuracy.`,
      head: ['Predictor', 'precision', 'recall', 'accuracy', 'TP / FP / FN / TN'],
      rows: [
        row(`churn score >= ${c.threshold} (the "Churn Risk" segment)`, c.predictor),
        row('seeds’ rule: current_streak = 0 AND total_stories > 5', c.seedsRule),
      ],
    });
    const w = c.winback;
    out.push({
      title: 'Win-back',
      note: `Job runs: ${c.runs.map((r) => `day ${fmtNum(r.day, 1)}: ${r.atRisk}/${r.scored} at risk${r.campaign ? ', campaign sent' : ''}`).join('; ') || 'none'}.`,
      head: [
        'families emailed',
        'lapsed families emailed',
        'opened',
        'clicked',
        'came back',
        'came back / lapsed emailed',
      ],
      rows: [
        [
          fmtNum(w.emailed),
          fmtNum(w.lapsedEmailed),
          fmtNum(w.opened),
          fmtNum(w.clicked),
          fmtNum(w.returned),
          fmtPct(w.returnRate),
        ],
      ],
    });
  }
  const ab = s?.adaptive;
  if (ab) {
    const row = (name: string, a: typeof ab.arms.adaptive) => [
      name,
      fmtNum(a.families),
      fmtNum(a.stories),
      fmtNum(a.completed),
      fmtPct(a.completionRate),
      fmtNum(a.planned),
      fmtNum(a.shared),
      fmtNum(a.shortScenes),
    ];
    out.push({
      title: 'Adaptive stories (A/B)',
      note: `Families split by a seeded hash of their user id. Completion is drawn from the personas' modelled listening preferences (src/harness/systems/truth.ts), not from real children: the figures show the engine's decisions reach the stories and that the A/B measures them. Relative increase: ${fmtPct(ab.increase)} (the seeds claim 23 %).`,
      head: [
        'arm',
        'families',
        'stories heard',
        'finished',
        'completion rate',
        'planned by the engine',
        'shared',
        'one sentence per scene',
      ],
      rows: [row('adaptive', ab.arms.adaptive), row('plain', ab.arms.plain)],
    });
  }
  const ins = s?.insights;
  if (ins) {
    out.push({
      title: 'Parent insights (weekly wellness email)',
      note: `${fmtNum(ins.emails)} emails received over ${ins.weeks.length} week(s). Wellness score 0–100: 40 % nights read, 30 % bedtime regularity, 30 % streak (docs/integration.md).`,
      head: ['day', 'week ending', 'opted-in families', 'mean wellness score', 'emails received'],
      rows: ins.weeks.map((w) => [
        fmtNum(w.day, 1),
        w.week,
        fmtNum(w.families),
        fmtNum(w.meanScore, 1),
        fmtNum(w.emailed),
      ]),
    });
  }
  const cat = s?.catalog;
  if (cat) {
    out.push({
      title: 'Story catalog sync',
      note: 'Each sync makes Klaviyo’s catalog match a release of the theme catalogue with bulk jobs; drift is what still differed after it (0 = in sync).',
      head: ['day', 'created', 'updated', 'deleted', 'categories +/−', 'items after', 'failures', 'drift'],
      rows: cat.runs.map((r) => [
        fmtNum(r.day, 1),
        fmtNum(r.created),
        fmtNum(r.updated),
        fmtNum(r.deleted),
        `${r.categoriesCreated} / ${r.categoriesDeleted}`,
        fmtNum(r.items),
        fmtNum(r.failures.length),
        fmtNum(r.drift),
      ]),
    });
  }
  const wh = s?.webhooks;
  if (wh) {
    out.push({
      title: 'Webhooks in (deliveries under faults)',
      note: `Klaviyo's deliveries to the app's receiver, ${wh.injectedBefore} attempts refused before it and ${wh.injectedAfter} failed after it acted (injected); ${wh.unsubscribedInKlaviyo} families unsubscribed in Klaviyo, ${wh.unsubscribedInSupabase} marked in Supabase.`,
      head: [
        'deliveries',
        'attempts',
        'retries',
        'gave up',
        'events acted on',
        'duplicates skipped',
        'rejected',
      ],
      rows: [
        [
          fmtNum(wh.deliveries),
          fmtNum(wh.attempts),
          fmtNum(wh.retries),
          fmtNum(wh.gaveUp),
          fmtNum(wh.acted),
          fmtNum(wh.duplicates),
          fmtNum(wh.rejected),
        ],
      ],
    });
  }
  if (s?.jobFailures?.length)
    out.push({
      title: 'Failed job runs',
      note: '',
      head: ['job', 'error'],
      rows: s.jobFailures.map((f) => [f.kind, f.error]),
    });
  return out;
}

export function systemsMarkdown(s: SystemsFigures | undefined): string[] {
  const out: string[] = [];
  for (const t of tables(s)) {
    out.push(`## ${t.title}`, '');
    if (t.note) out.push(t.note, '');
    out.push(`| ${t.head.join(' | ')} |`, `|${t.head.map(() => '---').join('|')}|`);
    for (const r of t.rows) out.push(`| ${r.join(' | ')} |`);
    out.push('');
  }
  return out;
}

export function systemsHtml(s: SystemsFigures | undefined): string {
  return tables(s)
    .map(
      (t) =>
        `<h2>${esc(t.title)}</h2>${t.note ? `<p>${esc(t.note)}</p>` : ''}<table class="systems"><thead><tr>${t.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${t.rows.map((r) => `<tr>${r.map((v, i) => `<td${i ? ' class="num"' : ''}>${esc(v)}</td>`).join('')}</tr>`).join('')}</tbody></table>`,
    )
    .join('\n');
}
