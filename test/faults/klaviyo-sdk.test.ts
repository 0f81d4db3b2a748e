/**
 * Faults as the official `klaviyo-api` SDK sees them, against the real Klaviyo mock over HTTP and
 * in-process (msw on a virtual clock). Every injected error body is checked against Klaviyo's spec.
 */
import type { AxiosRequestConfig, AxiosResponse } from 'axios';
import { ApiKeySession, EventsApi, ProfilesApi, RetryWithExponentialBackoff } from 'klaviyo-api';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../lib/clock.ts';
import { createFaultInjector, type FaultLayer } from '../../mocks/faults/index.ts';
import { klaviyoHandlers, startKlaviyoServer } from '../../mocks/klaviyo/index.ts';
import type { RunningServer } from '../../mocks/shared/listen.ts';
import type { MockService } from '../../mocks/shared/service.ts';
import { useKlaviyoContract } from '../support/klaviyo-contract.ts';

const KEY = 'pk_faults_test_0123456789abcdef';
const contract = useKlaviyoContract();

/** An SDK session with a per-request time-out and the SDK's own retries set as given. */
class TimedSession extends ApiKeySession {
  constructor(
    retries: number,
    private readonly timeoutMs: number,
  ) {
    super(KEY, new RetryWithExponentialBackoff({ numRetries: retries }));
  }
  override requestWithRetry(config: AxiosRequestConfig): Promise<AxiosResponse> {
    config.timeout = this.timeoutMs;
    return super.requestWithRetry(config);
  }
}

function sdk(baseUrl: string, retries = 0, timeoutMs = 5000) {
  const session = new TimedSession(retries, timeoutMs);
  const events = new EventsApi(session);
  const profiles = new ProfilesApi(session);
  events.basePath = baseUrl;
  profiles.basePath = baseUrl;
  return { events, profiles };
}

type Events = ReturnType<typeof sdk>['events'];
const trackEvent = (events: Events, email: string) =>
  events.createEvent({
    data: {
      type: 'event',
      attributes: {
        properties: { theme: 'space' },
        metric: { data: { type: 'metric', attributes: { name: 'Story Generated' } } },
        profile: { data: { type: 'profile', attributes: { email } } },
      },
    },
  } as Parameters<Events['createEvent']>[0]);

/** The rejection an SDK call ends in (axios error), or fail if it resolved. */
async function failure(p: Promise<unknown>): Promise<{ code?: string; response?: AxiosResponse }> {
  try {
    await p;
  } catch (err) {
    return err as { code?: string; response?: AxiosResponse };
  }
  throw new Error('expected the SDK call to fail');
}

