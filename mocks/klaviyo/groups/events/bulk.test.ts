/**
 * bulk_create_events through the official SDK over HTTP: 202 with no body, the events land on the
 * mock's clock with create_event's rules (profiles found or created, metric created, dedup), and a bad
 * batch is refused whole with a pointer into it.
 */
import { ApiKeySession, EventsApi, ProfilesApi, RetryWithExponentialBackoff } from 'klaviyo-api';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { VirtualClock } from '../../../../lib/clock.ts';
import { sdkError, startChecked } from '../../../../test/klaviyo/helpers.ts';
import { useKlaviyoContract } from '../../../../test/support/klaviyo-contract.ts';
import { JOB_DELAY_MS } from '../profile-jobs/handlers.ts';

const contract = useKlaviyoContract();
const clock = new VirtualClock(Date.UTC(2026, 5, 1, 12));
let server: Awaited<ReturnType<typeof startChecked>>;
let events: EventsApi;
let profiles: ProfilesApi;

beforeAll(async () => {
  server = await startChecked(contract, { clock });
  const session = new ApiKeySession('pk_bulk_events', new RetryWithExponentialBackoff({ numRetries: 0 }));
  events = new EventsApi(session);
  profiles = new ProfilesApi(session);
  events.basePath = server.url;
  profiles.basePath = server.url;
});
afterAll(async () => {
  await server.close();
});

const ev = (metric: string, time: string, properties: Record<string, unknown> = {}, uniqueId?: string) => ({
  type: 'event',
  attributes: {
    properties,
    time,
    ...(uniqueId ? { uniqueId } : {}),
    metric: { data: { type: 'metric', attributes: { name: metric } } },
  },
});

function batch(entries: { profile: Record<string, unknown>; events: unknown[] }[]) {
  return {
    data: {
      type: 'event-bulk-create-job',
      attributes: {
        eventsBulkCreate: {
          data: entries.map((e) => ({
            type: 'event-bulk-create',
            attributes: {
              profile: { data: { type: 'profile', attributes: e.profile } },
              events: { data: e.events },
            },
          })),
        },
      },
    },
  } as any;
}

it('lands a batch of events for several profiles after the job delay', async () => {
  const accepted = await events.bulkCreateEvents(
    batch([
      {
        profile: { email: 'Ada@Bulk.test', firstName: 'Ada' },
        events: [
          ev('Story Read', '2026-06-01T10:00:00Z', { story: 'Owl' }, 'r1'),
          ev('Story Read', '2026-06-01T10:05:00Z', { story: 'Owl' }, 'r1'), // same unique_id: stored once
          ev('Story Finished', '2026-06-01T10:20:00Z'),
        ],
      },
      { profile: { externalId: 'kid-2' }, events: [ev('Story Read', '2026-06-01T11:00:00Z')] },
    ]),
  );
  expect(accepted.response.status).toBe(202);
  expect(accepted.response.data).toBeFalsy();
  expect((await events.getEvents()).response.data.data).toHaveLength(0);

  clock.advance(JOB_DELAY_MS);
  const all = (await events.getEvents({ include: ['metric', 'profile'], sort: 'datetime' })).response.data;
  expect(all.data.map((e: any) => e.attributes.datetime)).toEqual([
    '2026-06-01T10:00:00+00:00',
    '2026-06-01T10:20:00+00:00',
    '2026-06-01T11:00:00+00:00',
  ]);
  expect(all.data[0].attributes.event_properties).toEqual({ story: 'Owl', $event_id: 'r1' });
  const metrics = all.included.filter((r: any) => r.type === 'metric').map((m: any) => m.attributes.name);
  expect(metrics.sort()).toEqual(['Story Finished', 'Story Read']);
  const ada = (await profiles.getProfiles({ filter: 'equals(email,"ada@bulk.test")' })).response.data.data;
  expect(ada).toHaveLength(1);
  expect(ada[0].attributes.first_name).toBe('Ada');
});

it('refuses a bad batch whole, pointing at the bad member', async () => {
  const badTime = await sdkError(
    events.bulkCreateEvents(
      batch([
        { profile: { email: 'ok@bulk.test' }, events: [ev('Story Read', '2026-06-01T10:00:00Z')] },
        { profile: { email: 'ok@bulk.test' }, events: [ev('Story Read', 'yesterday')] },
      ]),
    ),
  );
  expect(badTime.status).toBe(400);
  expect(badTime.data.errors[0].source.pointer).toBe(
    '/data/attributes/events-bulk-create/data/1/attributes/events/data/0/attributes/time',
  );
  const badEmail = await sdkError(
    events.bulkCreateEvents(
      batch([{ profile: { email: 'nope' }, events: [ev('Story Read', '2026-06-01T10:00:00Z')] }]),
    ),
  );
  expect(badEmail.data.errors[0].source.pointer).toBe(
    '/data/attributes/events-bulk-create/data/0/attributes/profile/data/attributes/email',
  );
  const tooMany = await sdkError(
    events.bulkCreateEvents(
      batch([
        {
          profile: { email: 'big@bulk.test' },
          events: Array.from({ length: 1001 }, () => ev('X', '2026-06-01T10:00:00Z')),
        },
      ]),
    ),
  );
  expect(tooMany.status).toBe(400);
  clock.advance(JOB_DELAY_MS);
  const after = (await profiles.getProfiles({ filter: 'equals(email,"ok@bulk.test")' })).response.data.data;
  expect(after).toHaveLength(0);
  expect(contract.validated).toBeGreaterThan(5);
});
