import { describe, expect, it } from 'vitest';
import type { JournalEntry } from './journal.ts';
import {
  findRequests,
  parseRequestPattern,
  QueryError,
  resolvePointer,
  unmatchedRequests,
} from './journal-query.ts';

const entry = (seq: number, extra: Partial<JournalEntry> = {}): JournalEntry => ({
  seq,
  at: 0,
  method: 'POST',
  path: '/api/events',
  operation: 'create_event',
  status: 202,
  latencyMs: 1,
  injectedLatencyMs: 0,
  fault: null,
  ...extra,
});

describe('resolvePointer (RFC 6901)', () => {
  const doc = { a: { 'b/c': [10, { 'd~e': true }] }, '': 'root-key' };
  it('walks objects and arrays, unescaping ~1 and ~0', () => {
    expect(resolvePointer(doc, '')).toBe(doc);
    expect(resolvePointer(doc, '/a/b~1c/0')).toBe(10);
    expect(resolvePointer(doc, '/a/b~1c/1/d~0e')).toBe(true);
    expect(resolvePointer(doc, '/')).toBe('root-key');
  });
  it('gives undefined where the path leads nowhere', () => {
    expect(resolvePointer(doc, '/a/missing')).toBeUndefined();
    expect(resolvePointer(doc, '/a/b~1c/0/deeper')).toBeUndefined();
    expect(resolvePointer(doc, '/a/b~1c/5')).toBeUndefined();
    expect(resolvePointer({ x: 1 }, '/toString')).toBeUndefined();
  });
});

describe('findRequests', () => {
  const entries = [
    entry(1, { requestBody: '{"n": 1}' }),
    entry(2, { status: 503, fault: 'error:503', requestBody: '{"n": 2}' }),
    entry(3, { status: null, fault: 'network:reset', requestBody: 'not json' }),
    entry(4, { method: 'GET', path: '/nope', operation: undefined, status: 404 }),
  ];
  const seqs = (body: string) => findRequests(entries, parseRequestPattern(body)).map((e) => e.seq);

  it('combines fields, all of which must hold', () => {
    expect(seqs('')).toEqual([1, 2, 3, 4]);
    expect(seqs('{"fault": "network:*"}')).toEqual([3]);
    expect(seqs('{"status": "5xx"}')).toEqual([2]);
    expect(seqs('{"bodyPatterns": [{"pointer": "/n", "equals": 2}]}')).toEqual([2]);
    expect(seqs('{"bodyPatterns": [{"pointer": "/n", "equals": "2"}]}')).toEqual([]);
    expect(seqs('{"bodyPatterns": [{"contains": "json"}]}')).toEqual([3]);
    expect(seqs('{"method": "POST", "since": 1, "limit": 1}')).toEqual([3]);
    expect(unmatchedRequests(entries).map((e) => e.seq)).toEqual([4]);
  });

  it('refuses a bad pattern with the field named', () => {
    const fieldOf = (body: string) => {
      try {
        parseRequestPattern(body);
      } catch (err) {
        return err instanceof QueryError ? err.field : 'not a QueryError';
      }
      return 'accepted';
    };
    expect(fieldOf('[1]')).toBe('(body)');
    expect(fieldOf('{"bodyPatterns": [{"pointer": "/a", "equals": 1, "extra": 2}]}')).toContain(
      'bodyPatterns.0',
    );
    expect(fieldOf('{"status": 99}')).toBe('status');
  });
});
