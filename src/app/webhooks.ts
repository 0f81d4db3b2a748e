/**
 * Klaviyo's system webhooks, received by the Dream Flow app (seeds: `klaviyo_webhooks.py`, "bidirectional
 * integration"). For each delivery it:
 * - verifies `Klaviyo-Signature` = hex HMAC-SHA256(secret, raw body bytes + `Klaviyo-Timestamp`), in
 *   constant time, and that the timestamp is within `toleranceMs` of the clock (a replayed delivery is
 *   refused), and that `Klaviyo-Webhook-Id` matches `meta.klaviyo_webhook_id` (KLAVIYO-FACTS §6);
 * - is idempotent per event: Klaviyo retries a delivery (re-signed, same body) until it gets a 2xx, so
 *   each event's `external_id` is acted on once;
 * - acts: an unsubscribe, a bounce or a spam complaint sets the family's `email_status` in Supabase and
 *   turns its insights email off. The event's profile is looked up in Klaviyo (official SDK) for its
 *   `external_id` (the Supabase user id), or matched by email.
 * Answers: 200 with counts; 401 for a bad signature or a stale/unsigned timestamp; 400 for a body that
 * is not a webhook delivery; 500 when Supabase could not be updated (Klaviyo retries; nothing is marked
 * done).
 * Known limitations: the processed-event memory is in this process (bounded, newest kept): a restart
 * forgets it, which is harmless as every action is idempotent (it sets a status).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Clock } from '../../lib/clock.ts';
import { DreamFlowError } from './errors.ts';

/** Klaviyo's topics Dream Flow acts on, and the `email_status` each sets. */
export const WEBHOOK_ACTIONS: Record<string, 'unsubscribed' | 'bounced' | 'spam'> = {
  'event:klaviyo.unsubscribed': 'unsubscribed',
  'event:klaviyo.unsubscribed_from_email_marketing': 'unsubscribed',
  'event:klaviyo.bounced_email': 'bounced',
  'event:klaviyo.marked_email_as_spam': 'spam',
};

export interface WebhookProfile {
  externalId?: string | null;
  email?: string | null;
}

/** `profile` for the receiver, on the official SDK's ProfilesApi: a profile Klaviyo does not know is null. */
export function sdkProfileLookup(profiles: {
  getProfile(
    id: string,
  ): Promise<{ body: { data: { attributes: { externalId?: string | null; email?: string | null } } } }>;
}): (id: string) => Promise<WebhookProfile | null> {
  return async (id) => {
    try {
      const a = (await profiles.getProfile(id)).body.data.attributes;
      return { externalId: a.externalId ?? null, email: a.email ?? null };
    } catch (err) {
      if ((err as { response?: { status?: number } }).response?.status === 404) return null;
      throw err;
    }
  };
}

export interface WebhookReceiverOptions {
  /** The webhook's `secret_key`. */
  secret: string;
  db: SupabaseClient;
  clock: Clock;
  /** The Klaviyo profile behind an event (official SDK); null when unknown. */
  profile: (klaviyoProfileId: string) => Promise<WebhookProfile | null>;
  /** How far `Klaviyo-Timestamp` may be from the clock, ms (default 5 min). */
  toleranceMs?: number;
  /** Processed event ids remembered (default 100,000). */
  remember?: number;
}

export interface WebhookStats {
  deliveries: number;
  accepted: number;
  rejected: { signature: number; timestamp: number; webhookId: number; malformed: number };
  events: number;
  duplicates: number;
  acted: { unsubscribed: number; bounced: number; spam: number };
  ignored: number;
  failed: number;
}

export interface WebhookAnswer {
  status: number;
  body: unknown;
}

interface Delivery {
  data: {
    external_id: string;
    topic: string;
    payload?: { data?: { relationships?: { profile?: { data?: { id?: string } } } } };
  }[];
  meta?: { klaviyo_webhook_id?: string };
}

export class KlaviyoWebhookReceiver {
  readonly stats: WebhookStats = {
    deliveries: 0,
    accepted: 0,
    rejected: { signature: 0, timestamp: 0, webhookId: 0, malformed: 0 },
    events: 0,
    duplicates: 0,
    acted: { unsubscribed: 0, bounced: 0, spam: 0 },
    ignored: 0,
    failed: 0,
  };
  private readonly done = new Set<string>();

