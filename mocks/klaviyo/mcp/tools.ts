/**
 * The offline MCP server's tools, under the names of Klaviyo's own MCP server (KLAVIYO-FACTS §9). Each
 * tool is data: a zod input schema and `request(args)`, which says which Klaviyo API request answers it.
 * No tool holds logic of its own: server.ts sends every request through one `KlaviyoCall`, so a tool
 * answers exactly what the API answers for the same account.
 *
 * Known limitations:
 * - Klaviyo's server publishes its tool names but not their parameters (none could be read), so the
 *   arguments are ours: the API's own query parameters in snake_case (`filter`, `sort`, `page_cursor`,
 *   `page_size`, `fields`, `include`), ids as `<resource>_id`, and a few conveniences (`channel` for
 *   campaigns, `start`/`end` for aggregates). Klaviyo's `model` argument is accepted and ignored.
 * - 25 of Klaviyo's 300+ tools (its core set, less image upload, campaign create/send and
 *   subscriptions); translation tools are not emulated.
 */
import { z } from 'zod';
import { STATISTICS } from '../groups/reporting/campaign-values.ts';
import { TIMEFRAME_KEYS } from '../groups/reporting/timeframe.ts';
import type { KlaviyoRequest } from './dispatch.ts';

export interface ToolDef {
  name: string;
  title: string;
  description: string;
  input: z.ZodRawShape;
  /** Tools that write (left out when the server is started read-only, as Klaviyo's `READ_ONLY`). */
  writes?: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: each tool's args are typed by its own schema
  request(args: any): KlaviyoRequest;
}

const id = (what: string) => z.string().min(1).describe(`the ${what}'s Klaviyo id`);
/** Klaviyo's remote tools take a `model` argument (the calling model's name); accepted, not used. */
const model = { model: z.string().optional().describe('the calling model (accepted, not used)') };

interface ListOptions {
  /** The primary resource type, for `fields[type]` and `additional-fields[type]`. */
  type: string;
  pageSize?: boolean;
  include?: boolean;
  additionalFields?: boolean;
  sort?: boolean;
}

/** The query arguments a list endpoint takes, as zod, and how they become query parameters. */
function listShape(o: ListOptions): z.ZodRawShape {
  return {
    filter: z.string().optional().describe("Klaviyo filter expression, e.g. equals(email,'a@b.com')"),
    ...(o.sort === false
      ? {}
      : { sort: z.string().optional().describe('field to sort by; prefix - for descending') }),
    page_cursor: z.string().optional().describe('links.next of the previous page, or its page[cursor]'),
    ...(o.pageSize ? { page_size: z.number().int().min(1).max(100).optional() } : {}),
    ...singleShape(o),
  };
}

function singleShape(o: ListOptions): z.ZodRawShape {
  return {
    fields: z.array(z.string()).optional().describe(`sparse fieldset for ${o.type}`),
    ...(o.include
      ? { include: z.array(z.string()).optional().describe('related resources to include') }
      : {}),
    ...(o.additionalFields
      ? { additional_fields: z.array(z.string()).optional().describe('e.g. ["subscriptions"]') }
      : {}),
    ...model,
  };
}

type QueryArgs = {
  filter?: string;
  sort?: string;
  page_cursor?: string;
  page_size?: number;
  fields?: string[];
  include?: string[];
  additional_fields?: string[];
};

function query(type: string, a: QueryArgs): Record<string, string | undefined> {
  return {
    filter: a.filter,
    sort: a.sort,
    'page[cursor]': a.page_cursor,
    'page[size]': a.page_size === undefined ? undefined : String(a.page_size),
    [`fields[${type}]`]: a.fields?.join(','),
    include: a.include?.join(','),
    [`additional-fields[${type}]`]: a.additional_fields?.join(','),
  };
}

function listTool(name: string, title: string, path: string, o: ListOptions, description: string): ToolDef {
  return {
    name,
    title,
    description,
    input: listShape(o),
    request: (a: QueryArgs) => ({ method: 'GET', path, query: query(o.type, a) }),
  };
}

function getTool(name: string, title: string, path: string, o: ListOptions, idArg: string): ToolDef {
  return {
    name,
    title,
    description: `${title} by id.`,
    input: { [idArg]: id(o.type), ...singleShape(o) },
    request: (a: QueryArgs & Record<string, string>) => ({
      method: 'GET',
      path: `${path}/${encodeURIComponent(a[idArg])}`,
      query: query(o.type, a),
    }),
  };
}

const profileIdentity = z
  .object({
    id: z.string().optional(),
    email: z.string().optional(),
    phone_number: z.string().optional(),
    external_id: z.string().optional(),
  })
  .refine((p) => p.id || p.email || p.phone_number || p.external_id, {
    message: 'give at least one of id, email, phone_number, external_id',
  });

