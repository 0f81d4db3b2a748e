import { describe, expect, it } from 'vitest';
import { RequestJournal } from './journal.ts';

const entry = (path: string) => ({
  at: 0,
  method: 'GET',
  path,
  status: 200,
  latencyMs: 1,
  injectedLatencyMs: 0,
  fault: null,
});

describe('RequestJournal', () => {
  it('keeps the newest entries in order once full, and filters by since/limit', () => {
    const j = new RequestJournal(3);
    for (let i = 1; i <= 5; i++) j.record(entry(`/p${i}`));
    expect(j.list().map((e) => e.path)).toEqual(['/p3', '/p4', '/p5']);
    expect(j.list({ since: 3 }).map((e) => e.seq)).toEqual([4, 5]);
    expect(j.list({ limit: 1 }).map((e) => e.path)).toEqual(['/p5']);
    expect(j.total).toBe(5);
    j.clear();
    expect(j.list()).toEqual([]);
  });

  it('truncates large bodies', () => {
    const j = new RequestJournal(2);
    const rec = j.record({ ...entry('/x'), requestBody: 'a'.repeat(10_000) });
    expect(rec.requestBody!.length).toBeLessThan(8300);
  });
});
