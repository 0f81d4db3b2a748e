/**
 * The generic tier's resources: one table keyed by account, JSON:API type and id, holding the
 * attributes and relationships a client sent (JSON), so a created resource reads back, PATCH merges into
 * it, DELETE removes it and a list returns it. Registered with the store like any group's repo.
 */
import type Database from 'better-sqlite3';
import { LIMIT_PARAM } from '../../../lib/sqlite.ts';
import type { KlaviyoStore } from '../core/store.ts';

export interface GenericRow {
  seq: number;
  type: string;
  id: string;
  attributes: Record<string, unknown>;
  relationships: Record<string, unknown>;
  created: number;
  updated: number;
}

interface RawRow {
  seq: number;
  type: string;
  id: string;
  attributes: string;
  relationships: string;
  created: number;
  updated: number;
}

export class GenericRepo {
  static readonly tables = ['generic_resources'] as const;
  static readonly schema = `
CREATE TABLE IF NOT EXISTS generic_resources (
  seq INTEGER PRIMARY KEY,
  account INTEGER NOT NULL,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  attributes TEXT NOT NULL,
  relationships TEXT NOT NULL,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  UNIQUE (account, type, id)
);`;

  private readonly s: Record<'get' | 'insert' | 'update' | 'remove' | 'page', Database.Statement>;

  constructor(private readonly store: KlaviyoStore) {
    const db = store.db;
    this.s = {
      get: db.prepare('SELECT * FROM generic_resources WHERE account = ? AND type = ? AND id = ?'),
      insert: db.prepare(
        'INSERT INTO generic_resources (account, type, id, attributes, relationships, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      update: db.prepare(
        'UPDATE generic_resources SET attributes = ?, relationships = ?, updated = ? WHERE account = ? AND type = ? AND id = ?',
      ),
      remove: db.prepare('DELETE FROM generic_resources WHERE account = ? AND type = ? AND id = ?'),
      page: db.prepare(
        `SELECT * FROM generic_resources WHERE account = ? AND type = ? AND seq > ? ORDER BY seq ${LIMIT_PARAM}`,
      ),
    };
  }

  get(account: string, type: string, id: string): GenericRow | undefined {
    const row = this.s.get.get(this.store.acct(account), type, id) as RawRow | undefined;
    return row && parse(row);
  }

  insert(account: string, row: Omit<GenericRow, 'seq' | 'updated'>): GenericRow {
    const info = this.s.insert.run(
      this.store.acct(account, true),
      row.type,
      row.id,
      JSON.stringify(row.attributes),
      JSON.stringify(row.relationships),
      row.created,
      row.created,
    );
    return { ...row, seq: Number(info.lastInsertRowid), updated: row.created };
  }

  /** Attributes and relationships merged member by member (JSON:API PATCH semantics). */
  merge(account: string, current: GenericRow, patch: Partial<GenericRow>, now: number): GenericRow {
    const next = {
      ...current,
      attributes: { ...current.attributes, ...patch.attributes },
      relationships: { ...current.relationships, ...patch.relationships },
      updated: now,
    };
    this.s.update.run(
      JSON.stringify(next.attributes),
      JSON.stringify(next.relationships),
      now,
      this.store.acct(account),
      current.type,
      current.id,
    );
    return next;
  }

  remove(account: string, type: string, id: string): boolean {
    return this.s.remove.run(this.store.acct(account), type, id).changes > 0;
  }

  /** Up to `limit` rows after `afterSeq`, in creation order, and whether more follow. */
  page(
    account: string,
    type: string,
    afterSeq: number,
    limit: number,
  ): { rows: GenericRow[]; more: boolean } {
    const rows = (this.s.page.all(this.store.acct(account), type, afterSeq, limit + 1) as RawRow[]).map(
      parse,
    );
    const more = rows.length > limit;
    if (more) rows.pop();
    return { rows, more };
  }
}

function parse(row: RawRow): GenericRow {
  return { ...row, attributes: JSON.parse(row.attributes), relationships: JSON.parse(row.relationships) };
}
