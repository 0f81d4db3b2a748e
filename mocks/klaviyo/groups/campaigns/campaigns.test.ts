/**
 * Campaigns through the official SDK: a campaign to a list minus a segment reaches exactly the
 * profiles it should (not the excluded, not the suppressed), moves Draft → Scheduled → Sending → Sent
 * on the mock's clock, records Received Email on each recipient and nobody else, then seeded opens,
 * clicks and unsubscribes that the campaign values report counts. The same seed replays the same
 * recipients, events and report over HTTP and in-process (msw); another seed does not.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../lib/clock.ts';
import {
  type CampaignApis,
  campaignApis,
  campaignBody,
  engage,
  eventsOf,
  journeyOverHttp,
  metricIds,
  templateBody,
} from '../../../../test/klaviyo/campaign-helpers.ts';
import { eventBody, inProcessChecked, profileBody } from '../../../../test/klaviyo/helpers.ts';
import { and, prop, segmentBody } from '../../../../test/klaviyo/segment-helpers.ts';
import { useKlaviyoContract } from '../../../../test/support/klaviyo-contract.ts';
import { PROCESSING_MS } from '../segments/model.ts';
import type { EngagementConfig } from './engagement.ts';
import { DELIVERY_MS, ESTIMATE_MS, PREPARE_MS } from './send.ts';

const contract = useKlaviyoContract();
const START = Date.UTC(2026, 5, 1, 9);
const DAY = 86_400_000;
const KEY = 'pk_campaigns';

/** Busy enough that every kind of engagement shows up among a handful of recipients. */
const ENGAGEMENT: Partial<EngagementConfig> = { openRate: 0.6, clickRate: 0.5, unsubscribeRate: 0.5 };

const STATS = [
  'recipients',
  'delivered',
  'opens',
  'opens_unique',
  'open_rate',
  'clicks',
  'clicks_unique',
  'click_rate',
  'unsubscribes',
  'conversions',
  'conversion_value',
] as const;

async function status(api: CampaignApis, id: string) {
  const [c, job] = await Promise.all([api.campaigns.getCampaign(id), api.campaigns.getCampaignSendJob(id)]);
  return [c.response.data.data.attributes.status, job.response.data.data.attributes.status];
}

/**
 * The journey every transport runs: 12 profiles, a list of 10, a segment of 2 of them (excluded), one
 * list member suppressed, so 7 recipients. Returns what must replay identically for the same seed.
 */
