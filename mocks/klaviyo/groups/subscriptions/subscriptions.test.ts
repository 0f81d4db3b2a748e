/**
 * Consent through the official SDK, over real HTTP and in-process (msw), every response checked against
 * the spec: subscribe (profile created, list joined), unsubscribe (global and from a list), suppression
 * jobs moving queued → processing → complete on the mock's clock, unsuppress lifting USER_SUPPRESSED only,
 * the profile's `subscriptions` and `include=lists,segments`, segments following consent, 400s and 404s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../lib/clock.ts';
import {
  inProcessChecked,
  profileBody,
  raw,
  sdk,
  sdkError,
  startChecked,
} from '../../../../test/klaviyo/helpers.ts';
import { useKlaviyoContract } from '../../../../test/support/klaviyo-contract.ts';
import type { KlaviyoCore } from '../../index.ts';
import { JOB_DELAY_MS } from '../profile-jobs/handlers.ts';
import { PROCESSING_MS } from '../segments/model.ts';
import { SubscriptionsRepo } from './repo.ts';

const contract = useKlaviyoContract();

const apis = sdk;
type Apis = ReturnType<typeof sdk>;

// Bodies as an SDK user writes them: the SDK's models take camelCase and send snake_case.
type Channels = Record<string, Record<string, { consent: string; consentedAt?: Date }>>;
const person = (attributes: Record<string, unknown>, subscriptions: Channels) => ({
  type: 'profile',
  attributes: { ...attributes, subscriptions },
});
const emailMarketing = (consent: 'SUBSCRIBED' | 'UNSUBSCRIBED') => ({ email: { marketing: { consent } } });

function consentJob(
  type: 'profile-subscription-bulk-create-job' | 'profile-subscription-bulk-delete-job',
  profiles: unknown[],
  opts: { listId?: string; customSource?: string; historicalImport?: boolean } = {},
): any {
  return {
    data: {
      type,
      attributes: {
        profiles: { data: profiles },
        customSource: opts.customSource,
        historicalImport: opts.historicalImport,
      },
      relationships: opts.listId ? { list: { data: { type: 'list', id: opts.listId } } } : undefined,
    },
  };
}
const subscribeJob = (profiles: unknown[], opts?: Parameters<typeof consentJob>[2]) =>
  consentJob('profile-subscription-bulk-create-job', profiles, opts);
const unsubscribeJob = (profiles: unknown[], opts?: Parameters<typeof consentJob>[2]) =>
  consentJob('profile-subscription-bulk-delete-job', profiles, opts);
const suppressionJob = (
  type: 'profile-suppression-bulk-create-job' | 'profile-suppression-bulk-delete-job',
  emails: string[],
): any => ({
  data: {
    type,
    attributes: { profiles: { data: emails.map((email) => ({ type: 'profile', attributes: { email } })) } },
  },
});

/** A suppression job's attributes as the SDK reads them. */
async function jobState(api: Apis, kind: 'suppress' | 'unsuppress', id: string) {
  const r =
    kind === 'suppress'
      ? await api.profiles.getBulkSuppressProfilesJob(id)
      : await api.profiles.getBulkUnsuppressProfilesJob(id);
  return r.response.data.data.attributes;
}

async function emailMarketingOf(api: Apis, id: string) {
  const r = await api.profiles.getProfile(id, { additionalFieldsProfile: ['subscriptions'] });
  return r.response.data.data.attributes.subscriptions.email.marketing;
}

async function idOf(api: Apis, email: string): Promise<string | undefined> {
  const r = await api.profiles.getProfiles({ filter: `equals(email,"${email}")` });
  return r.response.data.data[0]?.id;
}