const profileAttributes = {
  email: z.string().optional(),
  phone_number: z.string().optional(),
  external_id: z.string().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  properties: z.record(z.string(), z.unknown()).optional().describe('custom properties, merged'),
};

const CHANNELS = ['email', 'sms', 'mobile_push'] as const;

export const TOOLS: ToolDef[] = [
  {
    name: 'get_account_details',
    title: 'Account details',
    description: 'The account this API key belongs to (name, timezone, currency, contact information).',
    input: { ...model },
    request: () => ({ method: 'GET', path: '/api/accounts' }),
  },
  listTool(
    'get_profiles',
    'Profiles',
    '/api/profiles',
    { type: 'profile', pageSize: true, additionalFields: true },
    "Profiles in the account, filtered (e.g. equals(external_id,'u1')), sorted and paged.",
  ),
  getTool(
    'get_profile',
    'Profile',
    '/api/profiles',
    { type: 'profile', include: true, additionalFields: true },
    'profile_id',
  ),
  {
    name: 'create_profile',
    title: 'Create profile',
    description: 'Create a profile (fails with duplicate_profile if the email, phone or external id exists).',
    writes: true,
    input: { ...profileAttributes, ...model },
    request: ({ model: _m, ...attributes }) => ({
      method: 'POST',
      path: '/api/profiles',
      body: { data: { type: 'profile', attributes } },
    }),
  },
  {
    name: 'update_profile',
    title: 'Update profile',
    description: 'Update a profile by id; properties are merged.',
    writes: true,
    input: { profile_id: id('profile'), ...profileAttributes, ...model },
    request: ({ profile_id, model: _m, ...attributes }) => ({
      method: 'PATCH',
      path: `/api/profiles/${encodeURIComponent(profile_id)}`,
      body: { data: { type: 'profile', id: profile_id, attributes } },
    }),
  },
  {
    name: 'create_or_update_profile',
    title: 'Create or update profile',
    description: 'Upsert a profile by email, phone or external id (profile-import); properties are merged.',
    writes: true,
    input: { ...profileAttributes, ...model },
    request: ({ model: _m, ...attributes }) => ({
      method: 'POST',
      path: '/api/profile-import',
      body: { data: { type: 'profile', attributes } },
    }),
  },
  listTool(
    'get_events',
    'Events',
    '/api/events',
    { type: 'event', pageSize: true, include: true },
    "Events, e.g. filter equals(metric_id,'X') or greater-than(datetime,2026-01-01T00:00:00Z).",
  ),
  {
    name: 'create_event',
    title: 'Create event',
    description:
      'Track an event for a profile (identified by id, email, phone_number or external_id); the metric is created on first use.',
    writes: true,
    input: {
      metric_name: z.string().min(1).describe("e.g. 'Story Completed'"),
      profile: profileIdentity,
      properties: z.record(z.string(), z.unknown()).optional(),
      value: z.number().optional(),
      time: z.string().optional().describe('ISO 8601; default now'),
      unique_id: z.string().optional().describe('de-duplicates per profile and metric'),
      ...model,
    },
    request: (a) => ({
      method: 'POST',
      path: '/api/events',
      body: {
        data: {
          type: 'event',
          attributes: {
            properties: a.properties ?? {},
            ...(a.value === undefined ? {} : { value: a.value }),
            ...(a.time === undefined ? {} : { time: a.time }),
            ...(a.unique_id === undefined ? {} : { unique_id: a.unique_id }),
            metric: { data: { type: 'metric', attributes: { name: a.metric_name } } },
            profile: { data: { type: 'profile', ...profileData(a.profile) } },
          },
        },
      },
    }),
  },
  listTool(
    'get_metrics',
    'Metrics',
    '/api/metrics',
    { type: 'metric', sort: false },
    'Metrics in the account.',
  ),
  getTool('get_metric', 'Metric', '/api/metrics', { type: 'metric' }, 'metric_id'),
  {
    name: 'query_metric_aggregates',
    title: 'Query metric aggregates',
    description:
      'Count, sum or unique profiles of a metric per hour/day/week/month over [start, end), optionally split by event properties.',
    input: {
      metric_id: id('metric'),
      measurements: z.array(z.enum(['count', 'sum_value', 'unique'])).min(1),
      start: z.string().describe('ISO 8601, inclusive'),
      end: z.string().describe('ISO 8601, exclusive'),
      interval: z.enum(['hour', 'day', 'week', 'month']).optional(),
      by: z.array(z.string()).max(2).optional().describe('e.g. ["$attributed_message"] or a property'),
      filter: z.array(z.string()).optional().describe('extra conditions, e.g. equals(theme,"space")'),
      timezone: z.string().optional().describe("IANA zone, default 'UTC'"),
      ...model,
    },
    request: (a) => ({
      method: 'POST',
      path: '/api/metric-aggregates',
      body: {
        data: {
          type: 'metric-aggregate',
          attributes: {
            metric_id: a.metric_id,
            measurements: a.measurements,
            interval: a.interval ?? 'day',
            filter: [
              `greater-or-equal(datetime,${a.start})`,
              `less-than(datetime,${a.end})`,
              ...(a.filter ?? []),
            ],
            ...(a.by ? { by: a.by } : {}),
            ...(a.timezone ? { timezone: a.timezone } : {}),
          },
        },
      },
    }),
  },
  listTool('get_lists', 'Lists', '/api/lists', { type: 'list', include: true }, 'Lists in the account.'),
  getTool(
    'get_list',
    'List',
    '/api/lists',
    { type: 'list', include: true, additionalFields: true },
    'list_id',
  ),
  listTool(
    'get_segments',
    'Segments',
    '/api/segments',
    { type: 'segment', include: true },
    'Segments in the account.',
  ),
  getTool(
    'get_segment',
    'Segment',
    '/api/segments',
    { type: 'segment', include: true, additionalFields: true },
    'segment_id',
  ),
  {
    name: 'get_campaigns',
    title: 'Campaigns',
    description: 'Campaigns of one channel (email by default), optionally filtered further.',
    input: {
      channel: z.enum(CHANNELS).optional().describe('default email'),
      ...listShape({ type: 'campaign', include: true }),
    },
    request: (a) => {
      const channel = `equals(messages.channel,'${a.channel ?? 'email'}')`;
      return {
        method: 'GET',
        path: '/api/campaigns',
        query: { ...query('campaign', a), filter: a.filter ? `and(${channel},${a.filter})` : channel },
      };
    },
  },
  getTool('get_campaign', 'Campaign', '/api/campaigns', { type: 'campaign', include: true }, 'campaign_id'),
  valuesReportTool(
    'get_campaign_report',
    'campaign',
    'campaign-values-report',
    '/api/campaign-values-reports',
  ),
  listTool('get_flows', 'Flows', '/api/flows', { type: 'flow', include: true }, 'Flows in the account.'),
  getTool(
    'get_flow',
    'Flow',
    '/api/flows',
    { type: 'flow', include: true, additionalFields: true },
    'flow_id',
  ),
  valuesReportTool('get_flow_report', 'flow', 'flow-values-report', '/api/flow-values-reports'),
  listTool(
    'get_catalog_items',
    'Catalog items',
    '/api/catalog-items',
    { type: 'catalog-item', include: true },
    'Catalog items, e.g. filter contains(title,"space") or any(category.id,[...]).',
  ),
  listTool(
    'get_email_templates',
    'Email templates',
    '/api/templates',
    { type: 'template', additionalFields: true },
    'Email templates in the account.',
  ),
  getTool(
    'get_email_template',
    'Email template',
    '/api/templates',
    { type: 'template', additionalFields: true },
    'template_id',
  ),
  {
    name: 'create_email_template',
    title: 'Create email template',
    description: 'Create a code email template from HTML (Liquid-style {{ }} variables render later).',
    writes: true,
    input: {
      name: z.string().min(1),
      html: z.string().min(1),
      text: z.string().optional().describe('plain-text part'),
      ...model,
    },
    request: (a) => ({
      method: 'POST',
      path: '/api/templates',
      body: {
        data: {
          type: 'template',
          attributes: {
            name: a.name,
            editor_type: 'CODE',
            html: a.html,
            ...(a.text ? { text: a.text } : {}),
          },
        },
      },
    }),
  },
];

