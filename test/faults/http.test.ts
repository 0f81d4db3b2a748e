/**
 * Each fault kind as an HTTP client sees it: real Express server on 127.0.0.1:0, the shared pipeline,
 * a stub core, and rules switched at run time through `PUT /__admin/faults`.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFaultInjector } from '../../mocks/faults/index.ts';
import { createExpressApp } from '../../mocks/shared/express-adapter.ts';
import { listen, type RunningServer } from '../../mocks/shared/listen.ts';
import { createMockService, type MockService } from '../../mocks/shared/service.ts';
import { createStubCore } from './stub-core.ts';

let server: RunningServer;
let service: MockService;

beforeAll(async () => {
  service = createMockService(createStubCore('klaviyo'), { faults: createFaultInjector({ seed: 1 }) });
  server = await listen(createExpressApp(service));
});
afterAll(() => server.close());
beforeEach(async () => {
  await putFaults({ rules: [] });
});

async function putFaults(doc: unknown): Promise<Response> {
  return fetch(`${server.url}/__admin/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: typeof doc === 'string' ? doc : JSON.stringify(doc),
  });
}

/** Every request gets this one fault. */
const always = (rule: Record<string, unknown>) =>
  putFaults({ rules: [{ match: { path: '/api/*' }, ...rule }] });

/** A raw node:http GET, to see socket-level errors exactly as a Node client does. */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.url}${path}`, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP errors', () => {
  it('5xx answers in the core error format', async () => {
    for (const status of [500, 502, 503, 504]) {
      await always({ errors: [{ status, probability: 1 }] });
      const res = await fetch(`${server.url}/api/profiles`);
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/vnd.api+json');
      const body = await res.json();
      expect(body.errors[0]).toMatchObject({ status, code: 'error' });
    }
  });

  it('429 carries Retry-After and Klaviyo wording', async () => {
    await always({ errors: [{ status: 429, probability: 1, retryAfterSeconds: 2 }] });
    const res = await fetch(`${server.url}/api/events`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    const body = await res.json();
    expect(body.errors[0]).toMatchObject({
      code: 'throttled',
      detail: 'Request was throttled. Expected available in 2 seconds.',
    });
  });

  it('a 429 burst window, then normal service', async () => {
    await always({ burst429: { startAtRequest: 2, lengthRequests: 2, retryAfterSeconds: 1 } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${server.url}/api/profiles`)).status);
    expect(statuses).toEqual([200, 429, 429, 200, 200]);
  });

  it('an outage window answers 503 with Retry-After for its requests only', async () => {
    await always({ outage: { fromRequest: 3, requests: 4, retryAfterSeconds: 30 } });
    const got: (string | number)[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${server.url}/api/profiles`);
      got.push(res.status === 503 ? `503/${res.headers.get('retry-after')}` : res.status);
    }
    expect(got).toEqual([200, 200, '503/30', '503/30', '503/30', '503/30', 200, 200]);
  });
});

describe('network faults', () => {
  it('reset: the client sees ECONNRESET', async () => {
    await always({ network: [{ fault: 'reset', probability: 1 }] });
    await expect(rawGet('/api/profiles')).rejects.toMatchObject({ code: 'ECONNRESET' });
    const viaFetch = await fetch(`${server.url}/api/profiles`).catch((err: TypeError) => err);
    expect(viaFetch).toBeInstanceOf(TypeError);
    expect((viaFetch as TypeError & { cause?: { code?: string } }).cause?.code).toBe('ECONNRESET');
  });

  it('empty: the connection closes without a reply (socket hang up)', async () => {
    await always({ network: [{ fault: 'empty', probability: 1 }] });
    await expect(rawGet('/api/profiles')).rejects.toThrow(/socket hang up/);
  });

  it('hang: only the client time-out ends the request', async () => {
    await always({ network: [{ fault: 'hang', probability: 1 }] });
    const err = await fetch(`${server.url}/api/profiles`, { signal: AbortSignal.timeout(300) }).catch(
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('TimeoutError');
  });

  it('truncated: headers arrive, the body is cut short', async () => {
    await always({ network: [{ fault: 'truncated', probability: 1 }] });
    const res = await fetch(`${server.url}/api/profiles`);
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow(TypeError);
    await expect(rawGet('/api/profiles')).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('malformed: a complete 200 whose JSON does not parse', async () => {
    await always({ network: [{ fault: 'malformed', probability: 1 }] });
    const res = await fetch(`${server.url}/api/profiles`);
    expect(res.status).toBe(200);
    await expect(res.json()).rejects.toThrow(SyntaxError);
  });
});

describe('admin API and journal', () => {
  it('GET shows the active rules; PUT switches profiles; invalid PUTs get 400 with the field', async () => {
    let res = await putFaults({ profile: 'throttled', seed: 5 });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ profile: 'throttled', seed: 5 });
    res = await fetch(`${server.url}/__admin/faults`);
    const current = await res.json();
    expect(current).toMatchObject({
      name: 'throttled',
      profile: 'throttled',
      rules: [{ name: 'throttled-klaviyo' }],
    });
    // What GET returns can be PUT back.
    expect((await putFaults(current)).status).toBe(200);

    res = await putFaults({ rules: [{ errors: [{ status: 503, probability: 1.5 }] }] });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'rules[0].errors[0].probability: expected a number between 0 and 1',
      field: 'rules[0].errors[0].probability',
    });
    res = await putFaults({ profile: 'nope' });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.field).toBe('profile');
    expect(body.error).toMatch(/Available profiles: .*flaky.*slow-network/);
    res = await putFaults('{not json');
    expect(res.status).toBe(400);
    expect((await res.json()).field).toBe('(body)');
    // A rejected PUT leaves the previous rules in force.
    expect(await (await fetch(`${server.url}/__admin/faults`)).json()).toMatchObject({ name: 'throttled' });
  });

  it('the journal records the fault and the injected latency apart from processing time', async () => {
    await putFaults({
      rules: [
        { match: { method: 'POST' }, errors: [{ status: 502, probability: 1 }] },
        { match: { path: '/api/*' }, latency: { kind: 'fixed', ms: 30 } },
      ],
    });
    const since = (await (await fetch(`${server.url}/__admin/requests?limit=1`)).json()).total;
    await fetch(`${server.url}/api/events`, { method: 'POST', body: '{}' });
    await fetch(`${server.url}/api/profiles`);
    const { requests } = await (await fetch(`${server.url}/__admin/requests?since=${since}`)).json();
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({
      method: 'POST',
      status: 502,
      fault: 'error:502',
      injectedLatencyMs: 0,
    });
    expect(requests[1]).toMatchObject({
      method: 'GET',
      status: 200,
      fault: 'latency',
      injectedLatencyMs: 30,
    });
    expect(typeof requests[1].latencyMs).toBe('number');
  });
});
