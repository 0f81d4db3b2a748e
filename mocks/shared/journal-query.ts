/**
 * Journal queries in the manner of WireMock's `POST /__admin/requests/find` and `/count`: one request
 * pattern, validated with zod, matched against every journal entry. Shared by both mocks (the admin
 * routes in service.ts call it), so Klaviyo and Supabase answer the same query language.
 *
 * A pattern (every field optional, all must hold):
 *   { "method": "POST", "path": "/api/events", "pathPattern": "^/api/profiles/[^/]+$",
 *     "operation": "create_event", "status": 503 | [500, 503] | "5xx", "fault": "error:503" | "error:*" | true | false,
 *     "account": "…", "since": 120, "limit": 50,
 *     "bodyPatterns": [ { "pointer": "/data/attributes/metric/data/attributes/name", "equals": "Story Generated" },
 *                       { "pointer": "/data/attributes/profile", "exists": true }, { "contains": "parent@" } ] }
 *
 * Known limitations:
 * - Only what the journal holds is searched: the newest N requests (a ring, 10 000 by default) and bodies
 *   up to 8 KiB (a longer body is truncated, so its JSON does not parse and pointer patterns miss it).
 * - Body fields are addressed with JSON Pointer (RFC 6901), not JSONPath; `equals` is deep equality of
 *   JSON values (`"3"` does not equal `3`); no regex on body values.
 * - "Unmatched" means the mock could name no operation of its API for the request (an unknown path):
 *   WireMock's notion of "no stub matched" has no exact equivalent here.
 */
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import type { JournalEntry } from './journal.ts';

const statusSchema = z.union([
  z.number().int().min(100).max(599),
  z.array(z.number().int().min(100).max(599)).min(1),
  z.string().regex(/^[1-5]xx$/, 'expected a status class like "5xx"'),
]);

const bodyPatternSchema = z.union([
  z.strictObject({
    pointer: z.string().regex(/^(\/.*)?$/, 'a JSON Pointer starts with "/"'),
    equals: z.unknown(),
  }),
  z.strictObject({
    pointer: z.string().regex(/^(\/.*)?$/, 'a JSON Pointer starts with "/"'),
    exists: z.boolean(),
  }),
  z.strictObject({ contains: z.string().min(1) }),
]);

export const requestPatternSchema = z.strictObject({
  method: z.string().min(1).optional(),
  path: z.string().min(1).optional(),
  pathPattern: z
    .string()
    .refine((s) => {
      try {
        new RegExp(s);
        return true;
      } catch {
        return false;
      }
    }, 'not a valid regular expression')
    .optional(),
  operation: z.string().min(1).optional(),
  status: statusSchema.optional(),
  fault: z.union([z.string().min(1), z.boolean()]).optional(),
  account: z.string().min(1).optional(),
  since: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).optional(),
  bodyPatterns: z.array(bodyPatternSchema).optional(),
});

export type RequestPattern = z.infer<typeof requestPatternSchema>;

export class QueryError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

const EXAMPLE = '{"method": "POST", "operation": "create_event", "status": "5xx"}';

/** Parse a request body into a pattern; throws QueryError naming the bad field. An empty body matches all. */
export function parseRequestPattern(body: string | undefined): RequestPattern {
  let raw: unknown = {};
  if (body?.trim()) {
    try {
      raw = JSON.parse(body);
    } catch (err) {
      throw new QueryError(
        `Body is not valid JSON: ${(err as Error).message}. Example: ${EXAMPLE}`,
        '(body)',
      );
    }
  }
  const result = requestPatternSchema.safeParse(raw);
  if (result.success) {
    const i = result.data.bodyPatterns?.findIndex(
      (b) => 'pointer' in b && !('equals' in b) && !('exists' in b),
    );
    if (i !== undefined && i >= 0) {
      throw new QueryError(
        `Invalid bodyPatterns.${i}: a pointer needs "equals": value or "exists": true/false.`,
        `bodyPatterns.${i}`,
      );
    }
    return result.data;
  }
  const issue = result.error.issues.find((i) => i.code === 'unrecognized_keys') ?? result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const where = issue.path.length ? `${issue.path.join('.')}.${key}` : key;
    const known = issue.path.length
      ? 'pointer with equals or exists, or contains'
      : Object.keys(requestPatternSchema.shape).join(', ');
    throw new QueryError(`Unknown field "${where}". Known: ${known}.`, where);
  }
  const field = issue.path.join('.') || '(body)';
  const detail = issue.code === 'invalid_union' ? unionHint(issue.path) : issue.message;
  throw new QueryError(`Invalid ${field}: ${detail}. Example: ${EXAMPLE}`, field);
}

