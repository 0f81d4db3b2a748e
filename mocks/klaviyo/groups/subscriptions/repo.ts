/**
 * Consent per profile and channel, global suppressions, list suppressions, and the bulk suppression
 * jobs. Rows point at `profiles.seq`; every consent or suppression write is announced on the store's
 * change feed as `consent`, so segments with consent conditions follow it.
 */
import type Database from 'better-sqlite3';
import type { KlaviyoStore, ListQuery, ListResult } from '../../core/store.ts';

/** The channels whose consent is kept (WhatsApp and email open tracking are accepted, not kept). */
export type Channel = 'email_marketing' | 'sms_marketing' | 'sms_transactional' | 'push_marketing';
export type Consent = 'SUBSCRIBED' | 'UNSUBSCRIBED' | 'NEVER_SUBSCRIBED';
export type SuppressionReason =
  | 'HARD_BOUNCE'
  | 'INVALID_EMAIL'
  | 'SPAM_COMPLAINT'
  | 'UNSUBSCRIBE'
  | 'USER_SUPPRESSED';

export interface ConsentRow {
  profile: number;
  channel: Channel;
  account: number;
  consent: Consent;
  consent_timestamp: number | null;
  last_updated: number;
  method: string | null;
  method_detail: string | null;
  custom_method_detail: string | null;
}

export interface SuppressionRow {
  reason: SuppressionReason;
  timestamp: number;
}

export interface ListSuppressionRow {
  list_id: string;
  reason: string;
  timestamp: number;
}

export type SuppressionJobKind = 'suppress' | 'unsuppress';

export interface SuppressionJobRow {
  seq: number;
  account: string;
  id: string;
  kind: SuppressionJobKind;
  status: 'queued' | 'processing' | 'complete' | 'cancelled';
  total: number;
  completed: number;
  skipped: number;
  created: number;
  completed_at: number | null;
  /** JSON: the emails to act on (null for a list or segment member without one); cleared when done. */
  targets: string;
  list_id: string | null;
  segment_id: string | null;
}

export class SubscriptionsRepo {
  static readonly tables = ['consents', 'suppressions', 'list_suppressions', 'suppression_jobs'] as const;
  static readonly schema = `
CREATE TABLE IF NOT EXISTS consents (
  profile INTEGER NOT NULL,  -- profiles.seq
  channel TEXT NOT NULL,
  account INTEGER NOT NULL,
  consent TEXT NOT NULL,
  consent_timestamp INTEGER,
  last_updated INTEGER NOT NULL,
  method TEXT,
  method_detail TEXT,
  custom_method_detail TEXT,
  PRIMARY KEY (profile, channel)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS suppressions (
  profile INTEGER NOT NULL,
  reason TEXT NOT NULL,
  account INTEGER NOT NULL,
  timestamp INTEGER NOT NULL,
  PRIMARY KEY (profile, reason)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS list_suppressions (
  profile INTEGER NOT NULL,
  list_id TEXT NOT NULL,
  account INTEGER NOT NULL,
  reason TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  PRIMARY KEY (profile, list_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS suppression_jobs (
  seq INTEGER PRIMARY KEY,
  account INTEGER NOT NULL,
  id TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  total INTEGER NOT NULL,
  completed INTEGER NOT NULL,
  skipped INTEGER NOT NULL,
  created INTEGER NOT NULL,
  completed_at INTEGER,
  targets TEXT NOT NULL,
  list_id TEXT,
  segment_id TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS suppression_jobs_id ON suppression_jobs(account, kind, id);
`;

  private readonly s: Record<
    | 'consent'
    | 'consents'
    | 'setConsent'
    | 'suppressions'
    | 'suppress'
    | 'unsuppress'
    | 'listSuppressions'
    | 'suppressList'
    | 'unsuppressList'
    | 'jobById'
    | 'insertJob'
    | 'saveJob',
    Database.Statement
  >;

