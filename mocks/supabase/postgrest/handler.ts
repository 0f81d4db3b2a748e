/**
 * `/rest/v1/<table>`: PostgREST semantics for GET/HEAD/POST/PATCH/DELETE — Prefer (return, count,
 * resolution, missing), singular objects (`Accept: application/vnd.pgrst.object+json`), Content-Range
 * with 200/206/416, and PostgREST's error bodies. Writes run in one transaction that rolls back on any
 * error, including a singular response that would not have exactly one row.
 */
import type { HttpReply, MockRequest } from '../../shared/http.ts';
import type { Db } from '../store/db.ts';
import type { SchemaCache, TableInfo } from '../store/schema.ts';
import { closestName } from '../store/schema.ts';
import { PgrstError, pgrst, pgrstReply } from './errors.ts';
import type { Prefer } from './parse.ts';
import { parseColumns, parsePrefer } from './parse.ts';
import type { ResourcePlan } from './plan.ts';
import { buildPlan } from './plan.ts';
import { countRows, matchRowids, readByRowids, readRows, rowidsFailing } from './read.ts';
import type { RlsCaller } from './rls.ts';
import { rlsViolation, rowPolicy } from './rls.ts';
import { deleteRows, insertColumns, insertRows, parseRows, updateRows } from './write.ts';

