/**
 * Issue 5, "done when": with the Klaviyo mock in a full outage the backend keeps answering story
 * requests without waiting on Klaviyo; after recovery every event is delivered exactly once and the
 * counters balance. In-process on a VirtualClock, so the breaker's cool-downs cost no wall time.
 */
import { afterEach, expect, it } from 'vitest';
import { inProcessWorld, klaviyoReader } from './world.ts';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const OUTAGE = {
  rules: [{ name: 'total-outage', match: { service: 'klaviyo' }, outage: { fromRequest: 1, status: 503 } }],
};

it('keeps serving stories through a Klaviyo outage, then delivers every event exactly once', async () => {
  const w = await inProcessWorld();
  close = () => w.close();
  const { user_id } = await w.api.signup({
    email: 'night.owl@example.com',
    password: 'sleepy-123',
    children: [{ name: 'Wren', age_band: '4-6' }],
  });
  await w.stack.outbox!.flush(60_000);
  const before = w.stack.outbox!.stats();
  expect(before).toMatchObject({ pending: 0, delivered: 2 });

  w.klaviyo.faults!.replace(OUTAGE);
  const storyCount = 10;
  for (let i = 0; i < storyCount; i++) {
    const story = await w.api.generateStory({
      user_id,
      theme: 'Dream Castle',
      prompt: `Night ${i}`,
      num_scenes: 2,
      mood: 'tired',
    });
    expect(story.story_id).toBeTruthy();
  }
  // Every story answered while its events were still queued: nothing waited on Klaviyo.
  const during = w.stack.outbox!.stats();
  expect(during.balanced).toBe(true);
  expect(during.delivered).toBe(before.delivered);
  // One event + one profile sync per story; syncs queued behind the same user's fold into one.
  expect(during.pending + during.coalesced).toBe(storyCount * 2);
  expect(during.coalesced).toBeGreaterThan(0);
  expect(during.breaker.timesOpened).toBeGreaterThanOrEqual(1);
  // Waiting, not burning retries: far fewer attempts than 3 per queued job.
  const failed = w.klaviyo.journal.list().filter((e) => e.status === 503).length;
  expect(failed).toBeGreaterThan(0);
  expect(failed).toBeLessThan(storyCount);

  w.klaviyo.faults!.replace({ rules: [] });
  const after = await w.stack.outbox!.flush(10 * 60_000);
  expect(after).toMatchObject({ pending: 0, deadLettered: 0, balanced: true });
  expect(after.delivered + after.coalesced).toBe(after.tracked);
  expect(after.tracked).toBe(2 + storyCount * 2);

  // A user's ten queued events leave in one bulk request; Klaviyo records accepted bulk work a moment
  // later (JOB_DELAY_MS on its clock), as the real one does.
  w.klaviyo.core.runAcceptedWork?.(w.clock.now() + 60_000);
  const reader = klaviyoReader(w.klaviyoBaseUrl);
  const [profile] = await reader.profileByUserId(user_id);
  const events = await reader.eventsOf(profile!.id!);
  expect(events.filter((e) => e.metric === 'Story Generated')).toHaveLength(storyCount);
  expect(events.filter((e) => e.metric === 'Signed Up')).toHaveLength(1);
  expect(new Set(events.map((e) => e.properties.$event_id)).size).toBe(events.length);
  expect((profile!.attributes.properties as Record<string, unknown>).total_stories).toBe(storyCount);
  const snap = w.stack.instrumentation.snapshot();
  // No job went out twice: at most one successful call per delivered job (a bulk call carries many).
  expect(snap.totals.successes).toBeLessThanOrEqual(after.delivered);
});

it('without a Klaviyo key the app keeps working and sends nothing to Klaviyo', async () => {
  const probe = await inProcessWorld();
  const config = { ...probe.stack.config, klaviyoApiKey: '' };
  await probe.close();
  const w = await inProcessWorld({ config });
  close = () => w.close();
  expect(w.stack.klaviyo.enabled).toBe(false);
  expect(w.stack.outbox).toBeNull();
  const { user_id } = await w.api.signup({ email: 'offline@example.com', password: 'secret12' });
  const story = await w.api.generateStory({
    user_id,
    theme: 'Pirate Cove',
    prompt: 'Treasure',
    num_scenes: 2,
    mood: 'happy',
  });
  expect(story.num_scenes).toBe(2);
  expect(await w.api.recommendations(user_id)).toMatchObject({
    source: 'fallback',
    themes: ['Pirate Cove', 'Ocean Adventure', 'Jungle Safari'],
  });
  expect(w.klaviyo.journal.list()).toHaveLength(0);
  expect(w.stack.backend.klaviyoIntegrationStatus()).toMatchObject({ status: 'disabled' });
});

it('recommendations fall back at once when Klaviyo is down instead of waiting out Retry-After', async () => {
  const w = await inProcessWorld();
  close = () => w.close();
  const { user_id } = await w.api.signup({ email: 'recs@example.com', password: 'secret12' });
  await w.api.generateStory({
    user_id,
    theme: 'Jungle Safari',
    prompt: 'A parrot',
    num_scenes: 2,
    mood: 'happy',
  });
  await w.stack.outbox!.flush(60_000);
  expect(await w.api.recommendations(user_id)).toMatchObject({
    source: 'klaviyo',
    themes: ['Jungle Safari', 'Dinosaur Valley', 'Enchanted Forest'],
  });
  expect((await w.api.recommendations(user_id)).source).toBe('cache:klaviyo');

  await w.api.updateProfile({ user_id, family_mode_enabled: true }); // invalidates the cache
  await w.stack.outbox!.flush(60_000);
  w.klaviyo.faults!.replace({
    rules: [
      { match: { service: 'klaviyo' }, outage: { fromRequest: 1, status: 503, retryAfterSeconds: 30 } },
    ],
  });
  const t0 = w.clock.now();
  const rec = await w.api.recommendations(user_id);
  expect(rec.source).toBe('fallback');
  expect(rec.themes[0]).toBe('Jungle Safari'); // from the user's own Supabase history
  expect(w.clock.now() - t0).toBeLessThan(1_500); // virtual time: no 30 s Retry-After wait on the request path
});
