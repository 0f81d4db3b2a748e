/**
 * The inspector's read model of the Klaviyo mock: what an account "received", read straight from the
 * store's tables with read-only SQL (one query per view, no writes, no scheduler work of its own). The
 * admin routes in routes.ts serve these as JSON to the inspector page (mocks/shared/inspector/).
 *
 * It reads across the groups' tables on purpose: a dashboard joins profiles, events, lists, segments,
 * consent and campaigns, and going through each repo would mean one query per row. It never writes.
 *
 * Known limitations:
 * - Views are capped (LIMITs below) so a page of a 1M-event account stays small; counts are exact.
 * - Campaign and flow engagement counts the email events the mock recorded (`$message` / `$flow` event
 *   properties), as Klaviyo's own reporting does; nothing is recorded for SMS or push (not emulated).
 * - Event counts over time use UTC buckets of an hour, a day or a week (from the account's event span); weeks
 *   start on the Thursday of 1970-01-01's week, not on Monday.
 */
import type { KlaviyoStore } from '../core/store.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MAX_PROFILES = 200;
const MAX_TIMELINE = 200;
const MAX_MEMBERS = 50;
const MAX_ITEMS = 500;
/** Days shown one bucket each before the metrics view switches to weeks. */
const MAX_BUCKETS = 400;

type Row = Record<string, unknown>;

const parse = (text: unknown): unknown => {
  if (typeof text !== 'string') return text ?? null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};
const iso = (ms: unknown) => (typeof ms === 'number' ? new Date(ms).toISOString() : null);

export class InspectorQueries {
  constructor(private readonly store: KlaviyoStore) {}

  private all(sql: string, ...params: unknown[]): Row[] {
    return this.store.statement(sql).all(...params) as Row[];
  }

  private get(sql: string, ...params: unknown[]): Row | undefined {
    return this.store.statement(sql).get(...params) as Row | undefined;
  }

  /** Every account holding data, busiest first, with its label (a hash of its key; the key is never kept). */
  accounts(): Row[] {
    return this.all(
      `SELECT a.label AS account,
        (SELECT COUNT(*) FROM profiles p WHERE p.account = a.n) AS profiles,
        (SELECT COUNT(*) FROM events e WHERE e.account = a.n) AS events,
        (SELECT COUNT(*) FROM metrics m WHERE m.account = a.n) AS metrics
       FROM accounts a ORDER BY profiles DESC, events DESC, a.n`,
    );
  }

  /**
   * Each metric with its event count and counts per time bucket: hours up to three days of data, days
   * up to MAX_BUCKETS days, weeks beyond. Every metric's series covers the account's whole event span,
   * empty buckets included, so series line up and a gap shows as a gap.
   */
  metrics(account: string): { bucketMs: number; metrics: Row[] } {
    const n = this.store.acct(account);
    const span = this.get('SELECT MIN(datetime) AS lo, MAX(datetime) AS hi FROM events WHERE account = ?', n);
    const lo = Number(span?.lo ?? 0);
    const hi = Number(span?.hi ?? 0);
    const bucketMs = hi - lo <= 3 * DAY ? HOUR : hi - lo <= MAX_BUCKETS * DAY ? DAY : 7 * DAY;
    const metrics = this.all(
      `SELECT m.id, m.name, m.service AS integration, m.created,
        (SELECT COUNT(*) FROM events e WHERE e.account = m.account AND e.metric_id = m.id) AS count
       FROM metrics m WHERE m.account = ? ORDER BY m.name`,
      n,
    );
    const buckets = this.all(
      // bucketMs inlined (one of three constants): a bound JS number is a REAL, and would not floor.
      `SELECT metric_id, (datetime / ${bucketMs}) * ${bucketMs} AS t, COUNT(*) AS n FROM events WHERE account = ?
       GROUP BY metric_id, t`,
      n,
    );
    const counts = new Map<string, number>();
    for (const b of buckets) counts.set(`${b.metric_id} ${b.t}`, Number(b.n));
    const first = Math.floor(lo / bucketMs) * bucketMs;
    const starts: number[] = [];
    if (span?.lo !== null && span?.lo !== undefined)
      for (let t = first; t <= hi; t += bucketMs) starts.push(t);
    return {
      bucketMs,
      metrics: metrics.map((m) => ({
        ...m,
        created: iso(m.created),
        series: starts.map((t) => ({ t: iso(t)!, count: counts.get(`${m.id} ${t}`) ?? 0 })),
      })),
    };
  }

