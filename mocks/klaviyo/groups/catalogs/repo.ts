/**
 * Catalog tables. Items, variants and categories share one table (`kind` tells them apart): they have
 * the same id form, the same paging and nearly the same columns. The columns the spec's filters read
 * (`title`/`name`, `sku`, `published`, a variant's item) are real columns; everything else a response
 * shows sits in `attrs` as JSON. Item↔category links are their own table; bulk jobs keep the request
 * until they run, then their counts, per-item errors and the ids they wrote.
 */
import type Database from 'better-sqlite3';
import type { KlaviyoStore, ListQuery, ListResult } from '../../core/store.ts';
import type { KindName } from './kinds.ts';

export interface CatalogRow {
  seq: number;
  account: string | number;
  kind: KindName;
  id: string;
  /** Title (items, variants) or name (categories). */
  title: string;
  sku: string | null;
  published: number;
  /** Variants: `seq` of their item. */
  item: number | null;
  /** JSON of the remaining attributes. */
  attrs: string;
  created: number;
  updated: number;
}

export interface CatalogJobRow {
  seq: number;
  account: string | number;
  id: string;
  /** The job's JSON:API type, e.g. `catalog-item-bulk-create-job`. */
  type: string;
  status: 'queued' | 'processing' | 'complete' | 'cancelled';
  total: number;
  completed: number;
  failed: number;
  created: number;
  completed_at: number | null;
  /** JSON: the resources as sent (cleared once processed). */
  payload: string;
  /** JSON: APIJobErrorPayload per failed resource. */
  errors: string;
  /** JSON: ids the job created, updated or deleted. */
  ids: string;
}

export class CatalogRepo {
  static readonly tables = ['catalog_objects', 'catalog_links', 'catalog_jobs', 'back_in_stock'] as const;
  static readonly schema = `
CREATE TABLE IF NOT EXISTS catalog_objects (
  seq INTEGER PRIMARY KEY,
  account INTEGER NOT NULL,
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  title TEXT NOT NULL,
  sku TEXT,
  published INTEGER NOT NULL,
  item INTEGER,
  attrs TEXT NOT NULL,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS catalog_objects_id ON catalog_objects(account, kind, id);
CREATE INDEX IF NOT EXISTS catalog_objects_created ON catalog_objects(account, kind, created);
CREATE INDEX IF NOT EXISTS catalog_objects_item ON catalog_objects(item) WHERE item IS NOT NULL;
CREATE TABLE IF NOT EXISTS catalog_links (
  item INTEGER NOT NULL,      -- catalog_objects.seq of the item
  category INTEGER NOT NULL,  -- catalog_objects.seq of the category
  account INTEGER NOT NULL,
  PRIMARY KEY (item, category)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS catalog_links_category ON catalog_links(category, item);
CREATE TABLE IF NOT EXISTS catalog_jobs (
  seq INTEGER PRIMARY KEY,
  account INTEGER NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  total INTEGER NOT NULL,
  completed INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  created INTEGER NOT NULL,
  completed_at INTEGER,
  payload TEXT NOT NULL,
  errors TEXT NOT NULL,
  ids TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS catalog_jobs_id ON catalog_jobs(account, type, id);
CREATE TABLE IF NOT EXISTS back_in_stock (
  seq INTEGER PRIMARY KEY,
  account INTEGER NOT NULL,
  variant INTEGER NOT NULL,   -- catalog_objects.seq
  profile INTEGER NOT NULL,   -- profiles.seq
  channels TEXT NOT NULL,
  created INTEGER NOT NULL,
  UNIQUE (variant, profile)
);
`;

  private readonly s: Record<
    | 'byId'
    | 'insert'
    | 'update'
    | 'delete'
    | 'deleteVariants'
    | 'link'
    | 'unlink'
    | 'unlinkAll'
    | 'jobById'
    | 'insertJob'
    | 'saveJob'
    | 'subscribe',
    Database.Statement
  >;

