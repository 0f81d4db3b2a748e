/**
 * Flows, their actions and their messages. A flow row keeps the definition's flow-level parts
 * (triggers, profile filter, entry action, re-entry criteria) as JSON; each action is a row of its own
 * (its links and data as JSON, its status as a column so it can be filtered and sorted), and each
 * send-email action owns one message row. `definition.actions` is rebuilt from the action rows.
 */
import type Database from 'better-sqlite3';
import type { KlaviyoStore, ListQuery, ListResult } from '../../core/store.ts';
import { onChange } from './run.ts';

export interface FlowRow {
  seq: number;
  /** The account label when writing; rows read back carry the store's internal account number. */
  account: string;
  id: string;
  name: string;
  status: string;
  archived: number;
  trigger_type: string;
  /** The trigger's kind (`metric`, `list`, `segment`) and the id it names. */
  trigger_kind: string;
  trigger_id: string | null;
  /** JSON: `definition.triggers`. */
  triggers: string;
  /** JSON or null: `definition.profile_filter`. */
  profile_filter: string | null;
  entry_action: string | null;
  reentry: string | null;
  created: number;
  updated: number;
}

export interface ActionRow {
  seq: number;
  account: string;
  id: string;
  /** flows.seq */
  flow: number;
  type: string;
  status: string | null;
  /** JSON or null. */
  links: string | null;
  /** JSON or null. */
  data: string | null;
  created: number;
  updated: number;
}

export interface FlowMessageRow {
  seq: number;
  account: string;
  id: string;
  /** flow_actions.seq */
  action: number;
  /** flows.seq */
  flow: number;
  name: string;
  channel: string;
  /** JSON: the `FlowEmail`. */
  definition: string;
  created: number;
  updated: number;
}

const FLOW_COLUMNS = [
  'account',
  'id',
  'name',
  'status',
  'archived',
  'trigger_type',
  'trigger_kind',
  'trigger_id',
  'triggers',
  'profile_filter',
  'entry_action',
  'reentry',
  'created',
  'updated',
] as const;

export class FlowsRepo {
  static readonly tables = ['flows', 'flow_actions', 'flow_messages'] as const;
  static readonly schema = `
CREATE TABLE IF NOT EXISTS flows (
  seq INTEGER PRIMARY KEY,
  account INTEGER NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  archived INTEGER NOT NULL,
  trigger_type TEXT NOT NULL,
  trigger_kind TEXT NOT NULL,
  trigger_id TEXT,
  triggers TEXT NOT NULL,
  profile_filter TEXT,
  entry_action TEXT,
  reentry TEXT,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS flows_id ON flows(account, id);
CREATE INDEX IF NOT EXISTS flows_trigger ON flows(account, trigger_kind, trigger_id);
CREATE TABLE IF NOT EXISTS flow_actions (
  seq INTEGER PRIMARY KEY,
  account INTEGER NOT NULL,
  id TEXT NOT NULL,
  flow INTEGER NOT NULL,  -- flows.seq
  type TEXT NOT NULL,
  status TEXT,
  links TEXT,
  data TEXT,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS flow_actions_id ON flow_actions(account, id);
CREATE INDEX IF NOT EXISTS flow_actions_flow ON flow_actions(flow);
CREATE TABLE IF NOT EXISTS flow_messages (
  seq INTEGER PRIMARY KEY,
  account INTEGER NOT NULL,
  id TEXT NOT NULL,
  action INTEGER NOT NULL,  -- flow_actions.seq
  flow INTEGER NOT NULL,    -- flows.seq
  name TEXT NOT NULL,
  channel TEXT NOT NULL,
  definition TEXT NOT NULL,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS flow_messages_id ON flow_messages(account, id);
CREATE INDEX IF NOT EXISTS flow_messages_action ON flow_messages(action);
`;

