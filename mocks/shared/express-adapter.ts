/**
 * Thin Express 5 adapter: request → MockRequest, service.handle, MockResponse → socket. No API logic here.
 */
import type { Socket } from 'node:net';
import express, { type Express, type Request, type Response } from 'express';
import type { MockRequest, MockResponse } from './http.ts';
import { createMockRequest, damagedReply, requestFromTarget } from './http.ts';
import type { MockService } from './service.ts';
import { tooLargeError } from './service.ts';

export function createExpressApp(service: MockService): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', false);
  // Express's router parses req.url to match routes and answers its own HTML error page when that fails
  // (`POST http://[bad/api/events`). A target that is not origin-form routes as `/`; originalUrl keeps
  // the raw text, so toMockRequest still sees it and the core answers in the API's format (issue 11).
  type Handle = (req: Request, res: Response, cb?: unknown) => void;
  const withHandle = app as unknown as { handle: Handle };
  const handle = withHandle.handle.bind(app);
  withHandle.handle = (req, res, cb) => {
    if (!req.url.startsWith('/')) {
      req.originalUrl = req.url;
      req.url = '/';
    }
    handle(req, res, cb);
  };
  // Compressed or non-UTF-8 bodies (rare) go through body-parser, which inflates and decodes them; the
  // size limit is the service's, and bad JSON is still the core's to report (every type is read as text).
  const decodingReader = express.text({
    type: () => true,
    limit: service.maxBodyBytes,
    defaultCharset: 'utf-8',
  });
  app.use((req: Request, res: Response, next: (err?: unknown) => void) => {
    if (!isPlainBody(req)) {
      decodingReader(req, res, next);
      return;
    }
    // The common case (identity-encoded UTF-8) is read here: body-parser's content-type parsing, charset
    // lookup and iconv decode cost more per request than the whole Express router (bench: http suite).
    readPlainBody(req, service.maxBodyBytes, (body, bodyError) =>
      serve(service, res, toMockRequest(req, body, bodyError)),
    );
  });
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

const UTF8_CHARSET = /;\s*charset\s*=\s*"?utf-8"?\s*(;|$)/i;

/** No content-encoding and no charset other than UTF-8: bytes can be decoded as they come. */
function isPlainBody(req: Request): boolean {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
  const type = req.headers['content-type'];
  return type === undefined || !/charset/i.test(type) || UTF8_CHARSET.test(type);
}

/**
 * Read an identity-encoded UTF-8 body with the same outcomes as `express.text`: '' when there is none,
 * a leading BOM dropped, 413 past `max` bytes (the rest is read and discarded so the connection stays
 * usable, then answered), 400 when the client aborts or sends fewer bytes than its content-length.
 */
function readPlainBody(
  req: Request,
  max: number,
  done: (body: string, bodyError?: MockRequest['bodyError']) => void,
): void {
  const declared = req.headers['content-length'];
  if (req.headers['transfer-encoding'] === undefined && (declared === undefined || declared === '0')) {
    done('');
    return;
  }
  const expected = declared === undefined ? -1 : Number(declared);
  let tooLarge = expected > max;
  let chunks: Buffer[] = [];
  let received = 0;
  let finished = false;
  const finish = (body: string, bodyError?: MockRequest['bodyError']) => {
    if (finished) return;
    finished = true;
    done(body, bodyError);
  };
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > max) tooLarge = true;
    if (tooLarge) chunks = [];
    else chunks.push(chunk);
  });
  req.on('end', () => {
    if (tooLarge) return finish('', tooLargeError(max));
    if (expected >= 0 && received !== expected) {
      return finish('', {
        status: 400,
        message: 'Could not read the request body: request size did not match content length',
      });
    }
    const text =
      chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, received).toString('utf8');
    finish(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  });
  req.on('error', (err: Error) => {
    finish('', { status: 400, message: `Could not read the request body: ${err.message}` });
  });
}

function toMockRequest(req: Request, body: string, bodyError?: MockRequest['bodyError']): MockRequest {
  const headers = req.headers;
  return requestFromTarget({
    method: req.method,
    origin: `http://${headers.host ?? '127.0.0.1'}`,
    target: req.originalUrl,
    // Node already lower-cases names and joins repeats; only `set-cookie` stays an array.
    headers:
      headers['set-cookie'] === undefined
        ? (headers as Record<string, string>)
        : createMockRequest({ method: req.method, url: 'http://x/', headers }).headers,
    body,
    bodyError,
  });
}

function serve(service: MockService, res: Response, mockReq: MockRequest): void {
  const fail = (err: Error) => {
    let reply: MockResponse;
    try {
      reply = service.core.formatError(500, 'error', `Internal mock error: ${err.message}`, {}, mockReq);
    } catch {
      // The core's own formatter failed: a plain JSON answer still beats a crashed server.
      reply = {
        kind: 'http',
        status: 500,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: `Internal mock error: ${err.message}` }),
      } as MockResponse;
    }
    writeResponse(res, reply);
  };
  let out: MockResponse | Promise<MockResponse>;
  try {
    out = service.respond ? service.respond(mockReq) : service.handle(mockReq);
  } catch (err) {
    fail(err as Error);
    return;
  }
  // A synchronous answer is written at once: no promise, no extra microtask per request.
  if (typeof (out as Promise<MockResponse>).then === 'function') {
    (out as Promise<MockResponse>).then((reply) => writeResponse(res, reply), fail);
  } else {
    writeResponse(res, out as MockResponse);
  }
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
