/**
 * The Klaviyo mock's state: one SQLite database (better-sqlite3) shared by every API group, each group
 * owning its tables through a repo. In memory by default, a WAL-mode file when a path is given, so
 * state survives a restart. Every row carries its account (a small number standing for a hash of the
 * private API key) and every query is scoped by it: data never crosses keys.
 *
 * The store is a registry: `new KlaviyoStore(file, REPOS)` creates each repo's tables, and `reset` and
 * `counts` loop over the repos' declared tables, so adding a group never edits this file. A group reaches
 * another group's rows only through that group's repo (`store.repo(ProfilesRepo)`), never its handlers.
 *
 * Memory (target: 100k profiles + 1M events in <= 512 MB RSS) shapes the layout:
 * - in memory, the database is SQLite's `memdb` (one growable buffer, capped at 1 GB by SQLite) rather
 *   than `:memory:` (one malloc per page), which costs about 1.1x the page bytes instead of about 1.6x;
 * - rows carry a small account number (table `accounts`) instead of the 16-character key hash.
 */
import Database from 'better-sqlite3';
import { LIMIT_PARAM } from '../../../lib/sqlite.ts';
import type { Cursor } from '../jsonapi/pagination.ts';
import type { Scheduler } from './scheduler.ts';

/**
 * What a write changed, for groups whose state follows other groups' data (segments re-evaluate the
 * profiles whose properties, events, list memberships or consent changed).
 */
export interface Change {
  /** The store's account number (`acct(label)`). */
  account: number;
  /** `profiles.seq` of the profile concerned. */
  profile: number;
  kind: 'profile' | 'event' | 'list' | 'consent';
  /** The id of the row written, when followers need it (an event's id: webhooks deliver it). */
  ref?: string;
}

/**
 * A group's data access: built once per store with the shared database, statements prepared up front.
 * `onReset`, when present, forgets in-memory caches after the tables were emptied (admin reset).
 */
export interface Repo {
  onReset?(): void;
}

export interface RepoClass<T = unknown> {
  new (store: KlaviyoStore): T;
  /** `CREATE TABLE IF NOT EXISTS …` statements for the repo's tables and indexes. */
  readonly schema: string;
  /** Tables holding an `account` column, in creation order: `reset` empties them, `counts` counts them. */
  readonly tables: readonly string[];
}

export interface ListQuery {
  table: string;
  /** FROM clause when it is more than `table` (a join); `table` still qualifies `account` and `seq`. */
  from?: string;
  /** Columns to select (`profiles.*, … AS last_event_date`); default `*`. */
  columns?: string;
  account: string;
  where: string[];
  params: unknown[];
  /** SQL expression to sort by (`seq` for creation order). */
  sortExpr: string;
  desc: boolean;
  cursor: Cursor | null;
  limit: number;
}

export interface ListResult<T> {
  rows: (T & { _k: string | number })[];
  hasNext: boolean;
  hasPrev: boolean;
}

