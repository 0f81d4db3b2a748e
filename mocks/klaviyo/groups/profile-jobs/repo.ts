/** Bulk profile import jobs: the request as accepted, then counts, errors and the profiles written. */
import type Database from 'better-sqlite3';
import type { KlaviyoStore, ListQuery, ListResult } from '../../core/store.ts';

export interface ImportJobRow {
  seq: number;
  account: string;
  id: string;
  status: 'queued' | 'processing' | 'complete' | 'cancelled';
  total: number;
  completed: number;
  failed: number;
  created: number;
  started: number | null;
  completed_at: number | null;
  /** JSON: the profiles as sent (cleared once processed). */
  payload: string;
  /** JSON: list ids to add the imported profiles to. */
  lists: string;
  /** JSON: `{code, title, detail, source: {pointer}, original_payload}` per failed profile. */
  errors: string;
  /** JSON: ids of the profiles written. */
  profiles: string;
}

export class ProfileJobsRepo {
  static readonly tables = ['profile_import_jobs'] as const;
  static readonly schema = `
CREATE TABLE IF NOT EXISTS profile_import_jobs (
  seq INTEGER PRIMARY KEY,
  account INTEGER NOT NULL,
  id TEXT NOT NULL,
  status TEXT NOT NULL,
  total INTEGER NOT NULL,
  completed INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  created INTEGER NOT NULL,
  started INTEGER,
  completed_at INTEGER,
  payload TEXT NOT NULL,
  lists TEXT NOT NULL,
  errors TEXT NOT NULL,
  profiles TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS profile_import_jobs_id ON profile_import_jobs(account, id);
`;

  private readonly s: Record<'byId' | 'insert' | 'save', Database.Statement>;

  constructor(private readonly store: KlaviyoStore) {
    const db = store.db;
    this.s = {
      byId: db.prepare('SELECT * FROM profile_import_jobs WHERE account = ? AND id = ?'),
      insert: db.prepare(
        `INSERT INTO profile_import_jobs (account, id, status, total, completed, failed, created, started, completed_at, payload, lists, errors, profiles)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      save: db.prepare(
        `UPDATE profile_import_jobs SET status = ?, completed = ?, failed = ?, started = ?, completed_at = ?,
           payload = ?, errors = ?, profiles = ? WHERE seq = ?`,
      ),
    };
  }

  byId(account: string | number, id: string): ImportJobRow | undefined {
    return this.s.byId.get(this.store.acct(account), id) as ImportJobRow | undefined;
  }

  insert(row: Omit<ImportJobRow, 'seq'>): ImportJobRow {
    const info = this.s.insert.run(
      this.store.acct(row.account, true),
      row.id,
      row.status,
      row.total,
      row.completed,
      row.failed,
      row.created,
      row.started,
      row.completed_at,
      row.payload,
      row.lists,
      row.errors,
      row.profiles,
    );
    return { ...row, seq: Number(info.lastInsertRowid) };
  }

  save(row: ImportJobRow): void {
    this.s.save.run(
      row.status,
      row.completed,
      row.failed,
      row.started,
      row.completed_at,
      row.payload,
      row.errors,
      row.profiles,
      row.seq,
    );
  }

  list(q: Omit<ListQuery, 'table' | 'columns'>): ListResult<ImportJobRow> {
    return this.store.list<ImportJobRow>({ ...q, table: 'profile_import_jobs' });
  }
}
