/**
 * The batching outbox against the Klaviyo mock through the official SDK (msw, VirtualClock): volume
 * goes out through bulk_create_events and profile import jobs, a trickle as single calls; per-user order,
 * exactly-once (unique ids across batches), a batch refused whole, an import error for one profile,
 * coalesced profile syncs and 429s from the spec's rate limits.
 */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../lib/clock.ts';
import { createRng } from '../../../lib/prng.ts';
import { createFaultInjector } from '../../../mocks/faults/index.ts';
import { createKlaviyoMock, klaviyoHandlers } from '../../../mocks/klaviyo/index.ts';
import { klaviyoState } from '../../../mocks/klaviyo/testing.ts';
import { CircuitBreaker } from '../circuit-breaker.ts';
import type { EventJob, ProfileJob } from '../klaviyo/events.ts';
import { KlaviyoService } from '../klaviyo/service.ts';
import { type BatchingOptions, Outbox } from './worker.ts';

const BASE = 'https://batching.klaviyo.test';
const clock = new VirtualClock();
const mock = createKlaviyoMock({
  clock,
  faults: createFaultInjector({ clock, service: 'klaviyo' }),
  rateLimits: true,
});
const server = setupServer(...klaviyoHandlers({ service: mock, baseUrls: [BASE] }));
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => {
  server.close();
  mock.close();
});

let outboxes: Outbox[] = [];
let keyN = 0;
afterEach(async () => {
  for (const o of outboxes) await o.close(0);
  outboxes = [];
});

/** A fresh account per test (one API key = one account), so counts start at zero. */
function setup(batching?: Partial<BatchingOptions> | false, base = BASE) {
  const apiKey = `pk_batching_${String(++keyN).padStart(4, '0')}_abcdefghij`;
  const breaker = new CircuitBreaker(clock);
  const klaviyo = new KlaviyoService({
    apiKey,
    baseUrl: base,
    clock,
    rng: createRng(keyN),
    breaker,
    logger: { warn: () => {} },
  });
  const outbox = new Outbox({
    deliver: (job) => klaviyo.deliver(job, 'outbox'),
    deliverBatch: (jobs) => klaviyo.deliverBatch(jobs),
    batching,
    breaker,
    clock,
    rng: createRng(keyN),
  });
  outboxes.push(outbox);
  const headers = { Authorization: `Klaviyo-API-Key ${apiKey}`, revision: '2026-07-15' };
  /** What Klaviyo holds once the work it accepted has run. */
  const get = async (path: string) => {
    mock.core.runAcceptedWork?.(clock.now() + 60_000);
    const res = await fetch(`${BASE}${path}`, { headers });
    return (await res.json()) as { data: { attributes: Record<string, any> }[] };
  };
  const events = async () => (await get('/api/events?page[size]=200')).data;
  const profiles = async () => (await get('/api/profiles?page[size]=100')).data;
  return { klaviyo, outbox, events, profiles };
}

const event = (user: number, n: number, email = `u${user}@batch.test`): EventJob => ({
  kind: 'event',
  name: 'Story Generated',
  userId: `user-${user}`,
  email,
  properties: { n },
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  uniqueId: `u${user}-e${n}`,
});

const sync = (user: number, totalStories: number, email = `u${user}@batch.test`): ProfileJob => ({
  kind: 'profile',
  userId: `user-${user}`,
  email,
  properties: { total_stories: totalStories, user_id: `user-${user}` },
});