  /** Profiles whose email, external id or id contains `search` (all when empty), newest first. */
  profiles(account: string, search: string): Row[] {
    const like = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return this.all(
      `SELECT p.id, p.email, p.external_id, p.phone_number, p.attrs, p.updated,
        (SELECT COUNT(*) FROM events e WHERE e.profile = p.seq) AS events
       FROM profiles p WHERE p.account = ?
         AND (? = '' OR p.email LIKE ? ESCAPE '\\' OR p.external_id LIKE ? ESCAPE '\\' OR p.id = ?)
       ORDER BY p.seq DESC LIMIT ${MAX_PROFILES}`,
      this.store.acct(account),
      search,
      like,
      like,
      search,
    ).map(({ attrs, updated, ...p }) => {
      const a = parse(attrs) as Row;
      return {
        ...p,
        first_name: a?.first_name ?? null,
        last_name: a?.last_name ?? null,
        updated: iso(updated),
      };
    });
  }

  /** One profile as Klaviyo's profile page shows it: attributes, properties, consent, lists, segments, events. */
  profile(account: string, id: string): Row | null {
    const n = this.store.acct(account);
    const p = this.get('SELECT * FROM profiles WHERE account = ? AND id = ?', n, id);
    if (!p) return null;
    const seq = p.seq;
    const consent = this.all(
      'SELECT channel, consent, consent_timestamp, method, last_updated FROM consents WHERE profile = ? ORDER BY channel',
      seq,
    ).map((c) => ({ ...c, consent_timestamp: iso(c.consent_timestamp), last_updated: iso(c.last_updated) }));
    const suppressions = this.all('SELECT reason, timestamp FROM suppressions WHERE profile = ?', seq).map(
      (s) => ({
        ...s,
        timestamp: iso(s.timestamp),
      }),
    );
    const lists = this.all(
      'SELECT l.id, l.name, m.joined FROM list_members m JOIN lists l ON l.seq = m.list WHERE m.profile = ? ORDER BY l.name',
      seq,
    ).map((l) => ({ ...l, joined: iso(l.joined) }));
    const segments = this.all(
      'SELECT s.id, s.name, m.joined FROM segment_members m JOIN segments s ON s.seq = m.segment WHERE m.profile = ? ORDER BY s.name',
      seq,
    ).map((s) => ({ ...s, joined: iso(s.joined) }));
    const total = Number(this.get('SELECT COUNT(*) AS n FROM events WHERE profile = ?', seq)?.n ?? 0);
    const events = this.all(
      `SELECT e.id, e.datetime, e.value, e.properties, m.name AS metric, m.id AS metric_id
       FROM events e LEFT JOIN metrics m ON m.account = e.account AND m.id = e.metric_id
       WHERE e.profile = ? ORDER BY e.datetime DESC, e.seq DESC LIMIT ${MAX_TIMELINE}`,
      seq,
    ).map((e) => ({ ...e, datetime: iso(e.datetime), properties: parse(e.properties) }));
    return {
      id: p.id,
      email: p.email,
      phone_number: p.phone_number,
      external_id: p.external_id,
      attributes: parse(p.attrs),
      properties: parse(p.properties),
      created: iso(p.created),
      updated: iso(p.updated),
      consent,
      suppressions,
      lists,
      segments,
      events: { total, newest: events },
    };
  }

  /** Lists and segments with member counts and their newest members. */
  audiences(account: string): { lists: Row[]; segments: Row[] } {
    const n = this.store.acct(account);
    // Lists and segments have the same shape: a table of groups and a table of (group, profile) members.
    const groups = (table: 'lists' | 'segments', members: string, key: string, extra: string) =>
      this.all(
        `SELECT g.seq, g.id, g.name, g.${extra}, g.created,
          (SELECT COUNT(*) FROM ${members} m WHERE m.${key} = g.seq) AS member_count
         FROM ${table} g WHERE g.account = ? ORDER BY g.name`,
        n,
      ).map(({ seq, created, ...g }) => ({
        ...g,
        created: iso(created),
        members: this.all(
          `SELECT p.id, p.email, m.joined FROM ${members} m JOIN profiles p ON p.seq = m.profile
           WHERE m.${key} = ? ORDER BY m.joined DESC LIMIT ${MAX_MEMBERS}`,
          seq,
        ).map((m) => ({ ...m, joined: iso(m.joined) })),
      }));
    return {
      lists: groups('lists', 'list_members', 'list', 'opt_in_process'),
      segments: groups('segments', 'segment_members', 'segment', 'is_active'),
    };
  }

