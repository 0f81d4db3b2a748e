/**
 * The policy catalog: two private SQLite tables holding what the migrations' RLS statements declared,
 * as Postgres keeps pg_class.relrowsecurity and pg_policy. Stored rather than re-parsed at each start so
 * a `--db` file carries its own policies, like a Postgres database does.
 */
import type { Db } from './db.ts';
import type { PolicyCommand, RlsCatalog, RlsStatement } from './policies.ts';

/** Catalog tables (created by the migration runner; hidden from PostgREST and kept by reset). */
export const CATALOG_TABLES = ['schema_rls_tables', 'schema_policies'];

export function createCatalog(db: Db): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_rls_tables (table_name text PRIMARY KEY NOT NULL);
    CREATE TABLE IF NOT EXISTS schema_policies (
      table_name   text NOT NULL,
      name         text NOT NULL,
      command      text NOT NULL,
      roles        text NOT NULL,
      using_column text,
      check_column text,
      PRIMARY KEY (table_name, name)
    )`);
}

/** Check an RLS statement against the tables created so far and record it; throws with a reason. */
export function applyRlsStatement(db: Db, stmt: RlsStatement): void {
  const table = stmt.kind === 'enable' ? stmt.table : stmt.policy.table;
  const columns = new Set(
    (db.prepare('SELECT name FROM pragma_table_info(?)').all(table) as { name: string }[]).map((c) => c.name),
  );
  if (columns.size === 0 || table.startsWith('auth_') || CATALOG_TABLES.includes(table))
    throw new Error(`relation "${table}" does not exist (create the table before its policies)`);
  if (stmt.kind === 'enable') {
    db.prepare('INSERT OR IGNORE INTO schema_rls_tables (table_name) VALUES (?)').run(table);
    return;
  }
  const p = stmt.policy;
  for (const col of [p.using, p.check]) {
    if (col !== undefined && !columns.has(col))
      throw new Error(`column "${col}" does not exist in table "${table}"`);
  }
  if (db.prepare('SELECT 1 FROM schema_policies WHERE table_name = ? AND name = ?').get(table, p.name))
    throw new Error(`policy "${p.name}" for table "${table}" already exists`);
  db.prepare(
    'INSERT INTO schema_policies (table_name, name, command, roles, using_column, check_column) VALUES (?, ?, ?, ?, ?, ?)',
  ).run(table, p.name, p.command, JSON.stringify(p.roles), p.using ?? null, p.check ?? null);
}

export function loadCatalog(db: Db): RlsCatalog {
  const enabled = new Set(
    (db.prepare('SELECT table_name AS t FROM schema_rls_tables').all() as { t: string }[]).map((r) => r.t),
  );
  const rows = db.prepare('SELECT * FROM schema_policies ORDER BY table_name, name').all() as {
    table_name: string;
    name: string;
    command: PolicyCommand;
    roles: string;
    using_column: string | null;
    check_column: string | null;
  }[];
  const policies = rows.map((r) => ({
    table: r.table_name,
    name: r.name,
    command: r.command,
    roles: JSON.parse(r.roles) as string[],
    ...(r.using_column ? { using: r.using_column } : {}),
    ...(r.check_column ? { check: r.check_column } : {}),
  }));
  return { enabled, policies };
}
