/**
 * Segments through the official SDK, over real HTTP and in-process (msw): the seeds' four Dream Flow
 * segments built from their definitions, membership that follows profile and event changes on the
 * mock's clock, is_processing while an evaluation is pending, metric and list conditions, is_active.
 */
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../lib/clock.ts';
import { eventBody, profileBody, sdkError, startChecked } from '../../../../test/klaviyo/helpers.ts';
import {
  type Apis,
  and,
  apis,
  memberEmails,
  num,
  prop,
  segmentBody,
} from '../../../../test/klaviyo/segment-helpers.ts';
import { useKlaviyoContract } from '../../../../test/support/klaviyo-contract.ts';
import { createKlaviyoMock, klaviyoHandlers } from '../../index.ts';
import { PROCESSING_MS } from './model.ts';

const contract = useKlaviyoContract();

/** The seeds' segments (docs: "Klaviyo Segments"), as Klaviyo segment definitions. */
const DREAM_FLOW_SEGMENTS = {
  'High Engagement': and(
    prop('total_stories', num('greater-than', 20)),
    prop('current_streak', num('greater-than', 5)),
  ),
  'Upgrade Candidates': and(
    prop('subscription_tier', { type: 'string', operator: 'equals', value: 'free' }),
    prop('total_stories', num('greater-than', 10)),
  ),
  'Churn Risk': and(prop('current_streak', num('equals', 0)), prop('total_stories', num('greater-than', 5))),
  'Family Accounts': and(prop('family_mode_enabled', { type: 'boolean', operator: 'equals', value: true })),
};

/** The journey both transports run: seeds' segments, then membership following the data. */
async function dreamFlowSegments(api: Apis, clock: VirtualClock) {
  const people = {
    'avid@df.test': {
      total_stories: 25,
      current_streak: 9,
      subscription_tier: 'premium',
      family_mode_enabled: true,
    },
    'free@df.test': {
      total_stories: 14,
      current_streak: 2,
      subscription_tier: 'free',
      family_mode_enabled: false,
    },
    'lapsed@df.test': { total_stories: 8, current_streak: 0, subscription_tier: 'free' },
    'new@df.test': { total_stories: 1, current_streak: 1, subscription_tier: 'free' },
  };
  const ids: Record<string, string> = {};
  for (const [email, properties] of Object.entries(people)) {
    ids[email] = (await api.profiles.createProfile(profileBody({ email, properties }))).response.data.data.id;
  }
  const seg: Record<string, string> = {};
  for (const [name, definition] of Object.entries(DREAM_FLOW_SEGMENTS)) {
    const r = await api.segments.createSegment(segmentBody({ name, definition }));
    expect(r.response.status).toBe(201);
    expect(r.response.data.data.attributes).toMatchObject({ name, is_active: true, is_processing: true });
    expect(r.response.data.data.attributes.definition).toEqual(definition);
    seg[name] = r.response.data.data.id;
  }
  // Nothing evaluated until the mock's clock reaches the processing time.
  expect(await memberEmails(api, seg['High Engagement']!)).toEqual([]);
  clock.advance(PROCESSING_MS);
  const got = await api.segments.getSegment(seg['High Engagement']!, {
    additionalFieldsSegment: ['profile_count'],
  });
  expect(got.response.data.data.attributes).toMatchObject({ is_processing: false, profile_count: 1 });
  expect(await memberEmails(api, seg['High Engagement']!)).toEqual(['avid@df.test']);
  expect(await memberEmails(api, seg['Upgrade Candidates']!)).toEqual(['free@df.test']);
  expect(await memberEmails(api, seg['Churn Risk']!)).toEqual(['lapsed@df.test']);
  expect(await memberEmails(api, seg['Family Accounts']!)).toEqual(['avid@df.test']);

  // The new user reads 21 stories on a 6-day streak: they enter High Engagement without anyone
  // re-saving the segment, once processing has caught up.
  const id = ids['new@df.test']!;
  await api.profiles.updateProfile(id, {
    data: { type: 'profile', id, attributes: { properties: { total_stories: 21, current_streak: 6 } } },
  } as any);
  expect(
    (await api.segments.getSegment(seg['High Engagement']!)).response.data.data.attributes.is_processing,
  ).toBe(true);
  clock.advance(PROCESSING_MS);
  expect(await memberEmails(api, seg['High Engagement']!)).toEqual(['avid@df.test', 'new@df.test']);
  const ofProfile = await api.profiles.getSegmentIdsForProfile(id);
  // 21 stories on the free tier also make them an upgrade candidate.
  expect(ofProfile.response.data.data).toEqual([
    { type: 'segment', id: seg['High Engagement'] },
    { type: 'segment', id: seg['Upgrade Candidates'] },
  ]);
  return { ids, seg };
}

