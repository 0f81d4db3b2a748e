/**
 * Cursor pagination. A cursor is an opaque base64url token holding the sort key and row sequence of
 * the row it continues from (keyset pagination, so deep pages stay cheap and stable under inserts).
 * `links.next`/`links.prev` are absolute URLs built from the request URL's origin, as Klaviyo's are;
 * the SDK sometimes sends such a whole URL back as `page[cursor]`, so we accept that too.
 */
import type { MockRequest } from '../../shared/http.ts';
import type { ListQuery } from '../core/store.ts';
import { invalidParam } from './errors.ts';
import { pageSizeParam, sortParam } from './query.ts';

export interface Cursor {
  /** `n`: rows after the position, `p`: rows before it. */
  dir: 'n' | 'p';
  /** Sort key value of the boundary row. */
  key: string | number;
  /** Sequence of the boundary row (tie-breaker). */
  seq: number;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.dir, c.key, c.seq])).toString('base64url');
}

export function readCursor(req: MockRequest): Cursor | null {
  let raw = req.query.get('page[cursor]');
  if (raw === null || raw === '') return null;
  if (/^https?:\/\//.test(raw)) {
    // A whole `links.next` URL sent back as the cursor (the SDK does this for non-https base URLs).
    try {
      raw = new URL(raw).searchParams.get('page[cursor]') ?? '';
    } catch {
      raw = '';
    }
  }
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(parsed) &&
      parsed.length === 3 &&
      (parsed[0] === 'n' || parsed[0] === 'p') &&
      (typeof parsed[1] === 'string' || typeof parsed[1] === 'number') &&
      Number.isInteger(parsed[2])
    ) {
      return { dir: parsed[0], key: parsed[1], seq: parsed[2] };
    }
  } catch {
    // fall through to the error below
  }
  throw invalidParam(
    'page[cursor]',
    'page[cursor] is not a cursor this API issued; follow links.next / links.prev as returned.',
  );
}

/** The request URL with `page[cursor]` replaced (or removed when `cursor` is null). */
export function linkWithCursor(req: MockRequest, cursor: string | null): string {
  const url = new URL(req.url.pathname + req.url.search, req.url.origin);
  if (cursor === null) url.searchParams.delete('page[cursor]');
  else url.searchParams.set('page[cursor]', cursor);
  return url.toString();
}

export function selfLink(req: MockRequest): string {
  return new URL(req.url.pathname + req.url.search, req.url.origin).toString();
}

/** `${origin}${path}` — the `links.self` of a single resource. */
export function resourceLink(req: MockRequest, path: string): string {
  return `${req.url.origin}${path}`;
}

/** `links` for one page of a keyset list: `self`, plus `next` / `prev` when there are rows that way. */
export function pageLinks(
  req: MockRequest,
  page: { rows: { _k: string | number; seq: number }[]; hasNext: boolean; hasPrev: boolean },
): Record<string, string> {
  const links: Record<string, string> = { self: selfLink(req) };
  const first = page.rows[0];
  const last = page.rows[page.rows.length - 1];
  if (page.hasNext && last)
    links.next = linkWithCursor(req, encodeCursor({ dir: 'n', key: last._k, seq: last.seq }));
  if (page.hasPrev && first)
    links.prev = linkWithCursor(req, encodeCursor({ dir: 'p', key: first._k, seq: first.seq }));
  return links;
}

/**
 * The keyset query of a collection endpoint: the compiled `filter`, `sort` (API field → SQL expression,
 * creation order by default), `page[cursor]` and `page[size]` (default, max from the spec).
 */
export function collectionQuery(
  req: MockRequest,
  account: string,
  filter: { where: string[]; params: unknown[] },
  sorts: Record<string, string>,
  size: { def: number; max: number },
): Omit<ListQuery, 'table' | 'columns'> {
  const sort = sortParam(req, Object.keys(sorts));
  return {
    account,
    where: filter.where,
    params: filter.params,
    sortExpr: sort ? sorts[sort.field]! : 'seq',
    desc: sort?.desc ?? false,
    cursor: readCursor(req),
    limit: pageSizeParam(req, size.def, size.max),
  };
}
