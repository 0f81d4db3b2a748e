/**
 * The offline Klaviyo MCP server, driven by the official MCP SDK's client over both transports, against
 * data written with the official klaviyo-api SDK to a mock over HTTP (every response checked against
 * the spec, MCP-originated ones included). Each tool's answer must equal what the Klaviyo API returns
 * to the SDK for the same account:
 * - Streamable HTTP (port 0), tools answered in-process by the same mock's core;
 * - stdio, the CLI spawned as a child process (`mock mcp --stdio --klaviyo-url …`), killed by PID.
 * Plus bad arguments (an MCP tool error naming the field) and API errors (the JSON:API pointer).
 */
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CatalogsApi } from 'klaviyo-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CampaignApis, campaignApis } from '../../../test/klaviyo/campaign-helpers.ts';
import { eventBody, profileBody, startChecked } from '../../../test/klaviyo/helpers.ts';
import { useKlaviyoContract } from '../../../test/support/klaviyo-contract.ts';
import { inProcessCall } from './dispatch.ts';
import { type RunningMcpServer, startMcpHttpServer } from './http.ts';
import { toolDefinitions } from './server.ts';

const KEY = 'pk_mcp_test_account';
const root = path.resolve(import.meta.dirname, '../../..');
/** Bounds every MCP request (the stdio child starts tsx first, slow on a loaded machine). */
const REQUEST_TIMEOUT = { timeout: 60_000 };
const KLAVIYO_TOOLS = [
  'get_profiles',
  'get_profile',
  'create_event',
  'get_metrics',
  'query_metric_aggregates',
  'get_lists',
  'get_segments',
  'get_campaigns',
  'get_campaign_report',
  'get_flows',
  'get_catalog_items',
  'create_email_template',
];

const contract = useKlaviyoContract();
let klaviyo: Awaited<ReturnType<typeof startChecked>>;
let api: CampaignApis;
let profileId: string;
let metricId: string;

beforeAll(async () => {
  klaviyo = await startChecked(contract, { seed: 3 });
  api = campaignApis(KEY, klaviyo.url);
  for (const [i, email] of ['ada@example.com', 'bo@example.com', 'cy@example.com'].entries()) {
    const p = await api.profiles.createProfile(
      profileBody({ email, external_id: `user-${i}`, properties: { story_preferences: ['space'] } }),
    );
    profileId ??= p.response.data.data.id;
  }
  for (const [i, theme] of ['space', 'ocean', 'space'].entries()) {
    const extra = { unique_id: `story-${i}`, time: new Date(Date.UTC(2026, 0, 5 + i, 19)).toISOString() };
    await api.events.createEvent(
      eventBody('Story Completed', { email: 'ada@example.com' }, extra, { theme }),
    );
  }
  metricId = (await api.metrics.getMetrics()).response.data.data[0].id;
  await api.lists.createList({ data: { type: 'list', attributes: { name: 'Bedtime Tips' } } } as never);
  const catalogs = new CatalogsApi(api.profiles.session);
  catalogs.basePath = klaviyo.url;
  await catalogs.createCatalogItem({
    data: {
      type: 'catalog-item',
      attributes: { externalId: 'SPACE', title: 'Space', description: 'Stars', url: 'https://x.test/space' },
    },
  } as never);
}, 60_000);
afterAll(async () => {
  await klaviyo?.close();
});

