/**
 * query_metric_aggregates: count / sum_value / unique of a metric's stored events per hour, day, week or
 * month in a time zone, over the required `[greater-or-equal, less-than)` datetime range, optionally
 * split `by` event properties. Computed in SQL from the events this mock stored.
 */
import { z } from 'zod';
import { type Handler, parseBody, reply } from '../../core/context.ts';
import { invalidBody, KlaviyoError } from '../../jsonapi/errors.ts';
import { type Condition, parseFilter } from '../../jsonapi/filter.ts';
import { fieldsParam } from '../../jsonapi/query.ts';
import { pickFields } from '../../jsonapi/serialize.ts';
import { EventsRepo } from '../events/repo.ts';
import { requireMetric } from './model.ts';
import {
  floorTo,
  type Interval,
  isoInZone,
  isValidTimeZone,
  nextBoundary,
  wallTime,
  zonedToUtc,
} from './tz.ts';

const MEASUREMENTS = ['count', 'sum_value', 'unique'] as const;
const MAX_BUCKETS = 10_000;
const FILTER_POINTER = '/data/attributes/filter';

const schema = z.object({
  data: z.object({
    type: z.literal('metric-aggregate'),
    attributes: z.object({
      metric_id: z.string().min(1),
      measurements: z.array(z.enum(MEASUREMENTS)).min(1),
      interval: z.enum(['hour', 'day', 'week', 'month']).nullable().optional(),
      page_size: z.number().int().positive().nullable().optional(),
      page_cursor: z.string().nullable().optional(),
      by: z.array(z.string().min(1)).max(2).nullable().optional(),
      return_fields: z.array(z.string()).nullable().optional(),
      filter: z.array(z.string()).min(1),
      timezone: z.string().nullable().optional(),
      sort: z.string().nullable().optional(),
    }),
  }),
});

export const queryMetricAggregates: Handler = (ctx) => {
  const fields = fieldsParam(ctx.req, 'metric-aggregate', ['data', 'dates']);
  const a = parseBody(ctx, schema).data.attributes;
  const tz = a.timezone ?? 'UTC';
  if (!isValidTimeZone(tz)) {
    throw invalidBody(
      '/data/attributes/timezone',
      `'${tz}' is not an IANA time zone (e.g. 'America/New_York').`,
    );
  }
  const interval: Interval = a.interval ?? 'day';
  const { start, end } = timeRange(a.filter, tz);
  const metric = requireMetric(ctx, a.metric_id);

  const buckets: [number, number][] = [];
  const dates: string[] = [];
  for (let b = floorTo(start, interval, tz); b < end; b = nextBoundary(b, interval, tz)) {
    if (buckets.length >= MAX_BUCKETS) {
      throw invalidBody(
        FILTER_POINTER,
        `That range holds more than ${MAX_BUCKETS} ${interval}s; narrow it or use a longer interval.`,
      );
    }
    buckets.push([Math.max(b, start), Math.min(nextBoundary(b, interval, tz), end)]);
    dates.push(isoInZone(b, tz));
  }

  const by = a.by ?? [];
  const rows = ctx.store
    .repo(EventsRepo)
    .aggregate(ctx.account, metric.id, buckets, by, a.measurements.includes('unique'));
  // One output row per distinct dimension tuple (exactly one, with no dimensions, when `by` is absent).
  const series = new Map<
    string,
    { dimensions: string[]; count: number[]; sum: number[]; unique: number[] }
  >();
  const seriesFor = (dims: string[]) => {
    const key = JSON.stringify(dims);
    let s = series.get(key);
    if (!s) {
      const zeros = () => new Array<number>(buckets.length).fill(0);
      s = { dimensions: dims, count: zeros(), sum: zeros(), unique: zeros() };
      series.set(key, s);
    }
    return s;
  };
  if (by.length === 0) seriesFor([]);
  for (const r of rows) {
    const s = seriesFor(r.dims);
    s.count[r.bucket] = r.count;
    s.sum[r.bucket] = Math.round(r.sum * 1e6) / 1e6;
    s.unique[r.bucket] = r.unique;
  }
  const data = [...series.values()].slice(0, a.page_size ?? 500).map((s) => {
    const measurements: Record<string, number[]> = {};
    for (const m of a.measurements)
      measurements[m] = m === 'count' ? s.count : m === 'sum_value' ? s.sum : s.unique;
    return { dimensions: s.dimensions, measurements };
  });
  const self = `${ctx.req.url.origin}/api/metric-aggregates/`;
  return reply(200, {
    data: {
      type: 'metric-aggregate',
      id: ctx.ids.uuid(),
      attributes: pickFields({ dates, data }, fields),
      links: { self },
    },
    links: { self },
  });
};

/** The required `greater-or-equal(datetime,…)` and `less-than(datetime,…)` pair, as UTC ms. */
function timeRange(filters: string[], tz: string): { start: number; end: number } {
  let start: number | undefined;
  let end: number | undefined;
  filters.forEach((text, i) => {
    let conditions: Condition[];
    try {
      conditions = parseFilter(text);
    } catch (err) {
      throw invalidBody(`${FILTER_POINTER}/${i}`, (err as Error).message);
    }
    for (const c of conditions) {
      if (c.field !== 'datetime') {
        throw invalidBody(
          `${FILTER_POINTER}/${i}`,
          `This mock filters metric aggregates by datetime only; '${c.field}' is not supported.`,
        );
      }
      const v = c.value;
      let ms: number;
      if (v?.kind === 'datetime') ms = hasZone(v.text) ? v.value : inZone(v.value, tz);
      else
        throw invalidBody(
          `${FILTER_POINTER}/${i}`,
          `datetime takes an ISO 8601 value, e.g. ${c.op}(datetime,2024-01-01T00:00:00).`,
        );
      if (c.op === 'greater-or-equal') start = ms;
      else if (c.op === 'less-than') end = ms;
      else {
        throw invalidBody(
          `${FILTER_POINTER}/${i}`,
          `Use greater-or-equal(datetime,…) and less-than(datetime,…); '${c.op}' is not supported.`,
        );
      }
    }
  });
  if (start === undefined || end === undefined) {
    throw invalidBody(
      FILTER_POINTER,
      'filter must include greater-or-equal(datetime,…) and less-than(datetime,…), e.g. ["greater-or-equal(datetime,2024-01-01T00:00:00)","less-than(datetime,2024-02-01T00:00:00)"].',
    );
  }
  if (end <= start)
    throw new KlaviyoError(400, 'invalid', 'The less-than datetime must be after the greater-or-equal one.', {
      source: { pointer: FILTER_POINTER },
    });
  return { start, end };
}

function hasZone(text: string): boolean {
  return /(Z|[+-]\d{2}:?\d{2})$/.test(text);
}

/** A zone-less datetime (parsed as if UTC) re-read as wall time in the query's time zone. */
function inZone(msAsUtc: number, tz: string): number {
  const w = wallTime(msAsUtc, 'UTC');
  return zonedToUtc(w.year, w.month, w.day, w.hour, tz, w.minute, w.second);
}
