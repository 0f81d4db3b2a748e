/**
 * Metrics API: get_metrics, get_metric. Metrics are created implicitly by create-event, on first use of
 * a name in an account (model.ts `resolveMetric`).
 */
import { type Handler, reply } from '../../core/context.ts';
import { compileFilter, type FieldSpec, parseFilter } from '../../jsonapi/filter.ts';
import { pageLinks, readCursor } from '../../jsonapi/pagination.ts';
import { fieldsParam, listParam } from '../../jsonapi/query.ts';
import { METRIC_FIELDS, metricResource, requireMetric } from './model.ts';
import { MetricsRepo } from './repo.ts';

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

export const getMetrics: Handler = (ctx) => {
  const fields = fieldsParam(ctx.req, 'metric', METRIC_FIELDS);
  fieldsParam(ctx.req, 'flow', ['name', 'status', 'archived', 'created', 'updated', 'trigger_type']);
  const include = listParam(ctx.req, 'include', ['flow-triggers']);
  const filterText = ctx.req.query.get('filter');
  const filter = filterText
    ? compileFilter(parseFilter(filterText), FILTERS, 'metric')
    : { where: [], params: [] };
  const page = ctx.store.repo(MetricsRepo).list({
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
