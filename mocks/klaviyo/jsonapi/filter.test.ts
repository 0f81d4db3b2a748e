import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { KlaviyoError } from './errors.ts';
import { compileFilter, type FieldSpec, OPERATORS, parseDatetime, parseFilter } from './filter.ts';

// A real SQLite table, so each operator is checked for what it selects, not for the SQL text.
const db = new Database(':memory:');
db.exec('CREATE TABLE t (name TEXT, n INTEGER, at INTEGER, opt TEXT)');
const insert = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?)');
for (const [name, n, at, opt] of [
  ['alpha', 1, Date.UTC(2024, 0, 1), 'x'],
  ['beta', 2, Date.UTC(2024, 0, 2), null],
  ['alphabet', 3, Date.UTC(2024, 0, 3), 'y'],
] as const) {
  insert.run(name, n, at, opt);
}

const ALL = [...OPERATORS];
const FIELDS: Record<string, FieldSpec> = {
  name: { column: 'name', type: 'string', ops: ALL },
  n: { column: 'n', type: 'number', ops: ALL },
  at: { column: 'at', type: 'datetime', ops: ALL },
  opt: { column: 'opt', type: 'string', ops: ALL },
};

function names(filter: string): string[] {
  const { where, params } = compileFilter(parseFilter(filter), FIELDS, 'test');
  const sql = `SELECT name FROM t ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY n`;
  return (db.prepare(sql).all(...params) as { name: string }[]).map((r) => r.name);
}

function rejects(filter: string, fields = FIELDS): string {
  try {
    compileFilter(parseFilter(filter), fields, 'test');
  } catch (err) {
    expect(err).toBeInstanceOf(KlaviyoError);
    const e = err as KlaviyoError;
    expect(e.status).toBe(400);
    expect(e.extra.source).toEqual({ parameter: 'filter' });
    return e.detail;
  }
  throw new Error(`expected ${filter} to be rejected`);
}

describe('filter operators', () => {
  it('equals with double and single quotes, numbers, null', () => {
    expect(names('equals(name,"beta")')).toEqual(['beta']);
    expect(names("equals(name,'alpha')")).toEqual(['alpha']);
    expect(names('equals(n,3)')).toEqual(['alphabet']);
    expect(names('equals(opt,null)')).toEqual(['beta']);
  });
  it('any with a list', () => {
    expect(names('any(name,["alpha","beta"])')).toEqual(['alpha', 'beta']);
    expect(names('any(n,[1,3])')).toEqual(['alpha', 'alphabet']);
  });
  it('comparisons on numbers and datetimes (zone-less means UTC)', () => {
    expect(names('greater-than(n,1)')).toEqual(['beta', 'alphabet']);
    expect(names('greater-or-equal(n,2)')).toEqual(['beta', 'alphabet']);
    expect(names('less-than(n,2)')).toEqual(['alpha']);
    expect(names('less-or-equal(n,2)')).toEqual(['alpha', 'beta']);
    expect(names('greater-than(at,2024-01-01T00:00:00)')).toEqual(['beta', 'alphabet']);
    expect(names('less-than(at,"2024-01-02T00:00:00Z")')).toEqual(['alpha']);
    expect(names('greater-or-equal(at,2024-01-02T01:00:00+01:00)')).toEqual(['beta', 'alphabet']);
  });
  it('contains, starts-with, ends-with, has', () => {
    expect(names('contains(name,"pha")')).toEqual(['alpha', 'alphabet']);
    expect(names('starts-with(name,"alpha")')).toEqual(['alpha', 'alphabet']);
    expect(names('ends-with(name,"bet")')).toEqual(['alphabet']);
    expect(names('has(opt)')).toEqual(['alpha', 'alphabet']);
  });
  it('and(...) and top-level commas combine conditions', () => {
    expect(names('and(starts-with(name,"alpha"),greater-than(n,1))')).toEqual(['alphabet']);
    expect(names('starts-with(name,"alpha"), less-than(n,2)')).toEqual(['alpha']);
    expect(names('and(and(has(opt),contains(name,"a")),equals(n,1))')).toEqual(['alpha']);
  });
  it('escaped quotes inside strings', () => {
    expect(parseFilter('equals(name,"say \\"hi\\"")')[0]!.value).toEqual({
      kind: 'string',
      value: 'say "hi"',
    });
    expect(parseFilter('equals(flag,true)')[0]!.value).toEqual({ kind: 'boolean', value: true });
  });
});

describe('filter errors', () => {
  it('explain what is wrong', () => {
    expect(rejects('equals(name')).toMatch(/needs a field and a value/);
    expect(rejects('equals(name,"x"')).toMatch(/expected '\)'/);
    expect(rejects('like(name,"x")')).toMatch(/Unknown filter operator 'like'/);
    expect(rejects('or(equals(name,"a"),equals(name,"b"))')).toMatch(/not supported/);
    expect(rejects('equals(shoe,"x")')).toMatch(
      /'shoe' is not a valid filter field.*Allowed fields: name, n, at, opt/,
    );
    expect(rejects('equals(name,bare words)')).toMatch(/Invalid filter value|expected/);
    expect(rejects('equals(n,"x")')).toMatch(/takes a number/);
    expect(rejects('greater-than(at,"tomorrow")')).toMatch(/ISO 8601/);
    expect(rejects('any(name,"x")')).toMatch(/non-empty list/);
    expect(rejects('equals(name,"unterminated)')).toMatch(/unterminated/);
    expect(rejects('')).toMatch(/empty/);
    expect(
      rejects('contains(name,"x")', { name: { column: 'name', type: 'string', ops: ['equals'] } }),
    ).toMatch(/'contains' is not a valid operator for 'name'. Allowed operators: equals/);
  });
});

describe('parseDatetime', () => {
  it('reads Klaviyo datetimes, with microseconds and offsets', () => {
    expect(parseDatetime('2024-01-01')).toBe(Date.UTC(2024, 0, 1));
    expect(parseDatetime('2024-01-01T10:00:00.123456')).toBe(Date.UTC(2024, 0, 1, 10, 0, 0, 123));
    expect(parseDatetime('2024-01-01T10:00:00-05:00')).toBe(Date.UTC(2024, 0, 1, 15));
    expect(parseDatetime('yesterday')).toBeNaN();
  });
});
