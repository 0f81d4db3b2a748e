/**
 * Webhook deliveries under faults, for the harness: the app's real receiver (src/app/webhooks.ts) on a
 * loopback HTTP server (the Klaviyo mock delivers over real HTTP), wrapped in seeded faults — a delivery
 * attempt may be refused before the receiver sees it (503), or answered 500 after the receiver acted (so
 * Klaviyo retries something already done: idempotency is what that tests). Each decision is a hash of
 * the seed, the body and the attempt number, so it does not depend on the order deliveries arrive in.
 *
 * Known limitation: the socket runs in real time while the virtual clock may run ahead between the
 * mock signing a delivery and the receiver reading it, so the receiver's timestamp tolerance is wide
 * here (a day of simulated time); the signature is checked as in production.
 */
import { createServer, type Server } from 'node:http';
import type { Clock } from '../../../lib/clock.ts';
import { hashString } from '../../../lib/prng.ts';
import { CampaignsRepo } from '../../../mocks/klaviyo/groups/campaigns/repo.ts';
import { MetricsRepo } from '../../../mocks/klaviyo/groups/metrics/repo.ts';
import { type AttemptRow, WebhooksRepo } from '../../../mocks/klaviyo/groups/webhooks/repo.ts';
import type { KlaviyoCore } from '../../../mocks/klaviyo/provider.ts';
import type { MockService } from '../../../mocks/shared/service.ts';
import type { KlaviyoWebhookReceiver, WebhookStats } from '../../app/webhooks.ts';

export interface WebhookFaults {
  /** Chance an attempt is answered 503 before the receiver sees it. */
  failBefore: number;
  /** Chance an attempt is answered 500 after the receiver acted. */
  failAfter: number;
}

export interface WebhookBench {
  url: string;
  stats(): WebhookStats;
  injected: { before: number; after: number };
  /** Requests the bench has received / answered (settling waits until every logged attempt is answered). */
  traffic: { received: number; answered: number };
  close(): Promise<void>;
}

export async function startWebhookBench(
  receiver: KlaviyoWebhookReceiver,
  faults: WebhookFaults,
  seed: number,
): Promise<WebhookBench> {
  const seen = new Map<number, number>();
  const injected = { before: 0, after: 0 };
  const traffic = { received: 0, answered: 0 };
  const draw = (body: string, attempt: number, salt: string) =>
    (hashString(`${seed}:${salt}:${attempt}:${body}`) >>> 0) / 2 ** 32;
  const server: Server = createServer((req, res) => {
    traffic.received++;
    res.on('finish', () => traffic.answered++);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = raw.toString('utf8');
      const key = hashString(text);
      const attempt = (seen.get(key) ?? 0) + 1;
      seen.set(key, attempt);
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (draw(text, attempt, 'before') < faults.failBefore) {
        injected.before++;
        return reply(503, { error: 'injected' });
      }
      receiver
        .handle(req.headers, raw)
        .then((a) => {
          if (a.status === 200 && draw(text, attempt, 'after') < faults.failAfter) {
            injected.after++;
            return reply(500, { error: 'injected after acting' });
          }
          reply(a.status, a.body);
        })
        .catch((err: Error) => reply(500, { error: err.message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/webhooks/klaviyo`,
    stats: () => receiver.stats,
    injected,
    traffic,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const core = (service: MockService) => service.core as KlaviyoCore;

/**
 * The account has seen unsubscribes before (its "Unsubscribed" metric exists), so the topic can be
 * subscribed to from the start, as in any real account; and the world's unsubscribe rate is set.
 */
export function prepareWebhookWorld(
  service: MockService,
  apiKeyAccount: string,
  now: number,
  unsubscribeRate: number,
): void {
  const store = core(service).store;
  const metrics = store.repo(MetricsRepo);
  if (!metrics.byName(apiKeyAccount, 'Unsubscribed'))
    metrics.insert({
      account: apiKeyAccount,
      id: 'UnSub0',
      name: 'Unsubscribed',
      service: 'klaviyo',
      created: now,
      updated: now,
    } as never);
  const repo = store.repo(CampaignsRepo);
  repo.engagement = { ...repo.engagement, unsubscribeRate };
}

/** Every delivery attempt the mock made; `open` counts deliveries still waiting for a retry. */
export function deliveryLog(service: MockService): { attempts: AttemptRow[]; open: number } {
  const c = core(service);
  c.scheduler.runDue();
  const attempts = c.store.repo(WebhooksRepo).attempts();
  const last = new Map<string, string>();
  for (const a of attempts) last.set(a.delivery, a.outcome);
  return { attempts, open: [...last.values()].filter((o) => o === 'retrying').length };
}

/**
 * Let pending deliveries finish: step the clock past retry back-offs and give the sockets a moment,
 * until no delivery waits for a retry, every request the bench received is answered and logged, and
 * five rounds in a row add nothing (a bounded number of rounds: this waits for I/O, it times nothing).
 */
export async function settleDeliveries(
  service: MockService,
  clock: Clock,
  bench: WebhookBench,
): Promise<void> {
  let quiet = 0;
  let count = -1;
  for (let round = 0; round < 500 && quiet < 5; round++) {
    await clock.sleep(60_000);
    const log = deliveryLog(service);
    await new Promise((r) => setTimeout(r, 20));
    const t = bench.traffic;
    const settled = log.open === 0 && t.received === t.answered && t.answered === log.attempts.length;
    quiet = settled && log.attempts.length === count ? quiet + 1 : 0;
    count = log.attempts.length;
  }
}
