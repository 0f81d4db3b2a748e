/**
 * The campaign values report through the official SDK, over HTTP: numbers per campaign from the
 * recorded events, filters and groupings, timeframes, last-touch conversions inside the 5-day window
 * only, and bad queries answered with a 400 pointing at the member.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../lib/clock.ts';
import {
  type CampaignApis,
  campaignApis,
  draftCampaign,
  listOf,
  sendJob,
} from '../../../../test/klaviyo/campaign-helpers.ts';
import { eventBody, sdkError, startChecked } from '../../../../test/klaviyo/helpers.ts';
import { useKlaviyoContract } from '../../../../test/support/klaviyo-contract.ts';
import type { KlaviyoCore } from '../../provider.ts';
import { CampaignsRepo } from '../campaigns/repo.ts';
import { DELIVERY_MS, PREPARE_MS } from '../campaigns/send.ts';

const contract = useKlaviyoContract();
const DAY = 86_400_000;

function query(attributes: Record<string, unknown>): any {
  return { data: { type: 'campaign-values-report', attributes } };
}

describe('campaign values report over HTTP', () => {
  const clock = new VirtualClock(Date.UTC(2026, 8, 10, 12));
  let server: Awaited<ReturnType<typeof startChecked>>;
  let api: CampaignApis;
  const sent: { id: string; message: string }[] = [];
  let order = '';
  let emails: string[] = [];

  beforeAll(async () => {
    server = await startChecked(contract, { clock, seed: 4 });
    // Everyone opens and clicks within minutes: the numbers below are exact.
    const repo = (server.service.core as KlaviyoCore).store.repo(CampaignsRepo);
    repo.engagement = {
      ...repo.engagement,
      openRate: 1,
      clickRate: 1,
      unsubscribeRate: 0,
      openDelay: { minMs: 60_000, maxMs: 120_000 },
    };
    api = campaignApis('pk_reporting', server.url);
    emails = ['r1@report.test', 'r2@report.test', 'r3@report.test'];
    const big = await listOf(api, 'All', emails);
    const small = await listOf(api, 'One', ['r4@report.test']);
    for (const [name, list] of [
      ['Autumn', big.list],
      ['Solo', small.list],
    ] as const) {
      const c = await draftCampaign(api, { name, included: [list] });
      await api.campaigns.sendCampaign(sendJob(c.id));
      clock.advance(PREPARE_MS + DELIVERY_MS);
      sent.push(c);
    }
    clock.advance(DAY);
    const t = (ms: number) => new Date(ms).toISOString();
    // r1 orders now (in the window), r2 six days later (outside it), r4 twice now.
    await api.events.createEvent(
      eventBody('Placed Order', { email: 'r1@report.test' }, { time: t(clock.now()), value: 20 }),
    );
    await api.events.createEvent(
      eventBody('Placed Order', { email: 'r4@report.test' }, { time: t(clock.now()), value: 5 }),
    );
    await api.events.createEvent(
      eventBody('Placed Order', { email: 'r4@report.test' }, { time: t(clock.now() + 1000), value: 7 }),
    );
    clock.advance(6 * DAY);
    await api.events.createEvent(
      eventBody('Placed Order', { email: 'r2@report.test' }, { time: t(clock.now()), value: 50 }),
    );
    const metrics = await api.metrics.getMetrics();
    order = metrics.response.data.data.find((m: any) => m.attributes.name === 'Placed Order')!.id;
  });
  afterAll(async () => {
    await server.close();
  });

  it('counts each campaign from its events, with conversions in the attribution window', async () => {
    const r = await api.reporting.queryCampaignValues(
      query({
        statistics: [
          'recipients',
          'opens_unique',
          'click_to_open_rate',
          'conversions',
          'conversion_uniques',
          'conversion_value',
          'average_order_value',
          'revenue_per_recipient',
          'bounced',
        ],
        timeframe: { key: 'last_30_days' },
        conversionMetricId: order,
      }),
    );
    const results = r.response.data.data.attributes.results;
    expect(results).toEqual([
      {
        groupings: { campaign_id: sent[0]!.id, campaign_message_id: sent[0]!.message, send_channel: 'email' },
        statistics: {
          recipients: 3,
          opens_unique: 3,
          click_to_open_rate: 1,
          conversions: 1,
          conversion_uniques: 1,
          conversion_value: 20,
          average_order_value: 20,
          revenue_per_recipient: 20 / 3,
          bounced: 0,
        },
      },
      {
        groupings: { campaign_id: sent[1]!.id, campaign_message_id: sent[1]!.message, send_channel: 'email' },
        statistics: {
          recipients: 1,
          opens_unique: 1,
          click_to_open_rate: 1,
          conversions: 2,
          conversion_uniques: 1,
          conversion_value: 12,
          average_order_value: 6,
          revenue_per_recipient: 12,
          bounced: 0,
        },
      },
    ]);
  });

  it('filters by campaign, groups by message name, and honours the timeframe', async () => {
    const base = { statistics: ['recipients'], conversionMetricId: order };
    const one = await api.reporting.queryCampaignValues(
      query({
        ...base,
        timeframe: { key: 'this_month' },
        filter: `equals(campaign_id,"${sent[1]!.id}")`,
        groupBy: ['campaign_id', 'campaign_message_id', 'campaign_message_name'],
      }),
    );
    expect(one.response.data.data.attributes.results).toEqual([
      {
        groupings: {
          campaign_id: sent[1]!.id,
          campaign_message_id: sent[1]!.message,
          campaign_message_name: 'Main',
        },
        statistics: { recipients: 1 },
      },
    ]);
    const both = await api.reporting.queryCampaignValues(
      query({
        ...base,
        timeframe: { key: 'last_30_days' },
        filter: `and(contains-any(campaign_id,["${sent[0]!.id}","${sent[1]!.id}"]),equals(send_channel,"email"))`,
      }),
    );
    expect(both.response.data.data.attributes.results).toHaveLength(2);
    const before = await api.reporting.queryCampaignValues(
      query({ ...base, timeframe: { start: '2026-08-01T00:00:00Z', end: '2026-09-01T00:00:00Z' } }),
    );
    expect(before.response.data.data.attributes.results).toEqual([]);
    const yesterday = await api.reporting.queryCampaignValues(
      query({ ...base, timeframe: { key: 'yesterday' } }),
    );
    expect(yesterday.response.data.data.attributes.results).toEqual([]);
  });

  it('answers bad queries with 400 pointing at the member', async () => {
    const base = {
      statistics: ['recipients'],
      timeframe: { key: 'last_30_days' },
      conversionMetricId: order,
    };
    const pointer = async (attributes: Record<string, unknown>) =>
      (await sdkError(api.reporting.queryCampaignValues(query(attributes)))).data.errors[0].source.pointer;
    expect(await pointer({ ...base, groupBy: ['campaign_id'] })).toBe('/data/attributes/group_by');
    expect(await pointer({ ...base, groupBy: ['campaign_id', 'campaign_message_id', 'tag_id'] })).toBe(
      '/data/attributes/group_by',
    );
    expect(await pointer({ ...base, conversionMetricId: 'NOPE00' })).toBe(
      '/data/attributes/conversion_metric_id',
    );
    expect(await pointer({ ...base, statistics: ['recipients', 'happiness'] })).toBe(
      '/data/attributes/statistics/1',
    );
    expect(
      await pointer({ ...base, timeframe: { start: '2025-01-01T00:00:00Z', end: '2026-06-01T00:00:00Z' } }),
    ).toBe('/data/attributes/timeframe');
    expect(await pointer({ ...base, filter: 'greater-than(campaign_id,"x")' })).toBe(
      '/data/attributes/filter',
    );
    expect(await pointer({ ...base, filter: 'equals(tag_id,"x")' })).toBe('/data/attributes/filter');
  });
});
