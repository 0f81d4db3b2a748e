/**
 * The app's Klaviyo webhook route against the Klaviyo mock's real deliveries over loopback HTTP: signed
 * deliveries act on the family in Supabase (through supabase-js), a redelivery is not acted on twice,
 * and forged or stale deliveries are refused.
 */
import { createHmac } from 'node:crypto';
import { ApiKeySession, EventsApi, ProfilesApi, RetryWithExponentialBackoff, WebhooksApi } from 'klaviyo-api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { VirtualClock } from '../../lib/clock.ts';
import { listen } from '../../mocks/shared/listen.ts';
import { eventBody } from '../../test/klaviyo/helpers.ts';
import { startTestbed, TESTBED_KEY, type Testbed } from '../../test/systems/testbed.ts';
import { createAppServer } from './server.ts';
import { createDreamFlowStack, type DreamFlowStack } from './stack.ts';
import { KlaviyoWebhookReceiver, sdkProfileLookup } from './webhooks.ts';

const SECRET = 'whsec_dreamflow_test';

describe('Klaviyo webhook receiver', () => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9));
  let bed: Testbed;
  let stack: DreamFlowStack;
  let app: Awaited<ReturnType<typeof listen>>;
  let receiver: KlaviyoWebhookReceiver;
  const session = new ApiKeySession(TESTBED_KEY, new RetryWithExponentialBackoff({ numRetries: 0 }));
  const hooks = new WebhooksApi(session);
  const events = new EventsApi(session);
  const profiles = new ProfilesApi(session);

  beforeAll(async () => {
    bed = await startTestbed(clock, 6);
    for (const api of [hooks, events, profiles]) api.basePath = bed.klaviyoUrl;
    stack = createDreamFlowStack({
      clock,
      supabase: undefined,
      config: {
        klaviyoApiKey: TESTBED_KEY,
        klaviyoBaseUrl: bed.klaviyoUrl,
        supabaseUrl: bed.supabaseUrl,
        supabaseAnonKey: bed.anonKey,
        supabaseServiceRoleKey: bed.serviceKey,
        klaviyoMcpUrl: '',
      },
      env: {},
      nonBlocking: false,
    });
    receiver = new KlaviyoWebhookReceiver({
      secret: SECRET,
      db: stack.supabase.db,
      clock,
      profile: sdkProfileLookup(profiles),
    });
    app = await listen(createAppServer(stack.backend, { webhooks: receiver }), {
      port: 0,
      host: '127.0.0.1',
    });
  });
  afterAll(async () => {
    await app.close();
    await stack.close(0);
    await bed.close();
  });

  it('acts on signed deliveries once, and refuses forged or stale ones', async () => {
    const { data, error } = await bed.db
      .from('profiles')
      .insert([
        { email: 'bounce@example.com', insights_opt_in: true },
        { email: 'unsub@example.com', insights_opt_in: true },
      ])
      .select('id, email');
    expect(error).toBeNull();
    const ids = Object.fromEntries(data!.map((r) => [r.email, r.id]));
    await hooks.createWebhook({
      data: {
        type: 'webhook',
        attributes: { name: 'Dream Flow', endpointUrl: `${app.url}/webhooks/klaviyo`, secretKey: SECRET },
        relationships: {
          webhookTopics: {
            data: ['event:klaviyo.bounced_email', 'event:klaviyo.unsubscribed_from_email_marketing'].map(
              (id) => ({ type: 'webhook-topic', id }),
            ),
          },
        },
      },
    } as never);
    await events.createEvent(
      eventBody('Bounced Email', { email: 'bounce@example.com', external_id: ids['bounce@example.com'] }),
    );
    await events.createEvent(eventBody('Unsubscribed from Email Marketing', { email: 'unsub@example.com' }));
    clock.advance(1000);
    await fetch(`${bed.klaviyoUrl}/__admin/webhook-deliveries`); // the mock runs what is due on its next request
    await vi.waitFor(() => expect(receiver.stats.acted).toEqual({ unsubscribed: 1, bounced: 1, spam: 0 }), {
      timeout: 10_000,
    });
    const rows = (await bed.db.from('profiles').select('email, email_status, insights_opt_in').order('email'))
      .data;
    expect(rows).toEqual([
      { email: 'bounce@example.com', email_status: 'bounced', insights_opt_in: false },
      { email: 'unsub@example.com', email_status: 'unsubscribed', insights_opt_in: false },
    ]);
    const log = (await (await fetch(`${bed.klaviyoUrl}/__admin/webhook-deliveries`)).json()) as {
      deliveries: { outcome: string }[];
    };
    expect(log.deliveries.map((d) => d.outcome)).toEqual(['delivered']);

    // The same events delivered again (a retry is re-signed with a new timestamp): not acted on twice.
    const body = JSON.stringify({
      data: [
        {
          external_id: 'evt-1',
          topic: 'event:klaviyo.bounced_email',
          payload: { data: { relationships: { profile: { data: { id: 'x' } } } } },
        },
      ],
      meta: { klaviyo_webhook_id: 'hook-1' },
    });
    const post = (
      b: string,
      ts: string,
      sig = createHmac('sha256', SECRET).update(b).update(ts).digest('hex'),
    ) =>
      fetch(`${app.url}/webhooks/klaviyo`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'klaviyo-timestamp': ts,
          'klaviyo-signature': sig,
          'klaviyo-webhook-id': 'hook-1',
        },
        body: b,
      });
    const now = new Date(clock.now()).toUTCString();
    const lookups = vi.spyOn(receiver as never, 'act' as never);
    expect((await post(body, now)).status).toBe(200);
    const again = await post(body, new Date(clock.now() + 1000).toUTCString());
    expect(await again.json()).toEqual({ received: 1, processed: 0, duplicates: 1 });
    expect(lookups).toHaveBeenCalledTimes(1);

    const forged = await post(body, now, 'a'.repeat(64));
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('invalid_signature');
    const stale = await post(body, new Date(clock.now() - 3_600_000).toUTCString());
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe('stale_timestamp');
    const notJson = await post('{"nope": 1}', now);
    expect(notJson.status).toBe(400);
    expect(receiver.stats.rejected).toMatchObject({ signature: 1, timestamp: 1, malformed: 1 });
  });
});