describe('Outbox batching through the SDK', () => {
  it('sends volume through bulk_create_events, each event stored exactly once, even when sent twice', async () => {
    const { outbox, events } = setup();
    const jobs = Array.from({ length: 150 }, (_, i) => event(i % 30, i));
    for (const j of jobs) outbox.enqueue(j);
    const s = await outbox.flush(600_000);
    expect(s).toMatchObject({ tracked: 150, delivered: 150, pending: 0, deadLettered: 0, balanced: true });
    expect(s.lanes.event.bulkCalls).toBeGreaterThan(0);
    expect(s.lanes.event.bulkCalls + s.lanes.event.singleCalls).toBeLessThan(30);
    // The same jobs again (a replay after a crash): unique ids keep Klaviyo's count at 150.
    for (const j of jobs) outbox.enqueue(j);
    await outbox.flush(600_000);
    const stored = await events();
    expect(stored).toHaveLength(150);
    expect(new Set(stored.map((e) => e.attributes.uuid ?? JSON.stringify(e.attributes))).size).toBe(150);
  });

  it('carries a user’s queued events together: one bulk entry per user, in the order they happened', async () => {
    const { outbox, events } = setup();
    const bodies: any[] = [];
    const tap = async ({ request }: { request: Request }) => {
      if (new URL(request.url).pathname.endsWith('/event-bulk-create-jobs'))
        bodies.push(await request.clone().json());
    };
    server.events.on('request:start', tap);
    try {
      // Two users, twenty events each, queued before the worker starts: two heads, 38 followers.
      for (let n = 0; n < 20; n++) for (const u of [1, 2]) outbox.enqueue(event(u, u * 100 + n));
      const s = await outbox.flush(600_000);
      expect(s).toMatchObject({ tracked: 40, delivered: 40, pending: 0, deadLettered: 0, balanced: true });
      expect(s.lanes.event).toMatchObject({ bulkCalls: 1, singleCalls: 0, bulkJobs: 40 });
      const entries = bodies[0].data.attributes['events-bulk-create'].data;
      expect(entries).toHaveLength(2);
      for (const [i, entry] of entries.entries()) {
        const ns = entry.attributes.events.data.map((e: any) => e.attributes.properties.n);
        expect(ns).toEqual(Array.from({ length: 20 }, (_, n) => (i + 1) * 100 + n));
      }
      expect(await events()).toHaveLength(40);
    } finally {
      server.events.removeListener('request:start', tap);
    }
  });

  it('sends a refused batch’s jobs one by one in each user’s order, the bad one dead-lettered', async () => {
    const { outbox, events } = setup();
    for (let n = 0; n < 12; n++) outbox.enqueue(event(4, n, n === 5 ? 'not-an-email' : undefined));
    const s = await outbox.flush(600_000);
    expect(s).toMatchObject({ tracked: 12, delivered: 11, deadLettered: 1, pending: 0, balanced: true });
    expect(outbox.store.deadLetters()[0]!.job).toMatchObject({ uniqueId: 'u4-e5' });
    expect(s.lanes.event.singleCalls).toBe(12);
    expect(await events()).toHaveLength(11);
  });

  it('keeps single calls for a trickle', async () => {
    const { outbox } = setup();
    outbox.start();
    for (let i = 0; i < 3; i++) {
      outbox.enqueue(event(1, i));
      await outbox.flush(60_000);
    }
    const s = outbox.stats();
    expect(s.lanes.event).toMatchObject({ singleCalls: 3, bulkCalls: 0 });
    expect(s.delivered).toBe(3);
  });

  it('keeps each user’s order across batches: the last sync wins in Klaviyo', async () => {
    const { outbox, profiles } = setup({ threshold: 2, maxBatch: { event: 1000, profile: 3 } });
    // Five users, four syncs each, interleaved with events so nothing coalesces.
    for (let round = 1; round <= 4; round++)
      for (let u = 0; u < 5; u++) {
        outbox.enqueue(sync(u, round));
        outbox.enqueue(event(u, round * 10 + u));
      }
    const s = await outbox.flush(600_000);
    expect(s).toMatchObject({ pending: 0, deadLettered: 0, balanced: true });
    expect(s.lanes.profile.bulkCalls).toBeGreaterThan(0);
    const stored = await profiles();
    expect(stored).toHaveLength(5);
    for (const p of stored) expect(p.attributes.properties.total_stories).toBe(4);
  });

  it('folds queued profile syncs of one user into one call carrying the latest properties', async () => {
    const { outbox, profiles } = setup(false);
    for (let n = 1; n <= 5; n++) outbox.enqueue(sync(7, n));
    const s = await outbox.flush(60_000);
    expect(s).toMatchObject({ tracked: 5, delivered: 1, coalesced: 4, pending: 0, balanced: true });
    expect(s.byKind.profile).toMatchObject({ tracked: 5, delivered: 1, coalesced: 4 });
    expect(s.lanes.profile.singleCalls).toBe(1);
    expect((await profiles())[0]!.attributes.properties.total_stories).toBe(5);
  });

  it('splits a batch Klaviyo refuses whole, so only the bad job is dead-lettered', async () => {
    const { outbox, events } = setup();
    for (let i = 0; i < 12; i++) outbox.enqueue(event(i, i, i === 5 ? 'not-an-email' : undefined));
    const s = await outbox.flush(600_000);
    expect(s).toMatchObject({ tracked: 12, delivered: 11, deadLettered: 1, pending: 0, balanced: true });
    expect(outbox.store.deadLetters()[0]!.job).toMatchObject({ userId: 'user-5' });
    expect(await events()).toHaveLength(11);
  });

  it('fails only the profile an accepted import refused', async () => {
    const { outbox, profiles } = setup();
    for (let u = 0; u < 10; u++) outbox.enqueue(sync(u, 1, u === 3 ? 'not-an-email' : undefined));
    const s = await outbox.flush(600_000);
    expect(s).toMatchObject({ tracked: 10, delivered: 9, deadLettered: 1, pending: 0, balanced: true });
    expect(s.lanes.profile.bulkCalls).toBe(1);
    const dead = outbox.store.deadLetters()[0]!;
    expect(dead.reason).toBe('rejected (import error)');
    expect(dead.job).toMatchObject({ userId: 'user-3' });
    expect(await profiles()).toHaveLength(9);
  });

  it('backs off on 429s from the spec’s rate limits and still delivers everything', async () => {
    // 40 batches of 10 against bulk_create_events' 10/s burst: the lane must pause and halve.
    const { outbox, events } = setup({ threshold: 2, maxBatch: { event: 5, profile: 1000 } });
    for (let i = 0; i < 200; i++) outbox.enqueue(event(i, i));
    const s = await outbox.flush(3_600_000);
    expect(s).toMatchObject({ tracked: 200, delivered: 200, deadLettered: 0, pending: 0, balanced: true });
    // It slowed down (paced by the rate-limit headers, or paused on a 429) instead of hammering: far
    // fewer refusals than batches.
    expect(s.lanes.event.throttled + s.lanes.event.pacedWaits).toBeGreaterThan(0);
    expect(s.lanes.event.throttled).toBeLessThan(s.lanes.event.bulkCalls / 2);
    expect(await events()).toHaveLength(200);
  });
});

