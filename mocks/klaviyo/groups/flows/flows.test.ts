/**
 * Flows through the official SDK (FlowsApi, EventsApi, ReportingApi): a welcome flow triggered by the
 * metric "Signed Up" — wait an hour, split on the profile's `plan`, send the matching email, mark the
 * pro profiles — created with temporary ids, read back with real ones. In draft it sends nothing; live,
 * each signing-up profile gets exactly one Received Email (naming the flow) once the delay has elapsed
 * on the virtual clock and not before, a suppressed profile gets none, and the flow values report
 * counts the recipients and their seeded engagement. The same seed replays the same events and numbers
 * over HTTP and in-process (msw).
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../lib/clock.ts';
import {
  type CampaignApis,
  campaignApis,
  engage,
  eventsOf,
  journeyOverHttp,
  metricIds,
  templateBody,
} from '../../../../test/klaviyo/campaign-helpers.ts';
import {
  eventBody,
  inProcessChecked,
  profileBody,
  sdkError,
  startChecked,
} from '../../../../test/klaviyo/helpers.ts';
import { useKlaviyoContract } from '../../../../test/support/klaviyo-contract.ts';

const contract = useKlaviyoContract();
const START = Date.UTC(2026, 5, 1, 9);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const KEY = 'pk_flows';
const ENGAGEMENT = { openRate: 0.7, clickRate: 0.5, unsubscribeRate: 0 };

/** The welcome flow: the SDK maps `entryActionId`, and passes actions and triggers as given (wire names). */
function welcomeFlow(metricId: string, proTemplate: string, freeTemplate: string): any {
  const email = (name: string, template: string, subject: string) => ({
    message: {
      name,
      template_id: template,
      subject_line: subject,
      from_email: 'stories@dreamflow.test',
      from_label: 'Dream Flow',
      smart_sending_enabled: false,
    },
  });
  return {
    data: {
      type: 'flow',
      attributes: {
        name: 'Welcome series',
        definition: {
          triggers: [{ type: 'metric', id: metricId }],
          entryActionId: 'wait',
          actions: [
            {
              temporary_id: 'wait',
              type: 'time-delay',
              links: { next: 'split' },
              data: { unit: 'hours', value: 1 },
            },
            {
              temporary_id: 'split',
              type: 'conditional-split',
              links: { next_if_true: 'pro-email', next_if_false: 'free-email' },
              data: {
                profile_filter: {
                  condition_groups: [
                    {
                      conditions: [
                        {
                          type: 'profile-property',
                          property: "properties['plan']",
                          filter: { type: 'string', operator: 'equals', value: 'pro' },
                        },
                      ],
                    },
                  ],
                },
              },
            },
            {
              temporary_id: 'pro-email',
              type: 'send-email',
              links: { next: 'mark' },
              data: email('Pro welcome', proTemplate, 'Welcome to Pro, {{ first_name }}'),
            },
            {
              temporary_id: 'mark',
              type: 'update-profile',
              links: { next: null },
              data: {
                profile_operations: [
                  {
                    operator: 'update',
                    property_type: 'boolean',
                    property_key: 'welcomed',
                    property_value: true,
                  },
                ],
              },
            },
            {
              temporary_id: 'free-email',
              type: 'send-email',
              links: { next: null },
              data: email('Free welcome', freeTemplate, 'Welcome, {{ first_name }}'),
            },
          ],
        },
      },
    },
  };
}

const signUp = (api: CampaignApis, email: string, at: number) =>
  api.events.createEvent(eventBody('Signed Up', { email }, { time: new Date(at).toISOString() }));

