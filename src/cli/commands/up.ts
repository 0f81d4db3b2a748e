/**
 * `dreamflow-sim up`: the Klaviyo mock, the fake Supabase and the Dream Flow app in one process, wired
 * to each other. Uses KLAVIYO_API_KEY when set, else the documented local key `pk_dreamflow_local_key`.
 * Each server prints its `<name> listening on …` line; SIGINT/SIGTERM stop all three cleanly.
 */
import type { Command } from 'commander';
import { createFaultInjector, faultOptionsHelp } from '../../../mocks/faults/index.ts';
import { startKlaviyoServer } from '../../../mocks/klaviyo/index.ts';
import { inProcessCall, startMcpHttpServer } from '../../../mocks/klaviyo/mcp/index.ts';
import { closeOnSignals, listen, type RunningServer } from '../../../mocks/shared/listen.ts';
import { startSupabaseServer, supabaseKeys } from '../../../mocks/supabase/index.ts';
import { createAppServer } from '../../app/server.ts';
import { createDreamFlowStack } from '../../app/stack.ts';
import { LOCAL_KLAVIYO_KEY } from '../../integration/config.ts';
import { upBanner } from '../up-banner.ts';
import {
  ADAPTIVE_HELP,
  DEFAULT_APP_PORT,
  deliveryFlags,
  parseIntOption,
  parsePort,
  TRUST_USER_ID_HELP,
  trustUserId,
} from './app.ts';
import { DEFAULT_MCP_PORT } from './mock-mcp.ts';

export function register(program: Command): void {
  program
    .command('up')
    .description('Start the Klaviyo mock, the fake Supabase and the Dream Flow app, wired together')
    .option('--klaviyo-port <n>', 'Klaviyo mock port (0 = any free port)', '4100')
    .option('--supabase-port <n>', 'fake Supabase port (0 = any free port)', '54321')
    .option('--app-port <n>', 'Dream Flow app port (0 = any free port)', String(DEFAULT_APP_PORT))
    .option('--mcp-port <n>', 'offline Klaviyo MCP server port (0 = any free port)', String(DEFAULT_MCP_PORT))
    .option('--faults <profile|file>', `faults for the Klaviyo mock: ${faultOptionsHelp()}`)
    .option('--seed <n>', 'seed for ids, faults and stories', '1')
    .option('--outbox-db <file>', 'durable outbox SQLite file (default: in memory)')
    .option('--no-rls', 'fake Supabase without Row Level Security (the app uses the service role either way)')
    .option('--trust-user-id', TRUST_USER_ID_HELP)
    .option('--story-latency-ms <n>', 'simulated AI story latency per story (default 900 + 250 per scene)')
    .option(
      '--cache <mode>',
      'what a profile sync does to cached reads: invalidate (default) or write-through',
    )
    .option('--no-batching', 'single Klaviyo calls only (no bulk endpoints)')
    .option('--adaptive <mode>', ADAPTIVE_HELP)
    .action(
      async (opts: {
        klaviyoPort: string;
        supabasePort: string;
        appPort: string;
        mcpPort: string;
        faults?: string;
        seed: string;
        outboxDb?: string;
        rls: boolean;
        trustUserId?: boolean;
        storyLatencyMs?: string;
        cache?: string;
        batching: boolean;
        adaptive?: string;
      }) => {
        const seed = parseIntOption('--seed', opts.seed);
        const started: RunningServer[] = [];
        const stopAll = () => Promise.allSettled(started.map((s) => s.close()));
        try {
          const klaviyo = await startKlaviyoServer({
            port: parsePort(opts.klaviyoPort, '--klaviyo-port'),
            seed,
            faults: createFaultInjector({ profile: opts.faults, seed, service: 'klaviyo' }),
            announce: true,
          });
          started.push(klaviyo);
          const supabase = await startSupabaseServer({
            port: parsePort(opts.supabasePort, '--supabase-port'),
            rls: opts.rls,
            announce: true,
          });
          started.push(supabase);
          const keys = supabaseKeys();
          const klaviyoKey = process.env.KLAVIYO_API_KEY?.trim() || LOCAL_KLAVIYO_KEY;
          // The MCP server answers from the same Klaviyo core and account as the app writes to.
          const mcp = await startMcpHttpServer({
            call: inProcessCall(klaviyo.service, klaviyoKey),
            port: parsePort(opts.mcpPort, '--mcp-port'),
            announce: true,
          });
          started.push(mcp);
          const stack = createDreamFlowStack({
            seed,
            outboxPath: opts.outboxDb,
            ...deliveryFlags(opts),
            config: {
              klaviyoApiKey: klaviyoKey,
              klaviyoBaseUrl: klaviyo.url,
              supabaseUrl: supabase.url,
              supabaseAnonKey: keys.anon_key,
              supabaseServiceRoleKey: keys.service_role_key,
              klaviyoMcpUrl: process.env.KLAVIYO_MCP_URL?.trim() || mcp.mcpUrl,
            },
          });
          const app = await listen(
            createAppServer(stack.backend, {
              trustUserId: trustUserId(opts),
              webhooks: stack.webhooks ?? undefined,
            }),
            {
              port: parsePort(opts.appPort, '--app-port'),
              name: 'app',
              announce: true,
            },
          );
          started.push(app);
          process.stdout.write(
            upBanner({
              klaviyoUrl: klaviyo.url,
              klaviyoKey: { value: klaviyoKey, fromEnv: klaviyoKey !== LOCAL_KLAVIYO_KEY },
              supabaseUrl: supabase.url,
              supabaseKeys: keys,
              appUrl: app.url,
              mcpUrl: mcp.mcpUrl,
            }),
          );
          // App first (stop taking requests), then flush the outbox into the still-running Klaviyo mock.
          closeOnSignals([app], async () => {
            await stack.close(5_000);
            await Promise.allSettled([mcp.close(), klaviyo.close(), supabase.close()]);
          });
        } catch (err) {
          await stopAll();
          throw err;
        }
      },
    );
}
