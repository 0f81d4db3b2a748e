/**
 * Webhook topics. Klaviyo's are dynamic (they follow the account's metrics) and read
 * `event:klaviyo.<snake_case metric name>`. The mock offers Klaviyo's system topics (the names seen in
 * Klaviyo's docs and third-party references) plus one topic per metric of the account, so an event
 * recorded through the API can be subscribed to as well (a deviation: Klaviyo's API-created metrics
 * have no system topic).
 */
import type { KlaviyoStore } from '../../core/store.ts';
import { MetricsRepo } from '../metrics/repo.ts';

const SYSTEM = [
  'received_email',
  'opened_email',
  'clicked_email',
  'bounced_email',
  'marked_email_as_spam',
  'unsubscribed_from_email_marketing',
  'subscribed_to_email_marketing',
  'sent_sms',
  'received_sms',
  'clicked_sms',
  'received_push',
  'submitted_review',
];

/** `Opened Email` → `event:klaviyo.opened_email`. */
export function topicOf(metricName: string): string {
  const snake = metricName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return `event:klaviyo.${snake}`;
}

/** The account's topics, sorted: the system ones and one per metric. */
export function accountTopics(store: KlaviyoStore, account: string): string[] {
  const metrics = store.repo(MetricsRepo).list({
    account,
    where: [],
    params: [],
    sortExpr: 'seq',
    desc: false,
    cursor: null,
    limit: 100_000,
  }).rows;
  return [
    ...new Set([...SYSTEM.map((s) => `event:klaviyo.${s}`), ...metrics.map((m) => topicOf(m.name))]),
  ].sort();
}
