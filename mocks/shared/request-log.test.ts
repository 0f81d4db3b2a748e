import { PassThrough } from 'node:stream';
import { expect, it } from 'vitest';
import { RequestJournal } from './journal.ts';
import { type LogLevel, logLevelFromEnv, withRequestLog } from './request-log.ts';

const entry = (status: number | null, extra: Record<string, unknown> = {}) => ({
  at: Date.UTC(2026, 0, 1),
  method: 'POST',
  path: '/api/events',
  operation: 'create_event',
  status,
  latencyMs: 0.25,
  injectedLatencyMs: 0,
  fault: status === null ? 'network:reset' : null,
  requestBody: '{"data":{}}',
  ...extra,
});

function logged(level: LogLevel) {
  const out = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  out.on('data', (d: Buffer) => {
    for (const l of d.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
  });
  const journal = withRequestLog(new RequestJournal(10), 'klaviyo', { level, destination: out });
  return { journal, lines };
}

it('logs every journal entry at a level from its outcome, in the mock clock’s time', () => {
  const { journal, lines } = logged('info');
  journal.record(entry(202));
  journal.record(entry(429));
  journal.record(entry(503));
  journal.record(entry(null));
  expect(lines.map((l) => [l.level, l.status])).toEqual([
    [30, 202],
    [40, 429],
    [50, 503],
    [50, null],
  ]);
  expect(lines[0]).toMatchObject({
    service: 'klaviyo',
    msg: 'request',
    seq: 1,
    at: '2026-01-01T00:00:00.000Z',
    operation: 'create_event',
  });
  expect(lines[0]).not.toHaveProperty('time');
  expect(lines[0]).not.toHaveProperty('requestBody');
  expect(lines[3]).toMatchObject({ fault: 'network:reset' });
  // The journal still keeps every entry.
  expect(journal.list()).toHaveLength(4);
});

it('shows only failures at warn, and request bodies at debug', () => {
  const warn = logged('warn');
  warn.journal.record(entry(200));
  warn.journal.record(entry(400));
  expect(warn.lines.map((l) => l.status)).toEqual([400]);
  const debug = logged('debug');
  debug.journal.record(entry(200));
  expect(debug.lines[0]).toMatchObject({ requestBody: '{"data":{}}' });
});

it('leaves the journal untouched when silent, the default', () => {
  const journal = new RequestJournal(10);
  const record = journal.record;
  expect(withRequestLog(journal, 'klaviyo', { level: 'silent' }).record).toBe(record);
  expect(logLevelFromEnv({})).toBe('silent');
  expect(logLevelFromEnv({ DREAMFLOW_LOG_LEVEL: 'WARN' })).toBe('warn');
  expect(() => logLevelFromEnv({ DREAMFLOW_LOG_LEVEL: 'loud' })).toThrow(
    /DREAMFLOW_LOG_LEVEL must be one of silent, .* got "loud"/,
  );
});
