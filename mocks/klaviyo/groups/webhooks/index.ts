/**
 * Webhooks API: webhooks (create, get, get many, update, delete), their topics, and deliveries of the
 * account's events to subscribed webhooks (deliver.ts), with a log of every attempt at
 * `GET /__admin/webhook-deliveries`.
 *
 * Known limitations (LocalStack style — what this mock does NOT do):
 * - Deliveries go ONLY to loopback: `endpoint_url` must be http(s) on 127.0.0.0/8, localhost or [::1];
 *   any other host is refused with 400 (Klaviyo requires https anywhere; http on loopback is a
 *   deviation so a test can run a plain receiver). https receivers' certificates are not verified.
 * - Topics: Klaviyo's system topics plus one per metric of the account (`event:klaviyo.<snake_name>`);
 *   only events recorded in the mock (create_event, bulk_create_events) are delivered — the mock sends
 *   no emails or SMS, so `received_email` and the like never fire unless such an event is created.
 * - Deliveries and retries run on the scheduler, so with a virtual clock they happen when the clock
 *   has passed their time AND the mock next handles a request (or the admin API reads its state);
 *   the 5 s answer timeout is real time. Batches waiting or retrying live in memory: a restart drops them.
 * - `endpoint_url` comes back as sent (Klaviyo truncates it "for security"; how is undocumented).
 * - No limit on webhooks per account; webhook access is not gated by plan (Klaviyo: Advanced KDP).
 * - In-process (msw) use: msw intercepts the mock's own outgoing delivery too; add
 *   `http.post(receiverUrl, () => passthrough())` (test/klaviyo/catalogs-webhooks-msw.test.ts).
 */
import { jsonReply } from '../../../shared/http.ts';
import { defineGroup } from '../../core/group.ts';
import { route } from '../../core/router.ts';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  getWebhooks,
  getWebhookTopic,
  getWebhookTopics,
  updateWebhook,
} from './handlers.ts';
import { WebhooksRepo } from './repo.ts';

export const webhooks = defineGroup({
  name: 'Webhooks',
  repos: [WebhooksRepo],
  routes: [
    route('GET', '/api/webhooks', 'get_webhooks', getWebhooks),
    route('POST', '/api/webhooks', 'create_webhook', createWebhook),
    route('GET', '/api/webhooks/:id', 'get_webhook', getWebhook),
    route('PATCH', '/api/webhooks/:id', 'update_webhook', updateWebhook),
    route('DELETE', '/api/webhooks/:id', 'delete_webhook', deleteWebhook),
    route('GET', '/api/webhook-topics', 'get_webhook_topics', getWebhookTopics),
    route('GET', '/api/webhook-topics/:id', 'get_webhook_topic', getWebhookTopic),
  ],
  admin: {
    // Every attempt, oldest first; `?webhook=<id>` narrows to one webhook.
    'GET webhook-deliveries': (store, req) => {
      const webhook = req.query.get('webhook');
      const attempts = store
        .repo(WebhooksRepo)
        .attempts()
        .filter((a) => !webhook || a.webhook === webhook)
        .map(({ seq: _s, account: _a, at, ...rest }) => ({ ...rest, at: new Date(at).toISOString() }));
      return jsonReply(200, { deliveries: attempts });
    },
  },
});
