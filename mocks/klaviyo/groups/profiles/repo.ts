/**
 * Profile rows. Hot paths (profile import, create-event's profile lookup) run on statements prepared
 * once; `last_event_date` is one seek on the events table's per-profile index rather than a stored
 * column, so create-event does not pay an UPDATE of the profile per event.
 */
import type Database from 'better-sqlite3';
import { LIMIT_PARAM } from '../../../../lib/sqlite.ts';
import type { KlaviyoStore, ListQuery, ListResult } from '../../core/store.ts';

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

/**
 * Profile columns as the API layer reads them. The events table is created by the events repo; the
 * subquery only runs on reads, after every repo's schema exists.
 */
export const PROFILE_COLUMNS =
  'profiles.*, (SELECT MAX(events.datetime) FROM events WHERE events.profile = profiles.seq) AS last_event_date';

export type ProfileListQuery = Omit<ListQuery, 'table' | 'columns'>;

export class ProfilesRepo {
  static readonly tables = ['profiles'] as const;
  static readonly schema = `
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
`;

  private readonly s: Record<
    | 'seqById'
    | 'maxSeq'
    | 'byId'
    | 'bySeq'
    | 'byEmail'
    | 'byPhone'
    | 'byExternal'
    | 'byIdentifiers'
    | 'insert'
    | 'update',
    Database.Statement
  >;

