/**
 * Webhooks and the log of every delivery attempt. The repo also follows the store's change feed: each
 * event written in an account that has a webhook is handed to the `Deliverer` (deliver.ts), which
 * batches, signs, sends and retries on the scheduler. Accounts with no webhook cost one Set lookup per
 * event, so create_event's hot path stays as it was.
 */
import type Database from 'better-sqlite3';
import type { KlaviyoStore, ListQuery, ListResult, Repo } from '../../core/store.ts';
import { Deliverer } from './deliver.ts';

export interface WebhookRow {
  seq: number;
  account: string | number;
  /** The account label (hash of the key): `meta.klaviyo_account_id` in deliveries. */
  account_id: string;
  id: string;
  name: string;
  description: string | null;
  endpoint_url: string;
  secret_key: string;
  enabled: number;
  /** JSON array of topic ids. */
  topics: string;
  created: number;
  updated: number;
}

/** One attempt to deliver one batch (`delivery`) to one webhook. */
export interface AttemptRow {
  seq: number;
  account: number;
  webhook: string;
  delivery: string;
  attempt: number;
  at: number;
  events: number;
  status: number | null;
  error: string | null;
  /** delivered | retrying | gave_up | dropped (webhook deleted or disabled meanwhile) */
  outcome: string;
}

export class WebhooksRepo implements Repo {
  static readonly tables = ['webhooks', 'webhook_attempts'] as const;
  static readonly schema = `
CREATE TABLE IF NOT EXISTS webhooks (
  seq INTEGER PRIMARY KEY,
  account INTEGER NOT NULL,
  account_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT,
  endpoint_url TEXT NOT NULL,
  secret_key TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  topics TEXT NOT NULL,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS webhooks_id ON webhooks(account, id);
CREATE TABLE IF NOT EXISTS webhook_attempts (
  seq INTEGER PRIMARY KEY,
  account INTEGER NOT NULL,
  webhook TEXT NOT NULL,
  delivery TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  at INTEGER NOT NULL,
  events INTEGER NOT NULL,
  status INTEGER,
  error TEXT,
  outcome TEXT NOT NULL
);
`;

  readonly deliverer: Deliverer;
  /** Account numbers with at least one enabled webhook; null = to be re-read. */
  private active: Set<number> | null = null;
  private readonly s: Record<
    'byId' | 'insert' | 'update' | 'delete' | 'enabledIn' | 'activeAccounts' | 'log' | 'attempts',
    Database.Statement
  >;

  constructor(private readonly store: KlaviyoStore) {
    const db = store.db;
    this.s = {
      byId: db.prepare('SELECT * FROM webhooks WHERE account = ? AND id = ?'),
      insert: db.prepare(
        `INSERT INTO webhooks (account, account_id, id, name, description, endpoint_url, secret_key, enabled, topics, created, updated)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      update: db.prepare(
        `UPDATE webhooks SET name = ?, description = ?, endpoint_url = ?, secret_key = ?, enabled = ?, topics = ?, updated = ?
         WHERE seq = ?`,
      ),
      delete: db.prepare('DELETE FROM webhooks WHERE seq = ?'),
      enabledIn: db.prepare('SELECT * FROM webhooks WHERE account = ? AND enabled = 1 ORDER BY seq'),
      activeAccounts: db.prepare('SELECT DISTINCT account FROM webhooks WHERE enabled = 1').pluck(),
      log: db.prepare(
        `INSERT INTO webhook_attempts (account, webhook, delivery, attempt, at, events, status, error, outcome)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      attempts: db.prepare('SELECT * FROM webhook_attempts ORDER BY seq'),
    };
    this.deliverer = new Deliverer(store, this);
    store.onChange((c) => {
      if (c.kind !== 'event' || c.ref === undefined) return;
      this.active ??= new Set(this.s.activeAccounts.all() as number[]);
      if (this.active.has(c.account)) this.deliverer.enqueue(c.account, c.ref);
    });
  }

  byId(account: string | number, id: string): WebhookRow | undefined {
    return this.s.byId.get(this.store.acct(account), id) as WebhookRow | undefined;
  }

  insert(row: Omit<WebhookRow, 'seq'>): WebhookRow {
    const info = this.s.insert.run(
      this.store.acct(row.account, true),
      row.account_id,
      row.id,
      row.name,
      row.description,
      row.endpoint_url,
      row.secret_key,
      row.enabled,
      row.topics,
      row.created,
      row.updated,
    );
    this.active = null;
    return { ...row, seq: Number(info.lastInsertRowid) };
  }

  update(row: WebhookRow): void {
    this.s.update.run(
      row.name,
      row.description,
      row.endpoint_url,
      row.secret_key,
      row.enabled,
      row.topics,
      row.updated,
      row.seq,
    );
    this.active = null;
  }

  delete(row: WebhookRow): void {
    this.s.delete.run(row.seq);
    this.active = null;
  }

  list(q: Omit<ListQuery, 'table'>): ListResult<WebhookRow> {
    return this.store.list<WebhookRow>({ ...q, table: 'webhooks' });
  }

  /** The account's enabled webhooks, oldest first. */
  enabledIn(account: number): WebhookRow[] {
    return this.s.enabledIn.all(account) as WebhookRow[];
  }

  logAttempt(row: Omit<AttemptRow, 'seq'>): void {
    this.s.log.run(
      row.account,
      row.webhook,
      row.delivery,
      row.attempt,
      row.at,
      row.events,
      row.status,
      row.error,
      row.outcome,
    );
  }

  attempts(): AttemptRow[] {
    return this.s.attempts.all() as AttemptRow[];
  }

  onReset(): void {
    this.active = null;
    this.deliverer.reset();
  }
}