/** The journey both transports run: subscribe, suppress, unsuppress (hard bounces stay), resubscribe. */
async function consentJourney(api: Apis, clock: VirtualClock, hardBounce: (profileId: string) => void) {
  const accepted = await api.profiles.subscribeProfiles(
    subscribeJob([person({ email: 'Parent@Consent.test' }, emailMarketing('SUBSCRIBED'))]),
  );
  expect(accepted.response.status).toBe(202);
  expect(accepted.response.data).toBe('');
  clock.advance(JOB_DELAY_MS);
  const id = (await idOf(api, 'parent@consent.test'))!;
  expect(await emailMarketingOf(api, id)).toMatchObject({
    consent: 'SUBSCRIBED',
    can_receive_email_marketing: true,
  });

  const job = (
    await api.profiles.suppressProfiles(
      suppressionJob('profile-suppression-bulk-create-job', ['parent@consent.test']),
    )
  ).response.data.data;
  clock.advance(2 * JOB_DELAY_MS);
  expect((await jobState(api, 'suppress', job.id)).status).toBe('complete');
  hardBounce(id);
  const both = await emailMarketingOf(api, id);
  expect(both.suppression.map((s: any) => s.reason).sort()).toEqual(['HARD_BOUNCE', 'USER_SUPPRESSED']);

  const lift = (
    await api.profiles.unsuppressProfiles(
      suppressionJob('profile-suppression-bulk-delete-job', ['parent@consent.test']),
    )
  ).response.data.data;
  expect(lift).toMatchObject({
    type: 'profile-suppression-bulk-delete-job',
    attributes: { status: 'queued', total_count: 1 },
  });
  clock.advance(2 * JOB_DELAY_MS);
  expect(await jobState(api, 'unsuppress', lift.id)).toMatchObject({
    status: 'complete',
    completed_count: 1,
    skipped_count: 0,
  });
  // Unsuppressing lifts USER_SUPPRESSED only: the hard bounce keeps the address unreachable.
  const after = await emailMarketingOf(api, id);
  expect(after.suppression.map((s: any) => s.reason)).toEqual(['HARD_BOUNCE']);
  expect(after).toMatchObject({ consent: 'SUBSCRIBED', can_receive_email_marketing: false });
  // Subscribing again does not lift a hard bounce either.
  await api.profiles.subscribeProfiles(
    subscribeJob([person({ email: 'parent@consent.test' }, emailMarketing('SUBSCRIBED'))]),
  );
  clock.advance(JOB_DELAY_MS);
  expect((await emailMarketingOf(api, id)).can_receive_email_marketing).toBe(false);
  expect((await sdkError(api.profiles.getBulkUnsuppressProfilesJob('NoSuchJob'))).status).toBe(404);
}

/** A hard bounce, which only sending would record: written straight into the store. */
function hardBouncer(core: KlaviyoCore) {
  return (profileId: string) => {
    const p = core.store.db.prepare('SELECT seq, account FROM profiles WHERE id = ?').get(profileId) as {
      seq: number;
      account: number;
    };
    core.store.repo(SubscriptionsRepo).suppress(p.account, p.seq, 'HARD_BOUNCE', Date.UTC(2026, 5, 2));
  };
}