  /** Accounts (store numbers) with a live flow: only their writes are looked at for triggers. */
  private readonly live = new Map<number, boolean>();
  private readonly s: Record<
    | 'byId'
    | 'bySeq'
    | 'insert'
    | 'update'
    | 'delete'
    | 'hasLive'
    | 'triggered'
    | 'actionById'
    | 'actionBySeq'
    | 'actionsOf'
    | 'insertAction'
    | 'updateAction'
    | 'deleteActions'
    | 'messageById'
    | 'messagesOfAction'
    | 'insertMessage'
    | 'deleteMessages'
    | 'label',
    Database.Statement
  >;

  constructor(private readonly store: KlaviyoStore) {
    const db = store.db;
    const cols = FLOW_COLUMNS.join(', ');
    this.s = {
      byId: db.prepare('SELECT * FROM flows WHERE account = ? AND id = ?'),
      bySeq: db.prepare('SELECT * FROM flows WHERE seq = ?'),
      insert: db.prepare(`INSERT INTO flows (${cols}) VALUES (${FLOW_COLUMNS.map(() => '?').join(', ')})`),
      update: db.prepare('UPDATE flows SET status = ?, updated = ? WHERE seq = ?'),
      delete: db.prepare('DELETE FROM flows WHERE seq = ?'),
      hasLive: db.prepare(`SELECT 1 FROM flows WHERE account = ? AND status = 'live' LIMIT 1`).pluck(),
      triggered: db.prepare(
        'SELECT * FROM flows WHERE account = ? AND trigger_kind = ? AND trigger_id = ? ORDER BY seq',
      ),
      actionById: db.prepare('SELECT * FROM flow_actions WHERE account = ? AND id = ?'),
      actionBySeq: db.prepare('SELECT * FROM flow_actions WHERE seq = ?'),
      actionsOf: db.prepare('SELECT * FROM flow_actions WHERE flow = ? ORDER BY seq'),
      insertAction: db.prepare(
        `INSERT INTO flow_actions (account, id, flow, type, status, links, data, created, updated)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateAction: db.prepare('UPDATE flow_actions SET status = ?, data = ?, updated = ? WHERE seq = ?'),
      deleteActions: db.prepare('DELETE FROM flow_actions WHERE flow = ?'),
      messageById: db.prepare('SELECT * FROM flow_messages WHERE account = ? AND id = ?'),
      messagesOfAction: db.prepare('SELECT * FROM flow_messages WHERE action = ? ORDER BY seq'),
      insertMessage: db.prepare(
        `INSERT INTO flow_messages (account, id, action, flow, name, channel, definition, created, updated)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      deleteMessages: db.prepare('DELETE FROM flow_messages WHERE flow = ?'),
      label: db.prepare('SELECT label FROM accounts WHERE n = ?').pluck(),
    };
    // Events and list joins in an account with a live flow may start it (run.ts).
    store.onChange((change) => onChange(store, change));
  }

  /** The account label (API key hash) of a store account number: flows run outside requests. */
  label(account: string | number): string {
    return this.s.label.get(this.store.acct(account)) as string;
  }

  onReset(): void {
    this.live.clear();
  }

  /** Whether the account has a live flow (cached; flow writes forget the cache). */
  hasLive(account: number): boolean {
    let yes = this.live.get(account);
    if (yes === undefined) {
      yes = this.s.hasLive.get(account) !== undefined;
      this.live.set(account, yes);
    }
    return yes;
  }

  byId(account: string | number, id: string): FlowRow | undefined {
    return this.s.byId.get(this.store.acct(account), id) as FlowRow | undefined;
  }

  bySeq(seq: number): FlowRow | undefined {
    return this.s.bySeq.get(seq) as FlowRow | undefined;
  }

  /** Flows whose trigger names this list, segment or metric, in creation order. */
  triggeredBy(account: string | number, kind: string, id: string): FlowRow[] {
    return this.s.triggered.all(this.store.acct(account), kind, id) as FlowRow[];
  }

  insert(row: Omit<FlowRow, 'seq'>): FlowRow {
    const account = this.store.acct(row.account, true);
    const values = FLOW_COLUMNS.map((c) => (c === 'account' ? account : row[c]));
    const info = this.s.insert.run(...values);
    this.live.delete(account);
    return { ...row, seq: Number(info.lastInsertRowid) };
  }

  setStatus(row: FlowRow, status: string, now: number): void {
    row.status = status;
    row.updated = now;
    this.s.update.run(status, now, row.seq);
    this.live.delete(this.store.acct(row.account));
  }

  delete(row: FlowRow): void {
    this.s.deleteMessages.run(row.seq);
    this.s.deleteActions.run(row.seq);
    this.s.delete.run(row.seq);
    this.live.delete(this.store.acct(row.account));
  }

  list(q: Omit<ListQuery, 'table' | 'columns'>): ListResult<FlowRow> {
    return this.store.list<FlowRow>({ ...q, table: 'flows' });
  }

  actionById(account: string | number, id: string): ActionRow | undefined {
    return this.s.actionById.get(this.store.acct(account), id) as ActionRow | undefined;
  }

  actionBySeq(seq: number): ActionRow | undefined {
    return this.s.actionBySeq.get(seq) as ActionRow | undefined;
  }

  actionsOf(flow: FlowRow): ActionRow[] {
    return this.s.actionsOf.all(flow.seq) as ActionRow[];
  }

  listActions(q: Omit<ListQuery, 'table' | 'columns'>): ListResult<ActionRow> {
    return this.store.list<ActionRow>({ ...q, table: 'flow_actions' });
  }

  insertAction(row: Omit<ActionRow, 'seq'>): ActionRow {
    const info = this.s.insertAction.run(
      this.store.acct(row.account, true),
      row.id,
      row.flow,
      row.type,
      row.status,
      row.links,
      row.data,
      row.created,
      row.updated,
    );
    return { ...row, seq: Number(info.lastInsertRowid) };
  }

  updateAction(row: ActionRow): void {
    this.s.updateAction.run(row.status, row.data, row.updated, row.seq);
  }

  messageById(account: string | number, id: string): FlowMessageRow | undefined {
    return this.s.messageById.get(this.store.acct(account), id) as FlowMessageRow | undefined;
  }

  messagesOf(action: ActionRow): FlowMessageRow[] {
    return this.s.messagesOfAction.all(action.seq) as FlowMessageRow[];
  }

  listMessages(q: Omit<ListQuery, 'table' | 'columns'>): ListResult<FlowMessageRow> {
    return this.store.list<FlowMessageRow>({ ...q, table: 'flow_messages' });
  }

  insertMessage(row: Omit<FlowMessageRow, 'seq'>): FlowMessageRow {
    const info = this.s.insertMessage.run(
      this.store.acct(row.account, true),
      row.id,
      row.action,
      row.flow,
      row.name,
      row.channel,
      row.definition,
      row.created,
      row.updated,
    );
    return { ...row, seq: Number(info.lastInsertRowid) };
  }

  /** Every flow message of the account with its flow (the flow values report groups events by them). */
  messageIndex(
    account: string,
  ): Map<string, { flowId: string; flowName: string; name: string; channel: string }> {
    const rows = this.store
      .statement(
        `SELECT m.id AS message, m.name, m.channel, f.id AS flow, f.name AS flow_name FROM flow_messages m
         JOIN flows f ON f.seq = m.flow WHERE m.account = ?`,
      )
      .all(this.store.acct(account)) as {
      message: string;
      name: string;
      channel: string;
      flow: string;
      flow_name: string;
    }[];
    return new Map(
      rows.map((r) => [
        r.message,
        { flowId: r.flow, flowName: r.flow_name, name: r.name, channel: r.channel },
      ]),
    );
  }
}
