/** In-process: msw intercepts https://a.klaviyo.com and the unchanged SDK (default basePath) talks to the core. */
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createKlaviyoMock, klaviyoHandlers } from '../../mocks/klaviyo/index.ts';
import { contractChecked, eventBody, profileBody, sdk, sdkError } from './helpers.ts';

const contract = contractChecked();
const service = createKlaviyoMock({ onResponse: contract.onResponse });
const mswServer = setupServer(
  ...klaviyoHandlers({ service }),
  ...klaviyoHandlers({ baseUrls: ['https://klaviyo.internal.test'], onResponse: contract.onResponse }),
);

beforeAll(() => mswServer.listen({ onUnhandledRequest: 'error' }));
afterAll(() => {
  mswServer.close();
  service.close();
});

it('serves the SDK at its default base URL with absolute links on that origin', async () => {
  const api = sdk('pk_inprocess');
  expect(api.profiles.basePath).toBe('https://a.klaviyo.com');
  const created = await api.profiles.createProfile(profileBody({ email: 'msw@example.com' }));
  expect(created.response.status).toBe(201);
  expect(created.response.data.data.links.self).toMatch(/^https:\/\/a\.klaviyo\.com\/api\/profiles\//);
  const dup = await sdkError(api.profiles.createProfile(profileBody({ email: 'msw@example.com' })));
  expect(dup.status).toBe(409);
  expect(dup.data.errors[0].meta.duplicate_profile_id).toBe(created.response.data.data.id);
  expect(
    (await api.events.createEvent(eventBody('Opened App', { email: 'msw@example.com' }))).response.status,
  ).toBe(202);
  for (let i = 0; i < 4; i++) await api.profiles.createProfile(profileBody({ external_id: `msw-${i}` }));
  // The SDK strips https:// cursors itself; follow links.next the same way.
  const first = await api.profiles.getProfiles({ pageSize: 2 });
  expect(first.response.data.links.next).toMatch(/^https:\/\/a\.klaviyo\.com\/api\/profiles\?/);
  const second = await api.profiles.getProfiles({ pageSize: 2, pageCursor: first.response.data.links.next });
  expect(second.response.data.data.map((p: any) => p.attributes.external_id)).toEqual(['msw-1', 'msw-2']);
  expect(service.journal.list().map((e) => e.operation)).toContain('create_event');
});

it('intercepts any extra base URL given, with its own service', async () => {
  const api = sdk('pk_inprocess', 'https://klaviyo.internal.test');
  expect((await api.profiles.getProfiles()).response.data.data).toEqual([]);
});

it('validated every response against the spec', () => {
  expect(contract.validated).toBeGreaterThan(5);
});
