/**
 * The pooled fetch against a real HTTP server on 127.0.0.1: what supabase-js sends (methods, headers
 * in every HeadersInit form, string and byte bodies, an AbortSignal) arrives intact, answers come back
 * as real `Response`s (status text, repeated headers, no body for 204/HEAD), and what it does not
 * handle (a FormData body) goes to the global fetch.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPooledFetch } from './pooled-fetch.ts';

let server: http.Server;
let base = '';
let staleSeen = 0;
const pooled = createPooledFetch({ connections: 4 });

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url === '/empty') {
        res.writeHead(204).end();
        return;
      }
      if (req.url?.startsWith('/stale')) {
        // The second request on a connection finds it closed, as when a server's idle time-out fires
        // just as a kept-alive socket is reused; a first request on a connection is answered.
        const socket = req.socket as typeof req.socket & { served?: number };
        socket.served = (socket.served ?? 0) + 1;
        staleSeen++;
        if (socket.served > 1 || req.url === '/stale/always') socket.destroy();
        else res.end('fresh');
        return;
      }
      if (req.url === '/status-600') {
        res.writeHead(600).end('odd');
        return;
      }
      if (req.url === '/slow') {
        setTimeout(() => res.end('late'), 2000).unref();
        return;
      }
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.setHeader('content-range', '0-0/1');
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          method: req.method,
          url: req.url,
          apikey: req.headers.apikey ?? null,
          prefer: req.headers.prefer ?? null,
          contentType: req.headers['content-type'] ?? null,
          body,
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await pooled.close();
  await new Promise((r) => server.close(r));
});

describe('createPooledFetch', () => {
  it('sends the method, path, query, headers (Headers, array or record) and body', async () => {
    const forms: HeadersInit[] = [
      new Headers({ apikey: 'k1', Prefer: 'return=representation' }),
      [
        ['apikey', 'k1'],
        ['Prefer', 'return=representation'],
      ],
      { apikey: 'k1', Prefer: 'return=representation' },
    ];
    for (const headers of forms) {
      const res = await pooled.fetch(`${base}/rest/v1/profiles?id=eq.1&select=*`, {
        method: 'PATCH',
        headers,
        body: JSON.stringify({ total_stories: 2 }),
      });
      expect(res.status).toBe(200);
      expect(res.ok).toBe(true);
      expect(res.statusText).toBe('OK');
      expect(await res.json()).toEqual({
        method: 'PATCH',
        url: '/rest/v1/profiles?id=eq.1&select=*',
        apikey: 'k1',
        prefer: 'return=representation',
        contentType: null,
        body: '{"total_stories":2}',
      });
    }
  });

  it('answers with a real Response: status text, repeated headers, byte bodies', async () => {
    const res = await pooled.fetch(new URL(`${base}/missing`), {
      method: 'POST',
      body: new TextEncoder().encode('bytes'),
    });
    expect(res).toBeInstanceOf(Response);
    expect([res.status, res.ok, res.statusText]).toEqual([404, false, 'Not Found']);
    expect(res.headers.get('content-range')).toBe('0-0/1');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(((await res.json()) as { body: string }).body).toBe('bytes');
  });

  it('gives 204 and HEAD answers no body', async () => {
    const empty = await pooled.fetch(`${base}/empty`, { method: 'DELETE' });
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
    const head = await pooled.fetch(`${base}/x`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('sends an idempotent request again once when its kept-alive socket was already closed', async () => {
    const one = createPooledFetch({ connections: 1 });
    try {
      expect(await (await one.fetch(`${base}/stale/a`)).text()).toBe('fresh');
      staleSeen = 0;
      const again = await one.fetch(`${base}/stale/b`, { method: 'DELETE' });
      expect(await again.text()).toBe('fresh');
      expect(staleSeen).toBe(2); // the reset on the reused socket, then the fresh one
    } finally {
      await one.close();
    }
  });

  it('does not send a POST twice: a reset on a reused socket fails it', async () => {
    const one = createPooledFetch({ connections: 1 });
    try {
      expect(await (await one.fetch(`${base}/stale/c`)).text()).toBe('fresh');
      staleSeen = 0;
      const err = await one.fetch(`${base}/stale/d`, { method: 'POST', body: '{}' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TypeError);
      expect(staleSeen).toBe(1);
    } finally {
      await one.close();
    }
  });

  it('fails a status a Response cannot hold instead of crashing', async () => {
    const err = await pooled.fetch(`${base}/status-600`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as TypeError).message).toBe('fetch failed');
  });

  it('rejects a malformed URL instead of throwing', async () => {
    let thrown = false;
    let promise: Promise<Response> | undefined;
    try {
      promise = pooled.fetch('http://[bad');
    } catch {
      thrown = true;
    }
    expect(thrown).toBe(false);
    await expect(promise).rejects.toBeInstanceOf(TypeError);
  });

  it('fails a request that stalls past its time-out', async () => {
    const short = createPooledFetch({ requestTimeoutMs: 50 });
    try {
      const err = await short.fetch(`${base}/slow`).catch((e: unknown) => e);
      expect(((err as TypeError).cause as { code?: string }).code).toBe('ETIMEDOUT');
    } finally {
      await short.close();
    }
  });

  it('rejects a connection failure as the global fetch does (TypeError "fetch failed", with the cause)', async () => {
    const one = createPooledFetch({ connections: 1 });
    try {
      const err = await one.fetch(`${base}/stale/always`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TypeError);
      expect((err as TypeError).message).toBe('fetch failed');
      expect(((err as TypeError).cause as { code?: string }).code).toBe('ECONNRESET');
    } finally {
      await one.close();
    }
  });

  it('stops waiting when its signal aborts', async () => {
    // Unaborted, the server answers 'late' after 2 s and the promise resolves.
    await expect(pooled.fetch(`${base}/slow`, { signal: AbortSignal.timeout(50) })).rejects.toThrow();
  });

  it('hands a body it does not send itself (FormData) to the global fetch', async () => {
    const form = new FormData();
    form.set('file', 'content');
    const res = await pooled.fetch(`${base}/upload`, { method: 'POST', body: form });
    const seen = (await res.json()) as { contentType: string; body: string };
    expect(seen.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen.body).toContain('content');
  });
});
