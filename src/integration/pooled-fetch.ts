/**
 * A `fetch` for supabase-js on `node:http` / `node:https` with keep-alive connection pools.
 *
 * Why: supabase-js makes every query a `fetch`, and Node's global fetch runs the whole WHATWG fetch
 * algorithm per call (request objects, header guards, stream plumbing). Measured against the fake
 * Supabase in another process (`bench --only delivery`, case "supabase-js transport"), a PostgREST read
 * or update costs the caller about twice the CPU with the global fetch as with this. A story is three
 * such calls, so this is a large share of the app's CPU per request.
 *
 * Why `node:http` and not undici's faster `request` API: msw (and every other interceptor of Node's
 * HTTP stack) sees `node:http` requests, so in-process tests and users' msw set-ups keep working;
 * undici's `request` would go around them to the network.
 *
 * What is handled here is what supabase-js sends: a string or URL, a method, headers in any
 * `HeadersInit` form, a string or byte body, and an `AbortSignal`. Anything else (a `Request` object, a
 * streamed, `FormData` or `Blob` body as Storage uploads use, another protocol) goes to the global
 * fetch unchanged, so the SDK keeps working everywhere. Known differences from the global fetch, none of
 * which PostgREST or GoTrue traffic meets: redirects are returned, not followed; a compressed body is
 * not decoded (nothing here asks for one); an answer is buffered whole before it resolves, so a
 * streamed answer (an Edge Function's server-sent events) would not suit it; `Response.url` is empty.
 *
 * @example
 * const pooled = createPooledFetch();
 * const db = createClient(url, key, { global: { fetch: pooled.fetch } });
 * // … on shutdown:
 * await pooled.close();
 */
import http from 'node:http';
import https from 'node:https';

export interface PooledFetch {
  fetch: typeof globalThis.fetch;
  /** Close the pool's connections (idle and in use); a later call opens new ones. */
  close(): Promise<void>;
}

export interface PooledFetchOptions {
  /** Connections per origin (default 128). */
  connections?: number;
  /**
   * An idle kept-alive connection is closed after this long, ms (default 4 s: below Node's and most
   * proxies' 5 s server-side idle time-out, so the client, not the server, ends it).
   */
  idleTimeoutMs?: number;
  /** A request with no bytes moving for this long fails with "fetch failed", ms (default 300 s, as undici). */
  requestTimeoutMs?: number;
}

/** Methods a request may be sent again for when its connection failed before any answer (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

type Body = string | Uint8Array | null | undefined;

/** A body `node:http` can send as is, or `{ ok: false }` when the global fetch must take it. */
function plainBody(body: RequestInit['body']): { ok: true; body: Body } | { ok: false } {
  if (body === undefined || body === null || typeof body === 'string') return { ok: true, body };
  if (body instanceof Uint8Array) return { ok: true, body };
  if (body instanceof ArrayBuffer) return { ok: true, body: new Uint8Array(body) };
  return { ok: false };
}

function headerRecord(init: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!init) return out;
  if (init instanceof Headers) {
    init.forEach((v, k) => {
      out[k] = v;
    });
  } else if (Array.isArray(init)) {
    for (const [k, v] of init) out[k.toLowerCase()] = v;
  } else {
    for (const [k, v] of Object.entries(init)) out[k.toLowerCase()] = v;
  }
  return out;
}

const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

export function createPooledFetch(options: PooledFetchOptions = {}): PooledFetch {
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.connections ?? 128,
    // The agent's socket time-out closes free (idle) sockets; a request in flight sets its own below.
    timeout: options.idleTimeoutMs ?? 4_000,
  };
  const requestTimeoutMs = options.requestTimeoutMs ?? 300_000;
  const agents = { 'http:': new http.Agent(agentOptions), 'https:': new https.Agent(agentOptions) };

  const pooledFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    // A Request object carries its own method, headers and body: let the global fetch read it.
    if (typeof input !== 'string' && !(input instanceof URL)) return globalThis.fetch(input, init);
    const body = plainBody(init.body);
    let url: URL;
    try {
      url = typeof input === 'string' ? new URL(input) : input;
    } catch (err) {
      // As the global fetch: a bad URL rejects, it does not throw.
      return Promise.reject(new TypeError('fetch failed', { cause: err }));
    }
    if (!body.ok || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      return globalThis.fetch(input, init);
    const method = (init.method ?? 'GET').toUpperCase();
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const headers = headerRecord(init.headers);
    if (body.body != null && headers['content-length'] === undefined)
      headers['content-length'] = String(Buffer.byteLength(body.body));
    const transport = url.protocol === 'https:' ? https : http;
    const agent = agents[url.protocol as 'http:'];
    const send = (retried: boolean): Promise<Response> =>
      new Promise<Response>((resolve, reject) => {
        let answered = false;
        const req = transport.request(url, { method, headers, agent }, (res) => {
          answered = true;
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => fail(err));
          res.on('end', () => {
            signal?.removeEventListener('abort', onAbort);
            const status = res.statusCode ?? 0;
            const out = new Headers();
            for (const [k, v] of Object.entries(res.headers)) {
              if (Array.isArray(v)) for (const one of v) out.append(k, one);
              else if (v !== undefined) out.set(k, v);
            }
            const noBody = method === 'HEAD' || NULL_BODY_STATUS.has(status);
            try {
              resolve(
                new Response(noBody ? null : Buffer.concat(chunks), {
                  status,
                  statusText: res.statusMessage ?? '',
                  headers: out,
                }),
              );
            } catch (err) {
              // A status a Response cannot hold (outside 200–599): a failed fetch, not a crash.
              reject(new TypeError('fetch failed', { cause: err }));
            }
          });
        });
        const onAbort = () => req.destroy(signal!.reason as Error);
        signal?.addEventListener('abort', onAbort, { once: true });
        const fail = (err: Error & { code?: string }) => {
          signal?.removeEventListener('abort', onAbort);
          if (signal?.aborted) return reject(signal.reason);
          // A kept-alive socket the server closed just as this request was written (its idle time-out):
          // sent once more on a fresh socket, as Node's docs advise, but only when sending twice is
          // harmless. A POST or PATCH may have been read before the reset; it fails instead.
          if (
            !retried &&
            IDEMPOTENT.has(method) &&
            !answered &&
            req.reusedSocket &&
            (err.code === 'ECONNRESET' || err.code === 'EPIPE')
          )
            return resolve(send(true));
          // What the global fetch rejects with, so the SDKs' network-error paths see what they expect.
          reject(new TypeError('fetch failed', { cause: err }));
        };
        req.on('error', fail);
        req.setTimeout(requestTimeoutMs, () => {
          const err = new Error(`no bytes for ${requestTimeoutMs} ms`) as Error & { code: string };
          err.code = 'ETIMEDOUT';
          req.destroy(err);
        });
        req.end(body.body ?? undefined);
      });
    return send(false);
  };

  return {
    fetch: pooledFetch as typeof globalThis.fetch,
    close: async () => {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