  constructor(private readonly options: WebhookReceiverOptions) {}

  async handle(
    headers: Record<string, string | string[] | undefined>,
    raw: Buffer | string,
  ): Promise<WebhookAnswer> {
    this.stats.deliveries++;
    const header = (name: string) => {
      const v = headers[name.toLowerCase()];
      return Array.isArray(v) ? v[0] : v;
    };
    const body = typeof raw === 'string' ? Buffer.from(raw) : raw;
    const timestamp = header('Klaviyo-Timestamp');
    const signature = header('Klaviyo-Signature') ?? '';
    const refuse = (kind: keyof WebhookStats['rejected'], status: number, code: string, message: string) => {
      this.stats.rejected[kind]++;
      return { status, body: new DreamFlowError(status, code, message).toJSON() };
    };
    if (!timestamp)
      return refuse('timestamp', 401, 'invalid_signature', 'Klaviyo-Timestamp header is missing.');
    const expected = createHmac('sha256', this.options.secret).update(body).update(timestamp).digest();
    const given = /^[0-9a-f]{64}$/i.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return refuse(
        'signature',
        401,
        'invalid_signature',
        'Klaviyo-Signature does not match the body and timestamp.',
      );
    const sentAt = Date.parse(timestamp);
    const tolerance = this.options.toleranceMs ?? 300_000;
    if (Number.isNaN(sentAt) || Math.abs(this.options.clock.now() - sentAt) > tolerance)
      return refuse(
        'timestamp',
        401,
        'stale_timestamp',
        `Klaviyo-Timestamp '${timestamp}' is not within ${tolerance / 1000} s of now.`,
      );
    let delivery: Delivery;
    try {
      delivery = JSON.parse(body.toString('utf8')) as Delivery;
      if (!Array.isArray(delivery?.data)) throw new Error('no data array');
    } catch (err) {
      return refuse(
        'malformed',
        400,
        'invalid_request',
        `(body): not a Klaviyo webhook delivery (${(err as Error).message}).`,
      );
    }
    const hookId = header('Klaviyo-Webhook-Id');
    if (hookId && delivery.meta?.klaviyo_webhook_id && hookId !== delivery.meta.klaviyo_webhook_id)
      return refuse(
        'webhookId',
        401,
        'invalid_signature',
        'Klaviyo-Webhook-Id does not match meta.klaviyo_webhook_id.',
      );

    this.stats.accepted++;
    let processed = 0;
    let duplicates = 0;
    for (const item of delivery.data) {
      this.stats.events++;
      if (this.done.has(item.external_id)) {
        duplicates++;
        this.stats.duplicates++;
        continue;
      }
      const action = WEBHOOK_ACTIONS[item.topic];
      if (action) {
        try {
          await this.act(item, action);
        } catch (err) {
          this.stats.failed++;
          // Not marked done: Klaviyo retries the delivery, and the events already done are skipped then.
          return {
            status: 500,
            body: new DreamFlowError(500, 'supabase_error', (err as Error).message).toJSON(),
          };
        }
        this.stats.acted[action]++;
      } else this.stats.ignored++;
      this.remember(item.external_id);
      processed++;
    }
    return { status: 200, body: { received: delivery.data.length, processed, duplicates } };
  }

  private async act(
    item: Delivery['data'][number],
    status: 'unsubscribed' | 'bounced' | 'spam',
  ): Promise<void> {
    const profileId = item.payload?.data?.relationships?.profile?.data?.id;
    if (!profileId) return;
    const who = await this.options.profile(profileId);
    if (!who) return;
    const patch = { email_status: status, insights_opt_in: false };
    const q = this.options.db.from('profiles').update(patch);
    const { error } = who.externalId
      ? await q.eq('id', who.externalId)
      : who.email
        ? await q.eq('email', who.email.toLowerCase())
        : { error: null };
    if (error) throw new Error(`Supabase profiles update: ${error.message}`);
  }

  private remember(id: string): void {
    this.done.add(id);
    if (this.done.size > (this.options.remember ?? 100_000)) {
      const oldest = this.done.values().next().value;
      if (oldest !== undefined) this.done.delete(oldest);
    }
  }
}
