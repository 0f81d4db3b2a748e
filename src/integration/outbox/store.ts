/**
 * The durable outbox: SQLite (better-sqlite3), `:memory:` by default or a file that survives restarts.
 *
 * `outbox` holds pending jobs, `dead_letters` the jobs that exhausted their retries (or were rejected
 * as invalid), `counters` the running totals. Delivered jobs are deleted and counted, so the file stays
 * small; the invariant `tracked = delivered + coalesced + pending + dead-lettered` is checked across
 * tables (coalesced: profile syncs folded into a later sync of the same user).
 */
import Database from 'better-sqlite3';
import { LIMIT_PARAM } from '../../../lib/sqlite.ts';
import type { KlaviyoJob, ProfileJob } from '../klaviyo/events.ts';

export interface OutboxRow {
  id: number;
  /** Jobs with the same key are delivered in order, one at a time (one user's profile updates). */
  orderingKey: string;
  job: KlaviyoJob;
  attempts: number;
  /** Times the server deferred the job (429 / Retry-After) without it spending its budget. */
  deferrals: number;
  nextAttemptAt: number;
  createdAt: number;
  lastError: string | null;
  /**
   * Queued behind its key's head and read with it (`due(..., { followers })`): it may only travel in
   * the same bulk request as the head, never on its own.
   */
  follower?: boolean;
}

export interface DeadLetterRow {
  id: number;
  orderingKey: string;
  job: KlaviyoJob;
  attempts: number;
  createdAt: number;
  deadAt: number;
  reason: string;
  lastError: string | null;
}

export type JobKind = KlaviyoJob['kind'];
export const JOB_KINDS: readonly JobKind[] = ['event', 'profile'];

/**
 * One kind's share of the outbox; tracked = delivered + coalesced + pending + deadLettered holds per
 * kind too.
 */
export interface KindCounts {
  tracked: number;
  delivered: number;
  /** Profile syncs folded into a later sync of the same user before they were sent (0 for events). */
  coalesced: number;
  pending: number;
  deadLettered: number;
  /**
   * Jobs that met a failure (a failed attempt inside a delivery, or a delivery round that failed,
   * was throttled or was blocked by the breaker): `recovered` of them were delivered in the end, the
   * rest are dead letters or still pending. A dead letter rejected outright (one attempt, 4xx) was
   * never retried and is not counted.
   */
  retried: number;
  recovered: number;
}

