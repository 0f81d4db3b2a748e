/**
 * Campaign and flow values computed from the events actually recorded: Received / Opened / Clicked
 * Email and Unsubscribed events carry their campaign or flow message in `$message` (campaigns/send.ts,
 * flows/run.ts), so each one is counted for that message's campaign or flow; conversions are the
 * conversion metric's events attributed, last touch, to the most recent email of the same kind
 * (campaign or flow) the profile opened or clicked within ATTRIBUTION_MS before.
 */
import type { KlaviyoStore } from '../../core/store.ts';
import { CampaignsRepo } from '../campaigns/repo.ts';
import { EMAIL_METRICS } from '../campaigns/send.ts';
import { EventsRepo } from '../events/repo.ts';
import { FlowsRepo } from '../flows/repo.ts';
import { MetricsRepo } from '../metrics/repo.ts';
import type { ReportFilter } from './filter.ts';

/** Klaviyo's default email attribution window: 5 days after an open or a click. */
export const ATTRIBUTION_MS = 5 * 86_400_000;

export const STATISTICS = [
  'average_order_value',
  'bounce_rate',
  'bounced',
  'bounced_or_failed',
  'bounced_or_failed_rate',
  'click_rate',
  'click_to_open_rate',
  'clicks',
  'clicks_unique',
  'conversion_rate',
  'conversion_uniques',
  'conversion_value',
  'conversions',
  'delivered',
  'delivery_rate',
  'failed',
  'failed_rate',
  'message_segment_count_sum',
  'open_rate',
  'opens',
  'opens_unique',
  'recipients',
  'revenue_per_recipient',
  'spam_complaint_rate',
  'spam_complaints',
  'text_message_credit_usage_amount',
  'text_message_roi',
  'text_message_spend',
  'unsubscribe_rate',
  'unsubscribe_uniques',
  'unsubscribes',
] as const;
export type Statistic = (typeof STATISTICS)[number];

/** The groupings the mock can fill for an email campaign message. */
export const GROUP_BY = [
  'campaign_id',
  'campaign_message_id',
  'campaign_message_name',
  'send_channel',
] as const;
export type GroupBy = (typeof GROUP_BY)[number];

interface Tally {
  count: number;
  profiles: Set<number>;
}
const tally = (): Tally => ({ count: 0, profiles: new Set() });

interface MessageTallies {
  received: Tally;
  open: Tally;
  click: Tally;
  unsubscribe: Tally;
  conversion: Tally & { value: number };
}

/** The groupings the mock can fill for a flow's email message. */
export const FLOW_GROUP_BY = [
  'flow_id',
  'flow_message_id',
  'flow_message_name',
  'flow_name',
  'send_channel',
] as const;

export interface ValuesQuery {
  account: string;
  from: number;
  to: number;
  conversionMetricId: string;
  statistics: readonly Statistic[];
  groupBy: readonly string[];
  filter: ReportFilter;
}

export interface ValuesResult {
  results: { groupings: Record<string, string>; statistics: Record<string, number> }[];
  /** The campaigns or flows reported on, and their messages. */
  owners: string[];
  messages: string[];
}

/** A message the report can count: whose it is (campaign or flow id) and every grouping it fills. */
interface MessageInfo {
  owner: string;
  groupings: Record<string, string>;
}

export function campaignValues(store: KlaviyoStore, q: ValuesQuery): ValuesResult {
  const index = new Map<string, MessageInfo>();
  for (const [id, m] of store.repo(CampaignsRepo).messageIndex(q.account)) {
    index.set(id, {
      owner: m.campaignId,
      groupings: {
        campaign_id: m.campaignId,
        campaign_message_id: id,
        campaign_message_name: m.label,
        send_channel: m.channel,
      },
    });
  }
  return emailValues(store, q, index);
}

export function flowValues(store: KlaviyoStore, q: ValuesQuery): ValuesResult {
  const index = new Map<string, MessageInfo>();
  for (const [id, m] of store.repo(FlowsRepo).messageIndex(q.account)) {
    index.set(id, {
      owner: m.flowId,
      groupings: {
        flow_id: m.flowId,
        flow_message_id: id,
        flow_message_name: m.name,
        flow_name: m.flowName,
        send_channel: m.channel,
      },
    });
  }
  return emailValues(store, q, index);
}

type Kind = keyof typeof EMAIL_METRICS;

