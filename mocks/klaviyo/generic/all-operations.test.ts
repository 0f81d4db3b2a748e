/**
 * Every operation of Klaviyo's spec, one minimal spec-built request each, over real HTTP: the answer is
 * a 2xx whose body the spec's response schema accepts, or a 4xx in Klaviyo's JSON:API error shape.
 * Never 5xx, never "not emulated". Generic answers are marked and journalled as such.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useKlaviyoContract } from '../../../test/support/klaviyo-contract.ts';
import type { RunningServer } from '../../shared/listen.ts';
import { GENERIC_OPERATIONS, IMPLEMENTED_OPERATIONS, startKlaviyoServer } from '../index.ts';
import { exampleRequest } from './example-request.ts';
import { genericSpec } from './model.ts';

const contract = useKlaviyoContract();
let server: RunningServer;
beforeAll(async () => {
  server = await startKlaviyoServer({ port: 0, rateLimits: false, onResponse: contract.onResponse });
});
afterAll(() => server?.close());

interface Answer {
  op: string;
  status: number;
  body: any;
  emulation: string | null;
}

describe('every spec operation', () => {
  it('answers a minimal spec-built request with a spec-valid 2xx or a JSON:API 4xx', async () => {
    const g = genericSpec();
    expect(g.operations.size).toBe(345);
    expect(IMPLEMENTED_OPERATIONS.length + GENERIC_OPERATIONS.length).toBe(345);
    const answers: Answer[] = [];
    // Creates first, deletes last: reads, updates and deletes of a type the generic tier stores then
    // target the resource its create made (an unknown id is a 404, tested in generic.test.ts).
    const rank: Record<string, number> = { create: 0, delete: 2 };
    const ops = [...g.operations.values()].sort((a, b) => (rank[a.kind] ?? 1) - (rank[b.kind] ?? 1));
    const created = new Map<string, string>();
    for (const op of ops) {
      const req = exampleRequest(g, op, { id: (op.type && created.get(op.type)) || undefined });
      const res = await fetch(`${server.url}${req.url}`, {
        method: req.method,
        headers: { authorization: 'Klaviyo-API-Key pk_all_operations', ...req.headers },
        body: req.body,
      });
      const text = await res.text();
      if (op.kind === 'create' && res.status < 300 && op.type) created.set(op.type, JSON.parse(text).data.id);
      answers.push({
        op: op.id,
        status: res.status,
        body: text ? JSON.parse(text) : null,
        emulation: res.headers.get('x-dreamflow-emulation'),
      });
    }
    const bad = answers.filter((a) => a.status >= 500 || (a.status >= 300 && a.status < 400));
    expect(bad.map((a) => `${a.op} ${a.status} ${JSON.stringify(a.body).slice(0, 200)}`)).toEqual([]);
    const notEmulated = answers.filter((a) => JSON.stringify(a.body ?? '').includes('not emulated'));
    expect(notEmulated.map((a) => a.op)).toEqual([]);
    for (const a of answers.filter((x) => x.status >= 400)) {
      expect(a.body?.errors?.[0], a.op).toMatchObject({
        status: a.status,
        code: expect.any(String),
        detail: expect.any(String),
      });
    }
    // Bodies were checked against the spec by the contract hook, every one of them.
    expect(contract.validated).toBeGreaterThanOrEqual(345);
    expect(contract.takeViolations()).toEqual([]);
    // The generic tier answers every one of its operations with a 2xx.
    const generic = new Set<string>(GENERIC_OPERATIONS);
    const genericFailures = answers.filter((a) => generic.has(a.op) && a.status >= 300);
    expect(genericFailures.map((a) => `${a.op} ${a.status} ${JSON.stringify(a.body).slice(0, 300)}`)).toEqual(
      [],
    );
    expect(answers.filter((a) => generic.has(a.op)).every((a) => a.emulation === 'generic')).toBe(true);
    expect(answers.filter((a) => !generic.has(a.op)).some((a) => a.emulation !== null)).toBe(false);
    const twoxx = answers.filter((a) => a.status < 300).length;
    const handWritten4xx = answers.filter((a) => a.status >= 400).map((a) => `${a.op} ${a.status}`);
    console.log(`${twoxx} of ${answers.length} answered 2xx; hand-written 4xx: ${handWritten4xx.join(', ')}`);
    expect(twoxx).toBeGreaterThanOrEqual(GENERIC_OPERATIONS.length);
  }, 120_000); // about 5 s of CPU (most of it compiling ~300 response schemas once); margin for a loaded machine
});
