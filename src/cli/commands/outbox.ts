/**
 * `dreamflow-sim outbox …`: look into a durable outbox file and replay its dead letters.
 *   outbox stats --db FILE
 *   outbox replay-dead-letters --db FILE [--deadline-ms N]   (reads KLAVIYO_API_KEY, KLAVIYO_BASE_URL)
 */

import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Command } from 'commander';
import { loadConfig } from '../../integration/config.ts';
import { outboxFileStats, replayDeadLetters } from '../../integration/outbox/replay.ts';

export function register(program: Command): void {
  const outbox = program
    .command('outbox')
    .description("Inspect the integration's durable outbox and replay dead letters");

  outbox
    .command('stats')
    .description('Print the counters and the first dead letters of an outbox file')
    .requiredOption('--db <file>', 'outbox SQLite file (the app’s --outbox-db)')
    .action((opts: { db: string }) => {
      requireFile(opts.db);
      const { counts, deadLetters } = outboxFileStats(opts.db);
      process.stdout.write(
        `${JSON.stringify({ ...counts, dead_letters: deadLetters.map(summary) }, null, 2)}\n`,
      );
    });

  outbox
    .command('replay-dead-letters')
    .description('Move dead-lettered jobs back to the queue and deliver them to Klaviyo')
    .requiredOption('--db <file>', 'outbox SQLite file (the app’s --outbox-db)')
    .option(
      '--deadline-ms <n>',
      'give up waiting after this many ms (pending jobs stay in the file)',
      '60000',
    )
    .action(async (opts: { db: string; deadlineMs: string }) => {
      requireFile(opts.db);
      const deadlineMs = Number(opts.deadlineMs);
      if (!Number.isFinite(deadlineMs) || deadlineMs < 0)
        throw new Error(`--deadline-ms expects a number of ms, got "${opts.deadlineMs}"`);
      const report = await replayDeadLetters({ dbPath: opts.db, config: loadConfig(), deadlineMs });
      const { after } = report;
      process.stdout.write(
        `replayed ${report.replayed} dead letter(s): delivered ${after.delivered - report.before.delivered}, ` +
          `still pending ${after.pending}, dead-lettered again ${after.deadLettered}\n`,
      );
      if (after.pending > 0 || after.deadLettered > 0) process.exitCode = 1;
    });
}

function requireFile(path: string): void {
  if (!existsSync(path))
    throw new Error(`No outbox file at ${path}; pass the file the app was started with (--outbox-db).`);
  // Opening the store creates its tables: check read-only first so a foreign SQLite file stays untouched.
  let isOutbox = false;
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      isOutbox = Boolean(
        db.prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name='outbox'").get(),
      );
    } finally {
      db.close();
    }
  } catch {
    isOutbox = false;
  }
  if (!isOutbox)
    throw new Error(
      `${path} is not an outbox file (no 'outbox' table); pass the file the app was started with (--outbox-db).`,
    );
}

function summary(d: {
  id: number;
  job: { kind: string; userId: string; name?: string };
  reason: string;
  lastError: string | null;
}) {
  return {
    id: d.id,
    kind: d.job.kind,
    event: d.job.name ?? null,
    user_id: d.job.userId,
    reason: d.reason,
    last_error: d.lastError,
  };
}