/** `structuredContent` of a successful tool call. */
async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  const r = await client.callTool({ name, arguments: args }, undefined, REQUEST_TIMEOUT);
  if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.content)}`);
  return r.structuredContent as { data: unknown; links?: unknown };
}

/**
 * Absolute `links` carry the origin a request came through: in-process answers use Klaviyo's own
 * (https://a.klaviyo.com), the SDK's came through the mock's HTTP server. Everything else must match.
 */
function sameOrigin<T>(body: T): T {
  return JSON.parse(JSON.stringify(body).replaceAll('https://a.klaviyo.com', klaviyo.url));
}

/** The shared checks: tool list, and each read tool equal to the SDK's answer for the same account. */
function sameAnswersAsTheApi(getClient: () => Client) {
  it('lists the tools under Klaviyo’s MCP names, with input schemas', async () => {
    const { tools } = await getClient().listTools(undefined, REQUEST_TIMEOUT);
    const names = tools.map((t) => t.name);
    for (const n of KLAVIYO_TOOLS) expect(names).toContain(n);
    expect(names).toHaveLength(toolDefinitions().length);
    const getProfile = tools.find((t) => t.name === 'get_profile')!;
    expect(getProfile.inputSchema.required).toEqual(['profile_id']);
  });

  it('answers reads exactly as the Klaviyo API does', async () => {
    const c = getClient();
    const pairs: [string, Record<string, unknown>, () => Promise<{ response: { data: any } }>][] = [
      ['get_profiles', { page_size: 2 }, () => api.profiles.getProfiles({ pageSize: 2 })],
      [
        'get_profiles',
        { filter: "equals(external_id,'user-1')" },
        () => api.profiles.getProfiles({ filter: "equals(external_id,'user-1')" }),
      ],
      ['get_profile', { profile_id: profileId }, () => api.profiles.getProfile(profileId)],
      ['get_metrics', {}, () => api.metrics.getMetrics()],
      ['get_lists', {}, () => api.lists.getLists()],
      ['get_segments', {}, () => api.segments.getSegments()],
      ['get_flows', {}, () => api.flows.getFlows()],
      ['get_campaigns', {}, () => api.campaigns.getCampaigns("equals(messages.channel,'email')")],
      ['get_email_templates', {}, () => api.templates.getTemplates()],
      [
        'get_events',
        { filter: `equals(metric_id,"${metricId}")` },
        () => api.events.getEvents({ filter: `equals(metric_id,"${metricId}")` }),
      ],
    ];
    const statistics = ['opens', 'open_rate', 'clicks', 'recipients'];
    pairs.push(
      [
        'get_campaign_report',
        { conversion_metric_id: metricId, statistics, timeframe: 'last_30_days' },
        () =>
          api.reporting.queryCampaignValues({
            data: {
              type: 'campaign-values-report',
              attributes: { statistics, timeframe: { key: 'last_30_days' }, conversionMetricId: metricId },
            },
          } as never),
      ],
      ['get_metric', { metric_id: metricId }, () => api.metrics.getMetric(metricId)],
    );
    for (const [tool, args, viaSdk] of pairs) {
      const [mcp, sdk] = [await call(c, tool, args), (await viaSdk()).response.data];
      expect(sameOrigin(mcp), tool).toEqual(sdk);
    }
    const catalogs = new CatalogsApi(api.profiles.session);
    catalogs.basePath = klaviyo.url;
    expect(sameOrigin(await call(c, 'get_catalog_items'))).toEqual(
      (await catalogs.getCatalogItems()).response.data,
    );
  });

  it('computes metric aggregates from the stored events, as the API does', async () => {
    const window = { start: '2020-01-01T00:00:00Z', end: '2030-01-01T00:00:00Z' };
    const mcp = await call(getClient(), 'query_metric_aggregates', {
      metric_id: metricId,
      measurements: ['count'],
      interval: 'month',
      by: ['theme'],
      ...window,
    });
    const sdk = await api.metrics.queryMetricAggregates({
      data: {
        type: 'metric-aggregate',
        attributes: {
          metricId,
          measurements: ['count'],
          interval: 'month',
          by: ['theme'],
          filter: [`greater-or-equal(datetime,${window.start})`, `less-than(datetime,${window.end})`],
        },
      },
    } as never);
    // Each aggregate query gets a fresh id, as Klaviyo's do; the rest must match.
    const { id: _a, ...viaMcp } = sameOrigin(mcp).data as Record<string, unknown>;
    const { id: _b, ...viaApi } = sdk.response.data.data as Record<string, unknown>;
    expect(viaMcp).toEqual(viaApi);
    const counts = (mcp.data as any).attributes.data.map((d: any) => [
      d.dimensions[0],
      d.measurements.count.reduce((a: number, b: number) => a + b, 0),
    ]);
    expect(Object.fromEntries(counts)).toEqual({ space: 2, ocean: 1 });
  });

  it('bad arguments give a tool error naming the field; API errors name the pointer', async () => {
    const c = getClient();
    const bad = await c.callTool(
      { name: 'get_profile', arguments: { profile_id: 42 } },
      undefined,
      REQUEST_TIMEOUT,
    );
    expect(bad.isError).toBe(true);
    expect(JSON.stringify(bad.content)).toMatch(/profile_id/);
    const missing = await c.callTool(
      { name: 'create_event', arguments: { profile: { email: 'a@b.c' } } },
      undefined,
      REQUEST_TIMEOUT,
    );
    expect(missing.isError).toBe(true);
    expect(JSON.stringify(missing.content)).toMatch(/metric_name/);
    const unknown = await c.callTool(
      { name: 'get_profile', arguments: { profile_id: 'NOPE' } },
      undefined,
      REQUEST_TIMEOUT,
    );
    expect(unknown.isError).toBe(true);
    expect(JSON.stringify(unknown.content)).toMatch(/404.*not_found/);
    const badFilter = await c.callTool(
      { name: 'get_profiles', arguments: { filter: 'equals(nonsense' } },
      undefined,
      REQUEST_TIMEOUT,
    );
    expect(badFilter.isError).toBe(true);
    expect(JSON.stringify(badFilter.content)).toMatch(/400.*parameter filter/);
  });
}

describe('over Streamable HTTP, answered in-process by the same mock core', () => {
  let mcp: RunningMcpServer;
  let client: Client;
  beforeAll(async () => {
    mcp = await startMcpHttpServer({ call: inProcessCall(klaviyo.service, KEY), port: 0 });
    client = new Client({ name: 'mcp-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcp.mcpUrl)));
  });
  afterAll(async () => {
    await client?.close();
    await mcp?.close();
  });

  sameAnswersAsTheApi(() => client);

  it('writes: create_event and create_email_template land in the account the API reads', async () => {
    const accepted = await call(client, 'create_event', {
      metric_name: 'Recommendation Viewed',
      profile: { external_id: 'user-2' },
      properties: { source: 'mcp' },
      unique_id: 'rec-1',
    });
    expect(accepted).toEqual({ status: 202, accepted: true });
    const metric = (await api.metrics.getMetrics()).response.data.data.find(
      (m: { attributes: { name: string } }) => m.attributes.name === 'Recommendation Viewed',
    );
    const events = await api.events.getEvents({ filter: `equals(metric_id,"${metric.id}")` });
    expect(events.response.data.data).toHaveLength(1);
    const created = (await call(client, 'create_email_template', {
      name: 'Weekly insights',
      html: '<p>Hello {{ first_name }}</p>',
    })) as { data: { id: string } };
    const viaSdk = await api.templates.getTemplate(created.data.id);
    expect(viaSdk.response.data.data.attributes.html).toBe('<p>Hello {{ first_name }}</p>');
  });

  it('a read-only server leaves the writing tools out', async () => {
    const ro = await startMcpHttpServer({
      call: inProcessCall(klaviyo.service, KEY),
      port: 0,
      readOnly: true,
    });
    const c = new Client({ name: 'mcp-test-ro', version: '1.0.0' });
    try {
      await c.connect(new StreamableHTTPClientTransport(new URL(ro.mcpUrl)));
      const names = (await c.listTools()).tools.map((t) => t.name);
      expect(names).toContain('get_profiles');
      expect(names).not.toContain('create_event');
      expect(names).not.toContain('create_email_template');
    } finally {
      await c.close();
      await ro.close();
    }
  });
});

describe('over stdio, the CLI as a child process answering from the mock over HTTP', () => {
  let client: Client;
  let transport: StdioClientTransport;
  beforeAll(async () => {
    transport = new StdioClientTransport({
      command: process.execPath,
      args: [path.join(root, 'bin/dreamflow-sim.js'), 'mock', 'mcp', '--stdio', '--klaviyo-url', klaviyo.url],
      cwd: root,
      env: { ...(process.env as Record<string, string>), PRIVATE_API_KEY: KEY },
      stderr: 'pipe',
    });
    client = new Client({ name: 'mcp-test-stdio', version: '1.0.0' });
    await client.connect(transport, REQUEST_TIMEOUT);
  }, 90_000);
  afterAll(async () => {
    const pid = transport?.pid;
    await client?.close();
    // close() ends the child; make sure by PID in case it lingers.
    if (pid) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  });

  sameAnswersAsTheApi(() => client);
});
