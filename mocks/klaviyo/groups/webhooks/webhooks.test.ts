/**
 * Webhooks through the official SDK over HTTP, with a real receiver on 127.0.0.1: CRUD and topics,
 * endpoints off loopback refused, events of a subscribed topic delivered in one signed batch, a failed
 * delivery (500) retried on the mock's clock and logged attempt by attempt.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiKeySession, EventsApi, RetryWithExponentialBackoff, WebhooksApi } from 'klaviyo-api';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { VirtualClock } from '../../../../lib/clock.ts';
import { eventBody, sdkError, startChecked } from '../../../../test/klaviyo/helpers.ts';
import { useKlaviyoContract } from '../../../../test/support/klaviyo-contract.ts';
import { BATCH_MS, GIVE_UP_MS, RETRY_BASE_MS, RETRY_MAX_MS } from './deliver.ts';

const contract = useKlaviyoContract();
const clock = new VirtualClock(Date.UTC(2026, 5, 1, 9));
const SECRET = 'shh-local-secret';
let server: Awaited<ReturnType<typeof startChecked>>;
let receiver: Server;
let endpoint: string;
let hooks: WebhooksApi;
let events: EventsApi;

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}
const received: Received[] = [];
/** Status codes the receiver answers with, in turn (200 once they run out). */
const answers: number[] = [];

