/**
 * The ceilings the Klaviyo mock is compared with in the same run: a bare Express 5 app (the framework's
 * ceiling) and a bare `node:http` server (the runtime's ceiling). Both parse the same JSON body and
 * answer the same status and a body of the same shape as the mock, and do nothing else — no store, no
 * validation, no journal.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

const JSONAPI = { 'content-type': 'application/vnd.api+json' };

/** What both baselines answer for a route, given the parsed body. */
export function answer(
  method: string,
  pathname: string,
  body: unknown,
): { status: number; body: string | null } {
  if (method === 'POST' && pathname.startsWith('/api/events')) return { status: 202, body: null };
  if (method === 'POST' && pathname.startsWith('/api/profile-import')) {
    const attrs = (body as { data?: { attributes?: Record<string, unknown> } })?.data?.attributes ?? {};
    return {
      status: 201,
      body: JSON.stringify({
        data: {
          type: 'profile',
          id: '01BASELINE0000000000000000',
          attributes: {
            ...attrs,
            created: '2026-01-01T00:00:00+00:00',
            updated: '2026-01-01T00:00:00+00:00',
          },
          links: { self: 'http://127.0.0.1/api/profiles/01BASELINE0000000000000000/' },
        },
      }),
    };
  }
  if (method === 'GET' && pathname.startsWith('/api/profiles')) {
    return { status: 200, body: CANNED_PAGE };
  }
  return { status: 404, body: '{"errors":[{"status":"404","code":"not_found"}]}' };
}

// One profile, as a filtered lookup by email returns it.
const CANNED_PAGE = JSON.stringify({
  data: [
    {
      type: 'profile',
      id: '01BASELINE0000000000000000',
      attributes: {
        email: 'parent.0.1@bench.dreamflow.test',
        external_id: 'user-0-1',
        first_name: 'Ada',
        properties: { subscription_tier: 'premium', total_stories: 12 },
        created: '2026-01-01T00:00:00+00:00',
        updated: '2026-01-01T00:00:00+00:00',
      },
      links: { self: 'http://127.0.0.1/api/profiles/01BASELINE0000000000000000/' },
    },
  ],
  links: { self: 'http://127.0.0.1/api/profiles/', next: null, prev: null },
});

export function createBareExpressApp(): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(express.json({ type: ['application/json', 'application/vnd.api+json'], limit: '5mb' }));
  app.use((req, res) => {
    const out = answer(req.method, req.path, req.body);
    res.status(out.status);
    if (out.body === null) res.end();
    else res.set(JSONAPI).send(out.body);
  });
  app.use((_err: Error, _req: express.Request, res: express.Response, _next: unknown) => {
    res.status(400).set(JSONAPI).send('{"errors":[{"status":"400","code":"invalid"}]}');
  });
  return app;
}

export function handleBareNode(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let parsed: unknown = null;
    if (chunks.length > 0) {
      try {
        parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400, JSONAPI).end('{"errors":[{"status":"400","code":"invalid"}]}');
        return;
      }
    }
    const q = req.url?.indexOf('?') ?? -1;
    const pathname = q >= 0 ? req.url!.slice(0, q) : (req.url ?? '/');
    const out = answer(req.method ?? 'GET', pathname, parsed);
    if (out.body === null) res.writeHead(out.status).end();
    else res.writeHead(out.status, JSONAPI).end(out.body);
  });
}

/** Start a bare node:http server on 127.0.0.1:0. */
export function startBareNode(): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const server = http.createServer(handleBareNode);
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