describe('segments over HTTP', () => {
  const clock = new VirtualClock(Date.UTC(2026, 5, 1));
  let server: Awaited<ReturnType<typeof startChecked>>;
  beforeAll(async () => {
    server = await startChecked(contract, { clock });
  });
  afterAll(async () => {
    await server.close();
  });

  it("builds the seeds' four segments and follows profile changes", async () => {
    await dreamFlowSegments(apis('pk_segments_http', server.url), clock);
  });

  it('evaluates metric counts in a timeframe and list membership, and follows new events', async () => {
    const api = apis('pk_segments_metric', server.url);
    const story = (email: string) =>
      api.events.createEvent(
        eventBody('Story Generated', { email }, { time: new Date(clock.now()).toISOString() }),
      );
    await story('reader@df.test');
    clock.advance(2000);
    await story('reader@df.test');
    await story('once@df.test');
    const metricId = (await api.metrics.getMetrics()).response.data.data[0].id;
    const list = (await api.lists.createList({ data: { type: 'list', attributes: { name: 'Beta' } } } as any))
      .response.data.data;
    const definition = {
      condition_groups: [
        {
          conditions: [
            {
              type: 'profile-metric',
              metric_id: metricId,
              measurement: 'count',
              measurement_filter: num('greater-than-or-equal', 2),
              timeframe_filter: { type: 'date', operator: 'in-the-last', quantity: 7, unit: 'day' },
            },
            { type: 'profile-group-membership', is_member: true, group_ids: [list.id] },
          ],
        },
      ],
    };
    const s = (await api.segments.createSegment(segmentBody({ name: 'Readers or beta', definition })))
      .response.data.data;
    clock.advance(PROCESSING_MS);
    expect(await memberEmails(api, s.id)).toEqual(['reader@df.test']);
    // A second story puts "once" over the threshold; joining the list would too.
    clock.advance(1000);
    await story('once@df.test');
    clock.advance(PROCESSING_MS);
    expect(await memberEmails(api, s.id)).toEqual(['once@df.test', 'reader@df.test']);
    // Eight days later neither has two stories in the last week.
    clock.advance(8 * 86_400_000);
    await api.segments.updateSegment(s.id, segmentBody({ name: 'Readers or beta' }, s.id));
    clock.advance(PROCESSING_MS);
    expect(await memberEmails(api, s.id)).toEqual([]);
    const members = (await api.profiles.getProfiles({ filter: 'equals(email,"reader@df.test")' })).response
      .data.data;
    await api.lists.addProfilesToList(list.id, { data: [{ type: 'profile', id: members[0].id }] } as any);
    clock.advance(PROCESSING_MS);
    expect(await memberEmails(api, s.id)).toEqual(['reader@df.test']);
  });

  it('freezes an inactive segment, lists and filters segments, deletes with 204', async () => {
    const api = apis('pk_segments_admin', server.url);
    await api.profiles.createProfile(
      profileBody({ email: 'fam@df.test', properties: { family_mode_enabled: true } }),
    );
    const s = (
      await api.segments.createSegment(
        segmentBody({ name: 'Family Accounts', definition: DREAM_FLOW_SEGMENTS['Family Accounts'] }),
      )
    ).response.data.data;
    clock.advance(PROCESSING_MS);
    await api.segments.updateSegment(s.id, segmentBody({ isActive: false }, s.id));
    await api.profiles.createProfile(
      profileBody({ email: 'fam2@df.test', properties: { family_mode_enabled: true } }),
    );
    clock.advance(PROCESSING_MS);
    expect(await memberEmails(api, s.id)).toEqual(['fam@df.test']);
    const inactive = await api.segments.getSegments({ filter: 'equals(is_active,false)' });
    expect(inactive.response.data.data.map((x: any) => x.id)).toEqual([s.id]);
    expect((await api.segments.deleteSegment(s.id)).response.status).toBe(204);
    expect((await sdkError(api.segments.getSegment(s.id))).status).toBe(404);
  });

  it('refuses a definition it cannot evaluate, pointing at the condition', async () => {
    const api = apis('pk_segments_bad', server.url);
    const bad = await sdkError(
      api.segments.createSegment(
        segmentBody({
          name: 'Near',
          definition: {
            condition_groups: [
              { conditions: [{ type: 'profile-region', in_region: true, region: 'united_states' }] },
            ],
          },
        }),
      ),
    );
    expect(bad.status).toBe(400);
    expect(bad.data.errors[0].source.pointer).toBe(
      '/data/attributes/definition/condition_groups/0/conditions/0/type',
    );
    expect(bad.data.errors[0].detail).toMatch(/not emulated/);
    const badFilter = await sdkError(
      api.segments.createSegment(
        segmentBody({
          name: 'X',
          definition: and(prop('a', { type: 'numeric', operator: 'greater-than', value: 'ten' })),
        }),
      ),
    );
    expect(badFilter.data.errors[0].source.pointer).toBe(
      '/data/attributes/definition/condition_groups/0/conditions/0/filter',
    );
  });
});

describe('segments in-process (msw)', () => {
  const clock = new VirtualClock(Date.UTC(2026, 5, 1));
  const service = createKlaviyoMock({ clock, rateLimits: false, onResponse: contract.onResponse });
  const msw = setupServer(...klaviyoHandlers({ service }));
  beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => {
    msw.close();
    service.close();
  });

  it("builds the seeds' four segments and follows profile changes", async () => {
    await dreamFlowSegments(apis('pk_segments_msw'), clock);
  });

  it('validated every response against the spec', () => {
    expect(contract.validated).toBeGreaterThan(40);
  });
});
