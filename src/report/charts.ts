/**
 * The HTML report's charts: Vega-Lite specs compiled by `vega-lite` and drawn to SVG strings by
 * `vega`'s headless View (no canvas, no DOM), so the report inlines them and needs no script.
 *
 * Headless vega measures text by estimate (a generous 0.8 em a character), so axes and legends reserve
 * more room than a browser's font needs: labels are never clipped (test/browser/report.test.ts checks).
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { LatencySummary } from '../harness/latency.ts';
import type { Timeline, TimelineCount } from '../harness/timeline.ts';

const FG = '#1d2330';
const MUTED = '#5b6475';
const COLORS = {
  blue: '#4f6bed',
  orange: '#e8833a',
  green: '#2ca58d',
  red: '#d64550',
  purple: '#8a5cf5',
  grey: '#8c8c8c',
  black: '#1d2330',
};

const CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  background: 'white',
  padding: 12,
  view: { stroke: null },
  title: { fontSize: 14, fontWeight: 600, color: FG, anchor: 'start', offset: 10 },
  axis: {
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 500,
    labelColor: MUTED,
    titleColor: FG,
    gridColor: '#eceff5',
    domainColor: '#c7ccd8',
    tickColor: '#c7ccd8',
    labelLimit: 220,
    titlePadding: 8,
    labelOverlap: true,
  },
  legend: { labelFontSize: 11, titleFontSize: 12, labelColor: FG, titleColor: FG, labelLimit: 260 },
  header: { labelFontSize: 12, labelColor: FG, titleFontSize: 12 },
} as const;

/** Integer ticks for an axis of counts. */
const COUNT_AXIS = { tickMinStep: 1, format: 'd' } as const;

