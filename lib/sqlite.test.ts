import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LIMIT_PARAM, OFFSET_PARAM } from './sqlite.ts';

describe('LIMIT_PARAM / OFFSET_PARAM', () => {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (n INTEGER)');
  const insert = db.prepare('INSERT INTO t (n) VALUES (?)');
  for (let i = 1; i <= 5; i++) insert.run(i);
  const page = db.prepare(`SELECT n FROM t ORDER BY n ${LIMIT_PARAM} ${OFFSET_PARAM}`);
  const ns = (limit: number, offset: number) => (page.all(limit, offset) as { n: number }[]).map((r) => r.n);

  it('limits and offsets like a bare parameter, with a new value on every run', () => {
    expect(ns(2, 0)).toEqual([1, 2]);
    expect(ns(2, 2)).toEqual([3, 4]);
    expect(ns(10, 4)).toEqual([5]);
  });

  it('treats a negative limit as no limit', () => {
    expect(ns(-1, 1)).toEqual([2, 3, 4, 5]);
  });
});
