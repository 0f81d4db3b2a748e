/**
 * Lists and their members. A member row points at `profiles.seq` and keeps when it joined
 * (`joined_group_at`); adding a profile that is already a member keeps its first join time, as
 * Klaviyo does. Every membership change is announced on the store's change feed (segments follow it).
 */
import type Database from 'better-sqlite3';
import type { KlaviyoStore, ListQuery, ListResult } from '../../core/store.ts';
import type { ProfileRow } from '../profiles/repo.ts';

export interface ListRow {
  seq: number;
  account: string;
  id: string;
  name: string;
  opt_in_process: 'double_opt_in' | 'single_opt_in';
  created: number;
  updated: number;
}

export type MemberRow = ProfileRow & { joined_group_at: number };

export class ListsRepo {
  static readonly tables = ['lists', 'list_members'] as const;
  static readonly schema = `
CREATE TABLE IF NOT EXISTS lists (
  seq INTEGER PRIMARY KEY,
  account INTEGER NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  opt_in_process TEXT NOT NULL,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS lists_id ON lists(account, id);
CREATE TABLE IF NOT EXISTS list_members (
  list INTEGER NOT NULL,     -- lists.seq
  profile INTEGER NOT NULL,  -- profiles.seq
  account INTEGER NOT NULL,
  joined INTEGER NOT NULL,
  PRIMARY KEY (list, profile)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS list_members_profile ON list_members(profile);
CREATE INDEX IF NOT EXISTS list_members_joined ON list_members(list, joined);
`;

  private readonly s: Record<
    | 'byId'
    | 'insert'
    | 'update'
    | 'delete'
    | 'deleteMembers'
    | 'addMember'
    | 'removeMember'
    | 'count'
    | 'isMember'
    | 'members',
    Database.Statement
  >;

  constructor(private readonly store: KlaviyoStore) {
    const db = store.db;
    this.s = {
      byId: db.prepare('SELECT * FROM lists WHERE account = ? AND id = ?'),
      insert: db.prepare(
        'INSERT INTO lists (account, id, name, opt_in_process, created, updated) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      update: db.prepare('UPDATE lists SET name = ?, opt_in_process = ?, updated = ? WHERE seq = ?'),
      delete: db.prepare('DELETE FROM lists WHERE seq = ?'),
      deleteMembers: db.prepare('DELETE FROM list_members WHERE list = ? RETURNING profile'),
      addMember: db.prepare(
        'INSERT OR IGNORE INTO list_members (list, profile, account, joined) VALUES (?, ?, ?, ?)',
      ),
      removeMember: db.prepare('DELETE FROM list_members WHERE list = ? AND profile = ?'),
      count: db.prepare('SELECT COUNT(*) FROM list_members WHERE list = ?').pluck(),
      isMember: db.prepare('SELECT 1 FROM list_members WHERE list = ? AND profile = ?').pluck(),
      members: db.prepare('SELECT profile FROM list_members WHERE list = ? ORDER BY joined').pluck(),
    };
  }

  byId(account: string, id: string): ListRow | undefined {
    return this.s.byId.get(this.store.acct(account), id) as ListRow | undefined;
  }

  insert(row: Omit<ListRow, 'seq'>): ListRow {
    const info = this.s.insert.run(
      this.store.acct(row.account, true),
      row.id,
      row.name,
      row.opt_in_process,
      row.created,
      row.updated,
    );
    return { ...row, seq: Number(info.lastInsertRowid) };
  }

  update(row: ListRow): void {
    this.s.update.run(row.name, row.opt_in_process, row.updated, row.seq);
  }

  delete(row: ListRow): void {
    const account = this.store.acct(row.account);
    for (const { profile } of this.s.deleteMembers.all(row.seq) as { profile: number }[]) {
      this.store.changed({ account, profile, kind: 'list' });
    }
    this.s.delete.run(row.seq);
  }

  /** Add profiles (by seq); returns how many were not members yet. */
  addMembers(list: ListRow, profiles: number[], now: number): number {
    const account = this.store.acct(list.account);
    let added = 0;
    for (const profile of profiles) {
      if (this.s.addMember.run(list.seq, profile, account, now).changes > 0) {
        added++;
        // `ref`: the list joined (flows triggered by the list start on it).
        this.store.changed({ account, profile, kind: 'list', ref: list.id });
      }
    }
    return added;
  }

  removeMembers(list: ListRow, profiles: number[]): number {
    const account = this.store.acct(list.account);
    let removed = 0;
    for (const profile of profiles) {
      if (this.s.removeMember.run(list.seq, profile).changes > 0) {
        removed++;
        this.store.changed({ account, profile, kind: 'list' });
      }
    }
    return removed;
  }

  isMember(list: number, profile: number): boolean {
    return this.s.isMember.get(list, profile) !== undefined;
  }

  /** Every member's profile seq, in join order (bulk suppression of a whole list). */
  memberSeqs(list: ListRow): number[] {
    return this.s.members.all(list.seq) as number[];
  }

  profileCount(list: ListRow): number {
    return this.s.count.get(list.seq) as number;
  }

  list(q: Omit<ListQuery, 'table' | 'columns'>): ListResult<ListRow> {
    return this.store.list<ListRow>({ ...q, table: 'lists' });
  }

  /** The lists a profile belongs to, in creation order. */
  listsOf(account: string, profileSeq: number): ListRow[] {
    return this.store
      .statement(
        `SELECT lists.* FROM list_members JOIN lists ON lists.seq = list_members.list
         WHERE list_members.profile = ? AND lists.account = ? ORDER BY lists.seq`,
      )
      .all(profileSeq, this.store.acct(account)) as ListRow[];
  }

  byIds(account: string, ids: string[]): ListRow[] {
    if (ids.length === 0) return [];
    const sql = `SELECT * FROM lists WHERE account = ? AND id IN (${ids.map(() => '?').join(',')})`;
    return this.store.statement(sql).all(this.store.acct(account), ...ids) as ListRow[];
  }
}