/** Bumped whenever an existing table or index changes shape; a file written under another version is refused. */
const SCHEMA_VERSION = 4;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Account labels (hashes of API keys) numbered once, so rows and index entries carry 1-2 bytes, not 17.
CREATE TABLE IF NOT EXISTS accounts (n INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE);
`;

const MAX_CACHED_STATEMENTS = 500;

export class KlaviyoStore {
  readonly db: Database.Database;
  /** Bumped on every open; id generation forks its PRNG by it so restarts never repeat ids. */
  readonly generation: number;
  private readonly cache = new Map<string, Database.Statement>();
  /** Account label → number; bounded like the core's key map (accounts are few). */
  private readonly accountNumbers = new Map<string, number>();
  /** Built once: better-sqlite3's `db.transaction()` wrapper is too costly to create per request. */
  private readonly tx: (fn: () => unknown) => unknown;
  private readonly repos = new Map<RepoClass, unknown>();
  private readonly s: { accountNumber: Database.Statement; insertAccount: Database.Statement };
  private readonly listeners: ((change: Change) => void)[] = [];

  constructor(
    file: string | undefined,
    repoClasses: readonly RepoClass[],
    /** Where repos put asynchronous work (segment processing, bulk jobs). */
    readonly scheduler?: Scheduler,
  ) {
    const onDisk = file !== undefined && file !== ':memory:';
    // An empty buffer opens a fresh memdb database (see the header for why not ':memory:').
    this.db = onDisk ? new Database(file) : new Database(Buffer.alloc(0));
    if (onDisk) {
      this.db.pragma('journal_mode = WAL');
      // NORMAL is durable across process crashes in WAL mode; only power loss can drop the last commits.
      this.db.pragma('synchronous = NORMAL');
    } else {
      // memdb pages already sit in memory; the page cache only holds copies of them, so keep it small
      // (4 MB instead of 16: -30 MB RSS at 1M events, no measurable cost to writes or scans).
      this.db.pragma('cache_size = -4000');
    }
    checkSchemaVersion(this.db, file);
    this.db.exec(SCHEMA);
    for (const cls of repoClasses) this.db.exec(cls.schema);
    this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    const row = this.db.prepare(`SELECT value FROM meta WHERE key = 'generation'`).get() as
      | { value: string }
      | undefined;
    this.generation = (row ? Number(row.value) : 0) + 1;
    this.db
      .prepare(
        `INSERT INTO meta (key, value) VALUES ('generation', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
      )
      .run(String(this.generation));
    this.tx = this.db.transaction((fn: () => unknown) => fn());
    this.s = {
      accountNumber: this.db.prepare('SELECT n FROM accounts WHERE label = ?').pluck(),
      insertAccount: this.db.prepare('INSERT INTO accounts (label) VALUES (?)'),
    };
    for (const cls of repoClasses) this.repos.set(cls, new cls(this));
  }

  /** The registered repo of a class: `store.repo(ProfilesRepo).byId(account, id)`. */
  repo<T>(cls: RepoClass<T>): T {
    const repo = this.repos.get(cls);
    if (!repo) throw new Error(`${cls.name} is not registered with this store: add it to groups/index.ts.`);
    return repo as T;
  }

  /** Follow writes of other groups (call from a repo's constructor). */
  onChange(listener: (change: Change) => void): void {
    this.listeners.push(listener);
  }

  /** Tell the followers what a write changed. Cheap when nobody listens (no segments defined). */
  changed(change: Change): void {
    for (const l of this.listeners) l(change);
  }

  transaction<T>(fn: () => T): T {
    return this.tx(fn) as T;
  }

  /**
   * The internal number of an account label. Reads of an unknown account get -1 (matches no row)
   * rather than creating one; writes (`create`) number it on first use.
   */
  acct(label: string | number, create = false): number {
    // Rows read back carry the number already.
    if (typeof label === 'number') return label;
    let n = this.accountNumbers.get(label);
    if (n !== undefined) return n;
    n = this.s.accountNumber.get(label) as number | undefined;
    if (n === undefined) {
      if (!create) return -1;
      n = Number(this.s.insertAccount.run(label).lastInsertRowid);
    }
    if (this.accountNumbers.size >= 10_000) this.accountNumbers.clear();
    this.accountNumbers.set(label, n);
    return n;
  }

  /** A prepared statement for dynamic SQL (filters, sorts), cached by its text. */
  statement(sql: string): Database.Statement {
    let st = this.cache.get(sql);
    if (!st) {
      if (this.cache.size >= MAX_CACHED_STATEMENTS) this.cache.clear();
      st = this.db.prepare(sql);
      this.cache.set(sql, st);
    }
    return st;
  }

  /** One page of a keyset-paginated list, plus whether there are rows beyond it either way. */
  list<T>(q: ListQuery): ListResult<T> {
    const { sql, params, backward } = this.listQuery(q);
    const rows = this.statement(sql).all(...params) as (T & { _k: string | number })[];
    const more = rows.length > q.limit;
    if (more) rows.pop();
    if (backward) {
      rows.reverse();
      return { rows, hasNext: true, hasPrev: more };
    }
    return { rows, hasNext: more, hasPrev: q.cursor !== null };
  }

  /** SQLite's plan for a list query (`EXPLAIN QUERY PLAN` details), to check which index serves it. */
  explainList(q: ListQuery): string[] {
    const { sql, params } = this.listQuery(q);
    const plan = this.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
    return plan.map((r) => r.detail);
  }

  private listQuery(q: ListQuery): { sql: string; params: unknown[]; backward: boolean } {
    const backward = q.cursor?.dir === 'p';
    // Walking backwards means reading in the opposite order, then reversing the page.
    const readDesc = backward ? !q.desc : q.desc;
    const where = [`${q.table}.account = ?`, ...q.where];
    const params: unknown[] = [this.acct(q.account), ...q.params];
    if (q.cursor) {
      const cmp = readDesc ? '<' : '>';
      where.push(`(${q.sortExpr} ${cmp} ? OR (${q.sortExpr} = ? AND ${q.table}.seq ${cmp} ?))`);
      params.push(q.cursor.key, q.cursor.key, q.cursor.seq);
      if (q.cursor.key !== null) {
        // Implied by the condition above, but a plain range lets SQLite seek to the page instead of
        // walking every earlier row of the index.
        where.push(`${q.sortExpr} ${cmp}= ?`);
        params.push(q.cursor.key);
      }
    }
    const dir = readDesc ? 'DESC' : 'ASC';
    const sql = `SELECT ${q.columns ?? '*'}, ${q.sortExpr} AS _k FROM ${q.from ?? q.table} WHERE ${where.join(' AND ')} ORDER BY ${q.sortExpr} ${dir}, ${q.table}.seq ${dir} ${LIMIT_PARAM}`;
    params.push(q.limit + 1);
    return { sql, params, backward };
  }

  /** Row counts per table and the number of accounts holding any row (admin `state`). */
  counts(): Record<string, number> {
    const tables = this.tables();
    const count = (sql: string) => (this.db.prepare(sql).get() as { n: number }).n;
    const out: Record<string, number> = {
      accounts: count(
        `SELECT COUNT(*) AS n FROM (${tables.map((t) => `SELECT account FROM ${t}`).join(' UNION ')})`,
      ),
    };
    for (const t of tables) out[t] = count(`SELECT COUNT(*) AS n FROM ${t}`);
    return out;
  }

  reset(): void {
    const tables = this.tables().reverse();
    this.db.exec(`${tables.map((t) => `DELETE FROM ${t};`).join(' ')} DELETE FROM accounts;`);
    this.accountNumbers.clear();
    for (const repo of this.repos.values()) (repo as Repo).onReset?.();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private tables(): string[] {
    return [...this.repos.keys()].flatMap((cls) => cls.tables);
  }
}

/** A database file from another schema version would fail in confusing ways later: refuse it now. */
function checkSchemaVersion(db: Database.Database, file: string | undefined): void {
  const version = Number(db.pragma('user_version', { simple: true }));
  const hasTables = db.prepare(`SELECT 1 FROM sqlite_schema WHERE name = 'events'`).get() !== undefined;
  if (hasTables && version !== SCHEMA_VERSION) {
    db.close();
    throw new Error(
      `${file} holds Klaviyo mock data in an older layout (schema ${version}, this version uses ${SCHEMA_VERSION}). ` +
        'Delete the file or pass another --db path to start afresh.',
    );
  }
}
