/**
 * Issue 11: the app answers odd input with its own JSON error, fast: a non-UUID user_id is a 400 naming
 * the field (it was a 502 supabase_error); unknown content-encodings are 415 and odd media types 415,
 * never a hang; unknown fields are rejected on every JSON route, as PATCH /api/v1/profile does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpWorld } from '../e2e/world.ts';
import { rawRequest } from './raw-http.ts';

let world: Awaited<ReturnType<typeof httpWorld>>;
let port: number;
beforeAll(async () => {
  // --trust-user-id, so validation is reached without a token (test/e2e/app-auth.test.ts covers the
  // default, where the 401 comes first).
  world = await httpWorld({}, { trustUserId: true });
  port = world.app.port;
});
afterAll(() => world.close());

const UUID = '11111111-1111-4111-8111-111111111111';

describe('app input validation', () => {
  it('GET /api/v1/insights?user_id=abc is a 400 naming user_id', async () => {
    const res = await fetch(`${world.app.url}/api/v1/insights?user_id=abc`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { field: string } };
    expect(body.error.field).toBe('user_id');
  });

  it('an unknown field on POST /api/v1/story is a 400 naming it', async () => {
    const res = await fetch(`${world.app.url}/api/v1/story`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        user_id: UUID,
        theme: 'Ocean',
        prompt: 'A dolphin',
        num_scenes: 2,
        mood: 'happy',
        colour: 'blue',
      }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { field: string; message: string } };
    expect(body.error.field).toBe('colour');
  });

  for (const [name, header, status] of [
    ['content-encoding x-foo', 'content-type: application/json\r\ncontent-encoding: x-foo', 415],
    ['content-encoding br', 'content-type: application/json\r\ncontent-encoding: br', 415],
    ['content-type text/plain', 'content-type: text/plain', 415],
    ['content-type */*', 'content-type: */*', 415],
    ['charset klingon', 'content-type: application/json; charset=klingon', 400],
  ] as const) {
    it(`${name} answers ${status} in the app's JSON error format within 1 s`, async () => {
      const res = await rawRequest(
        port,
        `POST /api/v1/story HTTP/1.1\r\nhost: 127.0.0.1\r\n${header}`,
        JSON.stringify({ user_id: UUID, theme: 'x', prompt: 'y', num_scenes: 1, mood: 'z' }),
      );
      expect(res.status).toBe(status);
      expect(res.ms).toBeLessThan(1000);
      expect(JSON.parse(res.body).error.code).toBeTypeOf('string');
    });
  }

  it('asterisk-form and broken absolute-form targets get the app JSON error', async () => {
    for (const line of ['POST *', 'GET *', 'POST http://[bad/api/v1/story']) {
      const res = await rawRequest(
        port,
        `${line} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json`,
        '{}',
      );
      expect(res.status).toBeLessThan(500);
      expect(JSON.parse(res.body).error.code).toBeTypeOf('string');
    }
  });
});