describe('consent over HTTP', () => {
  const clock = new VirtualClock(Date.UTC(2026, 5, 1));
  let server: Awaited<ReturnType<typeof startChecked>>;
  let api: Apis;
  beforeAll(async () => {
    server = await startChecked(contract, { clock });
    api = apis('pk_consent', server.url);
  });
  afterAll(async () => {
    await server.close();
  });

  it('subscribes email and SMS, creating the profile and adding it to the list, shown in subscriptions and include=lists', async () => {
    const list = (
      await api.lists.createList({
        data: { type: 'list', attributes: { name: 'Bedtime', optInProcess: 'single_opt_in' } },
      } as any)
    ).response.data.data;
    const body = subscribeJob(
      [
        person(
          { email: 'new@consent.test', phoneNumber: '+15005550006' },
          { email: { marketing: { consent: 'SUBSCRIBED' } }, sms: { marketing: { consent: 'SUBSCRIBED' } } },
        ),
      ],
      { listId: list.id, customSource: 'Bedtime signup' },
    );
    expect((await api.profiles.subscribeProfiles(body)).response.status).toBe(202);
    // Accepted, not yet applied: the profile appears once the job has run on the mock's clock.
    expect(await idOf(api, 'new@consent.test')).toBeUndefined();
    clock.advance(JOB_DELAY_MS);
    const id = (await idOf(api, 'new@consent.test'))!;
    const got = await api.profiles.getProfile(id, {
      additionalFieldsProfile: ['subscriptions'],
      include: ['lists', 'segments'],
    });
    const subs = got.response.data.data.attributes.subscriptions;
    expect(subs.email.marketing).toEqual({
      can_receive_email_marketing: true,
      consent: 'SUBSCRIBED',
      consent_timestamp: new Date(clock.now()).toISOString().replace('.000Z', '+00:00'),
      last_updated: new Date(clock.now()).toISOString().replace('.000Z', '+00:00'),
      method: 'API',
      method_detail: null,
      custom_method_detail: 'Bedtime signup',
      double_optin: false,
      suppression: [],
      list_suppressions: [],
    });
    expect(subs.sms.marketing).toMatchObject({ consent: 'SUBSCRIBED', can_receive_sms_marketing: true });
    expect(subs.sms.transactional).toMatchObject({
      consent: 'NEVER_SUBSCRIBED',
      can_receive_sms_transactional: false,
    });
    expect(got.response.data.data.relationships.lists.data).toEqual([{ type: 'list', id: list.id }]);
    expect(got.response.data.data.relationships.segments.data).toEqual([]);
    expect(got.response.data.included).toEqual([
      expect.objectContaining({
        type: 'list',
        id: list.id,
        attributes: expect.objectContaining({ name: 'Bedtime' }),
      }),
    ]);
    const members = (await api.lists.getProfileIdsForList(list.id)).response.data.data;
    expect(members).toEqual([{ type: 'profile', id }]);
  });

  it('imports historical consent with its own timestamp, and refuses one without consented_at', async () => {
    const consentedAt = new Date(Date.UTC(2025, 0, 15));
    await api.profiles.subscribeProfiles(
      subscribeJob(
        [
          person(
            { email: 'old@consent.test' },
            { email: { marketing: { consent: 'SUBSCRIBED', consentedAt } } },
          ),
        ],
        {
          historicalImport: true,
        },
      ),
    );
    clock.advance(JOB_DELAY_MS);
    const id = (await idOf(api, 'old@consent.test'))!;
    expect((await emailMarketingOf(api, id)).consent_timestamp).toBe('2025-01-15T00:00:00+00:00');
    const missing = await sdkError(
      api.profiles.subscribeProfiles(
        subscribeJob([person({ email: 'old@consent.test' }, emailMarketing('SUBSCRIBED'))], {
          historicalImport: true,
        }),
      ),
    );
    expect(missing.status).toBe(400);
    expect(missing.data.errors[0].source.pointer).toBe(
      '/data/attributes/profiles/data/0/attributes/subscriptions/email/marketing/consented_at',
    );
  });

  it('unsubscribes globally, or from a list the profile is in, and a new subscribe lifts the unsubscribe', async () => {
    const id = (await api.profiles.createProfile(profileBody({ email: 'kid@consent.test' }))).response.data
      .data.id;
    // Never subscribed: reachable, as in Klaviyo.
    expect(await emailMarketingOf(api, id)).toMatchObject({
      consent: 'NEVER_SUBSCRIBED',
      can_receive_email_marketing: true,
    });
    await api.profiles.unsubscribeProfiles(
      unsubscribeJob([person({ email: 'kid@consent.test' }, emailMarketing('UNSUBSCRIBED'))]),
    );
    clock.advance(JOB_DELAY_MS);
    const off = await emailMarketingOf(api, id);
    expect(off).toMatchObject({ consent: 'UNSUBSCRIBED', can_receive_email_marketing: false, method: 'API' });
    expect(off.suppression).toEqual([{ reason: 'UNSUBSCRIBE', timestamp: expect.any(String) }]);

    const list = (await api.lists.createList({ data: { type: 'list', attributes: { name: 'Tips' } } } as any))
      .response.data.data;
    await api.profiles.subscribeProfiles(
      subscribeJob([person({ email: 'kid@consent.test' }, emailMarketing('SUBSCRIBED'))], {
        listId: list.id,
      }),
    );
    clock.advance(JOB_DELAY_MS);
    expect(await emailMarketingOf(api, id)).toMatchObject({
      consent: 'SUBSCRIBED',
      can_receive_email_marketing: true,
      suppression: [],
    });
    expect((await api.lists.getProfileIdsForList(list.id)).response.data.data).toEqual([
      { type: 'profile', id },
    ]);

    // From a list it is in: it leaves that list only, global consent stays.
    await api.profiles.unsubscribeProfiles(
      unsubscribeJob([person({ email: 'kid@consent.test' }, emailMarketing('UNSUBSCRIBED'))], {
        listId: list.id,
      }),
    );
    clock.advance(JOB_DELAY_MS);
    const fromList = await emailMarketingOf(api, id);
    expect(fromList).toMatchObject({
      consent: 'SUBSCRIBED',
      can_receive_email_marketing: true,
      suppression: [],
    });
    expect(fromList.list_suppressions).toEqual([
      { list_id: list.id, reason: 'UNSUBSCRIBE', timestamp: expect.any(String) },
    ]);
    expect((await api.lists.getProfileIdsForList(list.id)).response.data.data).toEqual([]);
  });

  it('runs suppression jobs queued → processing → complete, by email or for a list, with counts', async () => {
    const a = (await api.profiles.createProfile(profileBody({ email: 'a@suppress.test' }))).response.data.data
      .id;
    const accepted = await api.profiles.suppressProfiles(
      suppressionJob('profile-suppression-bulk-create-job', ['a@suppress.test', 'Unknown@Suppress.test']),
    );
    expect(accepted.response.status).toBe(202);
    const job = accepted.response.data.data;
    expect(job).toMatchObject({
      type: 'profile-suppression-bulk-create-job',
      attributes: {
        status: 'queued',
        total_count: 2,
        completed_count: 0,
        skipped_count: 0,
        completed_at: null,
      },
    });
    const status = () => jobState(api, 'suppress', job.id);
    clock.advance(JOB_DELAY_MS);
    expect((await status()).status).toBe('processing');
    expect((await emailMarketingOf(api, a)).can_receive_email_marketing).toBe(true);
    clock.advance(JOB_DELAY_MS);
    expect(await status()).toMatchObject({ status: 'complete', completed_count: 2, skipped_count: 0 });
    const suppressed = await emailMarketingOf(api, a);
    expect(suppressed).toMatchObject({ consent: 'NEVER_SUBSCRIBED', can_receive_email_marketing: false });
    expect(suppressed.suppression).toEqual([{ reason: 'USER_SUPPRESSED', timestamp: expect.any(String) }]);
    // An unknown address gets a profile, suppressed.
    const created = (await idOf(api, 'unknown@suppress.test'))!;
    expect((await emailMarketingOf(api, created)).can_receive_email_marketing).toBe(false);

    // A whole list: the member already suppressed is skipped.
    const list = (
      await api.lists.createList({ data: { type: 'list', attributes: { name: 'Suppress me' } } } as any)
    ).response.data.data;
    const b = (await api.profiles.createProfile(profileBody({ email: 'b@suppress.test' }))).response.data.data
      .id;
    await api.lists.addProfilesToList(list.id, {
      data: [
        { type: 'profile', id: a },
        { type: 'profile', id: b },
      ],
    } as any);
    const byList = (
      await api.profiles.suppressProfiles({
        data: {
          type: 'profile-suppression-bulk-create-job',
          attributes: {},
          relationships: { list: { data: { type: 'list', id: list.id } } },
        },
      } as any)
    ).response.data.data;
    expect(byList.relationships.lists.data).toEqual([{ type: 'list', id: list.id }]);
    clock.advance(2 * JOB_DELAY_MS);
    expect(await jobState(api, 'suppress', byList.id)).toMatchObject({
      status: 'complete',
      total_count: 2,
      completed_count: 1,
      skipped_count: 1,
    });
    expect((await emailMarketingOf(api, b)).can_receive_email_marketing).toBe(false);

    const forList = await api.profiles.getBulkSuppressProfilesJobs({
      filter: `equals(list_id,"${list.id}")`,
    });
    expect(forList.response.data.data.map((j: any) => j.id)).toEqual([byList.id]);
    const newest = await api.profiles.getBulkSuppressProfilesJobs({
      sort: '-created',
      filter: "equals(status,'complete')",
    });
    expect(newest.response.data.data[0].id).toBe(byList.id);
    expect(newest.response.data.data.map((j: any) => j.id)).toContain(job.id);
    const sparse = await api.profiles.getBulkSuppressProfilesJob(job.id, {
      fieldsProfileSuppressionBulkCreateJob: ['status', 'created_at', 'total_count'],
    });
    expect(sparse.response.data.data.attributes).toEqual({
      status: 'complete',
      created_at: expect.any(String),
      total_count: 2,
    });
    expect((await api.profiles.getBulkUnsuppressProfilesJobs()).response.data.data).toEqual([]);
  });

  it('moves profiles in and out of a marketing-consent segment as they subscribe, unsubscribe and are suppressed', async () => {
    const seg = apis('pk_consent_segment', server.url);
    const mine = (await seg.profiles.createProfile(profileBody({ email: 'mine@seg.test' }))).response.data
      .data.id;
    const definition = {
      conditionGroups: [
        {
          conditions: [
            {
              type: 'profile-marketing-consent',
              consent: {
                channel: 'email',
                canReceiveMarketing: true,
                consentStatus: { subscription: 'subscribed' },
              },
            },
          ],
        },
      ],
    };
    const segment = (
      await seg.segments.createSegment({
        data: { type: 'segment', attributes: { name: 'Subscribed', definition } },
      } as any)
    ).response.data.data;
    // A request runs the jobs now due (the consent change), which queues the segment's processing.
    const members = async () => {
      const pending = await seg.segments.getSegment(segment.id);
      expect(pending.response.data.data.attributes.is_processing).toBe(true);
      clock.advance(PROCESSING_MS);
      return (await seg.segments.getProfileIdsForSegment(segment.id)).response.data.data.map(
        (p: any) => p.id,
      );
    };
    expect(await members()).toEqual([]);
    await seg.profiles.subscribeProfiles(
      subscribeJob([person({ email: 'mine@seg.test' }, emailMarketing('SUBSCRIBED'))]),
    );
    clock.advance(JOB_DELAY_MS);
    expect(await members()).toEqual([mine]);
    const withSegments = await seg.profiles.getProfile(mine, { include: ['segments'] });
    expect(withSegments.response.data.included.map((r: any) => [r.type, r.id])).toEqual([
      ['segment', segment.id],
    ]);

    await seg.profiles.suppressProfiles(
      suppressionJob('profile-suppression-bulk-create-job', ['mine@seg.test']),
    );
    clock.advance(2 * JOB_DELAY_MS);
    expect(await members()).toEqual([]);
    await seg.profiles.unsuppressProfiles(
      suppressionJob('profile-suppression-bulk-delete-job', ['mine@seg.test']),
    );
    clock.advance(2 * JOB_DELAY_MS);
    expect(await members()).toEqual([mine]);
    await seg.profiles.unsubscribeProfiles(
      unsubscribeJob([person({ email: 'mine@seg.test' }, emailMarketing('UNSUBSCRIBED'))]),
    );
    clock.advance(JOB_DELAY_MS);
    expect(await members()).toEqual([]);
  });

  it('refuses bad bodies with 400 and a pointer, and unknown jobs with 404', async () => {
    const pointer = async (p: Promise<unknown>) => {
      const e = await sdkError(p);
      expect(e.status).toBe(400);
      return e.data.errors[0].source.pointer as string;
    };
    const at = '/data/attributes/profiles/data';
    expect(
      await pointer(
        api.profiles.subscribeProfiles(
          subscribeJob([{ type: 'profile', attributes: { email: 'x@bad.test' } }]),
        ),
      ),
    ).toBe(`${at}/0/attributes/subscriptions`);
    expect(
      await pointer(
        api.profiles.subscribeProfiles(
          subscribeJob([person({ email: 'not-an-email' }, emailMarketing('SUBSCRIBED'))]),
        ),
      ),
    ).toBe(`${at}/0/attributes/email`);
    expect(
      await pointer(
        api.profiles.subscribeProfiles(
          subscribeJob([person({ phoneNumber: '+15005550006' }, emailMarketing('SUBSCRIBED'))]),
        ),
      ),
    ).toBe(`${at}/0/attributes/email`);
    expect(
      await pointer(
        api.profiles.subscribeProfiles(
          subscribeJob([person({ email: 'x@bad.test' }, emailMarketing('SUBSCRIBED'))], { listId: 'NoList' }),
        ),
      ),
    ).toBe('/data/relationships/list/data/id');
    expect(
      await pointer(
        api.profiles.unsubscribeProfiles(
          unsubscribeJob([person({ email: 'x@bad.test' }, emailMarketing('SUBSCRIBED'))]),
        ),
      ),
    ).toBe(`${at}/0/attributes/subscriptions/email/marketing/consent`);
    const many = Array.from({ length: 101 }, (_, i) =>
      person({ email: `p${i}@bad.test` }, emailMarketing('UNSUBSCRIBED')),
    );
    const tooMany = await sdkError(api.profiles.unsubscribeProfiles(unsubscribeJob(many)));
    expect(tooMany.data.errors[0].detail).toMatch(/At most 100 profiles/);
    const both = await pointer(
      api.profiles.suppressProfiles({
        data: {
          type: 'profile-suppression-bulk-create-job',
          attributes: { profiles: { data: [{ type: 'profile', attributes: { email: 'x@bad.test' } }] } },
          relationships: { segment: { data: { type: 'segment', id: 'NoSeg' } } },
        },
      } as any),
    );
    expect(both).toBe('/data/attributes/profiles');
    expect(
      await pointer(
        api.profiles.unsuppressProfiles(suppressionJob('profile-suppression-bulk-delete-job', ['nope'])),
      ),
    ).toBe(`${at}/0/attributes/email`);
    const wrongType = await raw(server.url, '/api/profile-suppression-bulk-create-jobs', {
      method: 'POST',
      body: JSON.stringify(suppressionJob('profile-suppression-bulk-delete-job', ['x@bad.test'])),
    });
    expect(wrongType.status).toBe(400);
    expect((await wrongType.json()).errors[0].source).toEqual({ pointer: '/data/type' });
    expect((await sdkError(api.profiles.getBulkSuppressProfilesJob('NoSuchJob'))).status).toBe(404);
    expect((await sdkError(api.profiles.getBulkUnsuppressProfilesJob('NoSuchJob'))).status).toBe(404);
  });

  it('lifts USER_SUPPRESSED only on unsuppress, never a hard bounce', async () => {
    await consentJourney(
      apis('pk_consent_journey', server.url),
      clock,
      hardBouncer(server.service.core as KlaviyoCore),
    );
  });
});

describe('consent in-process (msw)', () => {
  const clock = new VirtualClock(Date.UTC(2026, 5, 1));
  const service = inProcessChecked(contract, { clock });

  it('lifts USER_SUPPRESSED only on unsuppress, never a hard bounce', async () => {
    await consentJourney(apis('pk_consent_msw'), clock, hardBouncer(service.core as KlaviyoCore));
  });

  it('validated every response against the spec', () => {
    expect(contract.validated).toBeGreaterThan(60);
  });
});
