/**
 * `dreamflow-sim` command line. Each command lives in its own module under `commands/` and registers
 * itself on the program, so adding one touches only that module and this list.
 */
import { Command, CommanderError, Option } from 'commander';
import { packageInfo } from '../../lib/package-info.ts';
import { LOG_LEVELS } from '../../mocks/shared/request-log.ts';
import * as app from './commands/app.ts';
import * as bench from './commands/bench.ts';
import * as mockKlaviyo from './commands/mock-klaviyo.ts';
import * as mockMcp from './commands/mock-mcp.ts';
import * as mockSupabase from './commands/mock-supabase.ts';
import * as outbox from './commands/outbox.ts';
import * as report from './commands/report.ts';
import * as run from './commands/run.ts';
import * as seed from './commands/seed.ts';
import * as spec from './commands/spec.ts';
import * as up from './commands/up.ts';

const program = new Command()
  .name('dreamflow-sim')
  .description(
    "Offline harness for Dream Flow's Klaviyo + Supabase integration: mocks, app, scenarios, reports, benchmarks.",
  )
  .version(packageInfo().version, '-V, --version', 'print the version and exit')
  .addOption(
    new Option('--log-level <level>', "the mocks' structured request logs on stderr (pino)")
      .choices(LOG_LEVELS)
      .env('DREAMFLOW_LOG_LEVEL')
      .default('silent'),
  )
  .showHelpAfterError('(run with --help for usage)')
  // Usage errors (unknown command or option, missing or invalid value) throw instead of exiting 1, so
  // they exit 2 like every other kind of bad input (below). Set before the commands are added: they
  // inherit it.
  .exitOverride()
  // The mocks read the level when they are created (mocks/shared/request-log.ts).
  .hook('preAction', () => {
    process.env.DREAMFLOW_LOG_LEVEL = program.opts<{ logLevel: string }>().logLevel;
  });

const mock = program.command('mock').description('Run one of the mock services');
mockKlaviyo.register(mock);
mockSupabase.register(mock);
mockMcp.register(mock);
for (const mod of [app, up, run, report, bench, seed, spec, outbox]) mod.register(program);

// `report compare --json | head` closes the pipe before we are done writing: that is the reader's
// choice, not a failure, so stop quietly as `cat` does instead of dying with an EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Commander has printed its message already; help and --version are not errors.
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  // Bad input (a port, a profile, a scenario file) is the user's to fix: say what, without a stack trace.
  // DREAMFLOW_DEBUG=1 shows the stack for our own bugs.
  const e = err as Error;
  process.stderr.write(`dreamflow-sim: ${e.message}\n`);
  if (process.env.DREAMFLOW_DEBUG) process.stderr.write(`${e.stack}\n`);
  process.exit(2);
}
