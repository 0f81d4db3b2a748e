/**
 * Event rows. Dedup is a unique index on (profile, metric, dedup key), so a duplicate costs one index
 * probe (`INSERT OR IGNORE`), never a scan. Aggregates run in SQL over (account, metric, datetime).
 *
 * Events point at their profile by `profiles.seq` instead of repeating its 26-character id (~100 bytes
 * less per row and index entry; reads join the id back), and an event's `uuid` is not stored: it is
 * derived from the event id (ids.ts `eventUuid`).
 */
import type Database from 'better-sqlite3';
import type { KlaviyoStore, ListQuery, ListResult } from '../../core/store.ts';
import { ProfilesRepo } from '../profiles/repo.ts';
import { DistinctCounter } from './unique.ts';

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

export interface AggregateRow {
  bucket: number;
  dims: string[];
  count: number;
  sum: number;
  unique: number;
}

/** Event columns as the API layer reads them: the profile's id joined back from its seq. */
const EVENT_COLUMNS =
  'events.*, (SELECT profiles.id FROM profiles WHERE profiles.seq = events.profile) AS profile_id';

export class EventsRepo {
  static readonly tables = ['events'] as const;
  static readonly schema = `
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

  private readonly distinct: DistinctCounter;
  private readonly s: Record<'insert' | 'byId', Database.Statement>;

  constructor(private readonly store: KlaviyoStore) {
    const db = store.db;
    this.distinct = new DistinctCounter(db);
    this.s = {
      insert: db.prepare(
        `INSERT OR IGNORE INTO events (account, id, metric_id, profile, datetime, value, dedup, properties)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      byId: db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE account = ? AND id = ?`),
    };
  }

  private get profiles(): ProfilesRepo {
    return this.store.repo(ProfilesRepo);
  }

  /** Insert unless (profile, metric, dedup) exists; returns false for a duplicate. */
  insert(row: Omit<EventRow, 'seq'>): boolean {
    const account = this.store.acct(row.account, true);
    const profile = row.profile_seq ?? this.profiles.seqOf(row.account, row.profile_id);
    if (profile === undefined) {
      throw new Error(
        `EventsRepo.insert: profile ${row.profile_id} does not exist in this account; insert it first.`,
      );
    }
    const info = this.s.insert.run(
      account,
      row.id,
      row.metric_id,
      profile,
      row.datetime,
      row.value,
      row.dedup,
      row.properties,
    );
    if (info.changes === 0) return false;
    this.store.changed({ account, profile, kind: 'event', ref: row.id });
    return true;
  }

  byId(account: string, id: string): EventRow | undefined {
    return this.s.byId.get(this.store.acct(account), id) as EventRow | undefined;
  }

  list(q: Omit<ListQuery, 'table' | 'columns'>): ListResult<EventRow> {
    return this.store.list<EventRow>({ ...q, table: 'events', columns: EVENT_COLUMNS });
  }

  /** The query list() would run, for `EXPLAIN QUERY PLAN` checks in tests. */
  explainList(q: Omit<ListQuery, 'table' | 'columns'>): string[] {
    return this.store.explainList({ ...q, table: 'events', columns: EVENT_COLUMNS });
  }

  /**
   * Per profile seq: how many events of a metric (and their summed value) since `from` ms. Segment
   * conditions on metrics read this; one grouped scan over the covering metric index.
   */
  countsByProfile(
    account: string,
    metricId: string,
    from: number,
    to: number,
  ): Map<number, { count: number; sum: number }> {
    const st = this.store.statement(
      `SELECT profile, COUNT(*) AS count, TOTAL(value) AS sum FROM events
       WHERE account = ? AND metric_id = ? AND datetime >= ? AND datetime < ? GROUP BY profile`,
    );
    const out = new Map<number, { count: number; sum: number }>();
    for (const r of st.all(this.store.acct(account), metricId, from, to) as {
      profile: number;
      count: number;
      sum: number;
    }[]) {
      out.set(r.profile, { count: r.count, sum: r.sum });
    }
    return out;
  }

  /**
   * countsByProfile over only the events that pass `test` (a segment's metric_filters): one pass over
   * the metric's events in [from, to), reading their properties in JS, so every filter the spec lists
   * (regex, list sets, …) applies the same way here as anywhere else in the mock.
   */
  countsByProfileWhere(
    account: string | number,
    metricId: string,
    from: number,
    to: number,
    test: (props: Record<string, unknown>, value: number | null) => boolean,
  ): Map<number, { count: number; sum: number }> {
    const st = this.store.statement(
      `SELECT profile, value, properties FROM events
       WHERE account = ? AND metric_id = ? AND datetime >= ? AND datetime < ?`,
    );
    const out = new Map<number, { count: number; sum: number }>();
    const rows = st.iterate(this.store.acct(account), metricId, from, to) as Iterable<{
      profile: number;
      value: number | null;
      properties: string;
    }>;
    for (const r of rows) {
      if (!test(JSON.parse(r.properties) as Record<string, unknown>, r.value)) continue;
      const got = out.get(r.profile);
      if (got) {
        got.count++;
        got.sum += r.value ?? 0;
      } else out.set(r.profile, { count: 1, sum: r.value ?? 0 });
    }
    return out;
  }

  /**
   * A metric's events in [from, to), oldest first, with what attribution needs (campaign reporting
   * matches conversions to the emails a profile opened or clicked before them).
   */
  rows(
    account: string | number,
    metricId: string,
    from: number,
    to: number,
  ): { profile: number; datetime: number; value: number | null; properties: string }[] {
    const st = this.store.statement(
      `SELECT profile, datetime, value, properties FROM events
       WHERE account = ? AND metric_id = ? AND datetime >= ? AND datetime < ? ORDER BY datetime, seq`,
    );
    return st.all(this.store.acct(account), metricId, from, to) as {
      profile: number;
      datetime: number;
      value: number | null;
      properties: string;
    }[];
  }

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
    const maxSeq = wantUnique ? this.profiles.maxSeq() : 0;
    const marks = wantUnique && this.distinct.fits(maxSeq);
    const unique = !wantUnique ? '0' : marks ? 'kl_unique(profile)' : 'COUNT(DISTINCT profile)';
    const dimSelect = dims.map((d, i) => `, ${d} AS d${i}`).join('');
    const group = dims.length ? ` GROUP BY ${dims.map((_, i) => `d${i}`).join(', ')}` : '';
    const sql = `SELECT COUNT(*) AS count, TOTAL(value) AS sum, ${unique} AS uniq${dimSelect} FROM events
      WHERE account = ? AND metric_id = ? AND datetime >= ? AND datetime < ?${group}`;
    const st = this.store.statement(sql);
    const acct = this.store.acct(account);
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
}