async function flowJourney(api: CampaignApis, clock: VirtualClock) {
  const emailOf = new Map<string, string>();
  const people = [
    { email: 'ada@flow.test', first_name: 'Ada', plan: 'pro' },
    { email: 'bo@flow.test', first_name: 'Bo', plan: 'free' },
    { email: 'cy@flow.test', first_name: 'Cy', plan: 'pro' },
    { email: 'di@flow.test', first_name: 'Di', plan: 'free' },
  ];
  for (const p of people) {
    const r = await api.profiles.createProfile(
      profileBody({ email: p.email, first_name: p.first_name, properties: { plan: p.plan } }),
    );
    emailOf.set(r.response.data.data.id, p.email);
  }
  // Cy cannot receive email marketing.
  await api.profiles.suppressProfiles({
    data: {
      type: 'profile-suppression-bulk-create-job',
      attributes: { profiles: { data: [{ type: 'profile', attributes: { email: 'cy@flow.test' } }] } },
    },
  } as any);
  // Di signs up before any flow exists: the metric exists, nobody enters anything.
  await signUp(api, 'di@flow.test', clock.now());
  clock.advance(5000);
  const signedUp = (await metricIds(api))['Signed Up']!;
  const template = async (name: string, html: string) =>
    (await api.templates.createTemplate(templateBody({ name, html }))).response.data.data.id as string;
  const proTemplate = await template('Pro welcome', '<p>Hi {{ first_name }}, enjoy Pro</p>');
  const freeTemplate = await template('Free welcome', '<p>Hi {{ first_name }}</p>');

  // Unsupported types are 400s pointing at the member.
  const bad = welcomeFlow(signedUp, proTemplate, freeTemplate);
  bad.data.attributes.definition.actions[4].type = 'send-sms';
  const badAction = await sdkError(api.flows.createFlow(bad));
  expect(badAction.status).toBe(400);
  expect(badAction.data.errors[0].source.pointer).toBe('/data/attributes/definition/actions/4/type');
  const badTrigger = welcomeFlow(signedUp, proTemplate, freeTemplate);
  badTrigger.data.attributes.definition.triggers = [{ type: 'price-drop' }];
  const trig = await sdkError(api.flows.createFlow(badTrigger));
  expect(trig.status).toBe(400);
  expect(trig.data.errors[0].source.pointer).toBe('/data/attributes/definition/triggers/0/type');
  const badLink = welcomeFlow(signedUp, proTemplate, freeTemplate);
  badLink.data.attributes.definition.actions[0].links.next = 'nowhere';
  const link = await sdkError(api.flows.createFlow(badLink));
  expect(link.data.errors[0].source.pointer).toBe('/data/attributes/definition/actions/0/links/next');

  // Create: a draft, temporary ids replaced by real ones throughout.
  const created = await api.flows.createFlow(welcomeFlow(signedUp, proTemplate, freeTemplate), {
    additionalFieldsFlow: ['definition'],
  });
  expect(created.response.status).toBe(201);
  const flow = created.response.data.data;
  expect(flow.attributes).toMatchObject({ name: 'Welcome series', status: 'draft', trigger_type: 'Metric' });
  const def = flow.attributes.definition;
  const [wait, split, proEmail, mark, freeEmail] = def.actions;
  expect(def.entry_action_id).toBe(wait.id);
  expect(wait).toMatchObject({
    type: 'time-delay',
    links: { next: split.id },
    data: { unit: 'hours', value: 1 },
  });
  expect(split.links).toEqual({ next_if_true: proEmail.id, next_if_false: freeEmail.id });
  expect(proEmail.links).toEqual({ next: mark.id });
  expect(proEmail.data.status).toBe('draft');
  expect(JSON.stringify(def)).not.toContain('temporary_id');
  expect(JSON.stringify(def)).not.toContain('pro-email');

  // Reading: the flow, its actions, an action's message and back.
  const got = await api.flows.getFlow(flow.id);
  expect(got.response.data.data.attributes.definition).toBeUndefined();
  const withActions = await api.flows.getFlow(flow.id, { include: ['flow-actions'], fieldsFlow: ['name'] });
  expect(withActions.response.data.data.attributes).toEqual({ name: 'Welcome series' });
  expect(withActions.response.data.included.map((a: any) => a.id)).toEqual(def.actions.map((a: any) => a.id));
  const listed = await api.flows.getFlows({ filter: `equals(trigger_type,"Metric")`, sort: '-created' });
  expect(listed.response.data.data.map((f: any) => f.id)).toEqual([flow.id]);
  const none = await api.flows.getFlows({ filter: `starts-with(name,"Goodbye")` });
  expect(none.response.data.data).toEqual([]);
  const actions = await api.flows.getActionsForFlow(flow.id, { filter: `equals(action_type,"send-email")` });
  expect(actions.response.data.data.map((a: any) => a.id)).toEqual([proEmail.id, freeEmail.id]);
  const actionIds = await api.flows.getActionIdsForFlow(flow.id);
  expect(actionIds.response.data.data).toHaveLength(5);
  const messages = await api.flows.getFlowActionMessages(proEmail.id);
  const proMessage = messages.response.data.data[0].id as string;
  expect(messages.response.data.data[0].attributes.definition).toMatchObject({
    name: 'Pro welcome',
    template_id: proTemplate,
  });
  const message = await api.flows.getFlowMessage(proMessage, { include: ['flow-action'] });
  expect(message.response.data.data.relationships.template.data).toEqual({
    type: 'template',
    id: proTemplate,
  });
  expect(message.response.data.included[0].id).toBe(proEmail.id);
  const back = await api.flows.getFlowForFlowAction(proEmail.id);
  expect(back.response.data.data.id).toBe(flow.id);
  const backId = await api.flows.getFlowIdForFlowAction(proEmail.id);
  expect(backId.response.data.data).toEqual({ type: 'flow', id: flow.id });
  const ofMessage = await api.flows.getActionForFlowMessage(proMessage);
  expect(ofMessage.response.data.data.attributes.definition.type).toBe('send-email');
  const ofMessageId = await api.flows.getActionIdForFlowMessage(proMessage);
  expect(ofMessageId.response.data.data).toEqual({ type: 'flow-action', id: proEmail.id });
  const templateId = await api.flows.getTemplateIdForFlowMessage(proMessage);
  expect(templateId.response.data.data).toEqual({ type: 'template', id: proTemplate });
  const splitAction = await api.flows.getFlowAction(split.id, { include: ['flow', 'flow-messages'] });
  expect(splitAction.response.data.included.map((r: any) => r.type)).toEqual(['flow']);
  const freeMessage = (await api.flows.getMessageIdsForFlowAction(freeEmail.id)).response.data.data[0].id;
  const byMetric = await api.metrics.getFlowsTriggeredByMetric(signedUp);
  expect(byMetric.response.data.data.map((f: any) => f.id)).toEqual([flow.id]);

  // Draft: a sign-up enters nothing and sends nothing.
  await signUp(api, 'ada@flow.test', clock.now());
  clock.advance(2 * HOUR);
  let metrics = await metricIds(api);
  expect(metrics['Received Email']).toBeUndefined();

  // Live: every action goes live with the flow.
  const live = await api.flows.updateFlow(flow.id, {
    data: { type: 'flow', id: flow.id, attributes: { status: 'live' } },
  } as any);
  expect(live.response.data.data.attributes.status).toBe('live');
  const liveDef = (await api.flows.getFlow(flow.id, { additionalFieldsFlow: ['definition'] })).response.data
    .data.attributes.definition;
  expect(liveDef.actions.find((a: any) => a.id === proEmail.id).data.status).toBe('live');

  const t0 = clock.now();
  for (const email of ['ada@flow.test', 'bo@flow.test', 'cy@flow.test']) await signUp(api, email, t0);
  clock.advance(HOUR - MINUTE);
  metrics = await metricIds(api);
  expect(await eventsOf(api, metrics['Received Email'])).toEqual([]);
  clock.advance(MINUTE);
  metrics = await metricIds(api);
  const received = await eventsOf(api, metrics['Received Email']);
  expect(received.map((e: any) => emailOf.get(e.profile)).sort()).toEqual(['ada@flow.test', 'bo@flow.test']);
  const ada = received.find((e: any) => emailOf.get(e.profile) === 'ada@flow.test')!;
  const bo = received.find((e: any) => emailOf.get(e.profile) === 'bo@flow.test')!;
  expect(ada.datetime).toBe(new Date(t0 + HOUR).toISOString().replace('.000Z', '+00:00'));
  expect(ada.properties).toMatchObject({
    $flow: flow.id,
    $message: proMessage,
    'Campaign Name': 'Pro welcome',
    Subject: 'Welcome to Pro, Ada',
  });
  expect(bo.properties).toMatchObject({ $flow: flow.id, $message: freeMessage, Subject: 'Welcome, Bo' });
  // The update-profile action ran for the pro branch only.
  const adaProfile = await api.profiles.getProfile(ada.profile);
  expect(adaProfile.response.data.data.attributes.properties).toMatchObject({ plan: 'pro', welcomed: true });
  const boProfile = await api.profiles.getProfile(bo.profile);
  expect(boProfile.response.data.data.attributes.properties.welcomed).toBeUndefined();

  // A day later the engagement has happened; the report counts it per message.
  clock.advance(DAY);
  metrics = await metricIds(api);
  const opened = await eventsOf(api, metrics['Opened Email']);
  const clicked = await eventsOf(api, metrics['Clicked Email']);
  for (const e of [...opened, ...clicked]) expect(e.properties.$flow).toBe(flow.id);
  const report = await api.reporting.queryFlowValues({
    data: {
      type: 'flow-values-report',
      attributes: {
        statistics: ['recipients', 'delivered', 'opens_unique', 'clicks_unique', 'open_rate'],
        timeframe: { key: 'last_7_days' },
        conversionMetricId: signedUp,
        groupBy: ['flow_id', 'flow_message_id', 'flow_name'],
      },
    },
  } as any);
  expect(report.response.status).toBe(200);
  const results = report.response.data.data.attributes.results;
  const byMessage = Object.fromEntries(results.map((r: any) => [r.groupings.flow_message_id, r]));
  const count = (xs: { profile: string; properties: any }[], m: string) =>
    new Set(xs.filter((x) => x.properties.$message === m).map((x) => x.profile)).size;
  for (const m of [proMessage, freeMessage]) {
    expect(byMessage[m].groupings).toEqual({
      flow_id: flow.id,
      flow_message_id: m,
      flow_name: 'Welcome series',
    });
    expect(byMessage[m].statistics).toEqual({
      recipients: 1,
      delivered: 1,
      opens_unique: count(opened, m),
      clicks_unique: count(clicked, m),
      open_rate: count(opened, m),
    });
  }
  expect(report.response.data.data.relationships.flows.data).toEqual([{ type: 'flow', id: flow.id }]);
  const onlyPro = await api.reporting.queryFlowValues({
    data: {
      type: 'flow-values-report',
      attributes: {
        statistics: ['recipients'],
        timeframe: { key: 'last_7_days' },
        conversionMetricId: signedUp,
        filter: `equals(flow_message_id,"${proMessage}")`,
      },
    },
  } as any);
  expect(onlyPro.response.data.data.attributes.results).toEqual([
    {
      groupings: { flow_id: flow.id, flow_message_id: proMessage, send_channel: 'email' },
      statistics: { recipients: 1 },
    },
  ]);
  // The campaign report does not count flow emails.
  const campaignReport = await api.reporting.queryCampaignValues({
    data: {
      type: 'campaign-values-report',
      attributes: {
        statistics: ['recipients'],
        timeframe: { key: 'last_7_days' },
        conversionMetricId: signedUp,
      },
    },
  } as any);
  expect(campaignReport.response.data.data.attributes.results).toEqual([]);

  // Back to draft: a new sign-up waits in the delay, then finds the flow stopped.
  await api.flows.updateFlow(flow.id, {
    data: { type: 'flow', id: flow.id, attributes: { status: 'draft' } },
  } as any);
  await signUp(api, 'di@flow.test', clock.now());
  clock.advance(2 * HOUR);
  expect(await eventsOf(api, metrics['Received Email'])).toHaveLength(2);

  const fingerprint = (kind: string, xs: { profile: string; datetime: string }[]) =>
    xs.map((x) => `${kind} ${emailOf.get(x.profile)} ${x.datetime}`);
  return {
    events: [
      ...fingerprint('received', received),
      ...fingerprint('opened', opened),
      ...fingerprint('clicked', clicked),
    ].sort(),
    report: results.map((r: any) => r.statistics),
  };
}