describe('over HTTP with the official SDK', () => {
  let server: RunningServer & { service: MockService };
  let faults: FaultLayer;
  let api: ReturnType<typeof sdk>;

  beforeAll(async () => {
    // Injected latency sleeps on this virtual clock, so realistic profiles cost no real time even over HTTP.
    const clock = new VirtualClock(Date.UTC(2026, 0, 1));
    faults = createFaultInjector({ seed: 1, clock });
    server = await startKlaviyoServer({ faults, clock, rateLimits: false, onResponse: contract.onResponse });
    api = sdk(`${server.url}`);
  });
  afterAll(() => server.close());
  beforeEach(() => faults.replace({ rules: [] }));

  it('5xx on one operation only, in JSON:API with Retry-After; other operations unaffected', async () => {
    faults.replace({
      rules: [
        {
          match: { operation: 'create_event' },
          errors: [{ status: 503, probability: 1, retryAfterSeconds: 3 }],
        },
      ],
    });
    const err = await failure(trackEvent(api.events, 'a@example.com'));
    expect(err.response?.status).toBe(503);
    expect(err.response?.headers['retry-after']).toBe('3');
    expect(err.response?.headers['content-type']).toContain('application/vnd.api+json');
    expect(err.response?.data.errors[0]).toMatchObject({ status: 503 });
    const list = await api.profiles.getProfiles();
    expect(list.response.status).toBe(200);
  });

  it('a 429 burst with Retry-After, then success', async () => {
    faults.replace({ rules: [{ burst429: { startAtRequest: 1, lengthRequests: 1, retryAfterSeconds: 2 } }] });
    const err = await failure(api.profiles.getProfiles());
    expect(err.response?.status).toBe(429);
    expect(err.response?.headers['retry-after']).toBe('2');
    expect(err.response?.data.errors[0]).toMatchObject({ code: 'throttled' });
    expect((await api.profiles.getProfiles()).response.status).toBe(200);
  });

  it("the SDK's own retry recovers from a transient 503", async () => {
    faults.replace({ rules: [{ outage: { fromRequest: 1, requests: 1 } }] });
    const retrying = sdk(server.url, 3);
    const res = await trackEvent(retrying.events, 'retry@example.com');
    expect(res.response.status).toBe(202);
    const journal = server.service.journal.list({ limit: 2 });
    expect(journal.map((e) => [e.status, e.fault])).toEqual([
      [503, 'outage:503'],
      [202, null],
    ]);
  });

  it('reset is a socket error; hang ends in the client time-out', async () => {
    faults.replace({ rules: [{ network: [{ fault: 'reset', probability: 1 }] }] });
    expect((await failure(api.profiles.getProfiles())).code).toBe('ECONNRESET');
    faults.replace({ rules: [{ network: [{ fault: 'hang', probability: 1 }] }] });
    const hung = await failure(sdk(server.url, 0, 300).profiles.getProfiles());
    expect(hung.code).toBe('ECONNABORTED');
    expect(hung.response).toBeUndefined();
  });

  it('a truncated body aborts mid-stream; an empty reply is a socket hang up', async () => {
    faults.replace({ rules: [{ network: [{ fault: 'truncated', probability: 1 }] }] });
    const cut = await failure(api.profiles.getProfiles());
    expect(cut).toMatchObject({ code: 'ERR_BAD_RESPONSE', message: 'stream has been aborted' });
    expect(cut.response?.status).toBe(200); // the status line arrived, the body never completed
    expect(cut.response?.data).toBeUndefined();
    faults.replace({ rules: [{ network: [{ fault: 'empty', probability: 1 }] }] });
    const empty = await failure(api.profiles.getProfiles());
    expect(empty).toMatchObject({ code: 'ECONNRESET', message: 'socket hang up' });
    expect(empty.response).toBeUndefined();
  });

  it('a malformed body does not make the SDK fail: the caller gets an empty result', async () => {
    faults.replace({ rules: [{ network: [{ fault: 'malformed', probability: 1 }] }] });
    // axios's lenient JSON parsing keeps the raw text and the SDK deserialises it to `{}`: no error,
    // no data. Callers that trust a 200 silently lose the answer.
    const res = await api.profiles.getProfiles();
    expect(res.response.status).toBe(200);
    expect(typeof res.response.data).toBe('string');
    expect(res.body.data).toBeUndefined();
  });

  it('an outage answers every request in the window', async () => {
    faults.replace({ profile: 'outage' });
    const statuses: number[] = [];
    for (let i = 1; i <= 52; i++) {
      statuses.push(
        await trackEvent(api.events, `u${i}@example.com`).then(
          (r) => r.response.status,
          (e: { response?: AxiosResponse }) => e.response?.status ?? 0,
        ),
      );
    }
    expect(statuses.slice(0, 49).every((s) => s === 202)).toBe(true);
    expect(statuses.slice(49)).toEqual([503, 503, 503]);
  });

  it('validated the injected error bodies against the spec', () => {
    expect(contract.validated).toBeGreaterThan(10);
  });
});

describe('in-process with the official SDK (msw, virtual clock)', () => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const faults = createFaultInjector({ profile: 'klaviyo-realistic', seed: 3, clock });
  const handlers = klaviyoHandlers({ faults, clock, rateLimits: false, onResponse: contract.onResponse });
  const msw = setupServer(...handlers);
  const api = sdk('https://a.klaviyo.com');

  beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => msw.close());

  it('realistic latency passes on the virtual clock', async () => {
    const start = clock.now();
    for (let i = 0; i < 20; i++) {
      const res = await trackEvent(api.events, `p${i}@example.com`);
      expect(res.response.status).toBe(202);
    }
    // Twenty requests of ~80 ms each: virtual time moved, nobody waited for it.
    expect(clock.now() - start).toBeGreaterThan(20 * 40);
  });

  it('network faults reach the SDK as errors without a response', async () => {
    faults.replace({ rules: [{ network: [{ fault: 'reset', probability: 1 }] }] });
    const err = await failure(api.profiles.getProfiles());
    expect(err.response).toBeUndefined();
  });
});
