/**
 * Typed reads of what the Klaviyo mock "received", for users' own test suites (`dreamflow-sim/testing`):
 * profiles by email, the events of a metric, list members, campaign recipients, webhook deliveries, and
 * a reset between tests. Assertions on stored state, as one would check Klaviyo's dashboard after a run.
 *
 * Everything reads through the core's store and its repos (the same rows the API serves), never a copy,
 * so a helper sees exactly what a `GET` through the SDK would. Due scheduler work (bulk jobs, campaign
 * sends, webhook retries) runs first, as it does before an admin read.
 */

import type { MockService } from '../shared/service.ts';
import { resetMock } from '../shared/testing.ts';
import { CampaignsRepo } from './groups/campaigns/repo.ts';
import { EMAIL_METRICS } from './groups/campaigns/send.ts';
import { EventsRepo } from './groups/events/repo.ts';
import { ListsRepo } from './groups/lists/repo.ts';
import { MetricsRepo } from './groups/metrics/repo.ts';
import { type ProfileRow, ProfilesRepo } from './groups/profiles/repo.ts';
import { WebhooksRepo } from './groups/webhooks/repo.ts';
import { KlaviyoCore } from './provider.ts';

export interface StoredProfile {
  id: string;
  email: string | null;
  phone_number: string | null;
  external_id: string | null;
  /** first_name, last_name, organization, locale, title, image, location… as stored. */
  attributes: Record<string, unknown>;
  /** Custom properties, merged as Klaviyo merges them. */
  properties: Record<string, unknown>;
  created: string;
  updated: string;
}

export interface StoredEvent {
  id: string;
  metric: string;
  profile_id: string;
  /** ISO 8601, truncated to the second as Klaviyo stores it. */
  datetime: string;
  value: number | null;
  properties: Record<string, unknown>;
}

export interface WebhookDelivery {
  webhook: string;
  delivery: string;
  attempt: number;
  at: string;
  events: number;
  status: number | null;
  error: string | null;
  outcome: 'delivered' | 'retrying' | 'gave_up' | 'dropped';
}

export interface KlaviyoStateOptions {
  /**
   * The private API key whose account to read (each key is its own account). Omitted: the only account
   * holding data; with several, the helpers throw and ask for the key.
   */
  apiKey?: string;
}

export interface KlaviyoState {
  /** The profile with this email (case-insensitive, as Klaviyo normalises it), or undefined. */
  profileByEmail(email: string): StoredProfile | undefined;
  /** Every profile, oldest first. */
  profiles(): StoredProfile[];
  /** Every event of the metric with this name (e.g. `Story Generated`), oldest first; [] when no such metric. */
  eventsOf(metricName: string): StoredEvent[];
  /** Metric names in the account, in creation order. */
  metrics(): string[];
  /** The members of a list, given its id or its name, in the order they joined. Throws if no such list. */
  listMembers(listIdOrName: string): StoredProfile[];
  /** The profiles a campaign was sent to (one `Received Email` each), in send order. Throws if no such campaign. */
  campaignRecipients(campaignId: string): StoredProfile[];
  /** Every webhook delivery attempt, oldest first; narrowed to one webhook when its id is given. */
  webhookDeliveries(webhookId?: string): WebhookDelivery[];
  /** Drop all state and the request journal (between tests), as `POST /__admin/reset` does. */
  reset(): void;
}

/**
 * Helpers over a Klaviyo mock service (`createKlaviyoMock()`, or the `service` of `startKlaviyoServer`):
 *
 *   const mock = createKlaviyoMock();
 *   server.use(...klaviyoHandlers({ service: mock }));
 *   const state = klaviyoState(mock);
 *   expect(state.profileByEmail('parent@example.com')?.properties.subscription_tier).toBe('premium');
 */
