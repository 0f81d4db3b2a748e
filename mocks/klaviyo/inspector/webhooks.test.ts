/**
 * The inspector's webhooks view after real deliveries to a receiver on 127.0.0.1 (virtual clock): the
 * account's webhook and every attempt — a 500, then the retry delivered — as GET /__admin/webhook-deliveries
 * logs them, newest first.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiKeySession, EventsApi, RetryWithExponentialBackoff, WebhooksApi } from 'klaviyo-api';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { VirtualClock } from '../../../lib/clock.ts';
import { eventBody, startChecked } from '../../../test/klaviyo/helpers.ts';
import { useKlaviyoContract } from '../../../test/support/klaviyo-contract.ts';
import { BATCH_MS, RETRY_BASE_MS } from '../groups/webhooks/deliver.ts';

const contract = useKlaviyoContract();
const clock = new VirtualClock(Date.UTC(2026, 5, 1, 9));
let server: Awaited<ReturnType<typeof startChecked>>;
let receiver: Server;
const answers = [500];
let received = 0;

beforeAll(async () => {
  server = await startChecked(contract, { clock });
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.statusCode = answers.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await server.close();
  await new Promise((resolve) => receiver.close(resolve));
});

async function admin<T>(path: string): Promise<T> {
  return (await (await fetch(`${server.url}/__admin/${path}`)).json()) as T;
}

it('lists the webhook and its delivery attempts as the delivery log has them', async () => {
  const session = new ApiKeySession('pk_inspector_hooks', new RetryWithExponentialBackoff({ numRetries: 0 }));
  const hooks = new WebhooksApi(session);
  const events = new EventsApi(session);
  hooks.basePath = server.url;
  events.basePath = server.url;
  // The topic exists once its metric does.
  await events.createEvent(eventBody('Story Read', { email: 'ada@example.com' }));
  const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/klaviyo`;
  await hooks.createWebhook({
    data: {
      type: 'webhook',
      attributes: { name: 'Local receiver', endpointUrl: endpoint, secretKey: 'shh' },
      relationships: { webhookTopics: { data: [{ type: 'webhook-topic', id: 'event:klaviyo.story_read' }] } },
    },
  } as never);
  await events.createEvent(eventBody('Story Read', { email: 'bo@example.com' }));
  clock.advance(BATCH_MS);
  await admin('webhook-deliveries');
  await vi.waitFor(() => expect(received).toBe(1));
  clock.advance(RETRY_BASE_MS);
  await vi.waitFor(async () => {
    await admin('webhook-deliveries');
    expect(received).toBe(2);
  });

  await vi.waitFor(async () =>
    expect(
      (await admin<{ deliveries: { outcome: string }[] }>('webhook-deliveries')).deliveries.at(-1),
    ).toMatchObject({
      outcome: 'delivered',
    }),
  );
  const account = (await admin<{ accounts: { account: string }[] }>('inspector/accounts')).accounts[0]!
    .account;
  const view = await admin<{ webhooks: Record<string, unknown>[]; attempts: Record<string, unknown>[] }>(
    `inspector/webhooks?account=${account}`,
  );
  expect(view.webhooks).toEqual([
    expect.objectContaining({
      name: 'Local receiver',
      endpoint_url: endpoint,
      enabled: true,
      topics: ['event:klaviyo.story_read'],
    }),
  ]);
  // The secret never reaches the inspector.
  expect(JSON.stringify(view)).not.toContain('shh');
  const fullLog = (await admin<{ deliveries: Record<string, unknown>[] }>('webhook-deliveries')).deliveries;
  expect(view.attempts.map((a) => [a.attempt, a.status, a.outcome])).toEqual(
    fullLog.map((a) => [a.attempt, a.status, a.outcome]).reverse(),
  );
  expect(view.attempts.map((a) => a.status)).toEqual([200, 500]);
});