beforeAll(async () => {
  server = await startChecked(contract, { clock });
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = answers.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/klaviyo`;
  const session = new ApiKeySession('pk_webhooks', new RetryWithExponentialBackoff({ numRetries: 0 }));
  hooks = new WebhooksApi(session);
  events = new EventsApi(session);
  hooks.basePath = server.url;
  events.basePath = server.url;
});
afterAll(async () => {
  await server.close();
  await new Promise((resolve) => receiver.close(resolve));
});

/** Let the mock run what is due (any request does; this one also returns the delivery log). */
async function deliveries(): Promise<any[]> {
  const res = await fetch(`${server.url}/__admin/webhook-deliveries`);
  return ((await res.json()) as { deliveries: any[] }).deliveries;
}

function verify(r: Received): any {
  const timestamp = String(r.headers['klaviyo-timestamp']);
  const expected = createHmac('sha256', SECRET)
    .update(r.body + timestamp)
    .digest('hex');
  expect(r.headers['klaviyo-signature']).toBe(expected);
  expect(r.headers['content-type']).toBe('application/json');
  const body = JSON.parse(r.body);
  expect(r.headers['klaviyo-webhook-id']).toBe(body.meta.klaviyo_webhook_id);
  return body;
}

const webhookBody = (url: string, topics: string[]) =>
  ({
    data: {
      type: 'webhook',
      attributes: { name: 'Local receiver', endpointUrl: url, secretKey: SECRET },
      relationships: { webhookTopics: { data: topics.map((id) => ({ type: 'webhook-topic', id })) } },
    },
  }) as any;

it('manages webhooks and refuses endpoints off loopback and unknown topics', async () => {
  await events.createEvent(eventBody('Story Read', { email: 'reader@hooks.test' }));
  const topics = (await hooks.getWebhookTopics()).response.data.data.map((t: any) => t.id);
  expect(topics).toContain('event:klaviyo.story_read');
  expect(topics).toContain('event:klaviyo.opened_email');
  expect((await hooks.getWebhookTopic('event:klaviyo.story_read')).response.data.data.id).toBe(
    'event:klaviyo.story_read',
  );
  expect((await sdkError(hooks.getWebhookTopic('event:klaviyo.nope'))).status).toBe(404);

  for (const url of ['https://example.com/hook', 'http://10.0.0.8/hook', 'ftp://127.0.0.1/x']) {
    const refused = await sdkError(hooks.createWebhook(webhookBody(url, ['event:klaviyo.story_read'])));
    expect(refused.status).toBe(400);
    expect(refused.data.errors[0].source.pointer).toBe('/data/attributes/endpoint_url');
  }
  const badTopic = await sdkError(hooks.createWebhook(webhookBody(endpoint, ['event:klaviyo.nope'])));
  expect(badTopic.data.errors[0].source.pointer).toBe('/data/relationships/webhook-topics/data/0/id');

  const created = (
    await hooks.createWebhook(webhookBody('http://localhost:1/x', ['event:klaviyo.story_read']))
  ).response;
  expect(created.status).toBe(201);
  const id = created.data.data.id;
  expect(created.data.data.attributes).toMatchObject({ name: 'Local receiver', enabled: true });
  expect(created.data.data.attributes.secret_key).toBeUndefined();
  const journal = await (await fetch(`${server.url}/__admin/requests`)).text();
  expect(journal).toContain('[redacted]');
  expect(journal).not.toContain(SECRET);
  const got = (await hooks.getWebhook(id, { include: ['webhook-topics'] })).response.data;
  expect(got.included.map((t: any) => t.id)).toEqual(['event:klaviyo.story_read']);
  const updated = await hooks.updateWebhook(id, {
    data: { type: 'webhook', id, attributes: { enabled: false, name: 'Renamed' } },
  } as any);
  expect(updated.response.data.data.attributes).toMatchObject({ enabled: false, name: 'Renamed' });
  expect((await hooks.getWebhooks()).response.data.data.map((w: any) => w.id)).toEqual([id]);
  expect((await hooks.deleteWebhook(id)).response.status).toBe(204);
  expect((await sdkError(hooks.getWebhook(id))).status).toBe(404);
});

it('delivers subscribed events in a signed batch and retries a failed delivery', async () => {
  const hook = (await hooks.createWebhook(webhookBody(endpoint, ['event:klaviyo.opened_email']))).response
    .data.data;
  answers.push(500);
  await events.createEvent(eventBody('Opened Email', { email: 'a@hooks.test' }, {}, { subject: 'Hi' }));
  await events.createEvent(eventBody('Opened Email', { email: 'b@hooks.test' }));
  await events.createEvent(eventBody('Story Read', { email: 'a@hooks.test' })); // not subscribed
  expect(received).toHaveLength(0);

  clock.advance(BATCH_MS);
  await deliveries();
  await vi.waitFor(() => expect(received).toHaveLength(1));
  const first = verify(received[0]!);
  expect(first.meta).toMatchObject({ klaviyo_webhook_id: hook.id });
  expect(first.data).toHaveLength(2);
  expect(first.data.map((d: any) => d.topic)).toEqual([
    'event:klaviyo.opened_email',
    'event:klaviyo.opened_email',
  ]);
  expect(first.data[0].payload.data).toMatchObject({
    type: 'event',
    attributes: { event_properties: { subject: 'Hi' } },
  });
  expect(first.data[0].external_id).toBe(first.data[0].payload.data.id);
  await vi.waitFor(async () => expect(await deliveries()).toHaveLength(1));
  expect((await deliveries())[0]).toMatchObject({
    webhook: hook.id,
    attempt: 1,
    status: 500,
    outcome: 'retrying',
    events: 2,
  });

  // Not before the backoff has passed on the mock's clock.
  clock.advance(RETRY_BASE_MS - 1);
  await deliveries();
  expect(received).toHaveLength(1);
  clock.advance(1);
  await deliveries();
  await vi.waitFor(() => expect(received).toHaveLength(2));
  const retry = verify(received[1]!);
  expect(received[1]!.body).toBe(received[0]!.body);
  expect(received[1]!.headers['klaviyo-timestamp']).not.toBe(received[0]!.headers['klaviyo-timestamp']);
  expect(retry.data).toHaveLength(2);
  await vi.waitFor(async () =>
    expect((await deliveries()).at(-1)).toMatchObject({ attempt: 2, outcome: 'delivered', status: 200 }),
  );

  // A disabled webhook gets nothing.
  await hooks.updateWebhook(hook.id, {
    data: { type: 'webhook', id: hook.id, attributes: { enabled: false } },
  } as any);
  await events.createEvent(eventBody('Opened Email', { email: 'c@hooks.test' }));
  clock.advance(BATCH_MS);
  expect(await deliveries()).toHaveLength(2);
  expect(received).toHaveLength(2);
  expect(contract.validated).toBeGreaterThan(10);
});

it('keeps retrying an unreachable receiver, then disables the webhook after 48 hours', async () => {
  // A port nothing listens on any more: every attempt is refused at once.
  const gone = createServer();
  await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
  const port = (gone.address() as AddressInfo).port;
  await new Promise((resolve) => gone.close(resolve));
  const hook = (
    await hooks.createWebhook(webhookBody(`http://127.0.0.1:${port}/gone`, ['event:klaviyo.opened_email']))
  ).response.data.data;
  const start = clock.now();
  await events.createEvent(eventBody('Opened Email', { email: 'late@hooks.test' }));
  clock.advance(BATCH_MS);
  const mine = async () => (await deliveries()).filter((d) => d.webhook === hook.id);
  let log: any[] = [];
  for (let attempt = 1; attempt < 200; attempt++) {
    await vi.waitFor(async () => {
      log = await mine();
      expect(log).toHaveLength(attempt);
    });
    if (log.at(-1).outcome !== 'retrying') break;
    clock.advance(RETRY_MAX_MS);
  }
  const last = log.at(-1);
  expect(last).toMatchObject({ outcome: 'gave_up', status: null });
  expect(last.error).toMatch(/ECONNREFUSED/);
  expect(Date.parse(last.at) - start).toBeGreaterThanOrEqual(GIVE_UP_MS);
  // The clock moved an hour per retry, so about one attempt per hour until 48 h had passed.
  expect(log.length).toBeGreaterThanOrEqual(GIVE_UP_MS / RETRY_MAX_MS);
  expect((await hooks.getWebhook(hook.id)).response.data.data.attributes.enabled).toBe(false);
});

it('rate-limits every webhook endpoint at the spec tier (1/s, 15/m)', async () => {
  const limited = await startChecked(contract, { clock, rateLimits: true });
  try {
    const api = new WebhooksApi(
      new ApiKeySession('pk_hooks_rl', new RetryWithExponentialBackoff({ numRetries: 0 })),
    );
    api.basePath = limited.url;
    expect((await api.getWebhookTopics()).response.status).toBe(200);
    const throttled = await sdkError(api.getWebhookTopics());
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('1');
    clock.advance(1000);
    expect((await api.getWebhookTopics()).response.status).toBe(200);
  } finally {
    await limited.close();
  }
});