/** Compile and render one Vega-Lite spec to an SVG string. */
export async function renderChart(spec: TopLevelSpec): Promise<string> {
  const compiled = compile({ ...spec, config: CONFIG } as TopLevelSpec).spec;
  const view = new View(parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A chart with nothing to draw: its title and a note, so the report still says what would be there. */
function emptySpec(title: string, note = 'no data'): TopLevelSpec {
  return {
    title,
    width: 360,
    height: 40,
    data: { values: [{ note }] },
    mark: { type: 'text', color: MUTED, fontSize: 12, align: 'left', baseline: 'middle' },
    encoding: { text: { field: 'note' }, x: { value: 0 }, y: { value: 20 } },
  };
}

// ---------------------------------------------------------------- timeline

const TIME_UNITS = [
  { unit: 's', ms: 1000, upTo: 5 * 60_000 },
  { unit: 'min', ms: 60_000, upTo: 5 * 3_600_000 },
  { unit: 'h', ms: 3_600_000, upTo: Number.POSITIVE_INFINITY },
];

interface TimelinePanel {
  title: string;
  yTitle: string;
  bars?: { series: TimelineCount; label: string; color: string }[];
  lines?: { series: TimelineCount | 'backlog'; label: string; color: string }[];
}

const TIMELINE_PANELS: TimelinePanel[] = [
  {
    title: 'Klaviyo error answers (stacked) and injected faults',
    yTitle: 'per bucket (count)',
    bars: [
      { series: 'throttled', label: '429 rate limited', color: COLORS.orange },
      { series: 'serverErrors', label: '5xx', color: COLORS.red },
      { series: 'networkErrors', label: 'network fault / time-out', color: COLORS.purple },
    ],
    lines: [{ series: 'faults', label: 'faults injected (both mocks)', color: COLORS.black }],
  },
  {
    title: 'Klaviyo calls and retries',
    yTitle: 'per bucket (count)',
    bars: [{ series: 'retries', label: 'retry attempts', color: COLORS.orange }],
    lines: [{ series: 'calls', label: 'calls started', color: COLORS.blue }],
  },
  {
    title: 'Outbox backlog',
    yTitle: 'jobs pending at bucket end',
    lines: [{ series: 'backlog', label: 'jobs pending', color: COLORS.red }],
  },
  {
    title: 'Throughput',
    yTitle: 'per bucket (count)',
    lines: [
      { series: 'delivered', label: 'outbox jobs delivered', color: COLORS.green },
      { series: 'steps', label: 'journey steps completed', color: COLORS.blue },
      { series: 'stepsFailed', label: 'journey steps failed', color: COLORS.red },
    ],
  },
];

function fmtWidth(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/** The timeline as stacked panels sharing one simulated-time axis. */
export function timelineSpec(t: Timeline): TopLevelSpec {
  const n = t.backlog.length;
  const span = n * t.bucketMs;
  const unit = TIME_UNITS.find((u) => span <= u.upTo)!;
  const at = (i: number) => (i * t.bucketMs) / unit.ms;
  const value = (s: TimelineCount | 'backlog', i: number) =>
    s === 'backlog' ? t.backlog[i]! : t.counts[s][i]!;
  const xDomain = [0, at(n)];
  const x = {
    field: 't0',
    type: 'quantitative',
    scale: { domain: xDomain, nice: false, zero: true },
    axis: { title: `simulated time (${unit.unit}), ${fmtWidth(t.bucketMs)} buckets`, tickMinStep: 1 },
  } as const;
  const endRule =
    t.durationMs < span
      ? [
          {
            data: { values: [{ end: t.durationMs / unit.ms, label: 'scenario ends, outbox flush →' }] },
            layer: [
              {
                mark: { type: 'rule', strokeDash: [4, 3], color: MUTED },
                encoding: { x: { field: 'end', type: 'quantitative' } },
              },
              {
                mark: {
                  type: 'text',
                  align: 'left',
                  dx: 4,
                  dy: -2,
                  baseline: 'top',
                  color: MUTED,
                  fontSize: 10,
                },
                encoding: {
                  x: { field: 'end', type: 'quantitative' },
                  y: { value: 0 },
                  text: { field: 'label' },
                },
              },
            ],
          },
        ]
      : [];
  const panels = TIMELINE_PANELS.map((p) => {
    const all = [...(p.bars ?? []), ...(p.lines ?? [])];
    const color = {
      field: 'series',
      type: 'nominal',
      title: null,
      scale: { domain: all.map((s) => s.label), range: all.map((s) => s.color) },
      legend: { orient: 'right', direction: 'vertical' },
    } as const;
    const rows = (list: { series: TimelineCount | 'backlog'; label: string }[]) =>
      list.flatMap((s) =>
        Array.from({ length: n }, (_, i) => ({
          series: s.label,
          t0: at(i),
          t1: at(i + 1),
          v: value(s.series, i),
        })),
      );
    const layers: unknown[] = [];
    if (p.bars) {
      // Stacked here rather than by Vega-Lite: a bar with x and x2 would be read as horizontal.
      const stacked = Array.from({ length: n }, (_, i) => {
        let base = 0;
        return p.bars!.flatMap((s) => {
          const v = value(s.series, i);
          base += v;
          return v > 0 ? [{ series: s.label, t0: at(i), t1: at(i + 1), y0: base - v, y1: base }] : [];
        });
      }).flat();
      layers.push({
        data: { values: stacked },
        mark: { type: 'rect', stroke: 'white', strokeWidth: 0.5 },
        encoding: {
          x,
          x2: { field: 't1' },
          y: { field: 'y1', type: 'quantitative', title: p.yTitle, axis: COUNT_AXIS },
          y2: { field: 'y0' },
          color,
        },
      });
    }
    if (p.lines)
      layers.push({
        data: { values: rows(p.lines) },
        // Counts per bucket sit at the bucket's middle; the backlog is sampled at its end.
        transform: [
          {
            calculate: p.lines.some((l) => l.series === 'backlog') ? 'datum.t1' : '(datum.t0 + datum.t1) / 2',
            as: 'tx',
          },
        ],
        mark: { type: 'line', strokeWidth: 1.6, interpolate: 'linear' },
        encoding: {
          x: { ...x, field: 'tx' },
          y: { field: 'v', type: 'quantitative', title: p.yTitle, axis: COUNT_AXIS },
          color,
        },
      });
    return { title: p.title, width: 860, height: 110, layer: [...layers, ...endRule] };
  });
  return {
    title: `Timeline over simulated time (${n} buckets of ${fmtWidth(t.bucketMs)})`,
    vconcat: panels,
    spacing: 18,
    resolve: { scale: { color: 'independent', y: 'independent' } },
  } as TopLevelSpec;
}

// ---------------------------------------------------------------- latency

export interface LatencyCategory {
  name: string;
  summary: LatencySummary;
  /** The baseline report's percentile curve for the same category, when a baseline was given. */
  baseline?: [number, number][];
}

/** Below this a latency is drawn at it: a log axis has no zero (a virtual clock can answer in 0 ms). */
const LOG_FLOOR_MS = 0.01;

/** Latency CDFs (share of calls at or below a latency), one colour per category, baselines dashed. */
export function latencyCdfSpec(categories: LatencyCategory[]): TopLevelSpec {
  const title = 'Latency CDF by operation category (retries included)';
  const rows = categories.flatMap((c) => [
    ...c.summary.curve.map(([p, ms]) => ({
      category: c.name,
      run: 'this run',
      ms: Math.max(ms, LOG_FLOOR_MS),
      share: p / 100,
    })),
    ...(c.baseline ?? []).map(([p, ms]) => ({
      category: c.name,
      run: 'baseline',
      ms: Math.max(ms, LOG_FLOOR_MS),
      share: p / 100,
    })),
  ]);
  if (rows.length === 0) return emptySpec(title);
  const hasBaseline = rows.some((r) => r.run === 'baseline');
  return {
    title,
    width: 520,
    height: 260,
    data: { values: rows },
    mark: { type: 'line', point: { size: 18 }, strokeWidth: 1.8 },
    encoding: {
      x: {
        field: 'ms',
        type: 'quantitative',
        scale: { type: 'log' },
        axis: { title: 'latency (ms, log scale)' },
      },
      y: {
        field: 'share',
        type: 'quantitative',
        scale: { domain: [0, 1] },
        axis: { title: 'calls at or below (%)', format: '.0%' },
      },
      color: {
        field: 'category',
        type: 'nominal',
        title: 'category',
        scale: { range: Object.values(COLORS) },
      },
      strokeDash: {
        field: 'run',
        type: 'nominal',
        title: hasBaseline ? 'run' : null,
        scale: {
          domain: ['this run', 'baseline'],
          range: [
            [1, 0],
            [5, 3],
          ],
        },
        legend: hasBaseline ? {} : null,
      },
      detail: { field: 'run' },
    },
  } as TopLevelSpec;
}

/** Histogram bars spanning each bucket's bounds on a log axis, one row per category. */
export function latencyHistogramSpec(categories: LatencyCategory[]): TopLevelSpec {
  const title = 'Latency histogram (calls per bucket, buckets to scale)';
  const rows = categories.flatMap((c) => {
    const bounds = c.summary.buckets.map((b) => b.le);
    return c.summary.buckets.flatMap((b, i) => {
      if (b.count === 0) return [];
      const prev = i === 0 ? LOG_FLOOR_MS : bounds[i - 1]!;
      // The overflow bucket (above the last bound) is drawn one doubling wide.
      const hi = b.le ?? prev! * 2;
      return [{ category: c.name, lo: Math.max(prev!, LOG_FLOOR_MS), hi, count: b.count }];
    });
  });
  if (rows.length === 0) return emptySpec(title);
  return {
    title,
    data: { values: rows },
    facet: {
      row: {
        field: 'category',
        type: 'nominal',
        title: null,
        header: { labelAngle: 0, labelAlign: 'left', labelOrient: 'top' },
      },
    },
    spec: {
      width: 520,
      height: 80,
      mark: { type: 'rect', color: COLORS.blue, stroke: 'white', strokeWidth: 0.5 },
      encoding: {
        x: {
          field: 'lo',
          type: 'quantitative',
          scale: { type: 'log' },
          axis: { title: 'latency (ms, log scale)' },
        },
        x2: { field: 'hi' },
        y: { field: 'count', type: 'quantitative', title: 'calls (count)', axis: COUNT_AXIS },
        y2: { datum: 0 },
      },
    },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}

// ---------------------------------------------------------------- operations and shares

export function operationsSpec(
  ops: [string, { calls: number; attempts: number; failures: number }][],
): TopLevelSpec {
  const title = 'Klaviyo calls by operation: calls, retry attempts, failed calls';
  const kinds = ['calls', 'retry attempts', 'failed calls'];
  const rows = ops.flatMap(([op, v]) => [
    { op, kind: kinds[0], n: v.calls },
    { op, kind: kinds[1], n: v.attempts - v.calls },
    { op, kind: kinds[2], n: v.failures },
  ]);
  if (rows.length === 0) return emptySpec(title);
  return {
    title,
    width: 420,
    data: { values: rows },
    mark: { type: 'bar' },
    height: { step: 9 },
    encoding: {
      y: { field: 'op', type: 'nominal', title: 'operation', sort: null, axis: { labelLimit: 300 } },
      yOffset: { field: 'kind', sort: kinds },
      x: { field: 'n', type: 'quantitative', title: 'count', axis: COUNT_AXIS },
      color: {
        field: 'kind',
        type: 'nominal',
        title: null,
        scale: { domain: kinds, range: [COLORS.blue, COLORS.orange, COLORS.red] },
        legend: { orient: 'bottom', direction: 'horizontal' },
      },
    },
  } as TopLevelSpec;
}

export interface SharePart {
  label: string;
  value: number;
  color: string;
}

/** One horizontal bar split into parts, each named with its count in the legend. */
export function shareSpec(title: string, parts: SharePart[], unit = 'count'): TopLevelSpec {
  const total = parts.reduce((s, p) => s + p.value, 0);
  if (total === 0) return emptySpec(title);
  const rows = parts.map((p, order) => ({
    part: `${p.label}: ${p.value.toLocaleString('en-US')}`,
    value: p.value,
    order,
  }));
  return {
    title,
    width: 420,
    height: 26,
    data: { values: rows },
    mark: { type: 'bar' },
    encoding: {
      x: {
        field: 'value',
        type: 'quantitative',
        stack: 'zero',
        title: unit,
        axis: COUNT_AXIS,
        scale: { domain: [0, total], nice: false },
      },
      order: { field: 'order' },
      color: {
        field: 'part',
        type: 'nominal',
        title: null,
        sort: null,
        scale: { domain: rows.map((r) => r.part), range: parts.map((p) => p.color) },
        legend: { orient: 'bottom', direction: 'horizontal', columns: 2 },
      },
    },
  } as TopLevelSpec;
}

export { COLORS as CHART_COLORS };
