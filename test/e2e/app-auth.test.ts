/**
 * Issue 11: with default flags nobody reads or changes another family's data through the app. Every
 * family route needs the bearer token its sign-up returned; another family's user_id is refused, with
 * or without a token of one's own. `--trust-user-id` (the seeds' contract) is the only way back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpDreamFlowClient } from '../../src/app/http-client.ts';
import { httpWorld } from './world.ts';

let world: Awaited<ReturnType<typeof httpWorld>>;
let alice: { user_id: string; access_token: string };
let bob: { user_id: string; access_token: string };

beforeAll(async () => {
  world = await httpWorld();
  alice = await world.api.signup({ email: 'alice@example.com', password: 'pass-word-1' });
  bob = await world.api.signup({ email: 'bob@example.com', password: 'pass-word-1' });
});
afterAll(() => world.close());

const story = { theme: 'Ocean', prompt: 'A sleepy whale', num_scenes: 2, mood: 'calm' };

/** Every route that reads or changes a family's data, as (method, path, body for the given user). */
const routes: [string, (u: string) => string, ((u: string) => Record<string, unknown>) | null][] = [
  ['POST', () => '/api/v1/story', (u) => ({ user_id: u, ...story })],
  ['POST', () => '/api/v1/subscriptions', (u) => ({ user_id: u, tier: 'premium' })],
  ['POST', () => '/api/v1/subscriptions/cancel', (u) => ({ user_id: u, reason: 'too expensive' })],
  ['PATCH', () => '/api/v1/profile', (u) => ({ user_id: u, story_preferences: ['Space'] })],
  ['GET', (u) => `/api/v1/recommendations?user_id=${u}`, null],
  ['GET', (u) => `/api/v1/insights?user_id=${u}`, null],
  [
    'POST',
    () => '/api/v1/stories/00000000-0000-4000-8000-000000000001/completion',
    (u) => ({ user_id: u, completed: true, listened_seconds: 30 }),
  ],
];

async function send(method: string, path: string, body: unknown, token?: string) {
  const res = await fetch(`${world.app.url}${path}`, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
}

describe('app access by default (no --trust-user-id)', () => {
  for (const [method, path, body] of routes) {
    const name = `${method} ${path(':id').split('?')[0]}`;
    it(`${name}: another family's user_id without a token is 401, with one's own token 403`, async () => {
      const anon = await send(method, path(bob.user_id), body?.(bob.user_id));
      expect(anon.status).toBe(401);
      expect(anon.body.error?.code).toBe('auth_required');
      expect(anon.body.error?.message).toMatch(/Bearer/);
      const other = await send(method, path(bob.user_id), body?.(bob.user_id), alice.access_token);
      expect(other.status).toBe(403);
    });
  }

  it('a forged or foreign token is 401, and nothing of the other family changed', async () => {
    const forged = await send('POST', '/api/v1/story', { user_id: bob.user_id, ...story }, 'not-a-jwt');
    expect(forged.status).toBe(401);
    const { count } = await world.stack.supabase.db
      .from('stories')
      .select('id', { count: 'exact', head: true })
      .eq('user_id', bob.user_id);
    expect(count).toBe(0);
  });

  it("a family's own token reaches its own data; the client sends it for the users it signed up", async () => {
    const own = await world.api.generateStory({ user_id: alice.user_id, ...story });
    expect(own.story_id).toBeTruthy();
    const rec = await world.api.recommendations(alice.user_id);
    expect(rec.themes.length).toBeGreaterThan(0);
    // A client that never signed Bob up holds no session for him.
    const stranger = createHttpDreamFlowClient(world.app.url);
    await expect(stranger.recommendations(bob.user_id)).rejects.toMatchObject({ status: 401 });
  });
});

describe('--trust-user-id', () => {
  it('takes a bare user_id at its word, as the seeds backend does', async () => {
    const open = await httpWorld({}, { trustUserId: true });
    try {
      const { user_id } = await open.api.signup({ email: 'carol@example.com', password: 'pass-word-1' });
      const res = await fetch(`${open.app.url}/api/v1/recommendations?user_id=${user_id}`);
      expect(res.status).toBe(200);
    } finally {
      await open.close();
    }
  });
});
