import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMockRequest } from '../shared/http.ts';
import { createFaultInjector, FaultConfigError, listFaultProfiles, loadFaultProfile } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function errorOf(fn: () => unknown): FaultConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FaultConfigError);
    return err as FaultConfigError;
  }
  throw new Error('expected a FaultConfigError');
}

describe('shipped profiles', () => {
  it('lists the six named profiles and every one loads', () => {
    const names = listFaultProfiles();
    for (const n of ['ideal', 'klaviyo-realistic', 'flaky', 'throttled', 'outage', 'slow-network']) {
      expect(names).toContain(n);
    }
    for (const n of names) {
      const p = loadFaultProfile(n);
      expect(p).toMatchObject({ name: n, shipped: true });
      expect(p.document.description?.length).toBeGreaterThan(20);
    }
  });

  it('klaviyo-realistic matches the seeds: ~80 ms events, ~120 ms profile sync, ~0.3 % errors, some 429', () => {
    const f = createFaultInjector({ profile: 'klaviyo-realistic', seed: 11 });
    const run = (method: string, path: string, op: string, n: number) => {
      const req = createMockRequest({ method, url: `http://127.0.0.1${path}` });
      const ds = Array.from({ length: n }, () => f.decide(req, op, 0, 'klaviyo')!);
      const delays = ds.map((d) => d.delayMs).sort((a, b) => a - b);
      return { median: delays[n >> 1]!, labels: ds.map((d) => d.label) };
    };
    const ev = run('POST', '/api/events', 'create_event', 20_000);
    const prof = run('POST', '/api/profile-import', 'create_or_update_profile', 5000);
    expect(Math.abs(ev.median - 80)).toBeLessThan(6);
    expect(Math.abs(prof.median - 120)).toBeLessThan(8);
    const errors = ev.labels.filter((l) => l?.startsWith('error:5')).length / ev.labels.length;
    expect(errors).toBeGreaterThan(0.0015);
    expect(errors).toBeLessThan(0.0045);
    // 3 in a row every 1,000 requests: bursts at 1,000 … 19,000, and the first request of the one at 20,000.
    expect(ev.labels.filter((l) => l === 'burst:429').length).toBe(19 * 3 + 1);
    // The Supabase mock is untouched by a Klaviyo profile.
    const rest = createMockRequest({ method: 'GET', url: 'http://127.0.0.1/rest/v1/profiles' });
    expect(f.decide(rest, undefined, 0, 'supabase')).toBeNull();
  });

  it('an unknown profile name lists the available ones', () => {
    const err = errorOf(() => loadFaultProfile('flakey'));
    expect(err.message).toContain('Unknown fault profile "flakey"');
    for (const n of listFaultProfiles()) expect(err.message).toContain(n);
    expect(err.field).toBe('profile');
    expect(() => createFaultInjector({ profile: 'flakey' })).toThrow(
      /Available profiles: .*klaviyo-realistic/,
    );
  });
});

describe('user files', () => {
  it('loads YAML and JSON files by path', () => {
    const yaml = write(
      'mine.yaml',
      'seed: 4\nrules:\n  - errors: [{ status: 503, probability: 1, retryAfterSeconds: 5 }]\n',
    );
    const json = write(
      'mine.json',
      JSON.stringify({ rules: [{ network: [{ fault: 'hang', probability: 1 }] }] }),
    );
    expect(loadFaultProfile(yaml)).toMatchObject({ name: 'mine', shipped: false, source: yaml });
    const f = createFaultInjector({ profile: yaml });
    expect(f.seed).toBe(4);
    expect(f.decide(createMockRequest({ method: 'GET', url: 'http://x/a' }), undefined, 0)).toMatchObject({
      label: 'error:503',
      outcome: { status: 503, retryAfterSeconds: 5 },
    });
    expect(createFaultInjector({ profile: json, seed: 2 }).seed).toBe(2); // --seed beats the file
  });

  it('rejects an invalid file naming the file and the field', () => {
    const file = write(
      'flaky.yaml',
      [
        'rules:',
        '  - errors: [{ status: 500, probability: 0.1 }]',
        '  - latency: { kind: fixed, ms: 10 }',
        '  - errors: [{ status: 502, probability: 1.5 }]',
      ].join('\n'),
    );
    const err = errorOf(() => loadFaultProfile(file));
    expect(err.message).toBe(`${file}: rules[2].errors[0].probability: expected a number between 0 and 1`);
    expect(err.field).toBe('rules[2].errors[0].probability');
  });

  it.each([
    [
      'rules:\n  - latency: { kind: lognormal, median: 80 }\n',
      'rules[0].latency.p99',
      /lognormal latency needs median and p99/,
    ],
    [
      'rules:\n  - latency: { kind: gamma, ms: 1 }\n',
      'rules[0].latency.kind',
      /expected one of fixed, uniform/,
    ],
    [
      'rules:\n  - network: [{ fault: explode, probability: 0.1 }]\n',
      'rules[0].network[0].fault',
      /reset, hang/,
    ],
    [
      'rules:\n  - errors: [{ status: 200, probability: 0.1 }]\n',
      'rules[0].errors[0].status',
      /between 400 and 599/,
    ],
    [
      'rules:\n  - errors: [{ status: 500, probability: 0.7 }]\n    network: [{ fault: reset, probability: 0.5 }]\n',
      'rules[0].errors',
      /add up to 1.2/,
    ],
    ['rules:\n  - match: { paht: /api }\n', 'rules[0].match.paht', /unknown field/],
    ['rules:\n  - match: { path: "^/api/(" }\n', 'rules[0].match.path', /not a valid regular expression/],
    [
      'rules:\n  - burst429: { everyRequests: 10, retryAfterSeconds: 1 }\n',
      'rules[0].burst429.lengthRequests',
      /exactly one/,
    ],
    ['rules:\n  - outage: { fromRequest: 1, fromTime: 5 }\n', 'rules[0].outage.fromTime', /not both/],
    ['rules:\n  - outage: { fromTime: "next tuesday" }\n', 'rules[0].outage.fromTime', /ISO date-time/],
    [
      'rules:\n  - errors: [{ status: 429, probability: 0.1, retryAfterSeconds: -1 }]\n',
      'rules[0].errors[0].retryAfterSeconds',
      /whole seconds/,
    ],
    ['name: x\n', 'rules', /list of rules/],
  ])('rejects %j at %s', (text, field, message) => {
    const err = errorOf(() => loadFaultProfile(write('bad.yaml', text)));
    expect(err.field).toBe(field);
    expect(err.message).toMatch(message);
    expect(err.message).toContain(`bad.yaml: ${field}: `);
  });

  it('reports YAML syntax errors with the line, and a missing file with the shipped names', () => {
    const err = errorOf(() =>
      loadFaultProfile(write('broken.yaml', 'rules:\n  - errors: [ { status: 500\n')),
    );
    expect(err.message).toMatch(/broken\.yaml: \(document\): not valid YAML \(line \d+\)/);
    const missing = errorOf(() => loadFaultProfile('./does-not-exist.yaml'));
    expect(missing.message).toMatch(/not found.*flaky/);
  });
});
