/**
 * Segments, their definitions (JSON as sent) and their evaluated members. Membership is materialised:
 * an evaluation job (model.ts) writes the difference, so a profile keeps its first `joined_group_at`
 * while it stays in, and reads are plain indexed lookups.
 */
import type Database from 'better-sqlite3';
import type { KlaviyoStore, ListQuery, ListResult } from '../../core/store.ts';
import type { ProfileRow } from '../profiles/repo.ts';
// model.ts imports this module too; each uses the other only inside functions, after both loaded.
import { queueEvaluation } from './model.ts';

export interface SegmentRow {
  seq: number;
  account: string;
  id: string;
  name: string;
  /** JSON: `{condition_groups: [...]}` as sent. */
  definition: string;
  is_active: number;
  is_starred: number;
  created: number;
  updated: number;
}

export class SegmentsRepo {
  static readonly tables = ['segments', 'segment_members'] as const;
  static readonly schema = `
CREATE TABLE IF NOT EXISTS segments (
  seq INTEGER PRIMARY KEY,
  account INTEGER NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  definition TEXT NOT NULL,
  is_active INTEGER NOT NULL,
  is_starred INTEGER NOT NULL,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS segments_id ON segments(account, id);
CREATE TABLE IF NOT EXISTS segment_members (
  segment INTEGER NOT NULL,  -- segments.seq
  profile INTEGER NOT NULL,  -- profiles.seq
  account INTEGER NOT NULL,
  joined INTEGER NOT NULL,
  PRIMARY KEY (segment, profile)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS segment_members_profile ON segment_members(profile);
`;

  private readonly s: Record<
    | 'byId'
    | 'insert'
    | 'update'
    | 'delete'
    | 'deleteMembers'
    | 'members'
    | 'add'
    | 'remove'
    | 'count'
    | 'active',
    Database.Statement
  >;

  /** Accounts (store numbers) with at least one active segment: only their writes queue evaluations. */
  private readonly followed = new Map<number, boolean>();

  constructor(private readonly store: KlaviyoStore) {
    const db = store.db;
    // Writes that touch a profile of an account with active segments queue its (re)processing.
    store.onChange((change) => {
      if (this.hasActive(change.account)) queueEvaluation(store, change.account);
    });
    this.s = {
      byId: db.prepare('SELECT * FROM segments WHERE account = ? AND id = ?'),
      insert: db.prepare(
        `INSERT INTO segments (account, id, name, definition, is_active, is_starred, created, updated)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      update: db.prepare(
        'UPDATE segments SET name = ?, definition = ?, is_active = ?, is_starred = ?, updated = ? WHERE seq = ?',
      ),
      delete: db.prepare('DELETE FROM segments WHERE seq = ?'),
      deleteMembers: db.prepare('DELETE FROM segment_members WHERE segment = ?'),
      members: db.prepare('SELECT profile FROM segment_members WHERE segment = ?').pluck(),
      add: db.prepare(
        'INSERT OR IGNORE INTO segment_members (segment, profile, account, joined) VALUES (?, ?, ?, ?)',
      ),
      remove: db.prepare('DELETE FROM segment_members WHERE segment = ? AND profile = ?'),
      count: db.prepare('SELECT COUNT(*) FROM segment_members WHERE segment = ?').pluck(),
      active: db.prepare('SELECT * FROM segments WHERE account = ? AND is_active = 1 ORDER BY seq'),
    };
  }

  private hasActive(account: number): boolean {
    let yes = this.followed.get(account);
    if (yes === undefined) {
      yes = this.active(account).length > 0;
      this.followed.set(account, yes);
    }
    return yes;
  }

  onReset(): void {
    this.followed.clear();
  }

  byId(account: string | number, id: string): SegmentRow | undefined {
    return this.s.byId.get(this.store.acct(account), id) as SegmentRow | undefined;
  }

  insert(row: Omit<SegmentRow, 'seq'>): SegmentRow {
    const info = this.s.insert.run(
      this.store.acct(row.account, true),
      row.id,
      row.name,
      row.definition,
      row.is_active,
      row.is_starred,
      row.created,
      row.updated,
    );
    this.followed.clear();
    return { ...row, seq: Number(info.lastInsertRowid) };
  }

  update(row: SegmentRow): void {
    this.followed.clear();
    this.s.update.run(row.name, row.definition, row.is_active, row.is_starred, row.updated, row.seq);
  }

  delete(row: SegmentRow): void {
    this.followed.clear();
    this.s.deleteMembers.run(row.seq);
    this.s.delete.run(row.seq);
  }

  /** Active segments of an account (store number), in creation order: the order they evaluate in. */
  active(account: number): SegmentRow[] {
    return this.s.active.all(account) as SegmentRow[];
  }

  memberSeqs(segment: SegmentRow): Set<number> {
    return new Set(this.s.members.all(segment.seq) as number[]);
  }

  /** Make the stored members equal `want`; newcomers join at `now`, stayers keep their join time. */
  setMembers(segment: SegmentRow, want: Set<number>, now: number): { joined: number; left: number } {
    const have = this.memberSeqs(segment);
    const account = this.store.acct(segment.account);
    let joined = 0;
    let left = 0;
    for (const p of want) if (!have.has(p)) joined += this.s.add.run(segment.seq, p, account, now).changes;
    for (const p of have) if (!want.has(p)) left += this.s.remove.run(segment.seq, p).changes;
    return { joined, left };
  }

  profileCount(segment: SegmentRow): number {
    return this.s.count.get(segment.seq) as number;
  }

  list(q: Omit<ListQuery, 'table' | 'columns'>): ListResult<SegmentRow> {
    return this.store.list<SegmentRow>({ ...q, table: 'segments' });
  }

  segmentsOf(account: string, profile: ProfileRow): SegmentRow[] {
    return this.store
      .statement(
        `SELECT segments.* FROM segment_members JOIN segments ON segments.seq = segment_members.segment
         WHERE segment_members.profile = ? AND segments.account = ? ORDER BY segments.seq`,
      )
      .all(profile.seq, this.store.acct(account)) as SegmentRow[];
  }
}
