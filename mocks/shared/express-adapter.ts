/**
 * Thin Express 5 adapter: request → MockRequest, service.handle, MockResponse → socket. No API logic here.
 */
import type { Socket } from 'node:net';
import express, { type Express, type Request, type Response } from 'express';
import type { MockRequest, MockResponse } from './http.ts';
import { createMockRequest, damagedReply } from './http.ts';
import type { MockService } from './service.ts';
import { tooLargeError } from './service.ts';

export function createExpressApp(service: MockService): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', false);
  // Read every body as text whatever its content type: the core parses it, so bad JSON gets the
  // emulated API's own error rather than Express's HTML page. The size limit is the service's.
  app.use(express.text({ type: () => true, limit: service.maxBodyBytes, defaultCharset: 'utf-8' }));
  app.use((req: Request, res: Response) => {
    serve(service, res, toMockRequest(req, typeof req.body === 'string' ? req.body : ''));
  });
  // A body Express could not read (too large, bad charset) goes to the service as a `bodyError`, so it
  // is answered in the API's format and journalled like any other request.
  app.use((err: Error & { status?: number; type?: string }, req: Request, res: Response, _next: unknown) => {
    const bodyError =
      err.type === 'entity.too.large'
        ? tooLargeError(service.maxBodyBytes)
        : {
            status: err.status && err.status >= 400 && err.status < 500 ? err.status : 400,
            message: `Could not read the request body: ${err.message}`,
          };
    serve(service, res, toMockRequest(req, '', bodyError));
  });
  return app;
}

function toMockRequest(req: Request, body: string, bodyError?: MockRequest['bodyError']): MockRequest {
  return createMockRequest({
    method: req.method,
    url: `http://${req.headers.host ?? '127.0.0.1'}${req.originalUrl}`,
    headers: req.headers,
    body,
    bodyError,
  });
}

function serve(service: MockService, res: Response, mockReq: MockRequest): void {
  service.handle(mockReq).then(
    (out) => writeResponse(res, out),
    (err: Error) => {
      const reply = service.core.formatError(
        500,
        'error',
        `Internal mock error: ${err.message}`,
        {},
        mockReq,
      );
      writeResponse(res, reply);
    },
  );
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
        const damaged = damagedReply({ ...out, fault: 'truncated' });
        res.writeHead(damaged.status, {
          ...damaged.headers,
          'content-length': String(Buffer.byteLength(damaged.body)),
        });
        res.write(damaged.body.slice(0, Math.ceil(damaged.body.length / 2)));
        setImmediate(() => socket?.destroy());
        return;
      }
      case 'malformed': {
        const damaged = damagedReply({ ...out, fault: 'malformed' });
        res.writeHead(damaged.status, damaged.headers);
        res.end(damaged.body);
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