  /** Campaigns and flows with recipients and engagement counted from the email events they recorded. */
  messaging(account: string): { campaigns: Row[]; flows: Row[] } {
    const n = this.store.acct(account);
    // One pass over the account's email events, grouped by the campaign message or flow they name.
    const engagement = this.all(
      `SELECT json_extract(e.properties, '$."$message"') AS message, json_extract(e.properties, '$."$flow"') AS flow,
        m.name AS metric, COUNT(*) AS n, COUNT(DISTINCT e.profile) AS profiles
       FROM events e JOIN metrics m ON m.account = e.account AND m.id = e.metric_id
       WHERE e.account = ? AND m.name IN ('Received Email', 'Opened Email', 'Clicked Email', 'Unsubscribed')
       GROUP BY message, flow, metric`,
      n,
    );
    const tally = (pick: (r: Row) => boolean) => {
      const out: Record<string, number> = { recipients: 0, opens: 0, clicks: 0, unsubscribes: 0 };
      for (const r of engagement.filter(pick)) {
        if (r.metric === 'Received Email') out.recipients! += Number(r.profiles);
        if (r.metric === 'Opened Email') out.opens! += Number(r.profiles);
        if (r.metric === 'Clicked Email') out.clicks! += Number(r.profiles);
        if (r.metric === 'Unsubscribed') out.unsubscribes! += Number(r.profiles);
      }
      return out;
    };
    const campaigns = this.all(
      `SELECT c.seq, c.id, c.name, c.status, c.channel, c.send_time, c.created FROM campaigns c
       WHERE c.account = ? ORDER BY c.seq DESC`,
      n,
    ).map(({ seq, send_time, created, ...c }) => {
      const messages = new Set(
        this.all('SELECT id FROM campaign_messages WHERE campaign = ?', seq).map((m) => m.id as string),
      );
      return {
        ...c,
        send_time: iso(send_time),
        created: iso(created),
        ...tally((r) => r.flow === null && messages.has(r.message as string)),
      };
    });
    const flows = this.all(
      `SELECT f.id, f.name, f.status, f.trigger_type, f.created FROM flows f WHERE f.account = ? ORDER BY f.seq DESC`,
      n,
    ).map(({ created, ...f }) => ({ ...f, created: iso(created), ...tally((r) => r.flow === f.id) }));
    return { campaigns, flows };
  }

  /** Catalog items (with variant counts) and categories. */
  catalog(account: string): { items: Row[]; categories: Row[] } {
    const n = this.store.acct(account);
    const items = this.all(
      `SELECT o.id, o.title, o.sku, o.published, o.attrs, o.updated,
        (SELECT COUNT(*) FROM catalog_objects v WHERE v.item = o.seq) AS variants
       FROM catalog_objects o WHERE o.account = ? AND o.kind = 'item' ORDER BY o.seq DESC LIMIT ${MAX_ITEMS}`,
      n,
    ).map(({ attrs, updated, published, ...o }) => {
      const a = parse(attrs) as Row;
      return {
        ...o,
        published: published === 1,
        price: a?.price ?? null,
        url: a?.url ?? null,
        updated: iso(updated),
      };
    });
    const categories = this.all(
      `SELECT o.id, o.title AS name,
        (SELECT COUNT(*) FROM catalog_links l WHERE l.category = o.seq) AS items
       FROM catalog_objects o WHERE o.account = ? AND o.kind = 'category' ORDER BY o.title LIMIT ${MAX_ITEMS}`,
      n,
    );
    return { items, categories };
  }

  /** The account's webhooks and every delivery attempt, newest first. */
  webhooks(account: string): { webhooks: Row[]; attempts: Row[] } {
    const n = this.store.acct(account);
    const webhooks = this.all(
      'SELECT id, name, endpoint_url, enabled, topics, created FROM webhooks WHERE account = ? ORDER BY seq',
      n,
    ).map((w) => ({ ...w, enabled: w.enabled === 1, topics: parse(w.topics), created: iso(w.created) }));
    const attempts = this.all(
      `SELECT webhook, delivery, attempt, at, events, status, error, outcome FROM webhook_attempts
       WHERE account = ? ORDER BY seq DESC LIMIT ${MAX_ITEMS}`,
      n,
    ).map((a) => ({ ...a, at: iso(a.at) }));
    return { webhooks, attempts };
  }
}