function emailValues(store: KlaviyoStore, q: ValuesQuery, messages: Map<string, MessageInfo>): ValuesResult {
  const metrics = store.repo(MetricsRepo);
  const events = store.repo(EventsRepo);
  const tallies = new Map<string, MessageTallies>();
  const of = (message: string) => {
    let t = tallies.get(message);
    if (!t) {
      t = {
        received: tally(),
        open: tally(),
        click: tally(),
        unsubscribe: tally(),
        conversion: { ...tally(), value: 0 },
      };
      tallies.set(message, t);
    }
    return t;
  };
  /** Opens and clicks per profile, oldest first, from ATTRIBUTION_MS before the range (conversions). */
  const touches = new Map<number, { at: number; message: string }[]>();
  for (const kind of Object.keys(EMAIL_METRICS) as Kind[]) {
    const metric = metrics.byName(q.account, EMAIL_METRICS[kind]);
    if (!metric) continue;
    const lookBack = kind === 'open' || kind === 'click' ? ATTRIBUTION_MS : 0;
    for (const e of events.rows(q.account, metric.id, q.from - lookBack, q.to)) {
      const message = (JSON.parse(e.properties) as { $message?: unknown }).$message;
      if (typeof message !== 'string' || !messages.has(message)) continue;
      if (lookBack) {
        const list = touches.get(e.profile) ?? [];
        list.push({ at: e.datetime, message });
        touches.set(e.profile, list);
      }
      if (e.datetime < q.from) continue;
      const t = of(message)[kind];
      t.count++;
      t.profiles.add(e.profile);
    }
  }
  for (const e of events.rows(q.account, q.conversionMetricId, q.from, q.to)) {
    const list = touches.get(e.profile) ?? [];
    let last: { at: number; message: string } | undefined;
    for (const touch of list) if (touch.at <= e.datetime) last = touch;
    if (!last || e.datetime - last.at > ATTRIBUTION_MS) continue;
    const t = of(last.message).conversion;
    t.count++;
    t.profiles.add(e.profile);
    t.value += e.value ?? 0;
  }

  const groups = new Map<string, { groupings: Record<string, string>; parts: MessageTallies[] }>();
  const owners = new Set<string>();
  const reported: string[] = [];
  const ordered = [...tallies.keys()].sort();
  for (const message of ordered) {
    const info = messages.get(message)!;
    const all = info.groupings;
    if (!q.filter.every((c) => c.values.has(all[c.field]!))) continue;
    owners.add(info.owner);
    reported.push(message);
    const groupings = Object.fromEntries(q.groupBy.map((g) => [g, all[g]!]));
    const key = JSON.stringify(groupings);
    const group = groups.get(key) ?? { groupings, parts: [] };
    group.parts.push(tallies.get(message)!);
    groups.set(key, group);
  }
  const results = [...groups.values()].map((g) => ({
    groupings: g.groupings,
    statistics: statistics(g.parts, q.statistics),
  }));
  return { results, owners: [...owners], messages: reported };
}

function merge(parts: MessageTallies[], kind: keyof MessageTallies): { count: number; uniques: number } {
  const profiles = new Set<number>();
  let count = 0;
  for (const p of parts) {
    count += p[kind].count;
    for (const id of p[kind].profiles) profiles.add(id);
  }
  return { count, uniques: profiles.size };
}

const rate = (n: number, d: number) => (d === 0 ? 0 : n / d);

/** Every statistic Klaviyo lists; the ones the mock never produces for email (bounces, SMS spend) are 0. */
function statistics(parts: MessageTallies[], wanted: readonly Statistic[]): Record<string, number> {
  const received = merge(parts, 'received');
  const opens = merge(parts, 'open');
  const clicks = merge(parts, 'click');
  const unsubscribes = merge(parts, 'unsubscribe');
  const conversions = merge(parts, 'conversion');
  const value = parts.reduce((sum, p) => sum + p.conversion.value, 0);
  // No bounces or failures are simulated: every recipient is delivered.
  const delivered = received.count;
  const all: Record<Statistic, number> = {
    recipients: received.count,
    delivered,
    delivery_rate: rate(delivered, received.count),
    bounced: 0,
    bounce_rate: 0,
    failed: 0,
    failed_rate: 0,
    bounced_or_failed: 0,
    bounced_or_failed_rate: 0,
    opens: opens.count,
    opens_unique: opens.uniques,
    open_rate: rate(opens.uniques, delivered),
    clicks: clicks.count,
    clicks_unique: clicks.uniques,
    click_rate: rate(clicks.uniques, delivered),
    click_to_open_rate: rate(clicks.uniques, opens.uniques),
    unsubscribes: unsubscribes.count,
    unsubscribe_uniques: unsubscribes.uniques,
    unsubscribe_rate: rate(unsubscribes.uniques, delivered),
    spam_complaints: 0,
    spam_complaint_rate: 0,
    conversions: conversions.count,
    conversion_uniques: conversions.uniques,
    conversion_value: value,
    conversion_rate: rate(conversions.uniques, delivered),
    average_order_value: rate(value, conversions.count),
    revenue_per_recipient: rate(value, delivered),
    message_segment_count_sum: 0,
    text_message_credit_usage_amount: 0,
    text_message_roi: 0,
    text_message_spend: 0,
  };
  return Object.fromEntries(wanted.map((s) => [s, all[s]]));
}
