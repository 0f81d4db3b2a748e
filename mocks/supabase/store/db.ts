/**
 * Opens the fake Supabase's SQLite database and brings its schema up to date.
 *
 * Migrations are the numbered `*.sql` files in `../migrations/`, applied in order inside one transaction
 * each and recorded in `schema_migrations`, so a `--db FILE` database created by an older version is
 * upgraded in place. Defaults for ids and timestamps call functions registered here (`df_uuid()`,
 * `df_now()`), which is how the injected Clock reaches SQL. Row Level Security statements, which SQLite
 * cannot run, are taken out of each file and recorded in the policy catalog (see policies.ts).
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Clock } from '../../../lib/clock.ts';
import { systemClock } from '../../../lib/clock.ts';
import { compileLike } from '../postgrest/like.ts';
import { applyRlsStatement, createCatalog } from './catalog.ts';
import { isRlsStatement, parseRlsStatement, splitStatements, statementText } from './policies.ts';

export type Db = Database.Database;

export interface OpenDatabaseOptions {
  /** A file path for a persistent database (WAL mode); default `:memory:`. */
  dbFile?: string;
  clock?: Clock;
  /** Id generator for uuid defaults (default `crypto.randomUUID`); the seeder passes a seeded one. */
  newId?: () => string;
  /** Directory of numbered `*.sql` migrations (default the fake's own); tests point it elsewhere. */
  migrationsDir?: string;
}

const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

export function openDatabase(options: OpenDatabaseOptions = {}): Db {
  const clock = options.clock ?? systemClock;
  const newId = options.newId ?? randomUUID;
  const db = new Database(options.dbFile ?? ':memory:');
  if (options.dbFile && options.dbFile !== ':memory:') db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.function('df_uuid', { deterministic: false }, () => newId());
  db.function('df_now', { deterministic: false }, () => isoNow(clock));
  // Postgres LIKE is case-sensitive, ILIKE is not; SQLite's LIKE is neither reliably, so both are ours.
  db.function('df_like', { deterministic: true }, (value: unknown, pattern: unknown) =>
    value === null || pattern === null
      ? null
      : compileLike(String(pattern), false).test(String(value))
        ? 1
        : 0,
  );
  db.function('df_ilike', { deterministic: true }, (value: unknown, pattern: unknown) =>
    value === null || pattern === null
      ? null
      : compileLike(String(pattern), true).test(String(value))
        ? 1
        : 0,
  );
  db.function('df_match', { deterministic: true }, (value: unknown, pattern: unknown, flags: unknown) =>
    value === null || pattern === null
      ? null
      : new RegExp(String(pattern), String(flags ?? '')).test(String(value))
        ? 1
        : 0,
  );
  try {
    migrate(db, options.migrationsDir);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

const statementCaches = new WeakMap<Db, Map<string, Database.Statement>>();
const STATEMENT_CACHE_LIMIT = 1000;

/**
 * `db.prepare` with a per-connection cache: request shapes repeat (the same filters with new values),
 * and the SQL text only ever contains schema identifiers and `?`, so the cache stays small.
 */
export function prepare(db: Db, sql: string): Database.Statement {
  let cache = statementCaches.get(db);
  if (!cache) {
    cache = new Map();
    statementCaches.set(db, cache);
  }
  let stmt = cache.get(sql);
  if (!stmt) {
    if (cache.size >= STATEMENT_CACHE_LIMIT) cache.clear();
    stmt = db.prepare(sql);
    cache.set(sql, stmt);
  }
  return stmt;
}

export function isoNow(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}

/** Apply every migration not yet recorded. Returns the versions applied now. */
export function migrate(db: Db, dir: string = MIGRATIONS_DIR): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version text PRIMARY KEY NOT NULL,
    applied_at text NOT NULL
  )`);
  createCatalog(db);
  const done = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: string }[]).map(
      (r) => r.version,
    ),
  );
  const files = readdirSync(dir)
    .filter((f) => /^\d+_[\w-]+\.sql$/.test(f))
    .sort();
  const applied: string[] = [];
  for (const file of files) {
    const version = file.replace(/\.sql$/, '');
    if (done.has(version)) continue;
    const sql = readFileSync(join(dir, file), 'utf8');
    db.transaction(() => {
      runMigration(db, file, sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(
        version,
        new Date().toISOString(),
      );
    })();
    applied.push(version);
  }
  return applied;
}

/**
 * Run one migration file: plain SQL goes to SQLite in order, RLS statements to the policy catalog at
 * their place in the file (so a policy sees the tables created above it). Errors name the file.
 */
function runMigration(db: Db, file: string, sql: string): void {
  let pending = '';
  const flush = () => {
    if (pending.trim() === '') return;
    try {
      db.exec(pending);
    } catch (err) {
      throw new Error(`migration ${file} failed: ${(err as Error).message}`);
    }
    pending = '';
  };
  for (const stmt of splitStatements(sql)) {
    const text = statementText(stmt);
    if (!isRlsStatement(text)) {
      pending += stmt;
      continue;
    }
    flush();
    try {
      applyRlsStatement(db, parseRlsStatement(text));
    } catch (err) {
      throw new Error(
        `migration ${file}: unsupported Row Level Security statement (${(err as Error).message}): ${text}\n` +
          'The fake Supabase supports `ALTER TABLE t ENABLE ROW LEVEL SECURITY` and `CREATE POLICY "name" ON t ' +
          '[FOR ALL|SELECT|INSERT|UPDATE|DELETE] [TO role, …] [USING (column = auth.uid())] ' +
          '[WITH CHECK (column = auth.uid())]; rewrite the statement in that form (see docs/supabase.md).',
      );
    }
  }
  flush();
}
