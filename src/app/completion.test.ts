/**
 * `POST /api/v1/stories/{id}/completion` over real HTTP (127.0.0.1, port 0): the same bearer-token rules
 * as every family route, zod validation naming the field, the row in Supabase, and the Story Completed
 * event in the Klaviyo mock read back with the official SDK — with no child data in anything sent.
 * The app runs the adaptive engine (`adaptive: on`), so the story row also shows what it was given.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpWorld, klaviyoBodies, klaviyoReader } from '../../test/e2e/world.ts';

let world: Awaited<ReturnType<typeof httpWorld>>;
let alice: { user_id: string; access_token: string };
let bob: { user_id: string; access_token: string };
let storyId: string;

beforeAll(async () => {
  world = await httpWorld({ adaptive: 'on' });
  alice = await world.api.signup({
    email: 'alice.completion@example.com',
    password: 'pass-word-1',
    children: [
      { name: 'Wren', age_band: '0-2' },
      { name: 'Juniper', age_band: '6-8' },
    ],
  });
  bob = await world.api.signup({ email: 'bob.completion@example.com', password: 'pass-word-1' });
  // The story plans from Alice's Klaviyo profile: let the outbox deliver her sign-up first.
  await world.stack.outbox!.flush(10_000);
  const story = await send(
    'POST',
    '/api/v1/story',
    { theme: 'Dragons', prompt: 'A dragon who cannot sleep', num_scenes: 3, mood: 'sleepy' },
    alice.access_token,
  );
  expect(story.status).toBe(200);
  storyId = (story.body as { story_id: string }).story_id;
});
afterAll(() => world.close());

async function send(method: string, path: string, body: unknown, token?: string) {
  const res = await fetch(`${world.app.url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown> & {
      error?: { code: string; message: string; field?: string };
    },
  };
}
const completion = (id: string) => `/api/v1/stories/${id}/completion`;

describe('POST /api/v1/stories/{id}/completion', () => {
  it('needs the family’s bearer token: 401 without, 403 for another family’s user_id, 404 for another family’s story', async () => {
    const done = { completed: true, listened_seconds: 60 };
    const anon = await send('POST', completion(storyId), { user_id: alice.user_id, ...done });
    expect(anon.status).toBe(401);
    expect(anon.body.error?.code).toBe('auth_required');
    const other = await send(
      'POST',
      completion(storyId),
      { user_id: alice.user_id, ...done },
      bob.access_token,
    );
    expect(other.status).toBe(403);
    const notHers = await send('POST', completion(storyId), done, bob.access_token);
    expect(notHers.status).toBe(404);
    expect(notHers.body.error).toMatchObject({ code: 'story_not_found', field: 'story_id' });
  });

  it('validates the body with a 400 naming the field', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ listened_seconds: 10 }, 'completed', /completed: required/],
      [{ completed: 'yes', listened_seconds: 10 }, 'completed', /completed:/],
      [{ completed: true, listened_seconds: -1 }, 'listened_seconds', /at least 0/],
      [{ completed: true, listened_seconds: 1.5 }, 'listened_seconds', /integer/],
      [{ completed: true, listened_seconds: 10, stars: 5 }, 'stars', /unknown field 'stars'/],
      [{ completed: true, listened_seconds: 10, story_id: bob.user_id }, 'story_id', /another story/],
    ];
    for (const [body, field, message] of cases) {
      const res = await send('POST', completion(storyId), body, alice.access_token);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error?.field).toBe(field);
      expect(res.body.error?.message).toMatch(message);
    }
    const badId = await send(
      'POST',
      completion('not-a-uuid'),
      { completed: true, listened_seconds: 1 },
      alice.access_token,
    );
    expect(badId.body.error).toMatchObject({ field: 'story_id' });
  });

  it('stores the report, tracks Story Completed through the outbox, and answers a retry the same', async () => {
    const done = { completed: true, listened_seconds: 56 };
    const first = await send('POST', completion(storyId), done, alice.access_token);
    expect(first).toEqual({ status: 200, body: { story_id: storyId, ...done } });
    expect((await send('POST', completion(storyId), done, alice.access_token)).status).toBe(200);
    const changed = await send(
      'POST',
      completion(storyId),
      { ...done, completed: false },
      alice.access_token,
    );
    expect(changed.status).toBe(409);
    expect(changed.body.error?.code).toBe('completion_already_recorded');

    const row = await world.stack.supabase.db.from('stories').select('*').eq('id', storyId).single();
    expect(row.data).toMatchObject({
      completed: true,
      listened_seconds: 56,
      ab_arm: null,
      adaptive: true,
      shared: true, // two children and family mode (set at sign-up)
      sentences_per_scene: 1, // the youngest is 0–2
    });
    expect(row.data?.completion_reported_at).toEqual(expect.any(String));

    await world.stack.outbox!.flush(10_000);
    const reader = klaviyoReader(world.klaviyoBaseUrl);
    const [profile] = await reader.profileByUserId(alice.user_id);
    const events = await reader.eventsOf(profile!.id!);
    const completed = events.filter((e) => e.metric === 'Story Completed');
    expect(completed).toHaveLength(1); // the retried report made no second event
    expect(completed[0]!.properties).toEqual({
      story_id: storyId,
      theme: row.data?.theme_used,
      listened_seconds: 56,
      adaptive: true,
      $event_id: expect.any(String), // Klaviyo's echo of the unique id
    });
    const bodies = klaviyoBodies(world.klaviyo).join('\n');
    for (const secret of ['Wren', 'Juniper', '"0-2"', '"6-8"', 'age_band'])
      expect(bodies).not.toContain(secret);
  });

  it('an unfinished story is stored in Supabase only', async () => {
    const story = await world.api.generateStory({
      user_id: alice.user_id,
      theme: 'Space',
      prompt: 'A comet',
      num_scenes: 2,
      mood: 'calm',
    });
    const res = await world.api.completeStory({
      user_id: alice.user_id,
      story_id: story.story_id,
      completed: false,
      listened_seconds: 12,
    });
    expect(res).toEqual({ story_id: story.story_id, completed: false, listened_seconds: 12 });
    const row = await world.stack.supabase.db
      .from('stories')
      .select('completed')
      .eq('id', story.story_id)
      .single();
    expect(row.data?.completed).toBe(false);
  });
});
