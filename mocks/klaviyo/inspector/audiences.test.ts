/**
 * The inspector's profile page and audiences view on consent and segments, after the official SDK
 * subscribed a profile (bulk job) and saved a segment that takes it in (virtual clock, over HTTP).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { VirtualClock } from '../../../lib/clock.ts';
import { startChecked } from '../../../test/klaviyo/helpers.ts';
import { and, apis, memberEmails, num, prop, segmentBody } from '../../../test/klaviyo/segment-helpers.ts';
import { useKlaviyoContract } from '../../../test/support/klaviyo-contract.ts';
import { JOB_DELAY_MS } from '../groups/profile-jobs/handlers.ts';
import { PROCESSING_MS } from '../groups/segments/model.ts';

const contract = useKlaviyoContract();
const clock = new VirtualClock(Date.UTC(2026, 5, 1, 9));
let server: Awaited<ReturnType<typeof startChecked>>;

beforeAll(async () => {
  server = await startChecked(contract, { clock });
});
afterAll(async () => {
  await server.close();
});

async function admin<T>(path: string): Promise<T> {
  return (await (await fetch(`${server.url}/__admin/${path}`)).json()) as T;
}

it('shows a subscribed profile with its consent and the segment it entered', async () => {
  const api = apis('pk_inspector_audiences', server.url);
  for (const [email, stories] of [
    ['reader@df.test', 9],
    ['rare@df.test', 1],
  ] as const) {
    await api.profiles.createProfile({
      data: { type: 'profile', attributes: { email, properties: { total_stories: stories } } },
    } as never);
  }
  await api.profiles.subscribeProfiles({
    data: {
      type: 'profile-subscription-bulk-create-job',
      attributes: {
        profiles: {
          data: [
            {
              type: 'profile',
              attributes: {
                email: 'reader@df.test',
                subscriptions: { email: { marketing: { consent: 'SUBSCRIBED' } } },
              },
            },
          ],
        },
      },
    },
  } as never);
  clock.advance(JOB_DELAY_MS);
  const segment = (
    await api.segments.createSegment(
      segmentBody({ name: 'Avid readers', definition: and(prop('total_stories', num('greater-than', 5))) }),
    )
  ).response.data.data;
  clock.advance(PROCESSING_MS);
  expect(await memberEmails(api, segment.id)).toEqual(['reader@df.test']);

  const account = (await admin<{ accounts: { account: string }[] }>('inspector/accounts')).accounts[0]!
    .account;
  const { profiles } = await admin<{ profiles: { id: string; email: string }[] }>(
    `inspector/profiles?account=${account}&search=reader`,
  );
  const profile = await admin<{
    consent: { channel: string; consent: string }[];
    segments: { id: string; name: string }[];
  }>(`inspector/profile?account=${account}&id=${profiles[0]!.id}`);
  expect(profile.consent).toEqual([
    expect.objectContaining({ channel: 'email_marketing', consent: 'SUBSCRIBED', method: 'API' }),
  ]);
  expect(profile.segments).toEqual([expect.objectContaining({ id: segment.id, name: 'Avid readers' })]);

  const aud = await admin<{
    segments: { name: string; member_count: number; members: { email: string }[] }[];
  }>(`inspector/audiences?account=${account}`);
  expect(aud.segments).toEqual([
    expect.objectContaining({
      name: 'Avid readers',
      member_count: 1,
      members: [expect.objectContaining({ email: 'reader@df.test' })],
    }),
  ]);
});
