/**
 * The Klaviyo mock's state in SQLite (better-sqlite3): in memory by default, a WAL-mode file when a path
 * is given, so state survives a restart. Every row carries its account (a hash of the private API key),
 * and every query is scoped by it: data never crosses keys.
 *
 * Hot paths (create event, profile import, filtered profile reads) run on statements prepared once.
 * Dynamic list queries (filter + sort + cursor) are prepared once per distinct SQL text and cached.
 * Event dedup is a unique index on (profile, metric, dedup key), so a duplicate costs one index probe
 * (`INSERT OR IGNORE`), never a scan. Aggregates run in SQL over (account, metric, datetime).
 *
 * Memory (target: 100k profiles + 1M events in <= 512 MB RSS) shapes the layout:
 * - in memory, the database is SQLite's `memdb` (one growable buffer, capped at 1 GB by SQLite) rather
 *   than `:memory:` (one malloc per page), which costs about 1.1x the page bytes instead of about 1.6x;
 * - rows carry a small account number (table `accounts`) instead of the 16-character key hash, and
 *   events point at their profile by `profiles.seq` instead of repeating its 26-character id, which
 *   takes ~100 bytes each off an event row and its index entries. Event reads join the id back;
 * - an event's `uuid` is not stored: it is derived from the event id (ids.ts `eventUuid`).
 */
import Database from 'better-sqlite3';
import type { Cursor } from './jsonapi/pagination.ts';
import { DistinctCounter } from './unique.ts';

export interface ProfileRow {
  seq: number;
  /** The account label when writing; rows read back carry the store's internal account number. */
  account: string;
  id: string;
  email: string | null;
  phone_number: string | null;
  external_id: string | null;
  /** JSON: first_name, last_name, organization, locale, title, image, location, anonymous_id. */
  attrs: string;
  /** JSON: custom properties. */
  properties: string;
  created: number;
  updated: number;
  /** Read-only: the latest event's datetime, computed on read (see PROFILE_COLUMNS); ignored on writes. */
  last_event_date: number | null;
}

export interface MetricRow {
  seq: number;
  /** The account label when writing; rows read back carry the store's internal account number. */
  account: string;
  id: string;
  name: string;
  service: string;
  created: number;
  updated: number;
}

export interface EventRow {
  seq: number;
  /** The account label when writing; rows read back carry the store's internal account number. */
  account: string;
  id: string;
  metric_id: string;
  profile_id: string;
  /** `profiles.seq` of the event's profile: pass it when known to skip a lookup by `profile_id`. */
  profile_seq?: number;
  /** ms since epoch, truncated to the second as Klaviyo does. */
  datetime: number;
  value: number | null;
  /** `u:<unique_id>` or `t:<epoch seconds>` (Klaviyo's default dedup key). */
  dedup: string;
  /** JSON: the event's properties as sent. */
  properties: string;
}

