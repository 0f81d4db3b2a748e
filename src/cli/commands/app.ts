/**
 * `dreamflow-sim app [--port N]`: the Dream Flow backend over HTTP, configured from the environment
 * (KLAVIYO_API_KEY, KLAVIYO_BASE_URL, SUPABASE_URL, SUPABASE_ANON_KEY, SUPABASE_SERVICE_ROLE_KEY,
 * KLAVIYO_MCP_URL). Family routes require the bearer token sign-up returns unless `--trust-user-id`
 * (or DREAMFLOW_TRUST_USER_ID=1) lets a bare `user_id` through, as the seeds' backend does. Prints `app listening on http://127.0.0.1:<port>`; SIGINT/SIGTERM flush the outbox
 * (5 s) and exit.
 */
import type { Command } from 'commander';
import { closeOnSignals, listen } from '../../../mocks/shared/listen.ts';
import { createAppServer } from '../../app/server.ts';
import { createDreamFlowStack } from '../../app/stack.ts';
import { ADAPTIVE_MODES, type AdaptiveMode } from '../../integration/personalization/story-plan.ts';

export const DEFAULT_APP_PORT = 8000;

export const ADAPTIVE_HELP =
  'the adaptive story engine on the story path: off (default), on, or ab (half the families, by a hash of their user id salted with --seed)';

export const TRUST_USER_ID_HELP =
  "accept a bare user_id without a bearer token, as the seeds' backend does (anyone can then act as any family; env DREAMFLOW_TRUST_USER_ID=1)";

/** `--trust-user-id`, or DREAMFLOW_TRUST_USER_ID=1/true in the environment. */
export function trustUserId(opts: { trustUserId?: boolean }): boolean {
  return opts.trustUserId === true || /^(1|true|yes)$/i.test(process.env.DREAMFLOW_TRUST_USER_ID ?? '');
}

/** `--story-latency-ms`, `--cache`, `--no-batching`, `--adaptive` as stack options (shared by `app` and `up`). */
export function deliveryFlags(opts: {
  storyLatencyMs?: string;
  cache?: string;
  batching?: boolean;
  delivery?: string;
  adaptive?: string;
}) {
  if (opts.adaptive !== undefined && !(ADAPTIVE_MODES as readonly string[]).includes(opts.adaptive))
    throw new Error(`--adaptive expects ${ADAPTIVE_MODES.join(', ')}, got "${opts.adaptive}"`);
  if (opts.cache !== undefined && opts.cache !== 'invalidate' && opts.cache !== 'write-through')
    throw new Error(`--cache expects "invalidate" or "write-through", got "${opts.cache}"`);
  if (opts.delivery !== undefined && opts.delivery !== 'outbox' && opts.delivery !== 'inline')
    throw new Error(`--delivery expects "outbox" or "inline", got "${opts.delivery}"`);
  return {
    nonBlocking: opts.delivery !== 'inline',
    storyLatency:
      opts.storyLatencyMs === undefined
        ? undefined
        : { baseMs: parseIntOption('--story-latency-ms', opts.storyLatencyMs), perSceneMs: 0 },
    cacheMode: opts.cache as 'invalidate' | 'write-through' | undefined,
    batching: opts.batching === false ? (false as const) : undefined,
    adaptive: opts.adaptive as AdaptiveMode | undefined,
  };
}

export function register(program: Command): void {
  program
    .command('app')
    .description('Run the Dream Flow backend (reads KLAVIYO_* and SUPABASE_* from the environment)')
    .option('--port <n>', 'port to listen on (0 picks a free one)', String(DEFAULT_APP_PORT))
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--outbox-db <file>', 'durable outbox SQLite file (default: in memory)')
    .option('--seed <n>', 'seed for ids and the story generator', '1')
    .option('--story-latency-ms <n>', 'simulated AI story latency per story (default 900 + 250 per scene)')
    .option('--trust-user-id', TRUST_USER_ID_HELP)
    .option(
      '--cache <mode>',
      'what a profile sync does to cached reads: invalidate (default) or write-through',
    )
    .option('--no-batching', 'single Klaviyo calls only (no bulk endpoints)')
    .option(
      '--delivery <mode>',
      "outbox (non-blocking, default) or inline (the seeds' blocking Klaviyo calls)",
    )
    .option('--adaptive <mode>', ADAPTIVE_HELP)
    .action(
      async (opts: {
        port: string;
        host: string;
        outboxDb?: string;
        seed: string;
        storyLatencyMs?: string;
        trustUserId?: boolean;
        cache?: string;
        batching: boolean;
        delivery?: string;
        adaptive?: string;
      }) => {
        const stack = createDreamFlowStack({
          seed: parseIntOption('--seed', opts.seed),
          outboxPath: opts.outboxDb,
          ...deliveryFlags(opts),
        });
        const server = await listen(
          createAppServer(stack.backend, {
            trustUserId: trustUserId(opts),
            webhooks: stack.webhooks ?? undefined,
          }),
          {
            port: parsePort(opts.port),
            host: opts.host,
            name: 'app',
            announce: true,
          },
        );
        closeOnSignals([server], async () => {
          await stack.close(5_000);
        });
      },
    );
}

export function parsePort(value: string, flag = '--port'): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`${flag} expects a number from 0 to 65535, got "${value}"`);
  return n;
}

export function parseIntOption(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${flag} expects a non-negative integer, got "${value}"`);
  return n;
}