type Fingerprint = Awaited<ReturnType<typeof flowJourney>>;
const runs: Record<string, Fingerprint> = {};

const overHttp = (seed: number): Promise<Fingerprint> =>
  journeyOverHttp(contract, { start: START, seed, key: KEY, engagement: ENGAGEMENT }, flowJourney);

describe('flows over HTTP', () => {
  it('sends after the delay on the virtual clock, routes by a profile property, and reports', async () => {
    runs.http = await overHttp(7);
    expect(runs.http.events.some((e) => e.startsWith('opened'))).toBe(true);
  });

  it('replays the same events and report numbers for the same seed', async () => {
    expect(await overHttp(7)).toEqual(runs.http);
  });
});

describe('a list-triggered flow', () => {
  it('sends when a profile joins the list (not while manual), refuses bad input, stops once deleted', async () => {
    const clock = new VirtualClock(START);
    const server = await startChecked(contract, { clock, seed: 3 });
    try {
      const api = campaignApis(KEY, server.url);
      const list = (
        await api.lists.createList({ data: { type: 'list', attributes: { name: 'New' } } } as any)
      ).response.data.data.id;
      const ids: string[] = [];
      for (const email of ['eve@flow.test', 'fay@flow.test', 'gus@flow.test']) {
        ids.push((await api.profiles.createProfile(profileBody({ email }))).response.data.data.id);
      }
      const template = (await api.templates.createTemplate(templateBody({ name: 'Hi', html: '<p>Hi</p>' })))
        .response.data.data.id;
      const body = welcomeFlow('unused', template, template);
      body.data.attributes.definition.triggers = [{ type: 'list', id: list }];
      // No delay, no split: straight to the free email.
      body.data.attributes.definition.entryActionId = 'free-email';
      const flow = (await api.flows.createFlow(body)).response.data.data;
      expect(flow.attributes.trigger_type).toBe('Added to List');
      const byList = await api.lists.getIdsForFlowsTriggeredByList(list);
      expect(byList.response.data.data).toEqual([{ type: 'flow', id: flow.id }]);
      const full = await api.lists.getFlowsTriggeredByList(list);
      expect(full.response.data.data[0]).toMatchObject({ id: flow.id, attributes: { status: 'draft' } });
      expect((await sdkError(api.lists.getFlowsTriggeredByList('nolist'))).status).toBe(404);

      const bad = await sdkError(
        api.flows.updateFlow(flow.id, {
          data: { type: 'flow', id: flow.id, attributes: { status: 'paused' } },
        } as any),
      );
      expect(bad.status).toBe(400);
      expect(bad.data.errors[0].source.pointer).toBe('/data/attributes/status');
      const badFilter = await sdkError(api.flows.getFlows({ filter: 'contains(status,"li")' }));
      expect(badFilter.status).toBe(400);

      // Manual: nobody is sent anything.
      await api.flows.updateFlow(flow.id, {
        data: { type: 'flow', id: flow.id, attributes: { status: 'manual' } },
      } as any);
      await api.lists.addProfilesToList(list, { data: [{ type: 'profile', id: ids[2] }] } as any);
      clock.advance(1000);
      expect((await metricIds(api))['Received Email']).toBeUndefined();
      await api.flows.updateFlow(flow.id, {
        data: { type: 'flow', id: flow.id, attributes: { status: 'live' } },
      } as any);
      await api.lists.addProfilesToList(list, { data: [{ type: 'profile', id: ids[0] }] } as any);
      clock.advance(1000);
      const received = async () => {
        const metric = (await metricIds(api))['Received Email'];
        return (await eventsOf(api, metric)).map((e: any) => e.profile);
      };
      expect(await received()).toEqual([ids[0]]);

      expect((await api.flows.deleteFlow(flow.id)).response.status).toBe(204);
      expect((await sdkError(api.flows.getFlow(flow.id))).status).toBe(404);
      await api.lists.addProfilesToList(list, { data: [{ type: 'profile', id: ids[1] }] } as any);
      clock.advance(1000);
      expect(await received()).toEqual([ids[0]]);
    } finally {
      await server.close();
    }
  });
});

describe('flows in-process (msw)', () => {
  const clock = new VirtualClock(START);
  const service = inProcessChecked(contract, { clock, seed: 7 });

  it('gives the same events and numbers as over HTTP with the same seed', async () => {
    engage(service, ENGAGEMENT);
    expect(await flowJourney(campaignApis(KEY), clock)).toEqual(runs.http);
    expect(contract.validated).toBeGreaterThan(40);
  });
});
