/**
 * Metrics API: get_metrics, get_metric. Metrics are created implicitly by create-event, on first use of
 * a name in an account (`resolveMetric`).
 */
import { hashString } from '../../../lib/prng.ts';
import { notFound } from '../jsonapi/errors.ts';
import { compileFilter, type FieldSpec, parseFilter } from '../jsonapi/filter.ts';
import { pageLinks, readCursor } from '../jsonapi/pagination.ts';
import { fieldsParam, listParam } from '../jsonapi/query.ts';
import { isoTime, pickFields, type ResourceObject, relationship } from '../jsonapi/serialize.ts';
import type { MetricRow } from '../store.ts';
import { type Ctx, type Handler, reply } from './context.ts';

export const METRIC_FIELDS = ['name', 'created', 'updated', 'integration'] as const;
/** get_metrics has no page[size]; Klaviyo pages metrics 200 at a time. */
const METRICS_PAGE = 200;

/** Klaviyo shows API-created metrics under the "API" integration; other `service` values get their own. */
const INTEGRATION_NAME = "CASE WHEN service = 'api' THEN 'API' ELSE service END";
const FILTERS: Record<string, FieldSpec> = {
  'integration.name': { column: INTEGRATION_NAME, type: 'string', ops: ['equals'] },
  'integration.category': {
    column: `CASE WHEN service = 'api' THEN 'API' ELSE 'Custom' END`,
    type: 'string',
    ops: ['equals'],
  },
};

function integrationOf(service: string): Record<string, unknown> {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let h = hashString(`integration:${service}`);
  let id = '';
  for (let i = 0; i < 6; i++) {
    id += alphabet[h % alphabet.length];
    h = Math.floor(h / alphabet.length) + i * 7919;
  }
  const isApi = service === 'api';
  return {
    object: 'integration',
    id,
    key: service,
    name: isApi ? 'API' : service,
    category: isApi ? 'API' : 'Custom',
  };
}

export function metricResource(
  ctx: Ctx,
  row: MetricRow,
  fields: string[] | null,
  flowTriggersIncluded = false,
): ResourceObject {
  const origin = ctx.req.url.origin;
  const base = `/api/metrics/${row.id}`;
  return {
    type: 'metric',
    id: row.id,
    attributes: pickFields(
      {
        name: row.name,
        created: isoTime(row.created),
        updated: isoTime(row.updated),
        integration: integrationOf(row.service),
      },
      fields,
    ),
    relationships: {
      'flow-triggers': relationship(origin, base, 'flow-triggers', flowTriggersIncluded ? [] : undefined),
    },
    links: { self: `${origin}${base}/` },
  };
}

/** The metric id for a name, creating the metric on first use. Cached per account + name. */
export function resolveMetric(ctx: Ctx, name: string, service: string): string {
  const key = `${ctx.account}\u0000${name}`;
  const cached = ctx.metricCache.get(key);
  if (cached) return cached;
  let row = ctx.store.metricByName(ctx.account, name);
  if (!row) {
    const now = ctx.clock.now();
    // Six random characters can collide; try a few times (bounded) before giving up.
    for (let attempt = 0; attempt < 10 && !row; attempt++) {
      const id = ctx.ids.metricId();
      if (ctx.store.metricById(ctx.account, id)) continue;
      row = ctx.store.insertMetric({ account: ctx.account, id, name, service, created: now, updated: now });
    }
    if (!row) throw new Error('Could not allocate a metric id after 10 attempts.');
  }
  if (ctx.metricCache.size > 50_000) ctx.metricCache.clear();
  ctx.metricCache.set(key, row.id);
  return row.id;
}

export function requireMetric(ctx: Ctx, id: string): MetricRow {
  const row = ctx.store.metricById(ctx.account, id);
  if (!row) throw notFound(`A metric with id ${id} does not exist.`);
  return row;
}

export const getMetrics: Handler = (ctx) => {
  const fields = fieldsParam(ctx.req, 'metric', METRIC_FIELDS);
  fieldsParam(ctx.req, 'flow', ['name', 'status', 'archived', 'created', 'updated', 'trigger_type']);
  const include = listParam(ctx.req, 'include', ['flow-triggers']);
  const filterText = ctx.req.query.get('filter');
  const filter = filterText
    ? compileFilter(parseFilter(filterText), FILTERS, 'metric')
    : { where: [], params: [] };
  const page = ctx.store.list<MetricRow>({
    table: 'metrics',
    account: ctx.account,
    where: filter.where,
    params: filter.params,
    sortExpr: 'seq',
    desc: false,
    cursor: readCursor(ctx.req),
    limit: METRICS_PAGE,
  });
  const doc: Record<string, unknown> = {
    data: page.rows.map((r) => metricResource(ctx, r, fields, include.length > 0)),
    links: pageLinks(ctx.req, page),
  };
  if (include.length) doc.included = [];
  return reply(200, doc);
};

export const getMetric: Handler = (ctx) => {
  const fields = fieldsParam(ctx.req, 'metric', METRIC_FIELDS);
  const include = listParam(ctx.req, 'include', ['flow-triggers']);
  const data = metricResource(ctx, requireMetric(ctx, ctx.params.id!), fields, include.length > 0);
  const doc: Record<string, unknown> = { data, links: { self: data.links.self } };
  if (include.length) doc.included = [];
  return reply(200, doc);
};