function profileData(p: { id?: string; email?: string; phone_number?: string; external_id?: string }) {
  const { id: profileId, ...attributes } = p;
  return { ...(profileId ? { id: profileId } : {}), attributes };
}

function valuesReportTool(name: string, owner: 'campaign' | 'flow', type: string, path: string): ToolDef {
  return {
    name,
    title: `${owner[0].toUpperCase()}${owner.slice(1)} report`,
    description: `Performance of ${owner}s (opens, clicks, conversions…) over a timeframe, per ${owner} and message.`,
    input: {
      [`${owner}_id`]: z.string().min(1).optional().describe(`only this ${owner}`),
      statistics: z
        .array(z.enum(STATISTICS))
        .min(1)
        .optional()
        .describe('default opens, open_rate, clicks, click_rate, recipients'),
      timeframe: z.enum(TIMEFRAME_KEYS).optional().describe('default last_30_days'),
      conversion_metric_id: id('conversion metric'),
      ...model,
    },
    request: (a) => ({
      method: 'POST',
      path,
      body: {
        data: {
          type,
          attributes: {
            statistics: a.statistics ?? ['opens', 'open_rate', 'clicks', 'click_rate', 'recipients'],
            timeframe: { key: a.timeframe ?? 'last_30_days' },
            conversion_metric_id: a.conversion_metric_id,
            ...(a[`${owner}_id`] ? { filter: `equals(${owner}_id,"${a[`${owner}_id`]}")` } : {}),
          },
        },
      },
    }),
  };
}