describe('Outbox pacing under sustained load', () => {
  it('spaces bulk calls once few are left, so calls in flight do not run into 429s', async () => {
    // Klaviyo answering in 300 ms, 10 events every 100 ms for 30 s, bulk_create_events at 10/s and
    // 150/min. With 4 calls in flight, each answer reports the budget as it was before the others
    // landed: unpaced, the lane keeps 4 calls going into a nearly empty bucket and collects 429s.
    const slowBase = 'https://slow.batching.klaviyo.test';
    const slow = createKlaviyoMock({
      clock,
      faults: createFaultInjector({
        clock,
        service: 'klaviyo',
        document: { rules: [{ latency: { kind: 'fixed', ms: 300 } }] },
      }),
      rateLimits: true,
    });
    server.use(...klaviyoHandlers({ service: slow, baseUrls: [slowBase] }));
    try {
      const { outbox } = setup({ threshold: 2 }, slowBase);
      outbox.start();
      const t0 = clock.now();
      for (let tick = 0; clock.now() - t0 < 30_000 && tick < 1000; tick++) {
        for (let j = 0; j < 10; j++) outbox.enqueue(event((tick * 10 + j) % 40, tick * 10 + j));
        await clock.sleep(100);
      }
      const s = await outbox.flush(3_600_000);
      expect(s).toMatchObject({
        tracked: 3000,
        delivered: 3000,
        deadLettered: 0,
        pending: 0,
        balanced: true,
      });
      const lane = s.lanes.event;
      expect(lane.pacedWaits).toBeGreaterThan(0);
      expect(lane.throttled).toBeLessThanOrEqual(2);
      expect(lane.largestBatch).toBeGreaterThan(10);
      slow.core.runAcceptedWork?.(clock.now() + 60_000);
      expect(klaviyoState(slow).eventsOf('Story Generated').length).toBe(3000);
    } finally {
      server.resetHandlers();
      slow.close();
    }
  });
});

describe('Outbox leases across a restart', () => {
  it('a batch in flight when the process died is due again when the file is reopened', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { OutboxStore } = await import('./store.ts');
    const dir = mkdtempSync(join(tmpdir(), 'outbox-lease-'));
    try {
      const path = join(dir, 'outbox.db');
      const first = new OutboxStore(path);
      for (let i = 0; i < 3; i++) first.enqueue(`user-${i}`, event(i, i), 0);
      first.enqueue('user-0', event(0, 99), 0);
      const rows = first.due(0, 10);
      expect(rows.map((r) => r.orderingKey)).toEqual(['user-0', 'user-1', 'user-2']);
      first.lease(rows.map((r) => r.id));
      expect(first.due(0, 10)).toHaveLength(0);
      first.close(); // "kill -9" while the batch was in flight
      const second = new OutboxStore(path);
      expect(second.due(0, 10).map((r) => r.id)).toEqual(rows.map((r) => r.id));
      second.markDelivered(rows[0]!.id);
      // user-0's second job is first in line now.
      expect(second.due(0, 10).map((r) => r.job)).toContainEqual(event(0, 99));
      second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
