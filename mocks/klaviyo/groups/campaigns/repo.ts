/**
 * Campaigns, their messages, and the jobs Klaviyo runs for them. A campaign's nested settings
 * (audiences, send strategy, send and tracking options) are JSON text: nothing queries inside them.
 * A message keeps its own copy of an assigned template (`template` JSON), as Klaviyo stores a
 * non-reusable copy, so editing or deleting the original later does not change the message.
 *
 * The send job and the recipient-estimation job are one-per-campaign, so their state lives on the
 * campaign row (`send_job`, `estimation_job`, `estimated_count`) rather than in tables of their own.
 */
import type Database from 'better-sqlite3';
import type { KlaviyoStore, ListQuery, ListResult } from '../../core/store.ts';
import { DEFAULT_ENGAGEMENT, type EngagementConfig } from './engagement.ts';

export type JobStatus = 'queued' | 'processing' | 'complete' | 'cancelled';

export interface CampaignRow {
  seq: number;
  /** The account label when writing; rows read back carry the store's internal account number. */
  account: string;
  id: string;
  name: string;
  status: string;
  archived: number;
  channel: string;
  /** JSON `{included, excluded}`. */
  audiences: string;
  send_strategy: string;
  send_options: string;
  tracking_options: string;
  created: number;
  updated: number;
  scheduled_at: number | null;
  send_time: number | null;
  send_job: JobStatus | null;
  estimation_job: JobStatus | null;
  estimated_count: number | null;
}

export interface TemplateCopy {
  id: string;
  name: string;
  editor_type: string;
  html: string;
  text: string | null;
  amp: string | null;
  created: number;
  updated: number;
}

export interface MessageRow {
  seq: number;
  account: string;
  id: string;
  /** campaigns.seq */
  campaign: number;
  /** JSON: the message definition (channel, label, content). */
  definition: string;
  /** JSON `TemplateCopy`, or null before a template is assigned. */
  template: string | null;
  created: number;
  updated: number;
}

const CAMPAIGN_COLUMNS = [
  'account',
  'id',
  'name',
  'status',
  'archived',
  'channel',
  'audiences',
  'send_strategy',
  'send_options',
  'tracking_options',
  'created',
  'updated',
  'scheduled_at',
  'send_time',
  'send_job',
  'estimation_job',
  'estimated_count',
] as const;

export class CampaignsRepo {
  static readonly tables = ['campaigns', 'campaign_messages'] as const;
  static readonly schema = `
CREATE TABLE IF NOT EXISTS campaigns (
  seq INTEGER PRIMARY KEY,
  account INTEGER NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  archived INTEGER NOT NULL,
  channel TEXT NOT NULL,
  audiences TEXT NOT NULL,
  send_strategy TEXT NOT NULL,
  send_options TEXT NOT NULL,
  tracking_options TEXT NOT NULL,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  scheduled_at INTEGER,
  send_time INTEGER,
  send_job TEXT,
  estimation_job TEXT,
  estimated_count INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS campaigns_id ON campaigns(account, id);
CREATE TABLE IF NOT EXISTS campaign_messages (
  seq INTEGER PRIMARY KEY,
  account INTEGER NOT NULL,
  id TEXT NOT NULL,
  campaign INTEGER NOT NULL,  -- campaigns.seq
  definition TEXT NOT NULL,
  template TEXT,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS campaign_messages_id ON campaign_messages(account, id);
CREATE INDEX IF NOT EXISTS campaign_messages_campaign ON campaign_messages(campaign);
`;

  /**
   * Opens, clicks and unsubscribes after a send follow this model. Per store, so a test or the harness
   * sets it on its own mock: `(core as KlaviyoCore).store.repo(CampaignsRepo).engagement = {...}`.
   * It is configuration, not data: an admin reset keeps it.
   */
  engagement: EngagementConfig = DEFAULT_ENGAGEMENT;

  private readonly s: Record<
    | 'byId'
    | 'bySeq'
    | 'insert'
    | 'update'
    | 'delete'
    | 'messageById'
    | 'messagesOf'
    | 'insertMessage'
    | 'updateMessage'
    | 'deleteMessages',
    Database.Statement
  >;

