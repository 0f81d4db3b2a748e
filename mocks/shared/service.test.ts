import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExpressApp } from './express-adapter.ts';
import { jsonReply } from './http.ts';
import { listen, type RunningServer } from './listen.ts';
import { createMockService, type MockCore } from './service.ts';

/** A tiny core: counts hits, throws on /boom, so the pipeline is tested apart from any real mock. */
function stubCore(): MockCore & { hits: number } {
  const core = {
    name: 'stub',
    hits: 0,
    handle(req: { path: string }) {
      if (req.path === '/boom') throw new Error('kaput');
      core.hits++;
      return jsonReply(200, { ok: true, path: req.path });
    },
    formatError: (status: number, code: string, detail: string) => jsonReply(status, { code, detail }),
    reset() {
      core.hits = 0;
    },
    state: () => ({ hits: core.hits }),
    adminRoutes: { 'GET keys': () => jsonReply(200, { key: 'k' }) },
  };
  return core;
}

describe('createMockService over Express', () => {
  let server: RunningServer;
  const core = stubCore();
  const service = createMockService(core);

  beforeAll(async () => {
    server = await listen(createExpressApp(service), { port: 0 });
  });
  afterAll(() => server.close());

  it('answers the core, strips trailing slashes and journals each request with its body', async () => {
    const res = await fetch(`${server.url}/things/?a=1`, { method: 'POST', body: '{"x":1}' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, path: '/things' });
    const journal = await (await fetch(`${server.url}/__admin/requests`)).json();
    expect(journal.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/things',
      status: 200,
      requestBody: '{"x":1}',
      fault: null,
    });
  });

  it('turns a throwing core into an error in the API format instead of crashing', async () => {
    const res = await fetch(`${server.url}/boom`);
    expect(res.status).toBe(500);
    expect((await res.json()).detail).toContain('kaput');
    expect((await fetch(`${server.url}/ok`)).status).toBe(200);
  });

  it('serves health, state, reset, extra admin routes and a 404 listing the routes', async () => {
    expect(await (await fetch(`${server.url}/__admin/health`)).json()).toMatchObject({
      status: 'ok',
      service: 'stub',
    });
    expect((await (await fetch(`${server.url}/__admin/state`)).json()).hits).toBeGreaterThan(0);
    await fetch(`${server.url}/__admin/reset`, { method: 'POST' });
    expect((await (await fetch(`${server.url}/__admin/state`)).json()).hits).toBe(0);
    expect(await (await fetch(`${server.url}/__admin/keys`)).json()).toEqual({ key: 'k' });
    const missing = await fetch(`${server.url}/__admin/nope`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).routes).toContain('GET /__admin/health');
  });

  it('GET /__admin/requests rejects a limit or since that is not a whole number, naming the field', async () => {
    for (const [query, field] of [
      ['limit=-5', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=1.5', 'limit'],
      ['since=abc', 'since'],
    ] as const) {
      const res = await fetch(`${server.url}/__admin/requests?${query}`);
      expect(res.status, query).toBe(400);
      expect(await res.json(), query).toMatchObject({ field, error: expect.stringContaining(field) });
    }
    await fetch(`${server.url}/one`);
    await fetch(`${server.url}/two`);
    const ok = await (await fetch(`${server.url}/__admin/requests?limit=1&since=0`)).json();
    expect(ok.requests.map((r: { path: string }) => r.path)).toEqual(['/two']);
    expect(ok.requests).toHaveLength(1);
  });
});
