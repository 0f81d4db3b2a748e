/**
 * Issue 15 in-process: the unchanged SDK on its default base URL, msw in front of the mock. Catalog
 * items and categories round-trip and link; a bulk event job lands its events on the mock's clock; and
 * those events reach a local receiver subscribed to their topic, signed — msw lets that one outgoing
 * request through with a passthrough handler for the receiver's URL.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiKeySession, CatalogsApi, EventsApi, RetryWithExponentialBackoff, WebhooksApi } from 'klaviyo-api';
import { http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { VirtualClock } from '../../lib/clock.ts';
import { JOB_DELAY_MS } from '../../mocks/klaviyo/groups/profile-jobs/handlers.ts';
import { BATCH_MS } from '../../mocks/klaviyo/groups/webhooks/deliver.ts';
import { createKlaviyoMock, klaviyoHandlers } from '../../mocks/klaviyo/index.ts';
import { contractChecked } from './helpers.ts';

const contract = contractChecked();
const clock = new VirtualClock(Date.UTC(2026, 6, 1));
const service = createKlaviyoMock({ clock, rateLimits: false, onResponse: contract.onResponse });
const msw = setupServer(...klaviyoHandlers({ service }));
const SECRET = 'in-process-secret';
const bodies: { headers: Record<string, unknown>; body: string }[] = [];
let receiver: Server;
let endpoint: string;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      bodies.push({ headers: req.headers, body });
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  msw.listen({ onUnhandledRequest: 'error' });
  // The mock's own delivery is an outgoing request too: let exactly that one through.
  msw.use(http.post(endpoint, () => passthrough()));
});
afterAll(async () => {
  msw.close();
  service.close();
  await new Promise((resolve) => receiver.close(resolve));
});

const session = new ApiKeySession('pk_issue15', new RetryWithExponentialBackoff({ numRetries: 0 }));
const catalogs = new CatalogsApi(session);
const events = new EventsApi(session);
const webhooks = new WebhooksApi(session);
const id = (x: string) => `$custom:::$default:::${x}`;

it('round-trips catalog objects, lands bulk events and delivers them to a subscribed receiver', async () => {
  expect(catalogs.basePath).toBe('https://a.klaviyo.com');
  await catalogs.createCatalogCategory({
    data: { type: 'catalog-category', attributes: { externalId: 'SEA', name: 'Sea stories' } },
  } as any);
  const item = await catalogs.createCatalogItem({
    data: {
      type: 'catalog-item',
      attributes: {
        externalId: 'WHALE',
        title: 'The Whale',
        description: 'Deep',
        url: 'https://shop.test/whale',
      },
      relationships: { categories: { data: [{ type: 'catalog-category', id: id('SEA') }] } },
    },
  } as any);
  expect(item.response.data.data.links.self).toMatch(/^https:\/\/a\.klaviyo\.com\/api\/catalog-items\//);
  const items = await catalogs.getItemsForCatalogCategory(id('SEA'));
  expect(items.response.data.data.map((i: any) => i.attributes.title)).toEqual(['The Whale']);

  // A topic exists once its metric does; then subscribe the local receiver to it.
  await events.createEvent({
    data: {
      type: 'event',
      attributes: {
        properties: {},
        metric: { data: { type: 'metric', attributes: { name: 'Story Read' } } },
        profile: { data: { type: 'profile', attributes: { email: 'first@msw.test' } } },
      },
    },
  } as any);
  const hook = await webhooks.createWebhook({
    data: {
      type: 'webhook',
      attributes: { name: 'In-process receiver', endpointUrl: endpoint, secretKey: SECRET },
      relationships: { webhookTopics: { data: [{ type: 'webhook-topic', id: 'event:klaviyo.story_read' }] } },
    },
  } as any);
  expect(hook.response.status).toBe(201);

  const ev = (email: string, story: string) => ({
    type: 'event-bulk-create',
    attributes: {
      profile: { data: { type: 'profile', attributes: { email } } },
      events: {
        data: [
          {
            type: 'event',
            attributes: {
              properties: { story },
              metric: { data: { type: 'metric', attributes: { name: 'Story Read' } } },
            },
          },
        ],
      },
    },
  });
  const job = await events.bulkCreateEvents({
    data: {
      type: 'event-bulk-create-job',
      attributes: { eventsBulkCreate: { data: [ev('a@msw.test', 'Whale'), ev('b@msw.test', 'Owl')] } },
    },
  } as any);
  expect(job.response.status).toBe(202);

  clock.advance(JOB_DELAY_MS);
  const landed = await events.getEvents({ filter: 'greater-than(datetime,2026-06-30T00:00:00Z)' });
  expect(landed.response.data.data).toHaveLength(3);
  expect(bodies).toHaveLength(0);

  clock.advance(BATCH_MS);
  await webhooks.getWebhooks(); // any request runs what is due
  await vi.waitFor(() => expect(bodies).toHaveLength(1));
  const got = bodies[0]!;
  const timestamp = String(got.headers['klaviyo-timestamp']);
  expect(got.headers['klaviyo-signature']).toBe(
    createHmac('sha256', SECRET).update(got.body).update(timestamp).digest('hex'),
  );
  const doc = JSON.parse(got.body);
  expect(doc.data.map((d: any) => d.payload.data.attributes.event_properties.story)).toEqual([
    'Whale',
    'Owl',
  ]);
  expect(doc.meta.klaviyo_webhook_id).toBe(hook.response.data.data.id);
});
