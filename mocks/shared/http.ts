/**
 * The transport-neutral request and response that every mock core speaks.
 *
 * Express and msw adapters translate to and from these types and do nothing else, so one core (and one
 * fault layer) serves both an HTTP server and in-process interception.
 */

export interface MockRequest {
  /** Upper-case HTTP method. */
  method: string;
  /** The full request URL as the client sent it (absolute `links` are built from its origin). */
  url: URL;
  /** `url.pathname` with any trailing slash removed (`/api/profiles/` → `/api/profiles`). */
  path: string;
  query: URLSearchParams;
  /** Header names lower-cased; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** The raw body text; `''` when there is none. Cores parse it themselves so bad JSON is theirs to report. */
  body: string;
  /**
   * Set by an adapter that could not read the body (over its size limit, bad charset); the service then
   * answers this status in the API's format, and journals it, instead of calling the core.
   */
  bodyError?: { status: number; message: string };
}

/** An ordinary HTTP answer. */
export interface HttpReply {
  kind?: 'http';
  status: number;
  headers: Record<string, string>;
  /** `null` or `''` for an empty body. */
  body: string | null;
}

/**
 * A transport-level failure. Adapters turn it into the closest thing their transport has:
 * Express destroys or stalls the socket, msw answers `HttpResponse.error()` or never resolves.
 */
export interface NetworkFaultReply {
  kind: 'network';
  fault: NetworkFault;
  /** For `truncated` and `malformed`: the status line and headers to send before the damage. */
  status?: number;
  headers?: Record<string, string>;
  body?: string;
}

export type NetworkFault = 'reset' | 'hang' | 'empty' | 'truncated' | 'malformed';

export type MockResponse = HttpReply | NetworkFaultReply;

export function isNetworkFault(res: MockResponse): res is NetworkFaultReply {
  return res.kind === 'network';
}

/** What a damaged answer's first bytes look like when the fault gave no body: a page of profiles. */
const DAMAGED_BODIES: Record<'truncated' | 'malformed', string> = {
  // Valid JSON whose first half is sent: the client sees a body that stops mid-string.
  truncated: '{"data":[{"type":"profile","id":"01TRUNCATED","attributes":{"email":"someone@example.com"}}]}',
  malformed: '{"data": [ {"type": "profile", <<not json>>',
};

/**
 * The status line, headers and body a `truncated` or `malformed` answer starts with: the fault's own, or
 * a 200 JSON page. Every adapter uses this, so the damage looks the same over HTTP, msw and direct.
 */
export function damagedReply(out: NetworkFaultReply & { fault: 'truncated' | 'malformed' }): {
  status: number;
  headers: Record<string, string>;
  body: string;
} {
  return {
    status: out.status ?? 200,
    headers: out.headers ?? { 'content-type': 'application/json' },
    body: out.body ?? DAMAGED_BODIES[out.fault],
  };
}