async function campaignJourney(api: CampaignApis, clock: VirtualClock) {
  const ids: string[] = [];
  const emailOf = new Map<string, string>();
  for (let i = 0; i < 12; i++) {
    const email = `reader${i}@campaign.test`;
    const r = await api.profiles.createProfile(
      profileBody({ email, first_name: `Reader${i}`, properties: { churn: i === 1 || i === 2 } }),
    );
    ids.push(r.response.data.data.id);
    emailOf.set(r.response.data.data.id, email);
  }
  const list = (
    await api.lists.createList({ data: { type: 'list', attributes: { name: 'Bedtime Readers' } } } as any)
  ).response.data.data.id;
  await api.lists.addProfilesToList(list, {
    data: ids.slice(0, 10).map((id) => ({ type: 'profile', id })),
  } as any);
  const churn = (
    await api.segments.createSegment(
      segmentBody({
        name: 'Churn Risk',
        definition: and(prop('churn', { type: 'boolean', operator: 'equals', value: true })),
      }),
    )
  ).response.data.data.id;
  await api.profiles.suppressProfiles({
    data: {
      type: 'profile-suppression-bulk-create-job',
      attributes: {
        profiles: { data: [{ type: 'profile', attributes: { email: 'reader3@campaign.test' } }] },
      },
    },
  } as any);
  clock.advance(Math.max(PROCESSING_MS, 2000));

  const template = (
    await api.templates.createTemplate(
      templateBody({ name: 'Weekly stories', html: '<p>Hi {{ first_name|default:"friend" }}</p>' }),
    )
  ).response.data.data.id;
  const created = await api.campaigns.createCampaign(
    campaignBody({
      name: 'Weekly stories',
      included: [list],
      excluded: [churn],
      subject: 'New stories, {{ first_name }}',
    }),
  );
  expect(created.response.status).toBe(201);
  const campaign = created.response.data.data;
  expect(campaign.attributes).toMatchObject({
    status: 'Draft',
    audiences: { included: [list], excluded: [churn] },
    send_strategy: { method: 'immediate' },
  });
  const messageId = (campaign.relationships as any)['campaign-messages'].data[0].id;

  // Recipient estimation: a job, then the count.
  const est = await api.campaigns.refreshCampaignRecipientEstimation({
    data: { type: 'campaign-recipient-estimation-job', id: campaign.id },
  } as any);
  expect(est.response.status).toBe(202);
  expect(est.response.data.data.attributes.status).toBe('queued');
  clock.advance(ESTIMATE_MS);
  const estJob = await api.campaigns.getCampaignRecipientEstimationJob(campaign.id);
  expect(estJob.response.data.data.attributes.status).toBe('complete');
  const estimate = await api.campaigns.getCampaignRecipientEstimation(campaign.id);
  expect(estimate.response.data.data.attributes.estimated_recipient_count).toBe(7);

  // The message keeps its own copy of the template: editing the original later changes nothing.
  const assigned = await api.campaigns.assignTemplateToCampaignMessage({
    data: {
      type: 'campaign-message',
      id: messageId,
      relationships: { template: { data: { type: 'template', id: template } } },
    },
  } as any);
  expect(assigned.response.status).toBe(200);
  const copyId = assigned.response.data.data.relationships!.template!.data!.id;
  expect(copyId).not.toBe(template);
  await api.templates.updateTemplate(template, {
    data: { type: 'template', id: template, attributes: { html: '<p>changed</p>' } },
  } as any);
  const copy = await api.campaigns.getTemplateForCampaignMessage(messageId);
  expect(copy.response.data.data!.attributes.html).toBe('<p>Hi {{ first_name|default:"friend" }}</p>');

  // Send: Scheduled now, Sending at the send time, Sent once delivery is over.
  const send = await api.campaigns.sendCampaign({
    data: { type: 'campaign-send-job', id: campaign.id },
  } as any);
  expect(send.response.status).toBe(202);
  expect(send.response.data.data).toMatchObject({ id: campaign.id, attributes: { status: 'queued' } });
  expect(await status(api, campaign.id)).toEqual(['Scheduled', 'queued']);
  clock.advance(PREPARE_MS);
  expect(await status(api, campaign.id)).toEqual(['Sending', 'processing']);
  clock.advance(DELIVERY_MS);
  expect(await status(api, campaign.id)).toEqual(['Sent', 'complete']);

  // Exactly the list minus the segment minus the suppressed profile received it.
  const expected = [0, 4, 5, 6, 7, 8, 9].map((i) => `reader${i}@campaign.test`);
  let metrics = await metricIds(api);
  const received = await eventsOf(api, metrics['Received Email']);
  const recipients = received.map((e: any) => emailOf.get(e.profile)!).sort();
  expect(recipients).toEqual(expected);
  for (const e of received) {
    const n = emailOf.get(e.profile)!.match(/reader(\d+)/)![1];
    expect(e.properties).toMatchObject({
      'Campaign Name': 'Weekly stories',
      Subject: `New stories, Reader${n}`,
      $message: messageId,
    });
  }

  // A day later the engagement has happened; every profile that opened then orders once.
  clock.advance(DAY);
  metrics = await metricIds(api);
  const opened = await eventsOf(api, metrics['Opened Email']);
  const clicked = await eventsOf(api, metrics['Clicked Email']);
  const unsubscribed = await eventsOf(api, metrics.Unsubscribed);
  for (const e of [...opened, ...clicked, ...unsubscribed])
    expect(expected).toContain(emailOf.get(e.profile));
  for (const e of clicked) expect(opened.map((o: any) => o.profile)).toContain(e.profile);
  for (const e of unsubscribed) {
    const p = await api.profiles.getProfile(e.profile, { additionalFieldsProfile: ['subscriptions'] });
    expect(
      (p.response.data.data.attributes as any).subscriptions.email.marketing.can_receive_email_marketing,
    ).toBe(false);
  }
  const now = new Date(clock.now()).toISOString();
  for (const e of opened) {
    await api.events.createEvent(
      eventBody('Placed Order', { email: emailOf.get(e.profile) }, { time: now, value: 30 }),
    );
  }
  // A recipient who did not open, and someone who got nothing: neither order is the campaign's.
  await api.events.createEvent(
    eventBody('Placed Order', { email: 'reader11@campaign.test' }, { time: now, value: 99 }),
  );
  metrics = await metricIds(api);

  const report = await api.reporting.queryCampaignValues({
    data: {
      type: 'campaign-values-report',
      attributes: {
        statistics: [...STATS],
        timeframe: { key: 'last_30_days' },
        conversionMetricId: metrics['Placed Order'],
      },
    },
  } as any);
  expect(report.response.status).toBe(200);
  const results = report.response.data.data.attributes.results;
  expect(results).toHaveLength(1);
  expect(results[0]!.groupings).toEqual({
    campaign_id: campaign.id,
    campaign_message_id: messageId,
    send_channel: 'email',
  });
  const uniq = (xs: { profile: string }[]) => new Set(xs.map((x) => x.profile)).size;
  expect(results[0]!.statistics).toEqual({
    recipients: 7,
    delivered: 7,
    opens: opened.length,
    opens_unique: uniq(opened),
    open_rate: uniq(opened) / 7,
    clicks: clicked.length,
    clicks_unique: uniq(clicked),
    click_rate: uniq(clicked) / 7,
    unsubscribes: unsubscribed.length,
    conversions: opened.length,
    conversion_value: 30 * opened.length,
  });
  expect(report.response.data.data.relationships!.campaigns!.data).toEqual([
    { type: 'campaign', id: campaign.id },
  ]);

  const fingerprint = (kind: string, xs: { profile: string; datetime: string }[]) =>
    xs.map((x) => `${kind} ${emailOf.get(x.profile)} ${x.datetime}`);
  return {
    recipients,
    events: [
      ...fingerprint('received', received),
      ...fingerprint('opened', opened),
      ...fingerprint('clicked', clicked),
      ...fingerprint('unsubscribed', unsubscribed),
    ].sort(),
    report: results[0]!.statistics,
  };
}

