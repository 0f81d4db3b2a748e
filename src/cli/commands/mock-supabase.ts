/**
 * `dreamflow-sim mock supabase`: the fake Supabase over HTTP. Prints the API keys the way `supabase start`
 * does, then `supabase listening on http://127.0.0.1:<port>` once it accepts connections.
 */
import type { Command } from 'commander';
import {
  createFaultInjector,
  faultOptionsHelp,
  parseSeedOption,
  seedOptionHelp,
} from '../../../mocks/faults/index.ts';
import { closeOnSignals } from '../../../mocks/shared/listen.ts';
import {
  createSupabaseMock,
  DEFAULT_JWT_SECRET,
  DEFAULT_SUPABASE_PORT,
  DEMO_PASSWORD,
  type SupabaseCore,
  seedDemoFamilies,
  startSupabaseServer,
  supabaseKeys,
} from '../../../mocks/supabase/index.ts';

export function register(mock: Command): void {
  mock
    .command('supabase')
    .description('Run the SQLite-backed fake Supabase (PostgREST + GoTrue subsets) for @supabase/supabase-js')
    .option('--port <n>', `port to listen on (0 picks a free one)`, String(DEFAULT_SUPABASE_PORT))
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--db <file>', 'SQLite file to keep data in (default: in memory, gone on exit)')
    .option('--faults <profile|file>', faultOptionsHelp())
    .option('--seed <n>', seedOptionHelp)
    // RLS is on by default; `--rls` stays accepted (it was the opt-in before) and changes nothing.
    .option('--rls', "enforce the migrations' Row Level Security policies (the default)")
    .option('--no-rls', 'turn Row Level Security off: every key sees and writes every row')
    .option('--families <n>', 'add this many seeded demo families at start (see `dreamflow-sim seed`)')
    .action(
      async (opts: {
        port: string;
        host: string;
        db?: string;
        faults?: string;
        seed?: string;
        families?: string;
        rls?: boolean;
      }) => {
        const port = parsePort(opts.port);
        const seed = opts.seed === undefined ? undefined : parseSeedOption(opts.seed);
        // Always have a fault layer (default `ideal`), so `PUT /__admin/faults` works at run time.
        const faults = createFaultInjector({ profile: opts.faults ?? 'ideal', seed, service: 'supabase' });
        const service = createSupabaseMock({ dbFile: opts.db, faults, rls: opts.rls });
        if (opts.families !== undefined) {
          const counts = seedDemoFamilies((service.core as SupabaseCore).db, {
            families: parseCount(opts.families),
            seed: seed ?? 1,
          });
          process.stdout.write(
            `seeded ${counts.profiles} profiles, ${counts.children} children, ${counts.stories} stories (password: ${DEMO_PASSWORD})\n`,
          );
        }
        const keys = supabaseKeys();
        const server = await startSupabaseServer({ service, port, host: opts.host, announce: false });
        // Same labels as `supabase start`, so copy-paste habits carry over.
        process.stdout.write(
          [
            `         API URL: ${server.url}`,
            `         DB file: ${opts.db ?? ':memory: (use --db FILE to keep data)'}`,
            `      JWT secret: ${DEFAULT_JWT_SECRET}`,
            `        anon key: ${keys.anon_key}`,
            `service_role key: ${keys.service_role_key}`,
            '',
          ].join('\n'),
        );
        process.stdout.write(`supabase listening on ${server.url}\n`);
        closeOnSignals([server], () => service.close());
      },
    );
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`--port expects a number from 0 to 65535, got "${value}"`);
  return n;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 100_000)
    throw new Error(`--families expects a whole number from 0 to 100000, got "${value}"`);
  return n;
}
