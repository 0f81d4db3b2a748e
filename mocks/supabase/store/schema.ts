/**
 * The schema cache, as PostgREST has one: tables, typed columns, keys and foreign keys, read from
 * SQLite with PRAGMA table_info / index_list / foreign_key_list. Every identifier a request names is
 * checked against this before it reaches SQL, and column types drive value coercion both ways.
 */

import { CATALOG_TABLES, loadCatalog } from './catalog.ts';
import type { Db } from './db.ts';
import type { RlsCatalog } from './policies.ts';

/** The Postgres type a column stands for (from its declared type in the migration). */
export type PgType = 'uuid' | 'text' | 'integer' | 'numeric' | 'boolean' | 'jsonb' | 'timestamptz';

export interface ColumnInfo {
  name: string;
  type: PgType;
  notNull: boolean;
  hasDefault: boolean;
  primaryKey: boolean;
}

export interface ForeignKey {
  /** Postgres-style constraint name, e.g. `children_parent_id_fkey` (usable as an embed hint). */
  name: string;
  table: string;
  column: string;
  refTable: string;
  refColumn: string;
}

export interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  byName: Map<string, ColumnInfo>;
  primaryKey: string[];
  /** Column sets with a UNIQUE constraint (the primary key included). */
  uniques: string[][];
  /** Foreign keys whose referencing column is in this table. */
  outgoing: ForeignKey[];
}

export interface SchemaCache {
  tables: Map<string, TableInfo>;
  foreignKeys: ForeignKey[];
  /** Row Level Security as the migrations declare it (tables with RLS enabled, their policies). */
  rls: RlsCatalog;
}

/** Tables PostgREST must never expose (GoTrue's, the migration ledger and the policy catalog). */
export function isPrivateTable(name: string): boolean {
  return (
    name.startsWith('auth_') ||
    name.startsWith('sqlite_') ||
    name === 'schema_migrations' ||
    CATALOG_TABLES.includes(name)
  );
}

function pgTypeOf(declared: string): PgType {
  const t = declared.toLowerCase();
  if (t === 'uuid') return 'uuid';
  if (t.startsWith('timestamp') || t === 'date') return 'timestamptz';
  if (t === 'boolean' || t === 'bool') return 'boolean';
  if (t === 'json' || t === 'jsonb') return 'jsonb';
  if (t.includes('int')) return 'integer';
  if (t.startsWith('numeric') || t === 'real' || t.startsWith('double') || t === 'float') return 'numeric';
  return 'text';
}

export function loadSchema(db: Db): SchemaCache {
  const tables = new Map<string, TableInfo>();
  const foreignKeys: ForeignKey[] = [];
  const names = (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[]
  )
    .map((r) => r.name)
    .filter((n) => !isPrivateTable(n));
  for (const name of names) {
    const info = db.prepare('SELECT * FROM pragma_table_info(?)').all(name) as {
      name: string;
      type: string;
      notnull: number;
      dflt_value: unknown;
      pk: number;
    }[];
    const columns: ColumnInfo[] = info.map((c) => ({
      name: c.name,
      type: pgTypeOf(c.type),
      notNull: c.notnull === 1,
      hasDefault: c.dflt_value !== null,
      primaryKey: c.pk > 0,
    }));
    const primaryKey = info
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.name);
    const uniques: string[][] = primaryKey.length ? [primaryKey] : [];
    const indexes = db.prepare('SELECT * FROM pragma_index_list(?)').all(name) as {
      name: string;
      unique: number;
      origin: string;
    }[];
    for (const idx of indexes) {
      if (idx.unique !== 1 || idx.origin === 'pk') continue;
      const cols = (
        db.prepare('SELECT name FROM pragma_index_info(?) ORDER BY seqno').all(idx.name) as { name: string }[]
      ).map((r) => r.name);
      uniques.push(cols);
    }
    const fkRows = db.prepare('SELECT * FROM pragma_foreign_key_list(?)').all(name) as {
      table: string;
      from: string;
      to: string | null;
    }[];
    const outgoing = fkRows.map((fk) => ({
      name: `${name}_${fk.from}_fkey`,
      table: name,
      column: fk.from,
      refTable: fk.table,
      refColumn: fk.to ?? 'id',
    }));
    foreignKeys.push(...outgoing);
    tables.set(name, {
      name,
      columns,
      byName: new Map(columns.map((c) => [c.name, c])),
      primaryKey,
      uniques,
      outgoing,
    });
  }
  return { tables, foreignKeys, rls: loadCatalog(db) };
}

/** The closest known name, for PostgREST-style "Perhaps you meant …" hints. */
export function closestName(wanted: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(wanted.toLowerCase(), c.toLowerCase());
    if (d < bestScore) {
      bestScore = d;
      best = c;
    }
  }
  return best !== undefined && bestScore <= Math.max(3, Math.floor(wanted.length / 2)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Number.POSITIVE_INFINITY;
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
