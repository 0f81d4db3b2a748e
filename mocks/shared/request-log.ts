/**
 * Structured request logs for every mock, with pino, hooked in one place: the request journal each
 * service already writes one entry per answered request into. `withRequestLog(journal, name)` makes
 * that journal also log the entry, at a level from its outcome (info for 2xx/3xx, warn for 4xx, error
 * for 5xx and network faults), so `--log-level warn` shows only what went wrong.
 *
 * The level comes from `DREAMFLOW_LOG_LEVEL` (the CLI's `--log-level` sets it), default `silent`: then
 * the journal is returned untouched and the hot path pays nothing. Lines go to stderr, since stdout
 * carries the `<name> listening on …` lines scripts wait for. The time in a line is the mock's clock
 * (the journal entry's `at`), not the wall clock, so logs of a virtual-clock run read in simulated time.
 */
import { pino } from 'pino';
import type { JournalEntry, RequestJournal } from './journal.ts';

export const LOG_LEVELS = ['silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The level asked for in the environment; an unknown value is an error naming the variable. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const raw = env.DREAMFLOW_LOG_LEVEL?.trim().toLowerCase();
  if (!raw) return 'silent';
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
    throw new Error(
      `DREAMFLOW_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got "${env.DREAMFLOW_LOG_LEVEL}"`,
    );
  }
  return raw as LogLevel;
}

export interface RequestLogOptions {
  level?: LogLevel;
  /** Where lines go (default stderr); tests pass a stream to read them back. */
  destination?: NodeJS.WritableStream;
}

export function withRequestLog(
  journal: RequestJournal,
  service: string,
  options: RequestLogOptions = {},
): RequestJournal {
  const level = options.level ?? logLevelFromEnv();
  if (level === 'silent') return journal;
  const logger = pino(
    { level, base: { service }, timestamp: false, messageKey: 'msg' },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
  const record = journal.record.bind(journal);
  journal.record = (entry) => {
    const full = record(entry);
    log(logger, full);
    return full;
  };
  return journal;
}

function log(logger: pino.Logger, e: JournalEntry): void {
  const level = e.status === null || e.status >= 500 ? 'error' : e.status >= 400 ? 'warn' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  const line: Record<string, unknown> = {
    at: new Date(e.at).toISOString(),
    seq: e.seq,
    method: e.method,
    path: e.path,
    operation: e.operation,
    status: e.status,
    latencyMs: Math.round(e.latencyMs * 1000) / 1000,
    injectedLatencyMs: e.injectedLatencyMs || undefined,
    fault: e.fault ?? undefined,
    account: e.account,
    emulation: e.emulation,
  };
  // Bodies only at debug: they are large, and the journal already masks secrets in them.
  if (logger.isLevelEnabled('debug') && e.requestBody !== undefined) line.requestBody = e.requestBody;
  logger[level](line, 'request');
}