  constructor(private readonly store: KlaviyoStore) {
    const db = store.db;
    this.s = {
      seqById: db.prepare('SELECT seq FROM profiles WHERE account = ? AND id = ?').pluck(),
      maxSeq: db.prepare('SELECT MAX(seq) FROM profiles').pluck(),
      byId: db.prepare(`SELECT ${PROFILE_COLUMNS} FROM profiles WHERE account = ? AND id = ?`),
      bySeq: db.prepare(`SELECT ${PROFILE_COLUMNS} FROM profiles WHERE seq = ?`),
      byEmail: db.prepare(`SELECT ${PROFILE_COLUMNS} FROM profiles WHERE account = ? AND email = ? LIMIT 1`),
      byPhone: db.prepare(
        `SELECT ${PROFILE_COLUMNS} FROM profiles WHERE account = ? AND phone_number = ? LIMIT 1`,
      ),
      byExternal: db.prepare(
        `SELECT ${PROFILE_COLUMNS} FROM profiles WHERE account = ? AND external_id = ? LIMIT 1`,
      ),
      // Klaviyo's precedence in one statement (one round trip into SQLite instead of up to three):
      // each arm is the same indexed `LIMIT 1` probe by() runs; a NULL identifier matches nothing.
      byIdentifiers: db.prepare(
        `SELECT ${PROFILE_COLUMNS} FROM profiles WHERE seq = COALESCE(
           (SELECT seq FROM profiles WHERE account = ? AND email = ? LIMIT 1),
           (SELECT seq FROM profiles WHERE account = ? AND external_id = ? LIMIT 1),
           (SELECT seq FROM profiles WHERE account = ? AND phone_number = ? LIMIT 1))`,
      ),
      insert: db.prepare(
        `INSERT INTO profiles (account, id, email, phone_number, external_id, attrs, properties, created, updated)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      update: db.prepare(
        `UPDATE profiles SET email = ?, phone_number = ?, external_id = ?, attrs = ?, properties = ?, updated = ?
         WHERE seq = ?`,
      ),
    };
  }

  byId(account: string, id: string): ProfileRow | undefined {
    return this.s.byId.get(this.store.acct(account), id) as ProfileRow | undefined;
  }

  bySeq(seq: number): ProfileRow | undefined {
    return this.s.bySeq.get(seq) as ProfileRow | undefined;
  }

  /** `profiles.seq` of a profile id in an account (what other tables store), or undefined. */
  seqOf(account: string, id: string): number | undefined {
    return this.s.seqById.get(this.store.acct(account), id) as number | undefined;
  }

  /** The highest seq in the table (bounds the distinct-profile marks of aggregates). */
  maxSeq(): number {
    return (this.s.maxSeq.get() as number | null) ?? 0;
  }

  by(
    account: string,
    field: 'email' | 'phone_number' | 'external_id',
    value: string,
  ): ProfileRow | undefined {
    const st =
      field === 'email' ? this.s.byEmail : field === 'phone_number' ? this.s.byPhone : this.s.byExternal;
    return st.get(this.store.acct(account), value) as ProfileRow | undefined;
  }

  /** The first profile matching email, else external_id, else phone_number (null: not given). */
  byIdentifiers(
    account: string,
    email: string | null,
    externalId: string | null,
    phone: string | null,
  ): ProfileRow | undefined {
    if (email === null && externalId === null && phone === null) return undefined;
    const n = this.store.acct(account);
    return this.s.byIdentifiers.get(n, email, n, externalId, n, phone) as ProfileRow | undefined;
  }

  insert(row: Omit<ProfileRow, 'seq'>): ProfileRow {
    const info = this.s.insert.run(
      this.store.acct(row.account, true),
      row.id,
      row.email,
      row.phone_number,
      row.external_id,
      row.attrs,
      row.properties,
      row.created,
      row.updated,
    );
    const seq = Number(info.lastInsertRowid);
    this.store.changed({ account: this.store.acct(row.account), profile: seq, kind: 'profile' });
    return { ...row, seq, last_event_date: null };
  }

  update(row: ProfileRow): void {
    this.s.update.run(
      row.email,
      row.phone_number,
      row.external_id,
      row.attrs,
      row.properties,
      row.updated,
      row.seq,
    );
    this.store.changed({ account: this.store.acct(row.account), profile: row.seq, kind: 'profile' });
  }

  list(q: ProfileListQuery): ListResult<ProfileRow> {
    return this.store.list<ProfileRow>({ ...q, table: 'profiles', columns: PROFILE_COLUMNS });
  }

  /**
   * One page of a group's members (`list_members` or `segment_members`: rows of group seq, profile seq,
   * join time) as profiles with `joined_group_at`, sorted by join time.
   */
  membersOf(
    table: 'list_members' | 'segment_members',
    column: 'list' | 'segment',
    groupSeq: number,
    q: Omit<ListQuery, 'table' | 'columns' | 'from' | 'sortExpr'>,
  ): ListResult<ProfileRow & { joined_group_at: number }> {
    return this.store.list<ProfileRow & { joined_group_at: number }>({
      ...q,
      table: 'profiles',
      from: `profiles JOIN ${table} AS m ON m.profile = profiles.seq`,
      columns: `${PROFILE_COLUMNS}, m.joined AS joined_group_at`,
      where: [`m.${column} = ?`, ...q.where],
      params: [groupSeq, ...q.params],
      sortExpr: 'm.joined',
    });
  }

  /** Rows by id for `include` (one query per page). */
  byIds(account: string, ids: string[]): ProfileRow[] {
    if (ids.length === 0) return [];
    const sql = `SELECT ${PROFILE_COLUMNS} FROM profiles WHERE account = ? AND id IN (${ids.map(() => '?').join(',')})`;
    return this.store.statement(sql).all(this.store.acct(account), ...ids) as ProfileRow[];
  }

  /** Every profile of an account, in creation order, a page at a time (segment evaluation). */
  *all(account: string, pageSize = 1000): Generator<ProfileRow> {
    const acct = this.store.acct(account);
    const st = this.store.statement(
      `SELECT ${PROFILE_COLUMNS} FROM profiles WHERE account = ? AND seq > ? ORDER BY seq ${LIMIT_PARAM}`,
    );
    let after = 0;
    for (;;) {
      const rows = st.all(acct, after, pageSize) as ProfileRow[];
      yield* rows;
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1]!.seq;
    }
  }
}
