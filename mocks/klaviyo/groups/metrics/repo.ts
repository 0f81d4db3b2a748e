/** Metric rows: created implicitly by create-event on the first use of a name in an account. */
import type Database from 'better-sqlite3';
import type { KlaviyoStore, ListQuery, ListResult, Repo } from '../../core/store.ts';

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

export class MetricsRepo implements Repo {
  static readonly tables = ['metrics'] as const;
  static readonly schema = `
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
`;

  /** Metric ids by account + name, so create-event skips a lookup on the hot path. */
  readonly idByName = new Map<string, string>();
  private readonly s: Record<'byId' | 'byName' | 'insert', Database.Statement>;

  constructor(private readonly store: KlaviyoStore) {
    const db = store.db;
    this.s = {
      byId: db.prepare('SELECT * FROM metrics WHERE account = ? AND id = ?'),
      byName: db.prepare('SELECT * FROM metrics WHERE account = ? AND name = ?'),
      insert: db.prepare(
        'INSERT INTO metrics (account, id, name, service, created, updated) VALUES (?, ?, ?, ?, ?, ?)',
      ),
    };
  }

  byId(account: string, id: string): MetricRow | undefined {
    return this.s.byId.get(this.store.acct(account), id) as MetricRow | undefined;
  }

  byName(account: string, name: string): MetricRow | undefined {
    return this.s.byName.get(this.store.acct(account), name) as MetricRow | undefined;
  }

  insert(row: Omit<MetricRow, 'seq'>): MetricRow {
    const info = this.s.insert.run(
      this.store.acct(row.account, true),
      row.id,
      row.name,
      row.service,
      row.created,
      row.updated,
    );
    return { ...row, seq: Number(info.lastInsertRowid) };
  }

  list(q: Omit<ListQuery, 'table' | 'columns'>): ListResult<MetricRow> {
    return this.store.list<MetricRow>({ ...q, table: 'metrics' });
  }

  byIds(account: string, ids: string[]): MetricRow[] {
    if (ids.length === 0) return [];
    const sql = `SELECT * FROM metrics WHERE account = ? AND id IN (${ids.map(() => '?').join(',')})`;
    return this.store.statement(sql).all(this.store.acct(account), ...ids) as MetricRow[];
  }

  onReset(): void {
    this.idByName.clear();
  }
}
