/**
 * The backend's HTTP surface: bearer tokens from the fake Supabase, 400s naming the field, 401/404/409,
 * the seeds' demo endpoints, and the HTTP client rebuilding errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DreamFlowError } from '../../src/app/errors.ts';
import { createHttpDreamFlowClient } from '../../src/app/http-client.ts';
import { httpWorld } from './world.ts';

let world: Awaited<ReturnType<typeof httpWorld>>;
let base: string;
beforeAll(async () => {
  // The seeds' contract (a bare user_id is trusted); app-auth.test.ts covers the default, token-only app.
  world = await httpWorld({}, { trustUserId: true });
  base = world.app.url;
});
afterAll(() => world.close());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('Dream Flow HTTP API', () => {
  it('identifies the user from a Supabase bearer token (no user_id needed)', async () => {
    const signup = await post('/api/v1/auth/signup', {
      email: 'bearer@example.com',
      password: 'pass-word-1',
    });
    expect(signup.status).toBe(201);
    const { user_id, access_token } = (await signup.json()) as { user_id: string; access_token: string };
    const story = await post(
      '/api/v1/story',
      { theme: 'Ocean Adventure', prompt: 'A friendly dolphin', num_scenes: 3, mood: 'happy' },
      { authorization: `Bearer ${access_token}` },
    );
    expect(story.status).toBe(200);
    const row = await world.stack.supabase.db
      .from('stories')
      .select('user_id')
      .eq('id', ((await story.json()) as { story_id: string }).story_id)
      .single();
    expect(row.data?.user_id).toBe(user_id);

    const client = createHttpDreamFlowClient(base, { accessToken: access_token });
    const rec = await client.recommendations(user_id);
    expect(rec.themes).toHaveLength(3);
    expect(['klaviyo', 'fallback', 'cache:klaviyo']).toContain(rec.source);

    const mismatch = await post(
      '/api/v1/subscriptions',
      { user_id: '00000000-0000-4000-8000-000000000000', tier: 'premium' },
      { authorization: `Bearer ${access_token}` },
    );
    expect(mismatch.status).toBe(403);
    const bad = await post(
      '/api/v1/story',
      { theme: 'x', prompt: 'y', num_scenes: 1, mood: 'calm' },
      { authorization: 'Bearer not-a-jwt' },
    );
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('invalid_token');
  });

  it('answers 400 naming the field for invalid bodies', async () => {
    const cases: [string, unknown, string][] = [
      ['/api/v1/auth/signup', { email: 'not-an-email', password: 'secret12' }, 'email'],
      [
        '/api/v1/story',
        { user_id: '00000000-0000-4000-8000-000000000000', prompt: 'p', num_scenes: 2, mood: 'calm' },
        'theme',
      ],
      [
        '/api/v1/story',
        {
          user_id: '00000000-0000-4000-8000-000000000000',
          theme: 't',
          prompt: 'p',
          num_scenes: '2',
          mood: 'calm',
        },
        'num_scenes',
      ],
      ['/api/v1/subscriptions', { user_id: '00000000-0000-4000-8000-000000000000', tier: 'gold' }, 'tier'],
      ['/api/v1/subscriptions/cancel', { user_id: '00000000-0000-4000-8000-000000000000' }, 'reason'],
      ['/api/v1/story', '{"theme": ', '(body)'],
    ];
    for (const [path, body, field] of cases) {
      const res = await post(path, body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      const json = (await res.json()) as { error: { field: string; message: string } };
      expect(json.error.field).toBe(field);
      expect(json.error.message).toContain(field === '(body)' ? 'JSON' : field);
    }
    const patch = await fetch(`${base}/api/v1/profile`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: '00000000-0000-4000-8000-000000000000', favourite_colour: 'blue' }),
    });
    expect(patch.status).toBe(400);
    expect(((await patch.json()) as { error: { field: string } }).error.field).toBe('favourite_colour');
  });

  it('maps domain errors to 404 / 409 and the client rebuilds them', async () => {
    const client = createHttpDreamFlowClient(base);
    const missing = '00000000-0000-4000-8000-000000000000';
    await expect(
      client.generateStory({ user_id: missing, theme: 't', prompt: 'p', num_scenes: 1, mood: 'calm' }),
    ).rejects.toMatchObject({ status: 404, code: 'user_not_found', field: 'user_id' });
    const { user_id } = await client.signup({ email: 'dup@example.com', password: 'secret12' });
    await expect(client.signup({ email: 'dup@example.com', password: 'secret12' })).rejects.toBeInstanceOf(
      DreamFlowError,
    );
    await expect(client.signup({ email: 'dup@example.com', password: 'secret12' })).rejects.toMatchObject({
      status: 409,
      field: 'email',
    });
    await expect(client.cancelSubscription({ user_id, reason: 'n/a' })).rejects.toMatchObject({
      status: 409,
      code: 'no_active_subscription',
    });
    await client.subscribe({ user_id, tier: 'family' });
    await expect(client.subscribe({ user_id, tier: 'family' })).rejects.toMatchObject({
      status: 409,
      code: 'already_on_tier',
    });
    const unknown = await fetch(`${base}/api/v1/nope`);
    expect(unknown.status).toBe(404);
  });

  it('serves the seeds’ demo endpoints and health', async () => {
    const k = (await (await fetch(`${base}/api/v1/demo/klaviyo-integration`)).json()) as Record<
      string,
      unknown
    >;
    expect(k).toMatchObject({
      status: 'enabled',
      events_tracked: [
        'Signed Up',
        'Story Generated',
        'Subscription Created',
        'Subscription Cancelled',
        'Profile Updated',
        'Story Completed',
      ],
    });
    expect((k.outbox as { balanced: boolean }).balanced).toBe(true);
    const m = (await (await fetch(`${base}/api/v1/demo/mcp-status`)).json()) as Record<string, unknown>;
    expect(m).toMatchObject({ mode: 'fallback', enabled: false });
    const h = await fetch(`${base}/api/v1/health`);
    expect(h.status).toBe(200);
    expect(await h.json()).toMatchObject({ status: 'ok', klaviyo: 'enabled' });
  });

  it('never resolves an empty token to the session the auth client holds after a sign-up', async () => {
    const signup = await post('/api/v1/auth/signup', {
      email: 'session@example.com',
      password: 'pass-word-1',
    });
    expect(signup.status).toBe(201);
    // supabase-js getUser('') falls back to the client's in-memory session: the last user signed up.
    await expect(world.stack.backend.userFromToken('')).rejects.toMatchObject({
      status: 401,
      code: 'invalid_token',
    });
    // Over HTTP: a no-break space survives the header parser and trims to an empty token.
    const res = await fetch(`${base}/api/v1/recommendations`, {
      headers: { authorization: 'Bearer \u00a0' },
    });
    expect(res.status).toBe(401);
  });
});
