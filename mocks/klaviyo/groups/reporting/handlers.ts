/**
 * Reporting API: query_campaign_values and query_flow_values, one handler shape for both (see
 * campaign-values.ts for how the numbers are made).
 */
import { z } from 'zod';
import { type Handler, parseBody, reply } from '../../core/context.ts';
import type { KlaviyoStore } from '../../core/store.ts';
import { invalidBody } from '../../jsonapi/errors.ts';
import { fieldsParam } from '../../jsonapi/query.ts';
import { MetricsRepo } from '../metrics/repo.ts';
import {
  campaignValues,
  FLOW_GROUP_BY,
  flowValues,
  GROUP_BY,
  STATISTICS,
  type ValuesQuery,
  type ValuesResult,
} from './campaign-values.ts';
import { FILTER_FIELDS, parseReportFilter } from './filter.ts';
import { TIMEFRAME_KEYS, timeframeRange } from './timeframe.ts';

interface ValuesReport {
  /** `campaign-values-report` */
  type: string;
  /** The path under /api/, e.g. `campaign-values-reports`. */
  path: string;
  groupBy: readonly string[];
  /** group_by values the spec lists that the mock's email messages cannot fill. */
  notEmulated: readonly string[];
  /** The two group_by values Klaviyo requires (the owner and its message). */
  required: readonly [string, string];
  filterFields: readonly string[];
  compute: (store: KlaviyoStore, q: ValuesQuery) => ValuesResult;
  /** Relationship name → resource type of the owners, then of the messages (when listed). */
  owners: [string, string];
  messages?: [string, string];
}

function valuesReport(r: ValuesReport): Handler {
  const schema = z.object({
    data: z.object({
      type: z.literal(r.type),
      attributes: z.object({
        statistics: z.array(z.enum(STATISTICS)).min(1),
        timeframe: z.union([
          z.object({ key: z.enum(TIMEFRAME_KEYS) }).strict(),
          z.object({ start: z.string(), end: z.string() }).strict(),
        ]),
        conversion_metric_id: z.string().min(1),
        group_by: z
          .array(z.enum([...r.groupBy, ...r.notEmulated] as [string, ...string[]]))
          .nullable()
          .optional(),
        filter: z.string().nullable().optional(),
      }),
    }),
  });
  const defaultGroupBy = [...r.required, 'send_channel'];
  return (ctx) => {
    const fields = fieldsParam(ctx.req, r.type, ['id', 'results']);
    const a = parseBody(ctx, schema).data.attributes;
    const groupBy = (a.group_by ?? defaultGroupBy) as string[];
    const unsupported = groupBy.find((g) => r.notEmulated.includes(g));
    if (unsupported) {
      throw invalidBody(
        '/data/attributes/group_by',
        `Grouping by ${unsupported} is not emulated by this mock.`,
      );
    }
    if (!r.required.every((g) => groupBy.includes(g))) {
      throw invalidBody('/data/attributes/group_by', `group_by must include ${r.required.join(' and ')}.`);
    }
    if (!ctx.store.repo(MetricsRepo).byId(ctx.account, a.conversion_metric_id)) {
      throw invalidBody(
        '/data/attributes/conversion_metric_id',
        `A metric with id ${a.conversion_metric_id} does not exist.`,
      );
    }
    const [from, to] = timeframeRange(a.timeframe, ctx.clock.now());
    const values = r.compute(ctx.store, {
      account: ctx.account,
      from,
      to,
      conversionMetricId: a.conversion_metric_id,
      statistics: a.statistics,
      groupBy,
      filter: parseReportFilter(a.filter, r.filterFields),
    });
    const origin = ctx.req.url.origin;
    const base = `${origin}/api/${r.path}`;
    const attributes = fields && !fields.includes('results') ? {} : { results: values.results };
    const rel = ([name, type]: [string, string], ids: string[]) => ({
      data: ids.map((id) => ({ type, id })),
      links: { self: `${base}/relationships/${name}/`, related: `${base}/${name}/` },
    });
    const relationships: Record<string, unknown> = { [r.owners[0]]: rel(r.owners, values.owners) };
    if (r.messages) relationships[r.messages[0]] = rel(r.messages, values.messages);
    return reply(200, {
      data: { type: r.type, attributes, relationships },
      links: { self: `${base}/` },
    });
  };
}

const SHARED_NOT_EMULATED = ['tag_id', 'tag_name', 'text_message_format', 'variation', 'variation_name'];

export const queryCampaignValues = valuesReport({
  type: 'campaign-values-report',
  path: 'campaign-values-reports',
  groupBy: GROUP_BY,
  notEmulated: ['group', 'group_name', ...SHARED_NOT_EMULATED],
  required: ['campaign_id', 'campaign_message_id'],
  filterFields: FILTER_FIELDS,
  compute: campaignValues,
  owners: ['campaigns', 'campaign'],
});

export const queryFlowValues = valuesReport({
  type: 'flow-values-report',
  path: 'flow-values-reports',
  groupBy: FLOW_GROUP_BY,
  notEmulated: SHARED_NOT_EMULATED,
  required: ['flow_id', 'flow_message_id'],
  // Klaviyo's flow report filters on the same scalar attributes it groups by.
  filterFields: FLOW_GROUP_BY,
  compute: flowValues,
  owners: ['flows', 'flow'],
  messages: ['flow-messages', 'flow-message'],
});
