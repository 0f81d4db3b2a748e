/**
 * The body-size limit is the service's, not an adapter's: in-process (msw) and over HTTP a too-large
 * body gets the same 413 in JSON:API format, and the journal records it either way.
 */
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKlaviyoMock, klaviyoHandlers, startKlaviyoServer } from '../../mocks/klaviyo/index.ts';
import type { RunningServer } from '../../mocks/shared/listen.ts';
import type { MockService } from '../../mocks/shared/service.ts';
import { raw } from './helpers.ts';

let service: MockService;
let server: RunningServer;
const msw = setupServer();

beforeAll(async () => {
  service = createKlaviyoMock({ rateLimits: false });
  server = await startKlaviyoServer({ service, port: 0 });
  msw.use(...klaviyoHandlers({ service }));
  msw.listen({ onUnhandledRequest: 'bypass' });
});
afterAll(async () => {
  msw.close();
  await server.close();
  service.close();
});

const tooBig = JSON.stringify({
  data: {
    type: 'profile',
    attributes: { email: 'big@example.com', properties: { x: 'a'.repeat(6 * 1024 * 1024) } },
  },
});

describe('request body limit', () => {
  for (const [name, base] of [
    ['in-process (msw)', () => 'https://a.klaviyo.com'],
    ['over HTTP', () => server.url],
  ] as const) {
    it(`${name}: a body over 5 MB is a JSON:API 413 and is journalled`, async () => {
      const before = service.journal.total;
      const res = await raw(base(), '/api/profiles', { method: 'POST', body: tooBig });
      expect(res.status).toBe(413);
      expect(res.headers.get('content-type')).toContain('application/vnd.api+json');
      const body = await res.json();
      expect(body.errors[0]).toMatchObject({ status: 413, detail: expect.stringMatching(/5 MB/) });
      expect(service.journal.total).toBe(before + 1);
      const entry = service.journal.list({ limit: 1 })[0]!;
      expect(entry).toMatchObject({ method: 'POST', path: '/api/profiles', status: 413 });
      expect(entry.requestBody).toBeUndefined();
    });
  }

  it('a body under the limit still works in-process', async () => {
    const res = await raw('https://a.klaviyo.com', '/api/profiles', {
      method: 'POST',
      body: JSON.stringify({ data: { type: 'profile', attributes: { email: 'small@example.com' } } }),
    });
    expect(res.status).toBe(201);
  });
});
