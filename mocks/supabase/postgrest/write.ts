/**
 * INSERT / upsert / UPDATE / DELETE for PostgREST requests. Each returns the affected rowids; the
 * handler reads them back through the same select plan (so `.insert().select('*, children(*)')` works)
 * inside the same transaction. SQLite constraint failures become Postgres error codes with the
 * messages Postgres would give (23505, 23503, 23502, 23514).
 */
import type { Db } from '../store/db.ts';
import { prepare } from '../store/db.ts';
import type { ColumnInfo, TableInfo } from '../store/schema.ts';
import { columnOf, q } from './compile.ts';
import { PgrstError, pgrst } from './errors.ts';
import type { Prefer } from './parse.ts';
import type { RowPolicy } from './rls.ts';
import { passes, rlsViolation } from './rls.ts';
import { fromJson } from './values.ts';

export type JsonRow = Record<string, unknown>;

/** The body of a POST: one object or an array of objects. */
export function parseRows(body: string): JsonRow[] {
  let parsed: unknown;
  try {
    parsed = body.trim() === '' ? undefined : JSON.parse(body);
  } catch (err) {
    throw pgrst.invalidBody((err as Error).message);
  }
  const rows = Array.isArray(parsed) ? parsed : [parsed];
  for (const r of rows) {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) {
      throw pgrst.invalidBody('Expected a JSON object or an array of JSON objects.');
    }
  }
  return rows as JsonRow[];
}

/** The columns an insert writes: `columns=` when given, else the first object's keys (which all must share). */
export function insertColumns(
  table: TableInfo,
  rows: JsonRow[],
  columnsParam: string[] | undefined,
): ColumnInfo[] {
  let names: string[];
  if (columnsParam) {
    names = columnsParam;
  } else {
    names = Object.keys(rows[0] ?? {});
    const want = [...names].sort().join('\u0000');
    for (const row of rows) {
      if (Object.keys(row).sort().join('\u0000') !== want)
        throw pgrst.invalidBody('All object keys must match');
    }
  }
  return names.map((n) => {
    const col = table.byName.get(n);
    if (!col) throw pgrst.unknownBodyColumn(table.name, n);
    return col;
  });
}

export interface InsertOptions {
  prefer: Prefer;
  /** `on_conflict=` columns; default the primary key. Only used with `resolution=`. */
  onConflict?: string[];
  /** Row Level Security for this caller (absent when RLS does not apply). */
  policies?: WritePolicies;
}

/** The policies an insert or upsert checks, as Postgres does for INSERT … ON CONFLICT DO UPDATE. */
export interface WritePolicies {
  /** INSERT WITH CHECK, on each proposed row. */
  insertCheck?: RowPolicy;
  /** SELECT and UPDATE USING, on an existing row an upsert would merge into (refused, not skipped). */
  visible?: RowPolicy;
  updateUsing?: RowPolicy;
  /** UPDATE WITH CHECK, on the row after the merge. */
  updateCheck?: RowPolicy;
}

export function insertRows(
  db: Db,
  table: TableInfo,
  rows: JsonRow[],
  columns: ColumnInfo[],
  opts: InsertOptions,
): number[] {
  const resolution = opts.prefer.resolution;
  let conflictSql = '';
  if (resolution) {
    const target = opts.onConflict ?? table.primaryKey;
    for (const c of target) columnOf(table, c);
    const key = [...target].sort().join(',');
    if (!table.uniques.some((u) => [...u].sort().join(',') === key)) throw pgrst.noUniqueForConflict();
    conflictSql = ` ON CONFLICT (${target.map(q).join(', ')}) DO `;
  }
  const rowids: number[] = [];
  for (const row of rows) {
    // With missing=default an absent key takes the column default; otherwise it is NULL (PostgREST).
    const present = columns.filter((c) => Object.hasOwn(row, c.name) || opts.prefer.missing !== 'default');
    const values = present.map((c) => fromJson(c, row[c.name]));
    const policies = opts.policies;
    // WITH CHECK sees the proposed row; a policy column left to its default does not pass.
    if (policies?.insertCheck && !passes(policies.insertCheck, rowOf(present, values)))
      throw rlsViolation(policies.insertCheck);
    const merging =
      resolution === 'merge-duplicates' && policies
        ? conflictingRow(db, table, opts.onConflict ?? table.primaryKey, present, values)
        : undefined;
    if (merging) {
      for (const policy of [policies?.visible, policies?.updateUsing]) {
        if (policy && !passes(policy, merging)) throw rlsViolation(policy);
      }
      // DO UPDATE SET every given column: the merged row is the existing one overlaid with them.
      const merged = { ...merging, ...rowOf(present, values) };
      if (policies?.updateCheck && !passes(policies.updateCheck, merged))
        throw rlsViolation(policies.updateCheck);
    }
    checkForeignKeys(db, table, present, values, 'insert');
    let sql =
      present.length === 0
        ? `INSERT INTO ${q(table.name)} DEFAULT VALUES`
        : `INSERT INTO ${q(table.name)} (${present.map((c) => q(c.name)).join(', ')}) VALUES (${present.map(() => '?').join(', ')})`;
    if (resolution && present.length > 0) {
      sql +=
        conflictSql +
        (resolution === 'ignore-duplicates'
          ? 'NOTHING'
          : `UPDATE SET ${present.map((c) => `${q(c.name)} = excluded.${q(c.name)}`).join(', ')}`);
    }
    sql += ' RETURNING rowid AS r';
    const out = run(db, table, sql, values, present);
    if (out !== undefined) rowids.push(out);
  }
  return rowids;
}