export interface RestContext {
  db: Db;
  schema: SchemaCache;
  /** Set when RLS applies to this request (RLS on and not the service role). */
  rls?: RlsCaller;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const OBJECT_TYPE = 'application/vnd.pgrst.object+json; charset=utf-8';

/** `resource` is the path after `/rest/v1/` (may be empty). */
export function handleRest(ctx: RestContext, req: MockRequest, resource: string): HttpReply {
  try {
    return route(ctx, req, resource);
  } catch (err) {
    if (err instanceof PgrstError) return pgrstReply(err);
    throw err;
  }
}

/** The operation name used by the journal and fault rules, e.g. `rest.select.profiles`. */
export function restOperation(req: MockRequest, resource: string): string {
  const verb =
    req.method === 'GET' || req.method === 'HEAD'
      ? 'select'
      : req.method === 'POST'
        ? /resolution=/.test(req.headers.prefer ?? '')
          ? 'upsert'
          : 'insert'
        : req.method === 'PATCH'
          ? 'update'
          : req.method === 'DELETE'
            ? 'delete'
            : req.method.toLowerCase();
  return `rest.${verb}.${resource || 'root'}`;
}

function route(ctx: RestContext, req: MockRequest, resource: string): HttpReply {
  const read = req.method === 'GET' || req.method === 'HEAD';
  const profile = read ? req.headers['accept-profile'] : req.headers['content-profile'];
  if (profile && profile !== 'public') throw pgrst.schema(profile);
  if (resource === '') {
    if (!read) throw pgrst.method(req.method);
    return reply(200, { tables: [...ctx.schema.tables.keys()] }, JSON_TYPE);
  }
  if (resource.startsWith('rpc/')) throw pgrst.notFoundFunction(resource.slice(4));
  const table = ctx.schema.tables.get(resource);
  if (!table) throw pgrst.unknownTable(resource, closestName(resource, ctx.schema.tables.keys()));

  const accept = req.headers.accept ?? '';
  const singular = accept.includes('application/vnd.pgrst.object+json');
  if (/text\/csv|application\/geo\+json|vnd\.pgrst\.plan/.test(accept) && !singular) {
    throw new PgrstError(406, 'PGRST107', `None of these media types are available: ${accept}`);
  }
  const prefer = parsePrefer(req.headers.prefer);
  const command =
    req.method === 'POST'
      ? 'INSERT'
      : req.method === 'PATCH'
        ? 'UPDATE'
        : req.method === 'DELETE'
          ? 'DELETE'
          : 'SELECT';
  const plan = buildPlan(ctx.schema, table, req.query, ctx.rls, command);

  switch (req.method) {
    case 'GET':
    case 'HEAD':
      return select(ctx, req, plan, prefer, singular);
    case 'POST':
      return insert(ctx, req, table, plan, prefer, singular);
    case 'PATCH':
      return update(ctx, req, table, plan, prefer, singular);
    case 'DELETE':
      return remove(ctx, table, plan, prefer, singular);
    default:
      throw pgrst.method(req.method);
  }
}

function select(
  ctx: RestContext,
  req: MockRequest,
  plan: ResourcePlan,
  prefer: Prefer,
  singular: boolean,
): HttpReply {
  applyRangeHeader(req, plan);
  const total = prefer.count ? countRows(ctx.db, plan) : undefined;
  const rows = readRows(ctx.db, plan);
  if (singular && rows.length !== 1) throw pgrst.singular(rows.length);
  const offset = plan.offset ?? 0;
  let status = 200;
  if (total !== undefined) {
    if (offset > total) throw pgrst.rangeNotSatisfiable(offset, total);
    if (rows.length < total) status = 206;
  }
  const headers: Record<string, string> = {
    'content-type': singular ? OBJECT_TYPE : JSON_TYPE,
    'content-range': contentRange(offset, rows.length, total),
  };
  if (prefer.count) headers['preference-applied'] = `count=${prefer.count}`;
  const body = req.method === 'HEAD' ? null : JSON.stringify(singular ? rows[0] : rows);
  return { status, headers, body };
}

/** `Range: 0-9` (PostgREST's header form of offset/limit); query parameters win when both are given. */
function applyRangeHeader(req: MockRequest, plan: ResourcePlan): void {
  const range = req.headers.range;
  if (!range) return;
  const m = /^(?:items=)?\s*(\d+)-(\d*)\s*$/.exec(range);
  if (!m) return;
  const from = Number(m[1]);
  if (plan.offset === undefined) plan.offset = from;
  if (m[2] !== '' && plan.limit === undefined) plan.limit = Math.max(0, Number(m[2]) - from + 1);
}

function contentRange(offset: number, n: number, total: number | undefined): string {
  const t = total === undefined ? '*' : String(total);
  return n > 0 ? `${offset}-${offset + n - 1}/${t}` : `*/${t}`;
}

function insert(
  ctx: RestContext,
  req: MockRequest,
  table: TableInfo,
  plan: ResourcePlan,
  prefer: Prefer,
  singular: boolean,
): HttpReply {
  const rows = parseRows(req.body);
  const columnsParam = req.query.get('columns');
  const columns = insertColumns(table, rows, columnsParam ? parseColumns(columnsParam) : undefined);
  const onConflictParam = req.query.get('on_conflict');
  const onConflict = onConflictParam
    ? onConflictParam.split(',').map((c) => c.trim().replace(/^"|"$/g, ''))
    : undefined;
  const result = ctx.db.transaction(() => {
    const policy = (command: 'INSERT' | 'UPDATE', clause: 'using' | 'check') =>
      rowPolicy(ctx.schema, table, ctx.rls, command, clause);
    const policies = plan.visible && {
      insertCheck: policy('INSERT', 'check'),
      visible: plan.visible,
      updateUsing: policy('UPDATE', 'using'),
      updateCheck: policy('UPDATE', 'check'),
    };
    const rowids = insertRows(ctx.db, table, rows, columns, { prefer, onConflict, policies });
    if (singular && rowids.length !== 1) throw pgrst.singular(rowids.length);
    return { rowids, out: returning(ctx, plan, prefer, rowids) };
  })();
  const headers = writeHeaders(prefer, result.rowids.length, result.out !== undefined);
  if (prefer.return === 'headers-only' && table.primaryKey.length === 1 && result.rowids.length === 1) {
    const pk = table.primaryKey[0]!;
    const row = ctx.db
      .prepare(`SELECT "${pk}" AS v FROM "${table.name}" WHERE rowid = ?`)
      .get(result.rowids[0]) as { v: unknown } | undefined;
    if (row) headers.location = `/${table.name}?${pk}=eq.${String(row.v)}`;
  }
  return body(201, headers, result.out, singular);
}

/**
 * `return=representation` reads the written rows back (RETURNING). Under RLS they must pass the SELECT
 * policies, or Postgres fails the whole statement; the transaction then rolls the write back.
 */
function returning(
  ctx: RestContext,
  plan: ResourcePlan,
  prefer: Prefer,
  rowids: number[],
): unknown[] | undefined {
  if (prefer.return !== 'representation') return undefined;
  if (plan.visible && rowidsFailing(ctx.db, plan.table, plan.visible, rowids).length > 0)
    throw rlsViolation(plan.visible);
  return readByRowids(ctx.db, plan, rowids);
}

function requireFilter(plan: ResourcePlan, verb: 'UPDATE' | 'DELETE'): void {
  if (plan.filters.length === 0 && !plan.embeds.some((e) => e.inner) && plan.limit === undefined) {
    throw pgrst.requiresWhere(verb);
  }
}

function update(
  ctx: RestContext,
  req: MockRequest,
  table: TableInfo,
  plan: ResourcePlan,
  prefer: Prefer,
  singular: boolean,
): HttpReply {
  const rows = parseRows(req.body);
  if (rows.length !== 1 || req.body.trim().startsWith('['))
    throw pgrst.invalidBody('PATCH takes one JSON object.');
  requireFilter(plan, 'UPDATE');
  const result = ctx.db.transaction(() => {
    const rowids = matchRowids(ctx.db, plan, true);
    updateRows(ctx.db, table, rowids, rows[0]!, rowPolicy(ctx.schema, table, ctx.rls, 'UPDATE', 'check'));
    if (singular && rowids.length !== 1) throw pgrst.singular(rowids.length);
    return { rowids, out: returning(ctx, plan, prefer, rowids) };
  })();
  const headers = writeHeaders(prefer, result.rowids.length, result.out !== undefined);
  return body(result.out ? 200 : 204, headers, result.out, singular);
}

function remove(
  ctx: RestContext,
  table: TableInfo,
  plan: ResourcePlan,
  prefer: Prefer,
  singular: boolean,
): HttpReply {
  requireFilter(plan, 'DELETE');
  const result = ctx.db.transaction(() => {
    const rowids = matchRowids(ctx.db, plan, true);
    if (singular && rowids.length !== 1) throw pgrst.singular(rowids.length);
    // Read what is about to go before it goes: `.delete().select()` returns the deleted rows.
    const out = prefer.return === 'representation' ? readByRowids(ctx.db, plan, rowids) : undefined;
    deleteRows(ctx.db, table, rowids);
    return { rowids, out };
  })();
  const headers = writeHeaders(prefer, result.rowids.length, result.out !== undefined);
  return body(result.out ? 200 : 204, headers, result.out, singular);
}

function writeHeaders(prefer: Prefer, affected: number, withBody: boolean): Record<string, string> {
  const total = prefer.count ? String(affected) : '*';
  const headers: Record<string, string> = {
    'content-range': withBody && affected > 0 ? `0-${affected - 1}/${total}` : `*/${total}`,
  };
  const applied = [
    prefer.return && `return=${prefer.return}`,
    prefer.count && `count=${prefer.count}`,
    prefer.resolution && `resolution=${prefer.resolution}`,
    prefer.missing && `missing=${prefer.missing}`,
  ].filter(Boolean);
  if (applied.length) headers['preference-applied'] = applied.join(', ');
  return headers;
}

function body(
  status: number,
  headers: Record<string, string>,
  out: unknown[] | undefined,
  singular: boolean,
): HttpReply {
  if (out === undefined) return { status, headers, body: null };
  return {
    status,
    headers: { ...headers, 'content-type': singular ? OBJECT_TYPE : JSON_TYPE },
    body: JSON.stringify(singular ? out[0] : out),
  };
}

function reply(status: number, value: unknown, type: string): HttpReply {
  return { status, headers: { 'content-type': type }, body: JSON.stringify(value) };
}