function unionHint(path: PropertyKey[]): string {
  const last = path[0];
  if (last === 'status') return 'expected a status (503), a list of statuses ([500, 503]) or a class ("5xx")';
  if (last === 'fault')
    return 'expected a fault label ("error:503", "network:reset"), a prefix ("error:*") or true / false';
  if (last === 'bodyPatterns')
    return 'expected {"pointer": "/a/b", "equals": value}, {"pointer": "/a/b", "exists": true} or {"contains": "text"}';
  return 'unexpected value';
}

/** RFC 6901: `/a/0/b~1c` → a, 0, b/c. `undefined` when the path leads nowhere. */
export function resolvePointer(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let node = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, token)) return undefined;
    node = (node as Record<string, unknown>)[token];
  }
  return node;
}

/** Does one entry match the pattern (ignoring `since` and `limit`, which select, not match)? */
export function matchesPattern(e: JournalEntry, p: RequestPattern, pathRe?: RegExp): boolean {
  if (p.method && e.method.toUpperCase() !== p.method.toUpperCase()) return false;
  if (p.path && stripSlash(e.path) !== stripSlash(p.path)) return false;
  if (pathRe && !pathRe.test(e.path)) return false;
  if (p.operation && e.operation !== p.operation) return false;
  if (p.account && e.account !== p.account) return false;
  if (p.status !== undefined && !statusMatches(e.status, p.status)) return false;
  if (p.fault !== undefined) {
    if (typeof p.fault === 'boolean') {
      if ((e.fault !== null) !== p.fault) return false;
    } else if (p.fault.endsWith('*')) {
      // `error:*` = any injected error, `network:*` = any network fault (latency-only labels excluded).
      if (!e.fault?.startsWith(p.fault.slice(0, -1))) return false;
    } else if (e.fault !== p.fault) return false;
  }
  if (p.bodyPatterns?.length && !bodyMatches(e.requestBody, p.bodyPatterns)) return false;
  return true;
}

/** The matching entries, oldest first; `limit` keeps the newest, as `GET /__admin/requests` does. */
export function findRequests(entries: readonly JournalEntry[], p: RequestPattern): JournalEntry[] {
  const pathRe = p.pathPattern ? new RegExp(p.pathPattern) : undefined;
  const out = entries.filter(
    (e) => (p.since === undefined || e.seq > p.since) && matchesPattern(e, p, pathRe),
  );
  return p.limit !== undefined && out.length > p.limit ? out.slice(out.length - p.limit) : out;
}

/** Requests the mock could not name an operation for (unknown paths). */
export function unmatchedRequests(entries: readonly JournalEntry[]): JournalEntry[] {
  return entries.filter((e) => e.operation === undefined);
}

function stripSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

function statusMatches(status: number | null, want: NonNullable<RequestPattern['status']>): boolean {
  if (status === null) return false;
  if (typeof want === 'number') return status === want;
  if (Array.isArray(want)) return want.includes(status);
  return Math.floor(status / 100) === Number(want[0]);
}

function bodyMatches(
  body: string | undefined,
  patterns: NonNullable<RequestPattern['bodyPatterns']>,
): boolean {
  if (body === undefined) return false;
  let parsed: unknown;
  let parsedOk: boolean | undefined;
  for (const pat of patterns) {
    if ('contains' in pat) {
      if (!body.includes(pat.contains)) return false;
      continue;
    }
    if (parsedOk === undefined) {
      try {
        parsed = JSON.parse(body);
        parsedOk = true;
      } catch {
        parsedOk = false;
      }
    }
    if (!parsedOk) return false;
    const value = resolvePointer(parsed, pat.pointer);
    if ('exists' in pat) {
      if ((value !== undefined) !== pat.exists) return false;
    } else if (!isDeepStrictEqual(value, pat.equals)) return false;
  }
  return true;
}
