import { afterEach, describe, expect, it } from 'vitest';
import { createMockRequest, type HttpReply } from '../shared/http.ts';
import { KlaviyoCore } from './provider.ts';

const HEADERS = {
  authorization: 'Klaviyo-API-Key pk_full',
  revision: '2026-07-15',
  'content-type': 'application/vnd.api+json',
};

function createEvent(i: number) {
  const body = JSON.stringify({
    data: {
      type: 'event',
      attributes: {
        properties: { padding: 'x'.repeat(2000) },
        unique_id: `e${i}`,
        metric: { data: { type: 'metric', attributes: { name: 'Story Generated' } } },
        profile: { data: { type: 'profile', attributes: { email: `p${i}@example.test` } } },
      },
    },
  });
  return createMockRequest({ method: 'POST', url: 'http://127.0.0.1/api/events', headers: HEADERS, body });
}

describe('KlaviyoCore when the store is full', () => {
  let core: KlaviyoCore;
  afterEach(() => core?.close());

  it('answers 500 store_full in JSON:API, telling the user to use --db, and keeps serving reads', () => {
    core = new KlaviyoCore({ rateLimits: false });
    // Same SQLite error a 1 GB in-memory store raises, reached in a few hundred writes.
    core.store.db.pragma('max_page_count = 200');
    let res: HttpReply | undefined;
    for (let i = 0; i < 2000; i++) {
      res = core.handle(createEvent(i)) as HttpReply;
      if (res.status !== 202) break;
    }
    expect(res?.status).toBe(500);
    const error = JSON.parse(res!.body!).errors[0];
    expect(error).toMatchObject({ status: 500, code: 'store_full' });
    expect(error.detail).toMatch(/--db FILE/);
    const list = core.handle(
      createMockRequest({ method: 'GET', url: 'http://127.0.0.1/api/metrics', headers: HEADERS }),
    ) as HttpReply;
    expect(list.status).toBe(200);
  });
});
