/**
 * The same faults in-process: msw intercepts fetch, network faults become `HttpResponse.error()`, and
 * latency and hangs run on a VirtualClock so hours of injected delay cost no real time.
 */
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../lib/clock.ts';
import { createFaultInjector } from '../../mocks/faults/index.ts';
import { createMswHandlers, IN_PROCESS_HANG_MS } from '../../mocks/shared/msw-adapter.ts';
import { createMockService } from '../../mocks/shared/service.ts';
import { createStubCore } from './stub-core.ts';

const BASE = 'https://a.klaviyo.com';
const clock = new VirtualClock(Date.UTC(2026, 0, 1));
const faults = createFaultInjector({ clock, seed: 1 });
const service = createMockService(createStubCore('klaviyo'), { faults, clock });
const msw = setupServer(...createMswHandlers(service, [BASE]));

beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
afterAll(() => msw.close());
beforeEach(() => faults.replace({ rules: [] }));

describe('in-process faults (msw)', () => {
  it('HTTP errors keep their status, body and Retry-After', async () => {
    faults.replace({ rules: [{ errors: [{ status: 429, probability: 1, retryAfterSeconds: 1 }] }] });
    const res = await fetch(`${BASE}/api/events`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect((await res.json()).errors[0].code).toBe('throttled');
  });

  it.each(['reset', 'empty', 'truncated'])('network fault %s is a fetch TypeError', async (fault) => {
    faults.replace({ rules: [{ network: [{ fault, probability: 1 }] }] });
    await expect(fetch(`${BASE}/api/profiles`)).rejects.toThrow(TypeError);
  });

  it('malformed answers 200 with a body that is not JSON', async () => {
    faults.replace({ rules: [{ network: [{ fault: 'malformed', probability: 1 }] }] });
    const res = await fetch(`${BASE}/api/profiles`);
    expect(res.status).toBe(200);
    await expect(res.json()).rejects.toThrow(SyntaxError);
  });

  it('a hang fails like a client time-out after the in-process hang time, on the virtual clock', async () => {
    faults.replace({ rules: [{ network: [{ fault: 'hang', probability: 1 }] }] });
    const before = clock.now();
    await expect(fetch(`${BASE}/api/profiles`)).rejects.toThrow(TypeError);
    expect(clock.now() - before).toBe(IN_PROCESS_HANG_MS);
  });

  it('an hour of injected latency passes on the virtual clock, journalled apart from processing time', async () => {
    faults.replace({ rules: [{ latency: { kind: 'fixed', ms: 3_600_000 } }] });
    const before = clock.now();
    const res = await fetch(`${BASE}/api/profiles`);
    expect(res.status).toBe(200);
    expect(clock.now() - before).toBe(3_600_000);
    expect(service.journal.list({ limit: 1 })[0]).toMatchObject({
      fault: 'latency',
      injectedLatencyMs: 3_600_000,
    });
  });

  it('an outage by time opens and closes on the virtual clock', async () => {
    faults.replace({ rules: [{ outage: { fromTime: 60_000, durationMs: 60_000 } }] });
    const statusAfter = async (waitMs: number) => {
      await clock.sleep(waitMs);
      return (await fetch(`${BASE}/api/profiles`)).status;
    };
    expect(await statusAfter(0)).toBe(200);
    expect(await statusAfter(60_000)).toBe(503); // t = 60 s
    expect(await statusAfter(59_000)).toBe(503); // t = 119 s
    expect(await statusAfter(1_000)).toBe(200); // t = 120 s: over
  });
});