/** Build a MockRequest from parts; adapters and tests use it so normalisation lives in one place. */
export function createMockRequest(init: {
  method: string;
  url: string | URL;
  headers?: Record<string, string | string[] | undefined> | Headers;
  body?: string;
  bodyError?: MockRequest['bodyError'];
}): MockRequest {
  const parsed = typeof init.url === 'string' ? safeUrl(init.url) : { url: init.url };
  const url = parsed.url;
  const headers: Record<string, string> = {};
  if (init.headers instanceof Headers) {
    init.headers.forEach((value, key) => {
      headers[key.toLowerCase()] = value;
    });
  } else if (init.headers) {
    for (const [key, value] of Object.entries(init.headers)) {
      if (value === undefined) continue;
      headers[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  // A target the URL parser rejects keeps its raw text as the path: no route matches it, so the core
  // answers 404 in its own format instead of the request throwing (issue 11).
  const pathname = parsed.rawPath ?? url.pathname;
  const path = pathname.length > 1 && pathname.endsWith('/') ? pathname.replace(/\/+$/, '') : pathname;
  return {
    method: init.method.toUpperCase(),
    url,
    path,
    query: url.searchParams,
    headers,
    body: init.body ?? '',
    ...(init.bodyError ? { bodyError: init.bodyError } : {}),
  };
}

const FALLBACK_ORIGIN = 'http://127.0.0.1';

/**
 * `new URL()` that cannot throw. An asterisk-form (`*`) or broken absolute-form target (`http://[bad/x`),
 * or a Host header the parser rejects, would otherwise raise `TypeError: Invalid URL` inside the server
 * and crash it. Order of tries: as given; the path on a fixed origin (bad Host); else an empty URL with
 * the raw target kept as `rawPath`.
 */
export function safeUrl(href: string): { url: URL; rawPath?: string } {
  try {
    return { url: new URL(href) };
  } catch {
    const schemeEnd = href.indexOf('//');
    const slash = schemeEnd < 0 ? -1 : href.indexOf('/', schemeEnd + 2);
    const rest = slash < 0 ? '' : href.slice(slash);
    if (rest.startsWith('/')) {
      try {
        return { url: new URL(FALLBACK_ORIGIN + rest) };
      } catch {
        // fall through
      }
    }
    return { url: new URL(`${FALLBACK_ORIGIN}/`), rawPath: rest || href };
  }
}

/** A path the WHATWG URL parser would return unchanged: no dot segments, escapes or odd characters. */
const PLAIN_PATH = /^\/[A-Za-z0-9\-_~/]*$/;

/**
 * A MockRequest built from an HTTP server's raw request line, without a `new URL()` per request: `path`
 * is cut from the request target, and `url` / `query` are parsed on first use (most operations, e.g.
 * create-event, never read them). A target the URL parser could rewrite (dot segments, escapes, an
 * absolute form) goes through createMockRequest, so `path` is always what `new URL()` gives.
 * `headers` must already be lower-cased with string values (Node's `req.headers` without `set-cookie`).
 */
export function requestFromTarget(init: {
  method: string;
  origin: string;
  target: string;
  headers: Record<string, string>;
  body: string;
  bodyError?: MockRequest['bodyError'];
}): MockRequest {
  // Only origin-form targets (`/path`) take the fast path; asterisk and absolute forms are parsed safely.
  if (!init.target.startsWith('/')) return requestFromOddTarget(init);
  const q = init.target.indexOf('?');
  let pathname = q < 0 ? init.target : init.target.slice(0, q);
  if (!PLAIN_PATH.test(pathname) || init.target.includes('#')) {
    return createMockRequest({ ...init, url: init.origin + init.target });
  }
  if (pathname.length > 1 && pathname.endsWith('/')) pathname = pathname.replace(/\/+$/, '');
  return new TargetRequest(
    init.method,
    init.origin + init.target,
    pathname,
    init.headers,
    init.body,
    init.bodyError,
  );
}

/**
 * Asterisk-form (`OPTIONS *`) and absolute-form (`GET http://host/path`) targets. An absolute target that
 * parses routes on its path, as a proxy-aware server does; anything else keeps its raw text as the path.
 */
function requestFromOddTarget(init: Parameters<typeof requestFromTarget>[0]): MockRequest {
  if (/^https?:\/\//i.test(init.target)) {
    const parsed = safeUrl(init.target);
    if (!parsed.rawPath) return createMockRequest({ ...init, url: parsed.url });
  }
  const req = createMockRequest({ ...init, url: `${FALLBACK_ORIGIN}/` });
  return { ...req, path: init.target };
}

class TargetRequest implements MockRequest {
  private parsed: URL | undefined;
  readonly bodyError?: MockRequest['bodyError'];
  constructor(
    readonly method: string,
    private readonly href: string,
    readonly path: string,
    readonly headers: Record<string, string>,
    readonly body: string,
    bodyError: MockRequest['bodyError'],
  ) {
    if (bodyError) this.bodyError = bodyError;
  }
  get url(): URL {
    if (!this.parsed) this.parsed = safeUrl(this.href).url;
    return this.parsed;
  }
  get query(): URLSearchParams {
    return this.url.searchParams;
  }
}

export function jsonReply(status: number, body: unknown, contentType = 'application/json'): HttpReply {
  return {
    status,
    headers: { 'content-type': contentType },
    body: body === undefined ? null : JSON.stringify(body),
  };
}
