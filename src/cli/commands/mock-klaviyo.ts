/**
 * `dreamflow-sim mock klaviyo`: the stateful Klaviyo mock over HTTP, for the unchanged `klaviyo-api` SDK
 * (set its `basePath` to the printed URL). Prints `klaviyo listening on http://127.0.0.1:<port>` once it
 * accepts connections and stops cleanly on SIGINT/SIGTERM. Bad flags exit with code 2.
 */
import type { Command } from 'commander';
import {
  createFaultInjector,
  faultOptionsHelp,
  parseSeedOption,
  seedOptionHelp,
} from '../../../mocks/faults/index.ts';
import { createKlaviyoMock, startKlaviyoServer } from '../../../mocks/klaviyo/index.ts';
import { closeOnSignals } from '../../../mocks/shared/listen.ts';

export const DEFAULT_KLAVIYO_PORT = 4100;

interface Options {
  port: string;
  host: string;
  db?: string;
  rateLimits: string;
  faults: string;
  seed?: string;
}

export function register(mock: Command): void {
  const cmd: Command = mock.command('klaviyo');
  cmd
    .description(
      'Run the stateful Klaviyo mock (profiles, events, metrics, aggregates) for the official klaviyo-api SDK',
    )
    .option('--port <n>', 'port to listen on (0 picks a free one)', String(DEFAULT_KLAVIYO_PORT))
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--db <file>', 'SQLite file to keep data in across restarts (default: in memory)')
    .option('--rate-limits <on|off>', "Klaviyo's per-operation rate limits", 'on')
    .option('--faults <profile|file>', faultOptionsHelp(), 'ideal')
    .option('--seed <n>', seedOptionHelp)
    // Usage errors (unknown flag, missing value) exit 2 like the checks below; help still exits 0.
    .exitOverride((err) => {
      process.exit(err.exitCode === 0 ? 0 : 2);
    })
    .action(async (opts: Options) => {
      let settings: ReturnType<typeof parseOptions>;
      try {
        settings = parseOptions(opts);
      } catch (err) {
        return cmd.error(`error: ${(err as Error).message}`, { exitCode: 2 });
      }
      const service = createKlaviyoMock({
        dbFile: settings.db,
        rateLimits: settings.rateLimits,
        seed: settings.seed,
        faults: settings.faults,
      });
      try {
        const server = await startKlaviyoServer({
          service,
          port: settings.port,
          host: opts.host,
          announce: true,
        });
        closeOnSignals([server], () => service.close());
      } catch (err) {
        service.close();
        cmd.error(`error: could not listen on ${opts.host}:${settings.port}: ${(err as Error).message}`, {
          exitCode: 2,
        });
      }
    });
}

function parseOptions(opts: Options) {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port expects a number from 0 to 65535, got "${opts.port}"`);
  }
  if (opts.rateLimits !== 'on' && opts.rateLimits !== 'off') {
    throw new Error(`--rate-limits expects "on" or "off", got "${opts.rateLimits}"`);
  }
  const seed = opts.seed === undefined ? undefined : parseSeedOption(opts.seed);
  // Throws a message naming the profile/file and field when the rules are bad.
  const faults = createFaultInjector({ profile: opts.faults, seed, service: 'klaviyo' });
  return { port, db: opts.db, rateLimits: opts.rateLimits === 'on', seed, faults };
}