export interface ListQuery {
  table: 'profiles' | 'events' | 'metrics';
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

export interface AggregateRow {
  bucket: number;
  dims: string[];
  count: number;
  sum: number;
  unique: number;
}

/** Bumped whenever a table or index changes shape; a file written under another version is refused. */
const SCHEMA_VERSION = 4;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Account labels (hashes of API keys) numbered once, so rows and index entries carry 1-2 bytes, not 17.
CREATE TABLE IF NOT EXISTS accounts (n INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS profiles (
  seq INTEGER PRIMARY KEY,
  account INTEGER NOT NULL,
  id TEXT NOT NULL,
  email TEXT,
  phone_number TEXT,
  external_id TEXT,
  attrs TEXT NOT NULL,
  properties TEXT NOT NULL,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS profiles_id ON profiles(account, id);
CREATE INDEX IF NOT EXISTS profiles_email ON profiles(account, email);
CREATE INDEX IF NOT EXISTS profiles_phone ON profiles(account, phone_number);
CREATE INDEX IF NOT EXISTS profiles_external ON profiles(account, external_id);
CREATE TABLE IF NOT EXISTS metrics (
  seq INTEGER PRIMARY KEY,
  account INTEGER NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  service TEXT NOT NULL,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS metrics_id ON metrics(account, id);
CREATE UNIQUE INDEX IF NOT EXISTS metrics_name ON metrics(account, name);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  account INTEGER NOT NULL,
  id TEXT NOT NULL,
  metric_id TEXT NOT NULL,
  -- profiles.seq (which also fixes the account)
  profile INTEGER NOT NULL,
  datetime INTEGER NOT NULL,
  value REAL,
  dedup TEXT NOT NULL,
  properties TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_id ON events(account, id);
CREATE UNIQUE INDEX IF NOT EXISTS events_dedup ON events(profile, metric_id, dedup);
-- One index for a metric's events in (datetime, seq) order -- get_events' equals(metric_id, …) pages
-- straight off it -- that also covers (value, profile), so aggregates never touch the table rows.
CREATE INDEX IF NOT EXISTS events_metric_time ON events(account, metric_id, datetime, seq, value, profile);
CREATE INDEX IF NOT EXISTS events_time ON events(account, datetime);
-- A profile's timeline (equals(profile_id, …) sorted by datetime) without scanning the account's events.
CREATE INDEX IF NOT EXISTS events_profile_time ON events(profile, datetime);
`;

/**
 * Profile columns as the API layer reads them. `last_event_date` is one seek on events_profile_time
 * rather than a stored column, so create-event does not pay an UPDATE of the profile per event.
 */
const PROFILE_COLUMNS =
  'profiles.*, (SELECT MAX(events.datetime) FROM events WHERE events.profile = profiles.seq) AS last_event_date';

/** Event columns as the API layer reads them: the profile's id joined back from its seq. */
const EVENT_COLUMNS =
  'events.*, (SELECT profiles.id FROM profiles WHERE profiles.seq = events.profile) AS profile_id';

const MAX_CACHED_STATEMENTS = 500;

export class KlaviyoStore {
  readonly db: Database.Database;
  /** Bumped on every open; id generation forks its PRNG by it so restarts never repeat ids. */
  readonly generation: number;
  private readonly cache = new Map<string, Database.Statement>();
  /** Account label → number; bounded like the core's key map (accounts are few). */
  private readonly accountNumbers = new Map<string, number>();
  private readonly distinct: DistinctCounter;
  /** Built once: better-sqlite3's `db.transaction()` wrapper is too costly to create per request. */
  private readonly tx: (fn: () => unknown) => unknown;

  private readonly s: {
    accountNumber: Database.Statement;
    insertAccount: Database.Statement;
    profileSeq: Database.Statement;
    maxProfileSeq: Database.Statement;
    profileById: Database.Statement;
    profileByEmail: Database.Statement;
    profileByPhone: Database.Statement;
    profileByExternal: Database.Statement;
    profileByIdentifiers: Database.Statement;
    insertProfile: Database.Statement;
    updateProfile: Database.Statement;
    metricById: Database.Statement;
    metricByName: Database.Statement;
    insertMetric: Database.Statement;
    insertEvent: Database.Statement;
    eventById: Database.Statement;
  };

  constructor(file?: string) {
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
    this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    this.distinct = new DistinctCounter(this.db);
    const row = this.db.prepare(`SELECT value FROM meta WHERE key = 'generation'`).get() as
      | { value: string }
      | undefined;
    this.generation = (row ? Number(row.value) : 0) + 1;
    this.db
      .prepare(
        `INSERT INTO meta (key, value) VALUES ('generation', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
      )
      .run(String(this.generation));

    const db = this.db;
    this.tx = db.transaction((fn: () => unknown) => fn());
    this.s = {
      accountNumber: db.prepare('SELECT n FROM accounts WHERE label = ?').pluck(),
      insertAccount: db.prepare('INSERT INTO accounts (label) VALUES (?)'),
      profileSeq: db.prepare('SELECT seq FROM profiles WHERE account = ? AND id = ?').pluck(),
      maxProfileSeq: db.prepare('SELECT MAX(seq) FROM profiles').pluck(),
      profileById: db.prepare(`SELECT ${PROFILE_COLUMNS} FROM profiles WHERE account = ? AND id = ?`),
      profileByEmail: db.prepare(
        `SELECT ${PROFILE_COLUMNS} FROM profiles WHERE account = ? AND email = ? LIMIT 1`,
      ),
      profileByPhone: db.prepare(
        `SELECT ${PROFILE_COLUMNS} FROM profiles WHERE account = ? AND phone_number = ? LIMIT 1`,
      ),
      profileByExternal: db.prepare(
        `SELECT ${PROFILE_COLUMNS} FROM profiles WHERE account = ? AND external_id = ? LIMIT 1`,
      ),
      // Klaviyo's precedence in one statement (one round trip into SQLite instead of up to three):
      // each arm is the same indexed `LIMIT 1` probe profileBy() runs; a NULL identifier matches nothing.
      profileByIdentifiers: db.prepare(
        `SELECT ${PROFILE_COLUMNS} FROM profiles WHERE seq = COALESCE(
           (SELECT seq FROM profiles WHERE account = ? AND email = ? LIMIT 1),
           (SELECT seq FROM profiles WHERE account = ? AND external_id = ? LIMIT 1),
           (SELECT seq FROM profiles WHERE account = ? AND phone_number = ? LIMIT 1))`,
      ),
      insertProfile: db.prepare(
        `INSERT INTO profiles (account, id, email, phone_number, external_id, attrs, properties, created, updated)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateProfile: db.prepare(
        `UPDATE profiles SET email = ?, phone_number = ?, external_id = ?, attrs = ?, properties = ?, updated = ?
         WHERE seq = ?`,
      ),
      metricById: db.prepare('SELECT * FROM metrics WHERE account = ? AND id = ?'),
      metricByName: db.prepare('SELECT * FROM metrics WHERE account = ? AND name = ?'),
      insertMetric: db.prepare(
        'INSERT INTO metrics (account, id, name, service, created, updated) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      insertEvent: db.prepare(
        `INSERT OR IGNORE INTO events (account, id, metric_id, profile, datetime, value, dedup, properties)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      eventById: db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE account = ? AND id = ?`),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.tx(fn) as T;
  }

  // --- accounts -------------------------------------------------------------------------------

  /**
   * The internal number of an account label. Reads of an unknown account get -1 (matches no row)
   * rather than creating one; writes (`create`) number it on first use.
   */
  private acct(label: string, create = false): number {
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

  // --- profiles -------------------------------------------------------------------------------

  profileById(account: string, id: string): ProfileRow | undefined {
    return this.s.profileById.get(this.acct(account), id) as ProfileRow | undefined;
  }

  /** `profiles.seq` of a profile id in an account (what event rows store), or undefined. */
  profileSeq(account: string, id: string): number | undefined {
    return this.s.profileSeq.get(this.acct(account), id) as number | undefined;
  }

  profileBy(
    account: string,
    field: 'email' | 'phone_number' | 'external_id',
    value: string,
  ): ProfileRow | undefined {
    const st =
      field === 'email'
        ? this.s.profileByEmail
        : field === 'phone_number'
          ? this.s.profileByPhone
          : this.s.profileByExternal;
    return st.get(this.acct(account), value) as ProfileRow | undefined;
  }

  /** The first profile matching email, else external_id, else phone_number (null: not given). */
  profileByIdentifiers(
    account: string,
    email: string | null,
    externalId: string | null,
    phone: string | null,
  ): ProfileRow | undefined {
    if (email === null && externalId === null && phone === null) return undefined;
    const n = this.acct(account);
    return this.s.profileByIdentifiers.get(n, email, n, externalId, n, phone) as ProfileRow | undefined;
  }

  insertProfile(row: Omit<ProfileRow, 'seq'>): ProfileRow {
    const info = this.s.insertProfile.run(
      this.acct(row.account, true),
      row.id,
      row.email,
      row.phone_number,
      row.external_id,
      row.attrs,
      row.properties,
      row.created,
      row.updated,
    );
    return { ...row, seq: Number(info.lastInsertRowid), last_event_date: null };
  }

  updateProfile(row: ProfileRow): void {
    this.s.updateProfile.run(
      row.email,
      row.phone_number,
      row.external_id,
      row.attrs,
      row.properties,
      row.updated,
      row.seq,
    );
  }

  // --- metrics --------------------------------------------------------------------------------

  metricById(account: string, id: string): MetricRow | undefined {
    return this.s.metricById.get(this.acct(account), id) as MetricRow | undefined;
  }

  metricByName(account: string, name: string): MetricRow | undefined {
    return this.s.metricByName.get(this.acct(account), name) as MetricRow | undefined;
  }

  insertMetric(row: Omit<MetricRow, 'seq'>): MetricRow {
    const info = this.s.insertMetric.run(
      this.acct(row.account, true),
      row.id,
      row.name,
      row.service,
      row.created,
      row.updated,
    );
    return { ...row, seq: Number(info.lastInsertRowid) };
  }

  // --- events ---------------------------------------------------------------------------------

  /** Insert unless (profile, metric, dedup) exists; returns false for a duplicate. */
  insertEvent(row: Omit<EventRow, 'seq'>): boolean {
    const account = this.acct(row.account, true);
    const profile = row.profile_seq ?? (this.s.profileSeq.get(account, row.profile_id) as number | undefined);
    if (profile === undefined) {
      throw new Error(
        `insertEvent: profile ${row.profile_id} does not exist in this account; insert it first.`,
      );
    }
    const info = this.s.insertEvent.run(
      account,
      row.id,
      row.metric_id,
      profile,
      row.datetime,
      row.value,
      row.dedup,
      row.properties,
    );
    return info.changes > 0;
  }

  eventById(account: string, id: string): EventRow | undefined {
    return this.s.eventById.get(this.acct(account), id) as EventRow | undefined;
  }

  // --- generic lists --------------------------------------------------------------------------

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
    const where = ['account = ?', ...q.where];
    const params: unknown[] = [this.acct(q.account), ...q.params];
    if (q.cursor) {
      const cmp = readDesc ? '<' : '>';
      where.push(`(${q.sortExpr} ${cmp} ? OR (${q.sortExpr} = ? AND seq ${cmp} ?))`);
      params.push(q.cursor.key, q.cursor.key, q.cursor.seq);
      if (q.cursor.key !== null) {
        // Implied by the condition above, but a plain range lets SQLite seek to the page instead of
        // walking every earlier row of the index.
        where.push(`${q.sortExpr} ${cmp}= ?`);
        params.push(q.cursor.key);
      }
    }
    const dir = readDesc ? 'DESC' : 'ASC';
    const columns = q.table === 'events' ? EVENT_COLUMNS : q.table === 'profiles' ? PROFILE_COLUMNS : '*';
    const sql = `SELECT ${columns}, ${q.sortExpr} AS _k FROM ${q.table} WHERE ${where.join(' AND ')} ORDER BY ${q.sortExpr} ${dir}, seq ${dir} LIMIT ?`;
    params.push(q.limit + 1);
    return { sql, params, backward };
  }

  /** Rows by id for `include` (one query per type per page). */
  byIds<T>(table: 'profiles' | 'metrics', account: string, ids: string[]): T[] {
    if (ids.length === 0) return [];
    const columns = table === 'profiles' ? PROFILE_COLUMNS : '*';
    const sql = `SELECT ${columns} FROM ${table} WHERE account = ? AND id IN (${ids.map(() => '?').join(',')})`;
    return this.statement(sql).all(this.acct(account), ...ids) as T[];
  }

  // --- aggregates -----------------------------------------------------------------------------

  /**
   * count / sum(value) / distinct profiles per time bucket (and per `by` property values).
   * Buckets are `[start, end)` ms pairs. One indexed range query per bucket over the covering
   * (account, metric, datetime, seq, value, profile) index: no table reads without `by`, and no GROUP BY
   * sorter over all rows. Distinct profiles come from `kl_unique` (see unique.ts) in the same pass.
   */
  aggregate(
    account: string,
    metricId: string,
    buckets: [number, number][],
    by: string[],
    wantUnique: boolean,
  ): AggregateRow[] {
    // JSON paths go in as parameters, so any property name (quotes included) is safe.
    const dims = by.map(() => 'json_extract(properties, ?)');
    const paths = by.map((name) => `$."${name.replace(/["\\]/g, '')}"`);
    const maxSeq = wantUnique ? ((this.s.maxProfileSeq.get() as number | null) ?? 0) : 0;
    const marks = wantUnique && this.distinct.fits(maxSeq);
    const unique = !wantUnique ? '0' : marks ? 'kl_unique(profile)' : 'COUNT(DISTINCT profile)';
    const dimSelect = dims.map((d, i) => `, ${d} AS d${i}`).join('');
    const group = dims.length ? ` GROUP BY ${dims.map((_, i) => `d${i}`).join(', ')}` : '';
    const sql = `SELECT COUNT(*) AS count, TOTAL(value) AS sum, ${unique} AS uniq${dimSelect} FROM events
      WHERE account = ? AND metric_id = ? AND datetime >= ? AND datetime < ?${group}`;
    const st = this.statement(sql);
    const acct = this.acct(account);
    const run = (): AggregateRow[] => {
      const out: AggregateRow[] = [];
      buckets.forEach(([lo, hi], bucket) => {
        for (const r of st.all(...paths, acct, metricId, lo, hi) as Record<string, unknown>[]) {
          if (r.count === 0) continue;
          out.push({
            bucket,
            dims: by.map((_, i) =>
              r[`d${i}`] === null || r[`d${i}`] === undefined ? '' : String(r[`d${i}`]),
            ),
            count: r.count as number,
            sum: r.sum as number,
            unique: r.uniq as number,
          });
        }
      });
      return out;
    };
    return marks ? this.distinct.run(maxSeq, run) : run();
  }

  // --- admin ----------------------------------------------------------------------------------

  counts(): Record<string, number> {
    const count = (sql: string) => (this.db.prepare(sql).get() as { n: number }).n;
    return {
      accounts: count(
        'SELECT COUNT(*) AS n FROM (SELECT account FROM profiles UNION SELECT account FROM metrics UNION SELECT account FROM events)',
      ),
      profiles: count('SELECT COUNT(*) AS n FROM profiles'),
      events: count('SELECT COUNT(*) AS n FROM events'),
      metrics: count('SELECT COUNT(*) AS n FROM metrics'),
    };
  }

  reset(): void {
    this.db.exec('DELETE FROM events; DELETE FROM profiles; DELETE FROM metrics; DELETE FROM accounts;');
    this.accountNumbers.clear();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private statement(sql: string): Database.Statement {
    let st = this.cache.get(sql);
    if (!st) {
      if (this.cache.size >= MAX_CACHED_STATEMENTS) this.cache.clear();
      st = this.db.prepare(sql);
      this.cache.set(sql, st);
    }
    return st;
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