  constructor(private readonly store: KlaviyoStore) {
    const db = store.db;
    const cols = CAMPAIGN_COLUMNS.join(', ');
    this.s = {
      byId: db.prepare('SELECT * FROM campaigns WHERE account = ? AND id = ?'),
      bySeq: db.prepare('SELECT * FROM campaigns WHERE seq = ?'),
      insert: db.prepare(
        `INSERT INTO campaigns (${cols}) VALUES (${CAMPAIGN_COLUMNS.map(() => '?').join(', ')})`,
      ),
      update: db.prepare(
        `UPDATE campaigns SET ${CAMPAIGN_COLUMNS.slice(2)
          .map((c) => `${c} = ?`)
          .join(', ')} WHERE seq = ?`,
      ),
      delete: db.prepare('DELETE FROM campaigns WHERE seq = ?'),
      messageById: db.prepare('SELECT * FROM campaign_messages WHERE account = ? AND id = ?'),
      messagesOf: db.prepare('SELECT * FROM campaign_messages WHERE campaign = ? ORDER BY seq'),
      insertMessage: db.prepare(
        `INSERT INTO campaign_messages (account, id, campaign, definition, template, created, updated)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateMessage: db.prepare(
        'UPDATE campaign_messages SET definition = ?, template = ?, updated = ? WHERE seq = ?',
      ),
      deleteMessages: db.prepare('DELETE FROM campaign_messages WHERE campaign = ?'),
    };
  }

  byId(account: string | number, id: string): CampaignRow | undefined {
    return this.s.byId.get(this.store.acct(account), id) as CampaignRow | undefined;
  }

  bySeq(seq: number): CampaignRow | undefined {
    return this.s.bySeq.get(seq) as CampaignRow | undefined;
  }

  insert(row: Omit<CampaignRow, 'seq'>): CampaignRow {
    const values = CAMPAIGN_COLUMNS.map((c) =>
      c === 'account' ? this.store.acct(row.account, true) : row[c],
    );
    const info = this.s.insert.run(...values);
    return { ...row, seq: Number(info.lastInsertRowid) };
  }

  update(row: CampaignRow): void {
    this.s.update.run(...CAMPAIGN_COLUMNS.slice(2).map((c) => row[c]), row.seq);
  }

  delete(row: CampaignRow): void {
    this.s.deleteMessages.run(row.seq);
    this.s.delete.run(row.seq);
  }

  list(q: Omit<ListQuery, 'table' | 'columns'>): ListResult<CampaignRow> {
    return this.store.list<CampaignRow>({ ...q, table: 'campaigns' });
  }

  messageById(account: string | number, id: string): MessageRow | undefined {
    return this.s.messageById.get(this.store.acct(account), id) as MessageRow | undefined;
  }

  messagesOf(campaign: CampaignRow): MessageRow[] {
    return this.s.messagesOf.all(campaign.seq) as MessageRow[];
  }

  insertMessage(row: Omit<MessageRow, 'seq'>): MessageRow {
    const info = this.s.insertMessage.run(
      this.store.acct(row.account, true),
      row.id,
      row.campaign,
      row.definition,
      row.template,
      row.created,
      row.updated,
    );
    return { ...row, seq: Number(info.lastInsertRowid) };
  }

  updateMessage(row: MessageRow): void {
    this.s.updateMessage.run(row.definition, row.template, row.updated, row.seq);
  }

  /** Every message of the account with its campaign's id and name (reporting groups events by them). */
  messageIndex(account: string): Map<string, { campaignId: string; label: string; channel: string }> {
    const rows = this.store
      .statement(
        `SELECT m.id AS message, m.definition, c.id AS campaign FROM campaign_messages m
         JOIN campaigns c ON c.seq = m.campaign WHERE m.account = ?`,
      )
      .all(this.store.acct(account)) as { message: string; definition: string; campaign: string }[];
    const out = new Map<string, { campaignId: string; label: string; channel: string }>();
    for (const r of rows) {
      const def = JSON.parse(r.definition) as { label?: string; channel: string };
      out.set(r.message, { campaignId: r.campaign, label: def.label ?? '', channel: def.channel });
    }
    return out;
  }
}
