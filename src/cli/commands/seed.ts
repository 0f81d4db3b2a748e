/**
 * `dreamflow-sim seed`: fill a fake-Supabase SQLite file with seeded demo families (faker, same seed →
 * same families), then serve it with `dreamflow-sim mock supabase --db FILE`.
 */
import type { Command } from 'commander';
import { DEMO_PASSWORD, SupabaseCore, seedDemoFamilies } from '../../../mocks/supabase/index.ts';

export const DEFAULT_SEED_DB = 'dreamflow-supabase.db';

export function register(program: Command): void {
  program
    .command('seed')
    .description(
      'Fill a fake-Supabase database with seeded demo families (profiles, children, stories, subscriptions)',
    )
    .option('--db <file>', 'SQLite file to fill (created and migrated if missing)', DEFAULT_SEED_DB)
    .option('--families <n>', 'number of families to add', '10')
    .option('--seed <n>', 'faker seed (same seed, same families; re-running adds nothing)', '1')
    .action((opts: { db: string; families: string; seed: string }) => {
      const families = Number(opts.families);
      const seed = Number(opts.seed);
      if (!Number.isInteger(families) || families < 0 || families > 100_000) {
        throw new Error(`--families expects a whole number from 0 to 100000, got "${opts.families}"`);
      }
      if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
        throw new Error(`--seed expects a whole number from 0 to 4294967295, got "${opts.seed}"`);
      }
      const core = new SupabaseCore({ dbFile: opts.db });
      try {
        const added = seedDemoFamilies(core.db, { families, seed });
        const totals = core.state();
        process.stdout.write(
          `seeded ${opts.db}: +${added.profiles} profiles, +${added.children} children, +${added.stories} stories, +${added.subscriptions} subscriptions, +${added.auth_users} auth users\n` +
            `totals: ${Object.entries(totals)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')}\n` +
            `sign in as any seeded parent with password "${DEMO_PASSWORD}"; serve it with: dreamflow-sim mock supabase --db ${opts.db}\n`,
        );
      } finally {
        core.close();
      }
    });
}