export interface OutboxCounts extends KindCounts {
  replayed: number;
  /** The same counters for Klaviyo events and for profile syncs; they add up to the totals. */
  byKind: Record<JobKind, KindCounts>;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  ordering_key    TEXT NOT NULL,
  kind            TEXT,
  job             TEXT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  deferrals       INTEGER NOT NULL DEFAULT 0,
  failed_rounds   INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  last_error      TEXT
);
CREATE INDEX IF NOT EXISTS outbox_key ON outbox (ordering_key, id);
CREATE TABLE IF NOT EXISTS dead_letters (
  id           INTEGER PRIMARY KEY,
  ordering_key TEXT NOT NULL,
  kind         TEXT,
  job          TEXT NOT NULL,
  attempts     INTEGER NOT NULL,
  created_at   INTEGER NOT NULL,
  dead_at      INTEGER NOT NULL,
  reason       TEXT NOT NULL,
  last_error   TEXT
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO counters (name, value) VALUES ('tracked', 0), ('delivered', 0), ('replayed', 0),
  ('tracked:event', 0), ('tracked:profile', 0), ('delivered:event', 0), ('delivered:profile', 0);
`;

interface RawRow {
  id: number;
  ordering_key: string;
  job: string;
  attempts: number;
  deferrals: number;
  next_attempt_at: number;
  created_at: number;
  last_error: string | null;
}

export class OutboxStore {
  readonly db: Database.Database;
  private readonly stmts;

  /**
   * Count one more run against this file and return its number (1 for a new file). The app forks its id
   * Rng with it, so a restart with the same seed and the same --outbox-db draws new ids instead of the
   * ones already stored in Supabase (issue 11: stories_pkey 23505 after kill -9).
   */
  nextRun(): number {
    this.db.prepare("INSERT OR IGNORE INTO counters (name, value) VALUES ('runs', 0)").run();
    this.db.prepare("UPDATE counters SET value = value + 1 WHERE name = 'runs'").run();
    return (this.db.prepare("SELECT value FROM counters WHERE name = 'runs'").get() as { value: number })
      .value;
  }

  constructor(readonly path = ':memory:') {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    migrate(this.db);
    const db = this.db;
    this.stmts = {
      insert: db.prepare(
        'INSERT INTO outbox (ordering_key, kind, job, attempts, next_attempt_at, created_at, is_head) VALUES (?, ?, ?, 0, ?, ?, ?)',
      ),
      bump: db.prepare('UPDATE counters SET value = value + ? WHERE name = ?'),
      // Counters added after the first outbox files existed: created on first use.
      upsert: db.prepare(
        'INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value',
      ),
      counter: db.prepare('SELECT value FROM counters WHERE name = ?'),
      pending: db.prepare('SELECT COUNT(*) AS n FROM outbox'),
      pendingByKind: db.prepare('SELECT kind, COUNT(*) AS n FROM outbox GROUP BY kind'),
      deadByKind: db.prepare('SELECT kind, COUNT(*) AS n FROM dead_letters GROUP BY kind'),
      pendingRetriedByKind: db.prepare(
        'SELECT kind, COUNT(*) AS n FROM outbox WHERE failed_rounds > 0 GROUP BY kind',
      ),
      deadRetriedByKind: db.prepare(
        "SELECT kind, COUNT(*) AS n FROM dead_letters WHERE NOT (reason LIKE 'rejected%' AND attempts <= 1) GROUP BY kind",
      ),
      // The head of each ordering key, due now, oldest first: a walk of the partial index `outbox_head`,
      // so its cost does not grow with the rows queued behind the heads. (A correlated MIN(id) per row
      // read every due row of a long backlog on each call: quadratic over a 100k-family run.)
      due: db.prepare(`
        SELECT * FROM outbox WHERE is_head = 1 AND leased = 0 AND next_attempt_at <= ?
        ORDER BY next_attempt_at, id ${LIMIT_PARAM}`),
      dueOfKind: db.prepare(`
        SELECT * FROM outbox WHERE is_head = 1 AND leased = 0 AND kind = ? AND next_attempt_at <= ?
        ORDER BY next_attempt_at, id ${LIMIT_PARAM}`),
      nextDue: db.prepare('SELECT MIN(next_attempt_at) AS t FROM outbox WHERE is_head = 1 AND leased = 0'),
      nextDueOfKind: db.prepare(
        'SELECT MIN(next_attempt_at) AS t FROM outbox WHERE is_head = 1 AND leased = 0 AND kind = ?',
      ),
      followers: db.prepare(
        `SELECT * FROM outbox WHERE ordering_key = ? AND id > ? AND leased = 0 ORDER BY id ${LIMIT_PARAM}`,
      ),
      lease: db.prepare('UPDATE outbox SET leased = 1 WHERE id = ?'),
      release: db.prepare('UPDATE outbox SET leased = 0 WHERE id = ?'),
      hasKey: db.prepare('SELECT 1 FROM outbox WHERE ordering_key = ? LIMIT 1'),
      remove: db.prepare('DELETE FROM outbox WHERE id = ? RETURNING ordering_key, is_head'),
      removeKind: db.prepare(
        'DELETE FROM outbox WHERE id = ? RETURNING kind, failed_rounds, ordering_key, is_head',
      ),
      promote: db.prepare(`
        UPDATE outbox SET is_head = 1
        WHERE id = (SELECT MIN(id) FROM outbox WHERE ordering_key = ?)`),
      latestProfile: db.prepare(
        "SELECT id, job, leased FROM outbox WHERE ordering_key = ? AND kind = 'profile' ORDER BY id DESC LIMIT 1",
      ),
      replaceJob: db.prepare('UPDATE outbox SET job = ? WHERE id = ?'),
      reschedule: db.prepare(
        'UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ?, failed_rounds = failed_rounds + 1, leased = 0 WHERE id = ?',
      ),
      defer: db.prepare(
        'UPDATE outbox SET deferrals = deferrals + 1, failed_rounds = failed_rounds + 1, next_attempt_at = ?, last_error = ?, leased = 0 WHERE id = ?',
      ),
      toDead: db.prepare(`
        INSERT INTO dead_letters (id, ordering_key, kind, job, attempts, created_at, dead_at, reason, last_error)
        SELECT id, ordering_key, kind, job, ?, created_at, ?, ?, ? FROM outbox WHERE id = ?`),
      listDead: db.prepare(`SELECT * FROM dead_letters ORDER BY id ${LIMIT_PARAM}`),
      replay: db.prepare(`
        INSERT INTO outbox (id, ordering_key, kind, job, attempts, next_attempt_at, created_at, last_error, failed_rounds)
        SELECT id, ordering_key, kind, job, 0, ?, created_at, last_error, 1 FROM dead_letters`),
      clearDead: db.prepare('DELETE FROM dead_letters'),
    };
  }

  enqueue(orderingKey: string, job: KlaviyoJob, now: number): number {
    const tx = this.db.transaction(() => {
      const head = this.stmts.hasKey.get(orderingKey) === undefined ? 1 : 0;
      const info = this.stmts.insert.run(orderingKey, job.kind, JSON.stringify(job), now, now, head);
      this.stmts.bump.run(1, 'tracked');
      this.stmts.bump.run(1, `tracked:${job.kind}`);
      return Number(info.lastInsertRowid);
    });
    return tx();
  }

  /**
   * Fold a profile sync into the user's latest queued sync, unless that one is being delivered
   * (leased): the queued row then carries the newest properties, so one call replaces several. Counted
   * as tracked and coalesced (tracked = delivered + coalesced + pending + dead-lettered). Returns the
   * id folded into, or null when the job must be queued on its own.
   */
  coalesceProfile(orderingKey: string, job: ProfileJob): number | null {
    return this.db.transaction(() => {
      const latest = this.stmts.latestProfile.get(orderingKey) as
        | { id: number; job: string; leased: number }
        | undefined;
      if (!latest || latest.leased) return null;
      const prev = JSON.parse(latest.job) as ProfileJob;
      const merged: ProfileJob = {
        ...prev,
        ...job,
        email: job.email ?? prev.email,
        firstName: job.firstName ?? prev.firstName,
        properties: { ...prev.properties, ...job.properties },
      };
      if (merged.email === undefined) delete merged.email;
      if (merged.firstName === undefined) delete merged.firstName;
      this.stmts.replaceJob.run(JSON.stringify(merged), latest.id);
      this.stmts.bump.run(1, 'tracked');
      this.stmts.bump.run(1, 'tracked:profile');
      this.stmts.upsert.run('coalesced', 1);
      this.stmts.upsert.run('coalesced:profile', 1);
      return latest.id;
    })();
  }

  /**
   * Up to `limit` deliverable rows: due, and first in line for their ordering key. With `followers`,
   * room left under `limit` is filled with the rows queued behind those heads, each right after its
   * head and in order (marked `follower`): a bulk request may carry a user's next events with the
   * first, in one entry, without breaking that user's order. Heads come first: the oldest work wins.
   */
  due(now: number, limit: number, kind?: JobKind, opts: { followers?: boolean } = {}): OutboxRow[] {
    const heads = (
      (kind ? this.stmts.dueOfKind.all(kind, now, limit) : this.stmts.due.all(now, limit)) as RawRow[]
    ).map((r) => toRow(r));
    let room = limit - heads.length;
    if (!opts.followers || room <= 0 || heads.length === 0) return heads;
    const out: OutboxRow[] = [];
    for (const head of heads) {
      out.push(head);
      if (room <= 0) continue;
      const behind = this.stmts.followers.all(head.orderingKey, head.id, room) as RawRow[];
      room -= behind.length;
      for (const r of behind) out.push(toRow(r, true));
    }
    return out;
  }

  /** Earliest time a head-of-line row not in flight becomes due (of one kind), or null when none. */
  nextDueAt(kind?: JobKind): number | null {
    const r = (kind ? this.stmts.nextDueOfKind.get(kind) : this.stmts.nextDue.get()) as { t: number | null };
    return r.t;
  }

  /**
   * Mark rows as in flight: `due()` skips them until they are settled (delivered, dead, rescheduled)
   * or released. Leases live in the file but belong to one process: opening the store clears them.
   */
  lease(ids: readonly number[]): void {
    this.db.transaction(() => {
      for (const id of ids) this.stmts.lease.run(id);
    })();
  }

  release(id: number): void {
    this.stmts.release.run(id);
  }

  /** Run several writes as one SQLite transaction (one commit for a whole batch's outcome). */
  transaction(fn: () => void): void {
    this.db.transaction(fn)();
  }

  /** `afterRetry`: the delivery itself retried (a failed attempt before the one that succeeded). */
  markDelivered(id: number, afterRetry = false): void {
    this.db.transaction(() => {
      const removed = this.stmts.removeKind.get(id) as
        | { kind: string | null; failed_rounds: number; ordering_key: string; is_head: number }
        | undefined;
      if (!removed) return;
      if (removed.is_head) this.stmts.promote.run(removed.ordering_key);
      this.stmts.bump.run(1, 'delivered');
      if (removed.kind) this.stmts.bump.run(1, `delivered:${removed.kind}`);
      if (afterRetry || removed.failed_rounds > 0) {
        this.stmts.upsert.run('recovered', 1);
        if (removed.kind) this.stmts.upsert.run(`recovered:${removed.kind}`, 1);
      }
    })();
  }

  reschedule(id: number, attempts: number, nextAttemptAt: number, lastError: string | null): void {
    this.stmts.reschedule.run(attempts, nextAttemptAt, lastError, id);
  }

  /** Reschedule without spending the budget, counting the deferral (the worker bounds them). */
  defer(id: number, nextAttemptAt: number, lastError: string | null): void {
    this.stmts.defer.run(nextAttemptAt, lastError, id);
  }

  markDead(id: number, attempts: number, now: number, reason: string, lastError: string | null): void {
    this.db.transaction(() => {
      this.stmts.toDead.run(attempts, now, reason, lastError, id);
      const removed = this.stmts.remove.get(id) as { ordering_key: string; is_head: number } | undefined;
      if (removed?.is_head) this.stmts.promote.run(removed.ordering_key);
    })();
  }

  deadLetters(limit = 1000): DeadLetterRow[] {
    return (this.stmts.listDead.all(limit) as (RawRow & { dead_at: number; reason: string })[]).map((r) => ({
      id: r.id,
      orderingKey: r.ordering_key,
      job: JSON.parse(r.job) as KlaviyoJob,
      attempts: r.attempts,
      createdAt: r.created_at,
      deadAt: r.dead_at,
      reason: r.reason,
      lastError: r.last_error,
    }));
  }

  /** Move every dead letter back to the outbox with a fresh retry budget; returns how many. */
  replayDeadLetters(now: number): number {
    return this.db.transaction(() => {
      const n = this.stmts.replay.run(now).changes;
      this.stmts.clearDead.run();
      // Replayed ids are older than what is queued behind them: the heads are recomputed.
      markHeads(this.db);
      this.stmts.bump.run(n, 'replayed');
      return n;
    })();
  }

  /** Jobs waiting (cheap: what `flush()` polls). */
  pendingCount(): number {
    return (this.stmts.pending.get() as { n: number }).n;
  }

  counts(): OutboxCounts {
    const c = (name: string) => (this.stmts.counter.get(name) as { value: number } | undefined)?.value ?? 0;
    const group = (stmt: Database.Statement) => {
      const m = new Map<string | null, number>();
      for (const r of stmt.all() as { kind: string | null; n: number }[]) m.set(r.kind, r.n);
      return m;
    };
    const pending = group(this.stmts.pendingByKind);
    const dead = group(this.stmts.deadByKind);
    const stillRetrying = group(this.stmts.pendingRetriedByKind);
    const deadRetried = group(this.stmts.deadRetriedByKind);
    const byKind = {} as Record<JobKind, KindCounts>;
    for (const k of JOB_KINDS)
      byKind[k] = {
        tracked: c(`tracked:${k}`),
        delivered: c(`delivered:${k}`),
        coalesced: c(`coalesced:${k}`),
        pending: pending.get(k) ?? 0,
        deadLettered: dead.get(k) ?? 0,
        retried: c(`recovered:${k}`) + (deadRetried.get(k) ?? 0) + (stillRetrying.get(k) ?? 0),
        recovered: c(`recovered:${k}`),
      };
    const sum = (m: Map<string | null, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    return {
      tracked: c('tracked'),
      delivered: c('delivered'),
      coalesced: c('coalesced'),
      pending: sum(pending),
      deadLettered: sum(dead),
      retried: c('recovered') + sum(deadRetried) + sum(stillRetrying),
      recovered: c('recovered'),
      replayed: c('replayed'),
      byKind,
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/**
 * `is_head` marks the first row (lowest id) of each ordering key: the only row of that key that may be
 * delivered. Kept up to date by enqueue and removal; recomputed here for files written without it.
 */
function markHeads(db: Database.Database): void {
  db.exec(`
    UPDATE outbox SET is_head = (id IN (SELECT MIN(id) FROM outbox GROUP BY ordering_key));`);
}

/** Outbox files written before a column existed get it (with its default) when opened. */
function migrate(db: Database.Database): void {
  const columns = new Set(
    (db.prepare('PRAGMA table_info(outbox)').all() as { name: string }[]).map((c) => c.name),
  );
  if (!columns.has('deferrals'))
    db.exec('ALTER TABLE outbox ADD COLUMN deferrals INTEGER NOT NULL DEFAULT 0');
  if (!columns.has('failed_rounds'))
    db.exec('ALTER TABLE outbox ADD COLUMN failed_rounds INTEGER NOT NULL DEFAULT 0');
  if (!columns.has('leased')) db.exec('ALTER TABLE outbox ADD COLUMN leased INTEGER NOT NULL DEFAULT 0');
  // Nothing is in flight in a process that has just opened the file: leases of a dead one are void.
  db.exec('UPDATE outbox SET leased = 0 WHERE leased = 1');
  if (!columns.has('is_head')) {
    db.exec('ALTER TABLE outbox ADD COLUMN is_head INTEGER NOT NULL DEFAULT 0');
    db.exec('DROP INDEX IF EXISTS outbox_due');
    markHeads(db);
  }
  db.exec(
    'CREATE INDEX IF NOT EXISTS outbox_head ON outbox (next_attempt_at, id) WHERE is_head = 1 AND leased = 0;' +
      'CREATE INDEX IF NOT EXISTS outbox_head_kind ON outbox (kind, next_attempt_at, id) WHERE is_head = 1 AND leased = 0;',
  );
  // Files from before per-kind counters: the kind is in the job's JSON. Their older totals were not
  // split by kind, so per-kind figures cover only what was tracked since (the totals stay exact).
  for (const table of ['outbox', 'dead_letters']) {
    const cols = (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
    if (!cols.includes('kind')) {
      db.exec(`ALTER TABLE ${table} ADD COLUMN kind TEXT`);
      db.exec(`UPDATE ${table} SET kind = json_extract(job, '$.kind')`);
    }
  }
}

/**
 * The job is parsed on first read: the worker asks for several due rows and delivers one (the others'
 * keys are busy), so parsing every row's JSON up front was most of `due()`'s cost in long runs.
 */
function toRow(r: RawRow, follower = false): OutboxRow {
  let job: KlaviyoJob | undefined;
  return {
    ...(follower ? { follower } : {}),
    id: r.id,
    orderingKey: r.ordering_key,
    get job() {
      job ??= JSON.parse(r.job) as KlaviyoJob;
      return job;
    },
    attempts: r.attempts,
    deferrals: r.deferrals,
    nextAttemptAt: r.next_attempt_at,
    createdAt: r.created_at,
    lastError: r.last_error,
  };
}