  constructor(private readonly store: KlaviyoStore) {
    const db = store.db;
    this.s = {
      consent: db.prepare('SELECT * FROM consents WHERE profile = ? AND channel = ?'),
      consents: db.prepare('SELECT * FROM consents WHERE profile = ?'),
      setConsent: db.prepare(
        `INSERT INTO consents (profile, channel, account, consent, consent_timestamp, last_updated, method, method_detail, custom_method_detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(profile, channel) DO UPDATE SET consent = excluded.consent,
           consent_timestamp = excluded.consent_timestamp, last_updated = excluded.last_updated,
           method = excluded.method, method_detail = excluded.method_detail,
           custom_method_detail = excluded.custom_method_detail`,
      ),
      suppressions: db.prepare(
        'SELECT reason, timestamp FROM suppressions WHERE profile = ? ORDER BY timestamp, reason',
      ),
      suppress: db.prepare(
        'INSERT OR IGNORE INTO suppressions (profile, reason, account, timestamp) VALUES (?, ?, ?, ?)',
      ),
      unsuppress: db.prepare('DELETE FROM suppressions WHERE profile = ? AND reason = ?'),
      listSuppressions: db.prepare(
        'SELECT list_id, reason, timestamp FROM list_suppressions WHERE profile = ? ORDER BY timestamp, list_id',
      ),
      suppressList: db.prepare(
        `INSERT INTO list_suppressions (profile, list_id, account, reason, timestamp) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(profile, list_id) DO UPDATE SET reason = excluded.reason, timestamp = excluded.timestamp`,
      ),
      unsuppressList: db.prepare('DELETE FROM list_suppressions WHERE profile = ? AND list_id = ?'),
      jobById: db.prepare('SELECT * FROM suppression_jobs WHERE account = ? AND kind = ? AND id = ?'),
      insertJob: db.prepare(
        `INSERT INTO suppression_jobs (account, id, kind, status, total, completed, skipped, created, completed_at, targets, list_id, segment_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      saveJob: db.prepare(
        `UPDATE suppression_jobs SET status = ?, total = ?, completed = ?, skipped = ?, completed_at = ?, targets = ?
         WHERE seq = ?`,
      ),
    };
  }

  private announce(account: number, profile: number): void {
    this.store.changed({ account, profile, kind: 'consent' });
  }

  consent(profile: number, channel: Channel): ConsentRow | undefined {
    return this.s.consent.get(profile, channel) as ConsentRow | undefined;
  }

  /** Every channel with a recorded consent, by channel. */
  consents(profile: number): Map<Channel, ConsentRow> {
    const rows = this.s.consents.all(profile) as ConsentRow[];
    return new Map(rows.map((r) => [r.channel, r]));
  }

  setConsent(row: ConsentRow): void {
    this.s.setConsent.run(
      row.profile,
      row.channel,
      row.account,
      row.consent,
      row.consent_timestamp,
      row.last_updated,
      row.method,
      row.method_detail,
      row.custom_method_detail,
    );
    this.announce(row.account, row.profile);
  }

  suppressions(profile: number): SuppressionRow[] {
    return this.s.suppressions.all(profile) as SuppressionRow[];
  }

  /** Add a global suppression; false when the profile already had one for this reason. */
  suppress(account: number, profile: number, reason: SuppressionReason, now: number): boolean {
    const added = this.s.suppress.run(profile, reason, account, now).changes > 0;
    if (added) this.announce(account, profile);
    return added;
  }

  /** Lift the global suppressions with these reasons; returns how many were lifted. */
  unsuppress(account: number, profile: number, reasons: readonly SuppressionReason[]): number {
    let lifted = 0;
    for (const reason of reasons) lifted += this.s.unsuppress.run(profile, reason).changes;
    if (lifted) this.announce(account, profile);
    return lifted;
  }

  listSuppressions(profile: number): ListSuppressionRow[] {
    return this.s.listSuppressions.all(profile) as ListSuppressionRow[];
  }

  suppressFromList(account: number, profile: number, listId: string, reason: string, now: number): void {
    this.s.suppressList.run(profile, listId, account, reason, now);
    this.announce(account, profile);
  }

  liftListSuppression(account: number, profile: number, listId: string): void {
    if (this.s.unsuppressList.run(profile, listId).changes > 0) this.announce(account, profile);
  }

  job(account: string, kind: SuppressionJobKind, id: string): SuppressionJobRow | undefined {
    return this.s.jobById.get(this.store.acct(account), kind, id) as SuppressionJobRow | undefined;
  }

  insertJob(row: Omit<SuppressionJobRow, 'seq'>): SuppressionJobRow {
    const info = this.s.insertJob.run(
      this.store.acct(row.account, true),
      row.id,
      row.kind,
      row.status,
      row.total,
      row.completed,
      row.skipped,
      row.created,
      row.completed_at,
      row.targets,
      row.list_id,
      row.segment_id,
    );
    return { ...row, seq: Number(info.lastInsertRowid) };
  }

  saveJob(row: SuppressionJobRow): void {
    this.s.saveJob.run(
      row.status,
      row.total,
      row.completed,
      row.skipped,
      row.completed_at,
      row.targets,
      row.seq,
    );
  }

  jobs(kind: SuppressionJobKind, q: Omit<ListQuery, 'table' | 'columns'>): ListResult<SuppressionJobRow> {
    return this.store.list<SuppressionJobRow>({
      ...q,
      table: 'suppression_jobs',
      where: ['kind = ?', ...q.where],
      params: [kind, ...q.params],
    });
  }
}
