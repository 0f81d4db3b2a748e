/**
 * Bulk profile import jobs through the official SDK, over HTTP and in-process (msw): 202 queued, processed on the mock's
 * clock, partial failures reported as import errors, list relationship applied, segments follow.
 */
import { ApiKeySession, ListsApi, ProfilesApi, RetryWithExponentialBackoff } from 'klaviyo-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../lib/clock.ts';
import { inProcessChecked, sdkError, startChecked } from '../../../../test/klaviyo/helpers.ts';
import { useKlaviyoContract } from '../../../../test/support/klaviyo-contract.ts';
import { JOB_DELAY_MS } from './handlers.ts';

const contract = useKlaviyoContract();
const clock = new VirtualClock(Date.UTC(2026, 5, 1));
let server: Awaited<ReturnType<typeof startChecked>>;
let profiles: ProfilesApi;
let lists: ListsApi;

beforeAll(async () => {
  server = await startChecked(contract, { clock });
});
afterAll(async () => {
  await server.close();
});

/** SDK clients on the HTTP server, or on the SDK's own base path (msw) when `basePath` is undefined. */
function useApis(key: string, basePath: () => string | undefined) {
  beforeAll(() => {
    const session = new ApiKeySession(key, new RetryWithExponentialBackoff({ numRetries: 0 }));
    profiles = new ProfilesApi(session);
    lists = new ListsApi(session);
    const base = basePath();
    if (base) {
      profiles.basePath = base;
      lists.basePath = base;
    }
  });
}

const p = (attributes: Record<string, unknown>) => ({ type: 'profile', attributes });

function importJobTests() {
  it('imports profiles asynchronously, reports per-profile errors and adds them to a list', async () => {
    const list = (await lists.createList({ data: { type: 'list', attributes: { name: 'Imported' } } } as any))
      .response.data.data;
    const body = {
      data: {
        type: 'profile-bulk-import-job',
        attributes: {
          profiles: {
            data: [
              p({ email: 'one@import.test', properties: { total_stories: 3 } }),
              p({ email: 'not-an-email' }),
              p({ externalId: 'family-3', firstName: 'Kai' }),
            ],
          },
        },
        relationships: { lists: { data: [{ type: 'list', id: list.id }] } },
      },
    };
    const accepted = await profiles.bulkImportProfiles(body as any);
    expect(accepted.response.status).toBe(202);
    const job = accepted.response.data.data;
    expect(job.attributes).toMatchObject({ status: 'queued', total_count: 3, completed_count: 0 });
    expect((await profiles.getBulkImportProfilesJob(job.id)).response.data.data.attributes.status).toBe(
      'queued',
    );

    clock.advance(JOB_DELAY_MS);
    const done = (await profiles.getBulkImportProfilesJob(job.id)).response.data.data.attributes;
    expect(done).toMatchObject({ status: 'complete', total_count: 3, completed_count: 2, failed_count: 1 });
    const errors = (await profiles.getErrorsForBulkImportProfilesJob(job.id)).response.data.data;
    expect(errors).toHaveLength(1);
    expect(errors[0].attributes).toMatchObject({
      code: 'invalid',
      source: { pointer: '/data/attributes/profiles/data/1/attributes/email' },
      original_payload: { attributes: { email: 'not-an-email' } },
    });
    const members = (await lists.getProfilesForList(list.id)).response.data.data;
    expect(members.map((m: any) => m.attributes.email ?? m.attributes.external_id).sort()).toEqual([
      'family-3',
      'one@import.test',
    ]);
    const ids = (await profiles.getProfileIdsForBulkImportProfilesJob(job.id)).response.data.data;
    expect(ids).toHaveLength(2);
    const written = (
      await profiles.getProfilesForBulkImportProfilesJob(job.id, { fieldsProfile: ['email', 'first_name'] })
    ).response.data.data;
    expect(written.map((w: any) => w.id).sort()).toEqual(ids.map((i: any) => i.id).sort());
    expect(written.find((w: any) => w.attributes.first_name === 'Kai')).toBeTruthy();
    const paged = await profiles.getProfilesForBulkImportProfilesJob(job.id, { pageSize: 1 });
    expect(paged.response.data.data).toHaveLength(1);
    expect(paged.response.data.links.next).toBeTruthy();
    const jobLists = (await profiles.getListForBulkImportProfilesJob(job.id)).response.data.data;
    expect(jobLists.map((l: any) => [l.id, l.attributes.name])).toEqual([[list.id, 'Imported']]);
    const listIds = (await profiles.getListIdsForBulkImportProfilesJob(job.id)).response.data.data;
    expect(listIds).toEqual([{ type: 'list', id: list.id }]);
    expect((await sdkError(profiles.getListForBulkImportProfilesJob('nope'))).status).toBe(404);
    const listed = (await profiles.getBulkImportProfilesJobs({ filter: 'equals(status,"complete")' }))
      .response.data.data;
    expect(listed.map((j: any) => j.id)).toContain(job.id);
  });

  it('refuses more than 10,000 profiles and unknown lists before queueing anything', async () => {
    const many = Array.from({ length: 10_001 }, (_, i) => p({ email: `p${i}@import.test` }));
    const tooMany = await sdkError(
      profiles.bulkImportProfiles({
        data: { type: 'profile-bulk-import-job', attributes: { profiles: { data: many } } },
      } as any),
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.data.errors[0].detail).toMatch(/At most 10000 profiles/);
    const noList = await sdkError(
      profiles.bulkImportProfiles({
        data: {
          type: 'profile-bulk-import-job',
          attributes: { profiles: { data: [p({ email: 'x@import.test' })] } },
          relationships: { lists: { data: [{ type: 'list', id: 'NoSuch' }] } },
        },
      } as any),
    );
    expect(noList.data.errors[0].source).toEqual({ pointer: '/data/relationships/lists/data/0/id' });
    expect((await sdkError(profiles.getBulkImportProfilesJob('nope'))).status).toBe(404);
  });
}

describe('over HTTP', () => {
  useApis('pk_jobs', () => server.url);
  importJobTests();
});

describe('in-process (msw)', () => {
  inProcessChecked(contract, { clock });
  useApis('pk_jobs', () => undefined);
  importJobTests();
});

it('validated every response against the spec', () => {
  expect(contract.validated).toBeGreaterThan(16);
});
