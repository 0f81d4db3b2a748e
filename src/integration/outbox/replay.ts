/**
 * Replay an outbox file's dead letters against Klaviyo (the `outbox replay-dead-letters` command):
 * move them back to the queue with a fresh retry budget, run a worker until the queue is empty or the
 * deadline passes, report the counters. Jobs that fail again go back to the dead-letter table.
 */
import { type Clock, systemClock } from '../../../lib/clock.ts';
import { createRng } from '../../../lib/prng.ts';
import { CircuitBreaker } from '../circuit-breaker.ts';
import type { IntegrationConfig } from '../config.ts';
import { KlaviyoService, type Logger } from '../klaviyo/service.ts';
import { OutboxStore } from './store.ts';
import { Outbox, type OutboxStats } from './worker.ts';

export interface ReplayOptions {
  dbPath: string;
  config: Pick<IntegrationConfig, 'klaviyoApiKey' | 'klaviyoBaseUrl'>;
  clock?: Clock;
  deadlineMs?: number;
  logger?: Logger;
}

export interface ReplayReport {
  replayed: number;
  before: OutboxStats;
  after: OutboxStats;
}

export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayReport> {
  if (!options.config.klaviyoApiKey) {
    throw new Error('KLAVIYO_API_KEY is not set: replaying needs the Klaviyo key the events belong to.');
  }
  if (options.dbPath === ':memory:')
    throw new Error('--db must be an outbox file (an in-memory outbox has nothing to replay).');
  const clock = options.clock ?? systemClock;
  const rng = createRng(1);
  const breaker = new CircuitBreaker(clock);
  const klaviyo = new KlaviyoService({
    apiKey: options.config.klaviyoApiKey,
    baseUrl: options.config.klaviyoBaseUrl,
    clock,
    rng,
    breaker,
    logger: options.logger,
  });
  const store = new OutboxStore(options.dbPath);
  const outbox = new Outbox({ store, deliver: (job) => klaviyo.deliver(job, 'outbox'), breaker, clock, rng });
  const before = outbox.stats();
  const replayed = outbox.replayDeadLetters();
  const after = await outbox.close(options.deadlineMs ?? 60_000);
  return { replayed, before, after };
}

/** Read-only counters of an outbox file. */
export function outboxFileStats(dbPath: string): {
  counts: ReturnType<OutboxStore['counts']>;
  deadLetters: ReturnType<OutboxStore['deadLetters']>;
} {
  const store = new OutboxStore(dbPath);
  try {
    return { counts: store.counts(), deadLetters: store.deadLetters(100) };
  } finally {
    store.close();
  }
}