type Fingerprint = Awaited<ReturnType<typeof campaignJourney>>;
const runs: Record<string, Fingerprint> = {};

const overHttp = (seed: number): Promise<Fingerprint> =>
  journeyOverHttp(contract, { start: START, seed, key: KEY, engagement: ENGAGEMENT }, campaignJourney);

describe('campaigns over HTTP', () => {
  it('sends to a list minus a segment on the virtual clock, and the report counts the events', async () => {
    runs.http = await overHttp(7);
    // The busy engagement model must have produced something of each kind for the test to mean much.
    for (const kind of ['opened', 'clicked', 'unsubscribed'])
      expect(runs.http.events.some((e) => e.startsWith(kind))).toBe(true);
  });

  it('replays the same recipients, engagement and report for the same seed, not for another', async () => {
    expect(await overHttp(7)).toEqual(runs.http);
    const other = await overHttp(8);
    expect(other.recipients).toEqual(runs.http!.recipients);
    expect(other.events).not.toEqual(runs.http!.events);
  });
});

describe('campaigns in-process (msw)', () => {
  const clock = new VirtualClock(START);
  const service = inProcessChecked(contract, { clock, seed: 7 });

  it('gives the same recipients, events and numbers as over HTTP with the same seed', async () => {
    engage(service, ENGAGEMENT);
    expect(await campaignJourney(campaignApis(KEY), clock)).toEqual(runs.http);
    expect(contract.validated).toBeGreaterThan(100);
  });
});
