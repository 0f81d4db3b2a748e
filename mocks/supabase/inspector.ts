/**
 * The fake Supabase's read-only table browser for the inspector (like Studio's table editor, read
 * only): `GET /__admin/inspector/tables` lists the public tables PostgREST exposes with their row
 * counts, `GET /__admin/inspector/table?name=T&limit=50&offset=0[&order=col.desc]` pages one of them.
 * Behind the admin API's access rules (open on loopback, bearer token beyond).
 *
 * Known limitations:
 * - Public tables only (the auth_* tables holding password hashes and refresh tokens are never shown);
 *   RLS does not apply here: the admin API sees every row, as Studio's service role does.
 * - No filters beyond ordering by one column; at most 500 rows a page.
 */

import { LIMIT_PARAM, OFFSET_PARAM } from '../../lib/sqlite.ts';
import { jsonReply, type MockRequest, type MockResponse } from '../shared/http.ts';
import type { Db } from './store/db.ts';
import type { SchemaCache } from './store/schema.ts';

const MAX_LIMIT = 500;

export function tableBrowserRoutes(
  db: Db,
  schema: SchemaCache,
): Record<string, (req: MockRequest) => MockResponse> {
  const count = (table: string) =>
    (db.prepare(`SELECT COUNT(*) AS n FROM "${table}"`).get() as { n: number }).n;
  return {
    'GET inspector/tables': () =>
      jsonReply(200, {
        tables: [...schema.tables.values()].map((t) => ({
          name: t.name,
          rows: count(t.name),
          columns: t.columns.map((c) => c.name),
          row_level_security: schema.rls.enabled.has(t.name),
        })),
      }),
    'GET inspector/table': (req) => {
      const name = req.query.get('name') ?? '';
      const table = schema.tables.get(name);
      if (!table) {
        return jsonReply(404, {
          error: `No public table '${name}'. Tables: ${[...schema.tables.keys()].join(', ')}.`,
          field: 'name',
        });
      }
      const limit = intParam(req, 'limit', 50);
      const offset = intParam(req, 'offset', 0);
      if (typeof limit === 'string') return jsonReply(400, { error: limit, field: 'limit' });
      if (typeof offset === 'string') return jsonReply(400, { error: offset, field: 'offset' });
      const [col, dir] = (req.query.get('order') ?? '').split('.');
      if (col && !table.byName.has(col)) {
        return jsonReply(400, {
          error: `order: no column '${col}' in ${name}. Columns: ${table.columns.map((c) => c.name).join(', ')}.`,
          field: 'order',
        });
      }
      // Identifiers come from the schema cache (checked above), never from the request as typed.
      const orderBy = col ? `"${col}" ${dir === 'desc' ? 'DESC' : 'ASC'}` : 'rowid';
      const rows = db
        .prepare(`SELECT * FROM "${table.name}" ORDER BY ${orderBy} ${LIMIT_PARAM} ${OFFSET_PARAM}`)
        .all(Math.min(limit, MAX_LIMIT), offset);
      return jsonReply(200, {
        name,
        total: count(table.name),
        columns: table.columns.map((c) => c.name),
        rows,
      });
    },
  };
}

function intParam(req: MockRequest, field: string, fallback: number): number | string {
  const raw = req.query.get(field);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : `${field} must be a whole number >= 0 (got '${raw}').`;
}
