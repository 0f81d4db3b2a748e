/**
 * The rest of the campaigns API over HTTP: bad input answered as Klaviyo does (400 with a pointer or
 * parameter, 404 for unknown ids), the required channel filter, updates, clone, delete, a scheduled
 * send reverted and cancelled, smart sending, tracking options, and a send that finds no recipients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../lib/clock.ts';
import {
  type CampaignApis,
  campaignApis,
  campaignBody,
  campaignStatus,
  draftCampaign,
  listOf,
  sendJob,
} from '../../../../test/klaviyo/campaign-helpers.ts';
import { sdkError, startChecked } from '../../../../test/klaviyo/helpers.ts';
import { and, segmentBody } from '../../../../test/klaviyo/segment-helpers.ts';
import { useKlaviyoContract } from '../../../../test/support/klaviyo-contract.ts';
import type { KlaviyoCore } from '../../provider.ts';
import { PROCESSING_MS } from '../segments/model.ts';
import { CampaignsRepo } from './repo.ts';
import { DELIVERY_MS, PREPARE_MS, SMART_SENDING_MS } from './send.ts';

const contract = useKlaviyoContract();
const HOUR = 3_600_000;

describe('campaign lifecycle over HTTP', () => {
  const clock = new VirtualClock(Date.UTC(2026, 6, 1, 8));
  let server: Awaited<ReturnType<typeof startChecked>>;
  beforeAll(async () => {
    server = await startChecked(contract, { clock, seed: 3 });
    const repo = (server.service.core as KlaviyoCore).store.repo(CampaignsRepo);
    repo.engagement = { ...repo.engagement, openRate: 1, clickRate: 1, unsubscribeRate: 0 };
  });
  afterAll(async () => {
    await server.close();
  });
  const api = (key: string): CampaignApis => campaignApis(key, server.url);

  it('answers bad input with 400 pointing at it, and unknown ids with 404', async () => {
    const a = api('pk_campaigns_bad');
    const { list } = await listOf(a, 'Readers', ['x@bad.test']);
    const unknownList = await sdkError(
      a.campaigns.createCampaign(campaignBody({ name: 'X', included: ['nope00'] })),
    );
    expect(unknownList.status).toBe(400);
    expect(unknownList.data.errors[0].source.pointer).toBe('/data/attributes/audiences/included/0');
    const sms = campaignBody({ name: 'SMS', included: [list] });
    sms.data.attributes.campaignMessages.data[0].attributes.definition = {
      channel: 'sms',
      content: { body: 'hi' },
    };
    const smsError = await sdkError(a.campaigns.createCampaign(sms));
    expect(smsError.data.errors[0].source.pointer).toBe(
      '/data/attributes/campaign-messages/data/0/attributes/definition/channel',
    );
    const subject = await sdkError(
      a.campaigns.createCampaign(campaignBody({ name: 'S', included: [list], subject: 'Hi {% if %}' })),
    );
    expect(subject.data.errors[0].source.pointer).toBe(
      '/data/attributes/campaign-messages/data/0/attributes/definition/content/subject',
    );
    const throttle = await sdkError(
      a.campaigns.createCampaign(
        campaignBody({
          name: 'T',
          included: [list],
          sendStrategy: { method: 'throttled', datetime: '2026-07-02T00:00:00Z', throttlePercentage: 3 },
        }),
      ),
    );
    expect(throttle.data.errors[0].source.pointer).toBe('/data/attributes/send_strategy/throttle_percentage');
    const noFilter = await sdkError(a.campaigns.getCampaigns(''));
    expect(noFilter.status).toBe(400);
    expect(noFilter.data.errors[0].source.parameter).toBe('filter');
    expect((await sdkError(a.campaigns.getCampaign('01NOPE'))).status).toBe(404);
    expect((await sdkError(a.campaigns.getCampaignMessage('01NOPE'))).status).toBe(404);
    expect((await sdkError(a.campaigns.sendCampaign(sendJob('01NOPE')))).status).toBe(404);

    // A draft without a template cannot be sent, and has no send job yet.
    const draft = (await a.campaigns.createCampaign(campaignBody({ name: 'No template', included: [list] })))
      .response.data.data.id;
    expect((await sdkError(a.campaigns.getCampaignSendJob(draft))).status).toBe(404);
    const noTemplate = await sdkError(a.campaigns.sendCampaign(sendJob(draft)));
    expect(noTemplate.status).toBe(400);
    expect(noTemplate.data.errors[0].detail).toContain('has no template');
  });

  it('lists with the channel filter, includes messages, updates, clones and deletes', async () => {
    const a = api('pk_campaigns_crud');
    const { list } = await listOf(a, 'Readers', ['y@crud.test']);
    const one = await draftCampaign(a, { name: 'Spring stories', included: [list] });
    await draftCampaign(a, { name: 'Summer stories', included: [list] });
    const all = await a.campaigns.getCampaigns("equals(messages.channel,'email')", {
      include: ['campaign-messages'],
      sort: '-created_at',
    });
    expect(all.response.data.data.map((c: any) => c.attributes.name)).toEqual([
      'Summer stories',
      'Spring stories',
    ]);
    expect((all.response.data as any).included.map((m: any) => m.type)).toEqual([
      'campaign-message',
      'campaign-message',
    ]);
    const sms = await a.campaigns.getCampaigns("equals(messages.channel,'sms')");
    expect(sms.response.data.data).toEqual([]);
    const named = await a.campaigns.getCampaigns(
      "and(equals(messages.channel,'email'),contains(name,'Spring'),equals(status,'Draft'),equals(archived,false))",
    );
    expect(named.response.data.data.map((c: any) => c.id)).toEqual([one.id]);

    const updated = await a.campaigns.updateCampaign(one.id, {
      data: {
        type: 'campaign',
        id: one.id,
        attributes: { name: 'Spring stories v2', sendOptions: { useSmartSending: false } },
      },
    } as any);
    expect(updated.response.data.data.attributes).toMatchObject({
      name: 'Spring stories v2',
      send_options: { use_smart_sending: false },
    });
    const message = await a.campaigns.updateCampaignMessage(one.message, {
      data: {
        type: 'campaign-message',
        id: one.message,
        attributes: { definition: { content: { subject: 'New subject' } } },
      },
    } as any);
    expect((message.response.data.data.attributes as any).definition).toMatchObject({
      channel: 'email',
      label: 'Main',
      content: { subject: 'New subject', from_email: 'stories@dreamflow.test' },
    });
    const ofMessage = await a.campaigns.getCampaignIdForCampaignMessage(one.message);
    expect(ofMessage.response.data.data).toEqual({ type: 'campaign', id: one.id });
    const ids = await a.campaigns.getMessageIdsForCampaign(one.id);
    expect(ids.response.data.data).toEqual([{ type: 'campaign-message', id: one.message }]);
    const got = await a.campaigns.getCampaignMessage(one.message, { include: ['campaign', 'template'] });
    expect((got.response.data as any).included.map((r: any) => r.type).sort()).toEqual([
      'campaign',
      'template',
    ]);

    const clone = await a.campaigns.createCampaignClone({
      data: { type: 'campaign', id: one.id, attributes: { newName: 'Spring again' } },
    } as any);
    expect(clone.response.status).toBe(201);
    const cloneId = clone.response.data.data.id;
    expect(clone.response.data.data.attributes).toMatchObject({ name: 'Spring again', status: 'Draft' });
    const cloneMessage = (clone.response.data.data.relationships as any)['campaign-messages'].data[0].id;
    expect(cloneMessage).not.toBe(one.message);
    const [origTemplate, cloneTemplate] = await Promise.all(
      [one.message, cloneMessage].map(
        async (m) => (await a.campaigns.getTemplateIdForCampaignMessage(m)).response.data.data!.id,
      ),
    );
    expect(cloneTemplate).not.toBe(origTemplate);

    expect((await a.campaigns.deleteCampaign(cloneId)).response.status).toBe(204);
    expect((await sdkError(a.campaigns.getCampaign(cloneId))).status).toBe(404);
    expect((await sdkError(a.campaigns.getCampaignMessage(cloneMessage))).status).toBe(404);
  });

  it('estimates a segment and a list included, minus a list excluded', async () => {
    const a = api('pk_campaigns_audiences');
    const { list: included, ids } = await listOf(a, 'Included', [
      'i1@aud.test',
      'i2@aud.test',
      'i3@aud.test',
    ]);
    const { list: excluded } = await listOf(a, 'Excluded', ['e1@aud.test']);
    await a.lists.addProfilesToList(excluded, { data: [{ type: 'profile', id: ids[0] }] } as any);
    const segment = (
      await a.segments.createSegment(
        segmentBody({
          name: 'Excluded list members',
          definition: and({ type: 'profile-group-membership', is_member: true, group_ids: [excluded] }),
        }),
      )
    ).response.data.data.id;
    clock.advance(PROCESSING_MS);
    // i1, i2, i3 from the list, e1 from the segment; i1 is in the excluded list.
    const c = await draftCampaign(a, {
      name: 'Audiences',
      included: [included, segment],
      excluded: [excluded],
    });
    const estimate = async () =>
      (await a.campaigns.getCampaignRecipientEstimation(c.id)).response.data.data.attributes
        .estimated_recipient_count;
    expect(await estimate()).toBe(2);
    await a.campaigns.updateCampaign(c.id, {
      data: { type: 'campaign', id: c.id, attributes: { audiences: { included: [included, segment] } } },
    } as any);
    expect(await estimate()).toBe(4);
    expect((await sdkError(a.campaigns.getCampaignRecipientEstimationJob(c.id))).status).toBe(404);
  });

  it('reverts a scheduled send to Draft, cancels it for good, and refuses edits once sent', async () => {
    const a = api('pk_campaigns_cancel');
    const { list } = await listOf(a, 'Readers', ['z@cancel.test']);
    const at = new Date(clock.now() + 2 * HOUR).toISOString();
    const c = await draftCampaign(a, {
      name: 'Later',
      included: [list],
      sendStrategy: { method: 'static', datetime: at },
    });
    await a.campaigns.sendCampaign(sendJob(c.id));
    const scheduled = (await a.campaigns.getCampaign(c.id)).response.data.data.attributes;
    expect(scheduled).toMatchObject({ status: 'Scheduled', send_time: at.replace('.000Z', '+00:00') });
    clock.advance(HOUR);
    expect(await campaignStatus(a, c.id)).toBe('Scheduled');
    const edit = await sdkError(
      a.campaigns.updateCampaign(c.id, {
        data: { type: 'campaign', id: c.id, attributes: { name: 'x' } },
      } as any),
    );
    expect(edit.status).toBe(400);

    const revert = await a.campaigns.cancelCampaignSend(c.id, {
      data: { type: 'campaign-send-job', id: c.id, attributes: { action: 'revert' } },
    } as any);
    expect(revert.response.status).toBe(204);
    expect(await campaignStatus(a, c.id)).toBe('Draft');
    expect((await a.campaigns.getCampaignSendJob(c.id)).response.data.data.attributes.status).toBe(
      'cancelled',
    );
    clock.advance(2 * HOUR);
    expect(await campaignStatus(a, c.id)).toBe('Draft');

    await a.campaigns.sendCampaign(sendJob(c.id));
    await a.campaigns.cancelCampaignSend(c.id, {
      data: { type: 'campaign-send-job', id: c.id, attributes: { action: 'cancel' } },
    } as any);
    clock.advance(PREPARE_MS + DELIVERY_MS);
    expect(await campaignStatus(a, c.id)).toBe('Cancelled');
    const again = await sdkError(a.campaigns.sendCampaign(sendJob(c.id)));
    expect(again.data.errors[0].detail).toContain('only a Draft campaign can be sent');
    const revertLate = await sdkError(
      a.campaigns.cancelCampaignSend(c.id, {
        data: { type: 'campaign-send-job', id: c.id, attributes: { action: 'revert' } },
      } as any),
    );
    expect(revertLate.data.errors[0].source.pointer).toBe('/data/attributes/action');
  });

  it('skips recent recipients with smart sending, honours tracking options, and cancels an empty send', async () => {
    const a = api('pk_campaigns_smart');
    const { list, ids } = await listOf(a, 'Readers', ['s1@smart.test', 's2@smart.test']);
    const sendNow = async (opts: Parameters<typeof draftCampaign>[1]) => {
      const c = await draftCampaign(a, opts);
      await a.campaigns.sendCampaign(sendJob(c.id));
      clock.advance(PREPARE_MS + DELIVERY_MS);
      return c;
    };
    const first = await sendNow({ name: 'First', included: [list], tracking: { isTrackingOpens: false } });
    expect(await campaignStatus(a, first.id)).toBe('Sent');
    const smart = await sendNow({ name: 'Smart', included: [list], smartSending: true });
    expect(await campaignStatus(a, smart.id)).toBe('Cancelled: No Recipients');
    const forced = await sendNow({ name: 'Forced', included: [list], smartSending: false });
    expect(await campaignStatus(a, forced.id)).toBe('Sent');
    clock.advance(SMART_SENDING_MS);
    const later = await sendNow({ name: 'Later', included: [list], smartSending: true });
    expect(await campaignStatus(a, later.id)).toBe('Sent');

    // Every recipient opens and clicks (the model is set to 1), but the first campaign tracked no opens.
    const metrics = Object.fromEntries(
      (await a.metrics.getMetrics()).response.data.data.map((m: any) => [m.attributes.name, m.id]),
    );
    const byMessage = async (metric: string) => {
      const r = await a.events.getEvents({ filter: `equals(metric_id,"${metrics[metric]}")` });
      return r.response.data.data.map((e: any) => e.attributes.event_properties.$message);
    };
    const opened = await byMessage('Opened Email');
    expect(opened.filter((m: string) => m === first.message)).toEqual([]);
    expect(opened.filter((m: string) => m === forced.message)).toHaveLength(ids.length);
    expect((await byMessage('Clicked Email')).filter((m: string) => m === first.message)).toHaveLength(
      ids.length,
    );
    expect((await byMessage('Received Email')).length).toBe(3 * ids.length);

    const { list: empty } = await listOf(a, 'Nobody', []);
    const none = await sendNow({ name: 'Nobody', included: [empty] });
    expect(await campaignStatus(a, none.id)).toBe('Cancelled: No Recipients');
    expect((await a.campaigns.getCampaignSendJob(none.id)).response.data.data.attributes.status).toBe(
      'cancelled',
    );
  });
});