export function klaviyoState(service: MockService, options: KlaviyoStateOptions = {}): KlaviyoState {
  const core = service.core;
  if (!(core instanceof KlaviyoCore)) {
    throw new Error(`klaviyoState() needs a Klaviyo mock service; got the ${core.name} mock.`);
  }
  const store = core.store;
  const profilesRepo = store.repo(ProfilesRepo);

  /** The account label to read, after the scheduler has caught up with the clock. */
  const account = (): string | undefined => {
    core.scheduler.runDue();
    if (options.apiKey !== undefined) return core.accountOfKey(options.apiKey);
    const labels = store.db.prepare('SELECT label FROM accounts ORDER BY n').pluck().all() as string[];
    if (labels.length > 1) {
      throw new Error(
        `The Klaviyo mock holds ${labels.length} accounts (one per API key): pass { apiKey } to klaviyoState().`,
      );
    }
    return labels[0];
  };

  const rows = <T>(sql: string, ...params: unknown[]): T[] => store.statement(sql).all(...params) as T[];

  const eventsOf = (acct: string, metricName: string): StoredEvent[] => {
    const metric = store.repo(MetricsRepo).byName(acct, metricName);
    if (!metric) return [];
    const out: StoredEvent[] = [];
    let cursor = null;
    // Page through the repo's own list query rather than writing SQL over its table.
    for (;;) {
      const page = store.repo(EventsRepo).list({
        account: acct,
        where: ['events.metric_id = ?'],
        params: [metric.id],
        sortExpr: 'events.seq',
        desc: false,
        cursor,
        limit: 1000,
      });
      for (const e of page.rows) {
        out.push({
          id: e.id,
          metric: metricName,
          profile_id: e.profile_id,
          datetime: new Date(e.datetime).toISOString(),
          value: e.value,
          properties: JSON.parse(e.properties) as Record<string, unknown>,
        });
      }
      const last = page.rows.at(-1);
      if (!page.hasNext || !last) return out;
      cursor = { dir: 'n' as const, key: last._k, seq: last.seq };
    }
  };

  return {
    profileByEmail(email) {
      const acct = account();
      if (acct === undefined) return undefined;
      const row = profilesRepo.by(acct, 'email', email.trim().toLowerCase());
      return row && toProfile(row);
    },
    profiles() {
      const acct = account();
      if (acct === undefined) return [];
      const n = store.acct(acct);
      return rows<ProfileRow>('SELECT seq FROM profiles WHERE account = ? ORDER BY seq', n).map((r) =>
        toProfile(profilesRepo.bySeq(r.seq) as ProfileRow),
      );
    },
    eventsOf(metricName) {
      const acct = account();
      return acct === undefined ? [] : eventsOf(acct, metricName);
    },
    metrics() {
      const acct = account();
      if (acct === undefined) return [];
      return rows<{ name: string }>(
        'SELECT name FROM metrics WHERE account = ? ORDER BY seq',
        store.acct(acct),
      ).map((r) => r.name);
    },
    listMembers(listIdOrName) {
      const acct = account();
      const lists = store.repo(ListsRepo);
      const list =
        acct === undefined
          ? undefined
          : (lists.byId(acct, listIdOrName) ??
            rows<{ id: string }>(
              'SELECT id FROM lists WHERE account = ? AND name = ? ORDER BY seq LIMIT 1',
              store.acct(acct),
              listIdOrName,
            ).map((r) => lists.byId(acct, r.id))[0]);
      if (!list || acct === undefined)
        throw new Error(`No list with id or name "${listIdOrName}" in the Klaviyo mock.`);
      const joined = rows<{ profile: number }>(
        'SELECT profile FROM list_members WHERE list = ? ORDER BY joined, profile',
        list.seq,
      );
      return joined.map((m) => toProfile(profilesRepo.bySeq(m.profile) as ProfileRow));
    },
    campaignRecipients(campaignId) {
      const acct = account();
      const campaigns = store.repo(CampaignsRepo);
      const campaign = acct === undefined ? undefined : campaigns.byId(acct, campaignId);
      if (!campaign || acct === undefined)
        throw new Error(`No campaign with id "${campaignId}" in the Klaviyo mock.`);
      const messages = new Set(campaigns.messagesOf(campaign).map((m) => m.id));
      // Klaviyo's record of a send is the recipient's `Received Email` event naming the message.
      const seen = new Set<string>();
      const out: StoredProfile[] = [];
      for (const e of eventsOf(acct, EMAIL_METRICS.received)) {
        if (!messages.has(String(e.properties.$message)) || seen.has(e.profile_id)) continue;
        seen.add(e.profile_id);
        const p = profilesRepo.byId(acct, e.profile_id);
        if (p) out.push(toProfile(p));
      }
      return out;
    },
    webhookDeliveries(webhookId) {
      const acct = account();
      if (acct === undefined) return [];
      const n = store.acct(acct);
      return store
        .repo(WebhooksRepo)
        .attempts()
        .filter((a) => a.account === n && (webhookId === undefined || a.webhook === webhookId))
        .map(({ seq: _s, account: _a, at, outcome, ...rest }) => ({
          ...rest,
          at: new Date(at).toISOString(),
          outcome: outcome as WebhookDelivery['outcome'],
        }));
    },
    reset() {
      resetMock(service);
    },
  };
}

function toProfile(row: ProfileRow): StoredProfile {
  return {
    id: row.id,
    email: row.email,
    phone_number: row.phone_number,
    external_id: row.external_id,
    attributes: JSON.parse(row.attrs) as Record<string, unknown>,
    properties: JSON.parse(row.properties) as Record<string, unknown>,
    created: new Date(row.created).toISOString(),
    updated: new Date(row.updated).toISOString(),
  };
}