export function updateRows(
  db: Db,
  table: TableInfo,
  rowids: number[],
  patch: JsonRow,
  /** UPDATE WITH CHECK (RLS): every updated row must still pass it. */
  check?: RowPolicy,
): void {
  const cols = Object.keys(patch).map((n) => {
    const col = table.byName.get(n);
    if (!col) throw pgrst.unknownBodyColumn(table.name, n);
    return col;
  });
  if (cols.length === 0 || rowids.length === 0) return;
  const values = cols.map((c) => fromJson(c, patch[c.name]));
  checkForeignKeys(db, table, cols, values, 'update');
  const sql = `UPDATE ${q(table.name)} SET ${cols.map((c) => `${q(c.name)} = ?`).join(', ')} WHERE rowid = ? RETURNING rowid AS r`;
  const patchRow = rowOf(cols, values);
  for (const rowid of rowids) {
    // WITH CHECK sees the whole new row (columns the patch leaves alone count too), and comes before
    // constraint checks, as in Postgres; an earlier row already written is rolled back by the caller.
    if (check) {
      const old = prepare(db, `SELECT * FROM ${q(table.name)} WHERE rowid = ?`).get(rowid) as JsonRow;
      if (!passes(check, { ...old, ...patchRow })) throw rlsViolation(check);
    }
    run(db, table, sql, [...values, rowid], cols);
  }
}

export function deleteRows(db: Db, table: TableInfo, rowids: number[]): void {
  const stmt = prepare(db, `DELETE FROM ${q(table.name)} WHERE rowid = ?`);
  for (const rowid of rowids) stmt.run(rowid);
}

function rowOf(cols: ColumnInfo[], values: unknown[]): Record<string, unknown> {
  return Object.fromEntries(cols.map((c, i) => [c.name, values[i]]));
}

/** The existing row an upsert's conflict target points at, if any. */
function conflictingRow(
  db: Db,
  table: TableInfo,
  target: string[],
  cols: ColumnInfo[],
  values: unknown[],
): Record<string, unknown> | undefined {
  const idx = target.map((t) => cols.findIndex((c) => c.name === t));
  if (idx.some((i) => i < 0)) return undefined;
  const where = target.map((t) => `${q(t)} = ?`).join(' AND ');
  return prepare(db, `SELECT * FROM ${q(table.name)} WHERE ${where}`).get(...idx.map((i) => values[i])) as
    | Record<string, unknown>
    | undefined;
}

/** Report a missing referenced row the way Postgres does (SQLite's own message names no key). */
function checkForeignKeys(
  db: Db,
  table: TableInfo,
  cols: ColumnInfo[],
  values: unknown[],
  verb: 'insert' | 'update',
): void {
  for (const fk of table.outgoing) {
    const i = cols.findIndex((c) => c.name === fk.column);
    if (i < 0 || values[i] === null) continue;
    const found = prepare(db, `SELECT 1 FROM ${q(fk.refTable)} WHERE ${q(fk.refColumn)} = ? LIMIT 1`).get(
      values[i],
    );
    if (!found) {
      throw new PgrstError(
        409,
        '23503',
        `${verb === 'insert' ? 'insert or update' : 'insert or update'} on table "${table.name}" violates foreign key constraint "${fk.name}"`,
        `Key (${fk.column})=(${String(values[i])}) is not present in table "${fk.refTable}".`,
      );
    }
  }
}

function run(
  db: Db,
  table: TableInfo,
  sql: string,
  values: unknown[],
  cols: ColumnInfo[],
): number | undefined {
  try {
    const row = prepare(db, sql).get(...values) as { r: number } | undefined;
    return row?.r;
  } catch (err) {
    throw mapSqliteError(err, table, cols, values);
  }
}

export function mapSqliteError(
  err: unknown,
  table: TableInfo,
  cols: ColumnInfo[] = [],
  values: unknown[] = [],
): unknown {
  const e = err as Error & { code?: string };
  if (typeof e.code !== 'string' || !e.code.startsWith('SQLITE_CONSTRAINT')) return err;
  const valueFor = (name: string) => {
    const i = cols.findIndex((c) => c.name === name);
    return i >= 0 ? String(values[i]) : '?';
  };
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const names = (e.message.split(':')[1] ?? '')
      .split(',')
      .map((s) => s.trim().split('.').pop() ?? '')
      .filter(Boolean);
    const isPk = names.join(',') === table.primaryKey.join(',');
    const constraint = isPk ? `${table.name}_pkey` : `${table.name}_${names.join('_')}_key`;
    return new PgrstError(
      409,
      '23505',
      `duplicate key value violates unique constraint "${constraint}"`,
      `Key (${names.join(', ')})=(${names.map(valueFor).join(', ')}) already exists.`,
    );
  }
  if (e.code === 'SQLITE_CONSTRAINT_NOTNULL') {
    const column = (e.message.split(':')[1] ?? '').trim().split('.').pop() ?? '?';
    return new PgrstError(
      400,
      '23502',
      `null value in column "${column}" of relation "${table.name}" violates not-null constraint`,
    );
  }
  if (e.code === 'SQLITE_CONSTRAINT_CHECK') {
    const expr = (e.message.split(':')[1] ?? '').trim();
    const column = /^"?([A-Za-z_][A-Za-z0-9_]*)/.exec(expr)?.[1] ?? 'check';
    return new PgrstError(
      400,
      '23514',
      `new row for relation "${table.name}" violates check constraint "${table.name}_${column}_check"`,
      `Failing value: ${valueFor(column)}. Allowed: ${expr}`,
    );
  }
  if (e.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    return new PgrstError(
      409,
      '23503',
      `insert or update on table "${table.name}" violates a foreign key constraint`,
    );
  }
  return new PgrstError(400, '23000', `integrity constraint violation on "${table.name}": ${e.message}`);
}
