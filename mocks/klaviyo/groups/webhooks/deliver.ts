/**
 * Webhook deliveries, all on the scheduler (the mock's clock):
 * - an event written in an account with webhooks waits BATCH_MS, so events arriving together go out in
 *   one request (at most MAX_BATCH per request, as Klaviyo batches up to 1,000);
 * - each enabled webhook whose topics include the event's topic gets
 *   `{data:[{external_id, topic, payload}], meta:{klaviyo_account_id, klaviyo_webhook_id, timestamp, version}}`,
 *   `payload` being the event as get_event shows it;
 * - headers: `Klaviyo-Webhook-Id`, `Klaviyo-Timestamp` (IMF-fixdate, the mock's clock at sending),
 *   `Klaviyo-Signature` = hex HMAC-SHA256 with the webhook's secret_key over the body bytes followed by
 *   the timestamp header value (Klaviyo's construction; see KLAVIYO-FACTS §6);
 * - a 200/201/202 ends the delivery; anything else (or no answer) is retried after RETRY_BASE_MS,
 *   doubling up to RETRY_MAX_MS; after GIVE_UP_MS of failures the webhook is disabled. The 2xx set,
 *   the 1 h cap and the 48 h cut-off follow a third-party account of Klaviyo's docs (KLAVIYO-FACTS §6);
 *   the 10 s first delay is the mock's choice. Every attempt is logged (`webhook_attempts`).
 * The request body is fixed when the batch is made; a retry re-signs it with a new timestamp.
 */
import { createHmac } from 'node:crypto';
import type { KlaviyoStore } from '../../core/store.ts';
import { eventResource } from '../events/handlers.ts';
import { type EventRow, EventsRepo } from '../events/repo.ts';
import { MetricsRepo } from '../metrics/repo.ts';
import type { WebhookRow, WebhooksRepo } from './repo.ts';
import { postLoopback } from './send.ts';
import { topicOf } from './topics.ts';

export const BATCH_MS = 1000;
export const MAX_BATCH = 1000;
export const RETRY_BASE_MS = 10_000;
export const RETRY_MAX_MS = 3_600_000;
export const GIVE_UP_MS = 48 * 3_600_000;
const OK = new Set([200, 201, 202]);
/** Links in payloads name Klaviyo's host, as a real delivery would. */
const ORIGIN = 'https://a.klaviyo.com';
const VERSION = '2026-07-15';

interface Batch {
  id: string;
  account: number;
  webhook: string;
  body: string;
  events: number;
  first: number;
  attempt: number;
}

export function signature(secret: string, body: string, timestamp: string): string {
  return createHmac('sha256', secret).update(body).update(timestamp).digest('hex');
}

export class Deliverer {
  private readonly pending = new Map<number, string[]>();
  /** Bumped on reset: answers to requests sent before it are ignored. */
  private epoch = 0;
  private batches = 0;

  constructor(
    private readonly store: KlaviyoStore,
    private readonly repo: WebhooksRepo,
  ) {}

  enqueue(account: number, eventId: string): void {
    const list = this.pending.get(account) ?? [];
    list.push(eventId);
    this.pending.set(account, list);
    this.store.scheduler?.schedule(BATCH_MS, {
      key: `webhook-batch:${account}`,
      coalesce: true,
      run: () => this.dispatch(account),
    });
  }

  reset(): void {
    this.pending.clear();
    this.epoch++;
  }

  /** Group the account's waiting events by subscribed webhook and send each group. */
  private dispatch(account: number): void {
    const ids = this.pending.get(account) ?? [];
    this.pending.delete(account);
    const hooks = this.repo
      .enabledIn(account)
      .map((w) => ({ w, topics: new Set(JSON.parse(w.topics) as string[]) }));
    if (hooks.length === 0) return;
    const events = this.store.repo(EventsRepo);
    const metrics = this.store.repo(MetricsRepo);
    const byHook = new Map<WebhookRow, unknown[]>();
    for (const id of ids) {
      // A rolled-back write announced an event that is not there: skip it.
      const row = events.byId(account as never, id);
      if (!row) continue;
      const metric = metrics.byId(account as never, row.metric_id);
      if (!metric) continue;
      const topic = topicOf(metric.name);
      for (const { w, topics } of hooks) {
        if (!topics.has(topic)) continue;
        byHook.set(w, [...(byHook.get(w) ?? []), entry(row, topic)]);
      }
    }
    const now = this.store.scheduler?.now() ?? Date.now();
    for (const [w, entries] of byHook) {
      for (let i = 0; i < entries.length; i += MAX_BATCH) {
        const data = entries.slice(i, i + MAX_BATCH);
        const meta = {
          klaviyo_account_id: w.account_id,
          klaviyo_webhook_id: w.id,
          timestamp: new Date(now).toISOString(),
          version: VERSION,
        };
        this.send({
          id: `${w.id}-${++this.batches}`,
          account,
          webhook: w.id,
          body: JSON.stringify({ data, meta }),
          events: data.length,
          first: now,
          attempt: 0,
        });
      }
    }
  }

  private send(batch: Batch): void {
    const w = this.repo.byId(batch.account, batch.webhook);
    const now = this.store.scheduler?.now() ?? Date.now();
    batch.attempt++;
    const log = (status: number | null, error: string | null, outcome: string) =>
      this.repo.logAttempt({
        account: batch.account,
        webhook: batch.webhook,
        delivery: batch.id,
        attempt: batch.attempt,
        at: now,
        events: batch.events,
        status,
        error,
        outcome,
      });
    if (!w?.enabled) {
      log(null, 'webhook deleted or disabled', 'dropped');
      return;
    }
    const timestamp = new Date(now).toUTCString();
    const headers = {
      'content-type': 'application/json',
      'klaviyo-webhook-id': w.id,
      'klaviyo-timestamp': timestamp,
      'klaviyo-signature': signature(w.secret_key, batch.body, timestamp),
    };
    const epoch = this.epoch;
    postLoopback(w.endpoint_url, headers, batch.body)
      .then((res) => {
        if (epoch !== this.epoch || !this.store.db.open) return;
        if (res.status !== null && OK.has(res.status)) return log(res.status, null, 'delivered');
        const error = res.error ?? `answered ${res.status}`;
        const later = this.store.scheduler?.now() ?? Date.now();
        if (later - batch.first >= GIVE_UP_MS) {
          log(res.status, error, 'gave_up');
          const current = this.repo.byId(batch.account, batch.webhook);
          if (current) this.repo.update({ ...current, enabled: 0, updated: later });
          return;
        }
        log(res.status, error, 'retrying');
        const delay = Math.min(RETRY_BASE_MS * 2 ** (batch.attempt - 1), RETRY_MAX_MS);
        this.store.scheduler?.schedule(delay, { run: () => this.send(batch) });
      })
      // Recording the answer must not bring the mock down (e.g. the store closed meanwhile).
      .catch((err) => console.error(`klaviyo mock: webhook delivery ${batch.id}: ${(err as Error).message}`));
  }
}

function entry(row: EventRow, topic: string) {
  const data = eventResource(ORIGIN, row);
  return { external_id: row.id, topic, payload: { data, links: { self: data.links.self } } };
}
