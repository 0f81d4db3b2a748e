/**
 * Template rows. `definition` (drag-and-drop JSON) is stored as text and parsed only when a response
 * asks for it (`additional-fields[template]=definition`).
 */
import type Database from 'better-sqlite3';
import type { KlaviyoStore, ListQuery, ListResult } from '../../core/store.ts';

export interface TemplateRow {
  seq: number;
  /** The account label when writing; rows read back carry the store's internal account number. */
  account: string;
  id: string;
  name: string;
  editor_type: string;
  html: string;
  text: string | null;
  amp: string | null;
  /** JSON of the drag-and-drop definition, or null for code templates. */
  definition: string | null;
  created: number;
  updated: number;
}

export class TemplatesRepo {
  static readonly tables = ['templates'] as const;
  static readonly schema = `
CREATE TABLE IF NOT EXISTS templates (
  seq INTEGER PRIMARY KEY,
  account INTEGER NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  editor_type TEXT NOT NULL,
  html TEXT NOT NULL,
  text TEXT,
  amp TEXT,
  definition TEXT,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS templates_id ON templates(account, id);
`;

  private readonly s: Record<'byId' | 'insert' | 'update' | 'delete' | 'count', Database.Statement>;

  constructor(private readonly store: KlaviyoStore) {
    const db = store.db;
    this.s = {
      byId: db.prepare('SELECT * FROM templates WHERE account = ? AND id = ?'),
      insert: db.prepare(
        `INSERT INTO templates (account, id, name, editor_type, html, text, amp, definition, created, updated)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      update: db.prepare(
        'UPDATE templates SET name = ?, html = ?, text = ?, amp = ?, definition = ?, updated = ? WHERE seq = ?',
      ),
      delete: db.prepare('DELETE FROM templates WHERE seq = ?'),
      count: db.prepare('SELECT COUNT(*) FROM templates WHERE account = ?').pluck(),
    };
  }

  byId(account: string, id: string): TemplateRow | undefined {
    return this.s.byId.get(this.store.acct(account), id) as TemplateRow | undefined;
  }

  insert(row: Omit<TemplateRow, 'seq'>): TemplateRow {
    const info = this.s.insert.run(
      this.store.acct(row.account, true),
      row.id,
      row.name,
      row.editor_type,
      row.html,
      row.text,
      row.amp,
      row.definition,
      row.created,
      row.updated,
    );
    return { ...row, seq: Number(info.lastInsertRowid) };
  }

  update(row: TemplateRow): void {
    this.s.update.run(row.name, row.html, row.text, row.amp, row.definition, row.updated, row.seq);
  }

  delete(row: TemplateRow): void {
    this.s.delete.run(row.seq);
  }

  count(account: string): number {
    return this.s.count.get(this.store.acct(account)) as number;
  }

  list(q: Omit<ListQuery, 'table' | 'columns'>): ListResult<TemplateRow> {
    return this.store.list<TemplateRow>({ ...q, table: 'templates' });
  }
}
