/**
 * Registering Dream Flow's receiver (src/app/webhooks.ts) with Klaviyo: one webhook, named
 * "Dream Flow", on the topics the receiver acts on, signed with the app's secret (official SDK).
 */
import type { KlaviyoMarketing } from '../klaviyo/marketing.ts';

export const WEBHOOK_NAME = 'Dream Flow';
export const WEBHOOK_TOPICS = [
  'event:klaviyo.unsubscribed',
  'event:klaviyo.unsubscribed_from_email_marketing',
  'event:klaviyo.bounced_email',
  'event:klaviyo.marked_email_as_spam',
];

// biome-ignore lint/suspicious/noExplicitAny: the SDK's request models are wide unions; bodies are built in wire shape.
type Body = any;

/** The webhook's id, created if there is none yet. */
export async function registerWebhook(
  marketing: KlaviyoMarketing,
  url: string,
  secret: string,
): Promise<string> {
  const found = await marketing.call('get_webhooks', () => marketing.webhooks.getWebhooks());
  const existing = found.body.data.find((w) => w.attributes.name === WEBHOOK_NAME)?.id;
  if (existing) return existing;
  const created = await marketing.call('create_webhook', () =>
    marketing.webhooks.createWebhook({
      data: {
        type: 'webhook',
        attributes: { name: WEBHOOK_NAME, endpointUrl: url, secretKey: secret },
        relationships: {
          webhookTopics: { data: WEBHOOK_TOPICS.map((id) => ({ type: 'webhook-topic', id })) },
        },
      },
    } as Body),
  );
  return created.body.data.id as string;
}