  constructor(private readonly store: KlaviyoStore) {
    const db = store.db;
    this.s = {
      byId: db.prepare('SELECT * FROM catalog_objects WHERE account = ? AND kind = ? AND id = ?'),
      insert: db.prepare(
        `INSERT INTO catalog_objects (account, kind, id, title, sku, published, item, attrs, created, updated)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      update: db.prepare(
        'UPDATE catalog_objects SET title = ?, sku = ?, published = ?, attrs = ?, updated = ? WHERE seq = ?',
      ),
      delete: db.prepare('DELETE FROM catalog_objects WHERE seq = ?'),
      deleteVariants: db.prepare("DELETE FROM catalog_objects WHERE kind = 'variant' AND item = ?"),
      link: db.prepare('INSERT OR IGNORE INTO catalog_links (item, category, account) VALUES (?, ?, ?)'),
      unlink: db.prepare('DELETE FROM catalog_links WHERE item = ? AND category = ?'),
      unlinkAll: db.prepare('DELETE FROM catalog_links WHERE item = ? OR category = ?'),
      jobById: db.prepare('SELECT * FROM catalog_jobs WHERE account = ? AND type = ? AND id = ?'),
      insertJob: db.prepare(
        `INSERT INTO catalog_jobs (account, id, type, status, total, completed, failed, created, completed_at, payload, errors, ids)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      saveJob: db.prepare(
        `UPDATE catalog_jobs SET status = ?, completed = ?, failed = ?, completed_at = ?, payload = ?, errors = ?, ids = ?
         WHERE seq = ?`,
      ),
      subscribe: db.prepare(
        `INSERT INTO back_in_stock (account, variant, profile, channels, created) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (variant, profile) DO UPDATE SET channels = excluded.channels`,
      ),
    };
  }

  byId(account: string, kind: KindName, id: string): CatalogRow | undefined {
    return this.s.byId.get(this.store.acct(account), kind, id) as CatalogRow | undefined;
  }

  insert(row: Omit<CatalogRow, 'seq'>): CatalogRow {
    const info = this.s.insert.run(
      this.store.acct(row.account, true),
      row.kind,
      row.id,
      row.title,
      row.sku,
      row.published,
      row.item,
      row.attrs,
      row.created,
      row.updated,
    );
    return { ...row, seq: Number(info.lastInsertRowid) };
  }

  update(row: CatalogRow): void {
    this.s.update.run(row.title, row.sku, row.published, row.attrs, row.updated, row.seq);
  }

  /** Delete an object with what hangs off it: an item's variants, and its or a category's links. */
  delete(row: CatalogRow): void {
    if (row.kind === 'item') this.s.deleteVariants.run(row.seq);
    this.s.unlinkAll.run(row.seq, row.seq);
    this.s.delete.run(row.seq);
  }

  link(item: number, category: number, account: string): void {
    this.s.link.run(item, category, this.store.acct(account));
  }

  unlink(item: number, category: number): void {
    this.s.unlink.run(item, category);
  }

  /** Drop every link of an item (or a category): the first half of a replace. */
  unlinkAll(seq: number): void {
    this.s.unlinkAll.run(seq, seq);
  }

  list(q: Omit<ListQuery, 'table'>): ListResult<CatalogRow> {
    return this.store.list<CatalogRow>({ ...q, table: 'catalog_objects' });
  }

  jobById(account: string, type: string, id: string): CatalogJobRow | undefined {
    return this.s.jobById.get(this.store.acct(account), type, id) as CatalogJobRow | undefined;
  }

  insertJob(row: Omit<CatalogJobRow, 'seq'>): CatalogJobRow {
    const info = this.s.insertJob.run(
      this.store.acct(row.account, true),
      row.id,
      row.type,
      row.status,
      row.total,
      row.completed,
      row.failed,
      row.created,
      row.completed_at,
      row.payload,
      row.errors,
      row.ids,
    );
    return { ...row, seq: Number(info.lastInsertRowid) };
  }

  saveJob(row: CatalogJobRow): void {
    this.s.saveJob.run(
      row.status,
      row.completed,
      row.failed,
      row.completed_at,
      row.payload,
      row.errors,
      row.ids,
      row.seq,
    );
  }

  listJobs(q: Omit<ListQuery, 'table'>): ListResult<CatalogJobRow> {
    return this.store.list<CatalogJobRow>({ ...q, table: 'catalog_jobs' });
  }

  subscribe(account: string, variant: number, profile: number, channels: string[], now: number): void {
    this.s.subscribe.run(this.store.acct(account, true), variant, profile, JSON.stringify(channels), now);
  }
}
