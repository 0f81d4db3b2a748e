/**
 * The outbox on a VirtualClock with a scripted deliverer: non-blocking enqueue, bounded concurrency,
 * per-user order, waiting (not spending retries) while the breaker is open, dead letters and replay,
 * durability across restarts, and the invariant tracked = delivered + pending + dead-lettered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupServer } from 'msw/node';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../lib/clock.ts';
import { createRng } from '../../../lib/prng.ts';
import { createKlaviyoMock, klaviyoHandlers } from '../../../mocks/klaviyo/index.ts';
import { CircuitBreaker } from '../circuit-breaker.ts';
import type { EventJob, KlaviyoJob } from '../klaviyo/events.ts';
import type { DeliveryResult } from '../klaviyo/service.ts';
import { replayDeadLetters } from './replay.ts';
import { OutboxStore } from './store.ts';
import { Outbox } from './worker.ts';

const job = (userId: string, n: number, name = 'Story Generated'): EventJob => ({
  kind: 'event',
  name,
  userId,
  email: `${userId}@example.com`,
  properties: { n },
  time: '2026-01-01T00:00:00.000Z',
  uniqueId: `${userId}-${n}`,
});

let cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

function setup(
  deliver: (job: KlaviyoJob, breaker: CircuitBreaker, clock: VirtualClock) => Promise<DeliveryResult>,
  opts: { concurrency?: number; path?: string } = {},
) {
  const clock = new VirtualClock();
  const breaker = new CircuitBreaker(clock);
  const outbox = new Outbox({
    deliver: (j) => deliver(j, breaker, clock),
    breaker,
    clock,
    rng: createRng(1),
    concurrency: opts.concurrency ?? 2,
    path: opts.path,
  });
  cleanup.push(() => void outbox.close(0));
  return { clock, breaker, outbox };
}

describe('Outbox', () => {
  it('returns at once, delivers with bounded concurrency and in order per user', async () => {
    let active = 0;
    let maxActive = 0;
    const order: string[] = [];
    const { outbox } = setup(
      async (j, _b, clock) => {
        active++;
        maxActive = Math.max(maxActive, active);
        await clock.sleep(100);
        order.push(j.kind === 'event' ? j.uniqueId : '');
        active--;
        return { ok: true, attempts: 1 };
      },
      { concurrency: 3 },
    );
    outbox.start();
    for (let n = 0; n < 5; n++) for (const u of ['a', 'b', 'c', 'd']) outbox.enqueue(job(u, n));
    expect(outbox.stats()).toMatchObject({ tracked: 20, pending: 20, delivered: 0, balanced: true });
    const done = await outbox.flush(60_000);
    expect(done).toMatchObject({ tracked: 20, delivered: 20, pending: 0, deadLettered: 0, balanced: true });
    // Nothing failed, so nothing was retried: a retry success rate over this is n/a, not 0 % or 100 %.
    expect(done).toMatchObject({ retried: 0, recovered: 0 });
    expect(maxActive).toBe(3);
    for (const u of ['a', 'b', 'c', 'd']) {
      expect(order.filter((id) => id.startsWith(`${u}-`))).toEqual([0, 1, 2, 3, 4].map((n) => `${u}-${n}`));
    }
  });

  it('waits while the breaker is open without spending budgets, then resumes on its own', async () => {
    let down = true;
    let attempts = 0;
    // Behaves like KlaviyoService.deliver: up to 3 attempts, stop as soon as the breaker is not closed.
    const { outbox, breaker, clock } = setup(async (_j, b, c) => {
      if (!b.tryAcquire()) return { ok: false, attempts: 0, reason: 'blocked' };
      for (let n = 1; n <= 3; n++) {
        attempts++;
        if (!down) {
          b.recordSuccess();
          return { ok: true, attempts: n };
        }
        b.recordFailure();
        if (b.state !== 'closed') return { ok: false, attempts: n, reason: 'blocked' };
        await c.sleep(1000 * n);
      }
      return { ok: false, attempts: 3, reason: 'exhausted' };
    });
    // Recovery after 2 minutes of virtual time.
    void clock.sleep(120_000).then(() => {
      down = false;
    });
    // Keep the breaker from exhausting anything: threshold 3 failures, concurrency 2.
    outbox.start();
    for (let n = 0; n < 10; n++) outbox.enqueue(job(`u${n}`, n));
    const stats = await outbox.flush(10 * 60_000);
    expect(stats).toMatchObject({ tracked: 10, delivered: 10, pending: 0, deadLettered: 0, balanced: true });
    // The jobs that met the outage (a failed attempt or a blocked round) all got through; the ones
    // that only waited in the queue while the breaker was open never failed, so are not counted.
    expect(stats.retried).toBeGreaterThanOrEqual(3);
    expect(stats.retried).toBeLessThanOrEqual(10);
    expect(stats.recovered).toBe(stats.retried);
    expect(stats.byKind.event).toMatchObject({ retried: stats.retried, recovered: stats.retried });
    expect(breaker.snapshot().timesOpened).toBeGreaterThanOrEqual(1);
    // 10 deliveries + the failures before the breaker opened + one probe per cool-down (5 s doubling to 60 s).
    expect(attempts).toBeLessThan(10 + 3 + 8);
    expect(clock.now()).toBeGreaterThanOrEqual(Date.UTC(2026, 0, 1) + 120_000);
  });

  it('dead-letters rejected and exhausted jobs; replay delivers them; the invariant always holds', async () => {
    let healthy = false;
    const { outbox } = setup(async (j) => {
      if (healthy) return { ok: true, attempts: 1 };
      if (j.kind === 'event' && j.uniqueId.endsWith('-0'))
        return {
          ok: false,
          attempts: 1,
          reason: 'non_retriable',
          failure: { status: 400, retriable: false, message: 'bad' },
        };
      return {
        ok: false,
        attempts: 3,
        reason: 'exhausted',
        failure: { status: 500, retriable: true, message: 'boom' },
      };
    });
    outbox.start();
    outbox.enqueue(job('x', 0));
    outbox.enqueue(job('x', 1));
    outbox.enqueue(job('y', 2));
    const s1 = await outbox.flush(60_000);
    expect(s1).toMatchObject({ tracked: 3, delivered: 0, pending: 0, deadLettered: 3, balanced: true });
    // The 400 on the first attempt was never retried; the two exhausted jobs were, and failed.
    expect(s1).toMatchObject({ retried: 2, recovered: 0 });
    expect(
      outbox.store
        .deadLetters()
        .map((d) => d.reason)
        .sort(),
    ).toEqual(['rejected (400)', 'retries exhausted', 'retries exhausted']);
    healthy = true;
    expect(outbox.replayDeadLetters()).toBe(3);
    expect(outbox.stats()).toMatchObject({ pending: 3, deadLettered: 0, balanced: true });
    const s2 = await outbox.flush(60_000);
    expect(s2).toMatchObject({
      tracked: 3,
      delivered: 3,
      pending: 0,
      deadLettered: 0,
      replayed: 3,
      balanced: true,
    });
    // Replayed dead letters had failed before: delivered now, they count as recovered.
    expect(s2).toMatchObject({ retried: 3, recovered: 3 });
  });

  it('keeps pending jobs in a file across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'outbox.db');
    const first = new OutboxStore(path);
    first.enqueue('a', job('a', 1), 0);
    first.enqueue('a', job('a', 2), 0);
    first.close();
    const delivered: string[] = [];
    const { outbox } = setup(
      async (j) => {
        delivered.push((j as EventJob).uniqueId);
        return { ok: true, attempts: 1 };
      },
      { path },
    );
    const stats = await outbox.flush(60_000);
    expect(delivered).toEqual(['a-1', 'a-2']);
    expect(stats).toMatchObject({ tracked: 2, delivered: 2, pending: 0, balanced: true });
  });
});

describe('Outbox.close', () => {
  it('called twice at once (a signal and a test teardown) returns the same final stats twice', async () => {
    const { outbox, clock } = setup(async (_j, _b, c) => {
      await c.sleep(500);
      return { ok: true, attempts: 1 };
    });
    outbox.enqueue(job('a', 1));
    const both = await Promise.all([outbox.close(10_000), outbox.close(10_000)]);
    expect(both[0]).toMatchObject({ tracked: 1, delivered: 1, pending: 0, balanced: true });
    expect(both[1]).toEqual(both[0]);
    expect(clock.now()).toBeGreaterThanOrEqual(500);
  });
});

describe('replayDeadLetters (the CLI command) against the Klaviyo mock', () => {
  it('delivers dead letters from a file with the official SDK', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'outbox.db');
    const store = new OutboxStore(path);
    store.enqueue('u1', job('u1', 1), 0);
    const [row] = store.due(0, 1);
    store.markDead(row!.id, 3, 0, 'retries exhausted', 'HTTP 503');
    expect(store.counts()).toMatchObject({ tracked: 1, deadLettered: 1 });
    store.close();

    const clock = new VirtualClock();
    const mock = createKlaviyoMock({ clock, rateLimits: false });
    const server = setupServer(...klaviyoHandlers({ service: mock }));
    server.listen({ onUnhandledRequest: 'error' });
    cleanup.push(() => {
      server.close();
      mock.close();
    });
    const report = await replayDeadLetters({
      dbPath: path,
      config: { klaviyoApiKey: 'pk_replay', klaviyoBaseUrl: 'https://a.klaviyo.com' },
      clock,
    });
    expect(report.replayed).toBe(1);
    expect(report.after).toMatchObject({
      tracked: 1,
      delivered: 1,
      pending: 0,
      deadLettered: 0,
      balanced: true,
    });
    expect(mock.journal.list().map((e) => [e.method, e.path, e.status])).toEqual([
      ['POST', '/api/events', 202],
    ]);
  });
});
