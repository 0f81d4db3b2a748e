/**
 * The state helpers (`dreamflow-sim/testing`) read back what the official SDK sent over HTTP: profiles,
 * events, list members, campaign recipients and webhook deliveries, per account, and reset it all.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiKeySession, EventsApi, RetryWithExponentialBackoff, WebhooksApi } from 'klaviyo-api';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { VirtualClock } from '../../lib/clock.ts';
import { campaignApis, draftCampaign, listOf, sendJob } from '../../test/klaviyo/campaign-helpers.ts';
import { eventBody } from '../../test/klaviyo/helpers.ts';
import { createMockRequest } from '../shared/http.ts';
import { resetMock } from '../shared/testing.ts';
import { createSupabaseMock, supabaseKeys } from '../supabase/index.ts';
import { PREPARE_MS } from './groups/campaigns/send.ts';
import { EventsRepo } from './groups/events/repo.ts';
import { MetricsRepo } from './groups/metrics/repo.ts';
import { BATCH_MS } from './groups/webhooks/deliver.ts';
import { startKlaviyoServer } from './index.ts';
import type { KlaviyoCore } from './provider.ts';
import { klaviyoState } from './testing.ts';

const clock = new VirtualClock(Date.UTC(2026, 5, 1, 9));
let server: Awaited<ReturnType<typeof startKlaviyoServer>>;
let receiver: Server;
let endpoint: string;
const KEY = 'pk_state_helpers';

beforeAll(async () => {
  server = await startKlaviyoServer({ port: 0, clock, rateLimits: false });
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end());
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});
afterAll(async () => {
  await server.close();
  await new Promise((resolve) => receiver.close(resolve));
});

const api = () => campaignApis(KEY, server.url);

it('reads profiles by email and the events of a metric, oldest first', async () => {
  const state = klaviyoState(server.service);
  const { profiles, events } = api();
  await profiles.createProfile({
    data: {
      type: 'profile',
      attributes: { email: 'Parent@State.test', firstName: 'Ada', properties: { tier: 'free' } },
    },
  } as any);
  await events.createEvent(
    eventBody('Story Generated', { email: 'parent@state.test' }, { uniqueId: 'a' }, { theme: 'space' }),
  );
  clock.advance(1000);
  await events.createEvent(
    eventBody('Story Generated', { email: 'parent@state.test' }, { uniqueId: 'b' }, { theme: 'ocean' }),
  );

  const parent = state.profileByEmail('PARENT@state.test');
  expect(parent).toMatchObject({
    email: 'parent@state.test',
    attributes: { first_name: 'Ada' },
    properties: { tier: 'free' },
  });
  const stories = state.eventsOf('Story Generated');
  expect(stories.map((e) => e.properties.theme)).toEqual(['space', 'ocean']);
  expect(stories[1]).toMatchObject({
    metric: 'Story Generated',
    profile_id: parent?.id,
    datetime: new Date(clock.now()).toISOString(),
  });
  expect(state.eventsOf('No Such Metric')).toEqual([]);
  expect(state.metrics()).toEqual(['Story Generated']);
  expect(state.profileByEmail('nobody@state.test')).toBeUndefined();
});

it('pages through a metric with more events than one page of the store holds', () => {
  const state = klaviyoState(server.service, { apiKey: KEY });
  const core = server.service.core as KlaviyoCore;
  const account = core.accountOfKey(KEY);
  const profile = state.profileByEmail('parent@state.test')!;
  const metric = core.store.repo(MetricsRepo).byName(account, 'Story Generated')!;
  const before = state.eventsOf('Story Generated').length;
  const repo = core.store.repo(EventsRepo);
  for (let i = 0; i < 1500; i++) {
    repo.insert({
      account,
      id: `bulk-${i}`,
      metric_id: metric.id,
      profile_id: profile.id,
      datetime: clock.now(),
      value: i,
      dedup: `u:bulk-${i}`,
      properties: '{}',
    });
  }
  const all = state.eventsOf('Story Generated');
  expect(all).toHaveLength(before + 1500);
  expect(all.slice(before).map((e) => e.value)).toEqual([...Array(1500).keys()]);
});

it('keeps accounts apart and asks for the key when there are several', async () => {
  const other = campaignApis('pk_other_account', server.url);
  await other.profiles.createProfile({
    data: { type: 'profile', attributes: { email: 'other@state.test' } },
  } as any);
  expect(() => klaviyoState(server.service).profiles()).toThrow(/pass \{ apiKey \}/);
  const mine = klaviyoState(server.service, { apiKey: KEY });
  const theirs = klaviyoState(server.service, { apiKey: 'pk_other_account' });
  expect(mine.profiles().map((p) => p.email)).toEqual(['parent@state.test']);
  expect(theirs.profiles().map((p) => p.email)).toEqual(['other@state.test']);
  expect(klaviyoState(server.service, { apiKey: 'pk_never_used' }).profiles()).toEqual([]);
});

it('lists list members by id or name and the recipients of a sent campaign', async () => {
  const state = klaviyoState(server.service, { apiKey: KEY });
  const { list } = await listOf(api(), 'Bedtime club', ['b@state.test', 'c@state.test']);
  expect(state.listMembers(list).map((p) => p.email)).toEqual(['b@state.test', 'c@state.test']);
  expect(state.listMembers('Bedtime club')).toEqual(state.listMembers(list));
  expect(() => state.listMembers('No such list')).toThrow(/No list with id or name "No such list"/);

  const campaign = await draftCampaign(api(), { name: 'Winter stories', included: [list] });
  await api().campaigns.sendCampaign(sendJob(campaign.id));
  expect(state.campaignRecipients(campaign.id)).toEqual([]);
  clock.advance(PREPARE_MS);
  expect(state.campaignRecipients(campaign.id).map((p) => p.email)).toEqual(['b@state.test', 'c@state.test']);
  expect(() => state.campaignRecipients('nope')).toThrow(/No campaign with id "nope"/);
});

it('reports webhook deliveries, and reset empties everything', async () => {
  const state = klaviyoState(server.service, { apiKey: KEY });
  const session = new ApiKeySession(KEY, new RetryWithExponentialBackoff({ numRetries: 0 }));
  const hooks = new WebhooksApi(session);
  const events = new EventsApi(session);
  hooks.basePath = server.url;
  events.basePath = server.url;
  const hook = (
    await hooks.createWebhook({
      data: {
        type: 'webhook',
        attributes: { name: 'receiver', endpointUrl: endpoint, secretKey: 'shh' },
        relationships: {
          webhookTopics: { data: [{ type: 'webhook-topic', id: 'event:klaviyo.opened_email' }] },
        },
      },
    } as any)
  ).response.data.data;
  await events.createEvent(eventBody('Opened Email', { email: 'b@state.test' }) as any);
  clock.advance(BATCH_MS);
  state.webhookDeliveries(); // runs the due delivery; its answer arrives asynchronously
  await vi.waitFor(() => expect(state.webhookDeliveries(hook.id)).toHaveLength(1));
  expect(state.webhookDeliveries(hook.id)[0]).toMatchObject({
    webhook: hook.id,
    attempt: 1,
    status: 200,
    outcome: 'delivered',
    events: 1,
  });
  expect(state.webhookDeliveries('other-hook')).toEqual([]);

  state.reset();
  expect(state.profiles()).toEqual([]);
  expect(state.eventsOf('Opened Email')).toEqual([]);
  expect(state.webhookDeliveries()).toEqual([]);
  expect(server.service.journal.list()).toEqual([]);
});

it('refuses a service that is not the Klaviyo mock, which resetMock empties as well', async () => {
  const supabase = createSupabaseMock();
  try {
    const key = supabaseKeys().anon_key;
    const read = createMockRequest({
      method: 'GET',
      url: 'http://supabase.local/rest/v1/profiles',
      headers: { apikey: key, authorization: `Bearer ${key}` },
    });
    expect(await supabase.handle(read)).toMatchObject({ status: 200 });
    expect(supabase.journal.list()).toHaveLength(1);
    resetMock(supabase);
    expect(supabase.journal.list()).toEqual([]);
    expect(() => klaviyoState(supabase)).toThrow(/needs a Klaviyo mock service; got the supabase mock/);
  } finally {
    supabase.close();
  }
});
