/**
 * Thin Express 5 adapter: request → MockRequest, service.handle, MockResponse → socket. No API logic here.
 */
import type { Socket } from 'node:net';
import express, { type Express, type Request, type Response } from 'express';
import type { MockResponse } from './http.ts';
import { createMockRequest } from './http.ts';
import type { MockService } from './service.ts';

export interface ExpressAppOptions {
  /** Largest accepted body (default 5 MB, as Klaviyo's bulk endpoints allow). */
  bodyLimit?: string;
}

export function createExpressApp(service: MockService, options: ExpressAppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', false);
  // Read every body as text whatever its content type: the core parses it, so bad JSON gets the
  // emulated API's own error rather than Express's HTML page.
  app.use(express.text({ type: () => true, limit: options.bodyLimit ?? '5mb', defaultCharset: 'utf-8' }));
  app.use((req: Request, res: Response) => {
    const body = typeof req.body === 'string' ? req.body : '';
    const host = req.headers.host ?? '127.0.0.1';
    const mockReq = createMockRequest({
      method: req.method,
      url: `http://${host}${req.originalUrl}`,
      headers: req.headers,
      body,
    });
    service.handle(mockReq).then(
      (out) => writeResponse(res, out),
      (err: Error) => {
        const reply = service.core.formatError(500, 'error', `Internal mock error: ${err.message}`);
        writeResponse(res, reply);
      },
    );
  });
  // Body-parser errors (too large, bad charset) still answer in the API's format.
  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: unknown) => {
    const status = err.status && err.status >= 400 && err.status < 600 ? err.status : 400;
    writeResponse(
      res,
      service.core.formatError(status, 'invalid', `Could not read the request body: ${err.message}`),
    );
  });
  return app;
}

export function writeResponse(res: Response, out: MockResponse): void {
  if (out.kind === 'network') {
    const socket = res.socket as Socket | null;
    switch (out.fault) {
      case 'reset':
        // An RST, as a dropped connection looks to a client (ECONNRESET).
        socket?.resetAndDestroy();
        return;
      case 'empty':
        // Close without a byte: "socket hang up" / empty reply.
        socket?.end();
        return;
      case 'hang':
        // Never answer; the client's own time-out ends it (server close destroys the socket).
        return;
      case 'truncated': {
        const body = out.body ?? '{"data":[{"type":"profile","id":"01TRUNCATED","attributes":{"email":"';
        res.writeHead(out.status ?? 200, {
          ...(out.headers ?? { 'content-type': 'application/json' }),
          'content-length': String(Buffer.byteLength(body) * 2),
        });
        res.write(body.slice(0, Math.ceil(body.length / 2)));
        setImmediate(() => socket?.destroy());
        return;
      }
      case 'malformed': {
        res.writeHead(out.status ?? 200, out.headers ?? { 'content-type': 'application/json' });
        res.end(out.body ?? '{"data": [ {"type": "profile", <<not json>>');
        return;
      }
    }
  }
  if (!out.body) {
    // An empty body with a length, not chunked encoding: what a real server (and bare Express) sends for 202/204.
    res.writeHead(out.status, out.status === 204 ? out.headers : { ...out.headers, 'content-length': '0' });
    res.end();
    return;
  }
  res.writeHead(out.status, out.headers);
  res.end(out.body);
}
