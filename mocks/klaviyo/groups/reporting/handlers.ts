/** Reporting API: query_campaign_values (see campaign-values.ts for how the numbers are made). */
import { z } from 'zod';
import { type Handler, parseBody, reply } from '../../core/context.ts';
import { invalidBody } from '../../jsonapi/errors.ts';
import { fieldsParam } from '../../jsonapi/query.ts';
import { MetricsRepo } from '../metrics/repo.ts';
import { campaignValues, GROUP_BY, type GroupBy, STATISTICS } from './campaign-values.ts';
import { parseReportFilter } from './filter.ts';
import { TIMEFRAME_KEYS, timeframeRange } from './timeframe.ts';

/** group_by values the spec lists that an email campaign without A/B tests or tags cannot fill. */
const NOT_EMULATED = [
  'group',
  'group_name',
  'tag_id',
  'tag_name',
  'text_message_format',
  'variation',
  'variation_name',
];
const DEFAULT_GROUP_BY: GroupBy[] = ['campaign_id', 'campaign_message_id', 'send_channel'];

const schema = z.object({
  data: z.object({
    type: z.literal('campaign-values-report'),
    attributes: z.object({
      statistics: z.array(z.enum(STATISTICS)).min(1),
      timeframe: z.union([
        z.object({ key: z.enum(TIMEFRAME_KEYS) }).strict(),
        z.object({ start: z.string(), end: z.string() }).strict(),
      ]),
      conversion_metric_id: z.string().min(1),
      group_by: z
        .array(z.enum([...GROUP_BY, ...NOT_EMULATED] as [string, ...string[]]))
        .nullable()
        .optional(),
      filter: z.string().nullable().optional(),
    }),
  }),
});

export const queryCampaignValues: Handler = (ctx) => {
  const fields = fieldsParam(ctx.req, 'campaign-values-report', ['id', 'results']);
  const a = parseBody(ctx, schema).data.attributes;
  const groupBy = (a.group_by ?? DEFAULT_GROUP_BY) as string[];
  const unsupported = groupBy.find((g) => NOT_EMULATED.includes(g));
  if (unsupported) {
    throw invalidBody(
      '/data/attributes/group_by',
      `Grouping by ${unsupported} is not emulated by this mock.`,
    );
  }
  if (!groupBy.includes('campaign_id') || !groupBy.includes('campaign_message_id')) {
    throw invalidBody(
      '/data/attributes/group_by',
      'group_by must include campaign_id and campaign_message_id.',
    );
  }
  if (!ctx.store.repo(MetricsRepo).byId(ctx.account, a.conversion_metric_id)) {
    throw invalidBody(
      '/data/attributes/conversion_metric_id',
      `A metric with id ${a.conversion_metric_id} does not exist.`,
    );
  }
  const [from, to] = timeframeRange(a.timeframe, ctx.clock.now());
  const values = campaignValues(ctx.store, {
    account: ctx.account,
    from,
    to,
    conversionMetricId: a.conversion_metric_id,
    statistics: a.statistics,
    groupBy: groupBy as GroupBy[],
    filter: parseReportFilter(a.filter),
  });
  const origin = ctx.req.url.origin;
  const attributes = fields && !fields.includes('results') ? {} : { results: values.results };
  return reply(200, {
    data: {
      type: 'campaign-values-report',
      attributes,
      relationships: {
        campaigns: {
          data: values.campaignIds.map((id) => ({ type: 'campaign', id })),
          links: {
            self: `${origin}/api/campaign-values-reports/relationships/campaigns/`,
            related: `${origin}/api/campaign-values-reports/campaigns/`,
          },
        },
      },
    },
    links: { self: `${origin}/api/campaign-values-reports/` },
  });
};
