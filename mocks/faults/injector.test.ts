import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../lib/clock.ts';
import { createStubCore } from '../../test/faults/stub-core.ts';
import { createMockRequest } from '../shared/http.ts';
import { createMockService } from '../shared/service.ts';
import { createFaultInjector, FaultConfigError } from './index.ts';

const events = () => createMockRequest({ method: 'POST', url: 'http://127.0.0.1/api/events', body: '{}' });
const profiles = () => createMockRequest({ method: 'GET', url: 'http://127.0.0.1/api/profiles/' });

/** Labels for `n` identical create_event requests one second apart. */
function labels(doc: unknown, seed: number, n: number): (string | null)[] {
  const f = createFaultInjector({ document: doc, seed, clock: new VirtualClock(0) });
  return Array.from(
    { length: n },
    (_, i) => f.decide(events(), 'create_event', i * 1000, 'klaviyo')?.label ?? null,
  );
}

const MIXED = {
  rules: [
    {
      latency: { kind: 'lognormal', median: 80, p99: 240 },
      errors: [
        { status: 500, probability: 0.05 },
        { status: 503, probability: 0.05, retryAfterSeconds: 2 },
      ],
      network: [{ fault: 'reset', probability: 0.05 }],
    },
  ],
};

describe('statistics through the pipeline', () => {
  it('a 10 % error rule fails within the binomial 99.9 % interval over 5,000 requests', async () => {
    const faults = createFaultInjector({
      document: { rules: [{ errors: [{ status: 500, probability: 0.1 }] }] },
      seed: 42,
    });
    const service = createMockService(createStubCore(), { faults, journalSize: 10_000 });
    const n = 5000;
    let failed = 0;
    for (let i = 0; i < n; i++) {
      const res = await service.handle(events());
      if (res.kind !== 'network' && res.status === 500) failed++;
    }
    const p = 0.1;
    const half = 3.29 * Math.sqrt((p * (1 - p)) / n); // two-sided 99.9 % normal approximation
    expect(failed / n).toBeGreaterThanOrEqual(p - half);
    expect(failed / n).toBeLessThanOrEqual(p + half);
    // The journal names the fault on exactly the failed requests.
    const journal = service.journal.list();
    expect(journal.filter((e) => e.fault === 'error:500')).toHaveLength(failed);
    expect(journal.filter((e) => e.fault === null)).toHaveLength(n - failed);
  });

  it('the same seed gives the identical fault sequence; another seed a different one', () => {
    const a = labels(MIXED, 7, 2000);
    const b = labels(MIXED, 7, 2000);
    const c = labels(MIXED, 8, 2000);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    expect(new Set(a)).toEqual(new Set(['latency', 'error:500', 'error:503', 'network:reset']));
  });

  it('latency settings do not shift which requests fail (separate streams)', () => {
    const noLatency = { rules: [{ ...MIXED.rules[0], latency: undefined }] };
    const faultsOnly = (xs: (string | null)[]) => xs.map((l) => (l === 'latency' ? null : l));
    expect(faultsOnly(labels(noLatency, 3, 1000))).toEqual(faultsOnly(labels(MIXED, 3, 1000)));
  });

  it('log-normal latency has the configured median and p99', () => {
    const f = createFaultInjector({
      document: { rules: [{ latency: { kind: 'lognormal', median: 80, p99: 240 } }] },
    });
    const xs = Array.from({ length: 5000 }, () => f.decide(events(), 'create_event', 0)!.delayMs).sort(
      (x, y) => x - y,
    );
    expect(xs[2500]).toBeGreaterThan(74);
    expect(xs[2500]).toBeLessThan(86);
    expect(xs[4950]).toBeGreaterThan(205);
    expect(xs[4950]).toBeLessThan(280);
  });

  it('fixed, uniform, normal, jitter and maxMs stay in their bounds', () => {
    const sample = (latency: unknown, n = 500) => {
      const f = createFaultInjector({ document: { rules: [{ latency }] }, seed: 5 });
      return Array.from({ length: n }, () => f.decide(events(), undefined, 0)?.delayMs ?? 0);
    };
    expect(new Set(sample({ kind: 'fixed', ms: 250 }))).toEqual(new Set([250]));
    const uni = sample({ kind: 'uniform', min: 100, max: 200 });
    expect(Math.min(...uni)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...uni)).toBeLessThanOrEqual(200);
    const jit = sample({ kind: 'fixed', ms: 100, jitterMs: 20 });
    expect(Math.min(...jit)).toBeGreaterThanOrEqual(80);
    expect(Math.max(...jit)).toBeLessThanOrEqual(120);
    expect(new Set(jit).size).toBeGreaterThan(10);
    const normal = sample({ kind: 'normal', mean: 500, stdDev: 50 }, 2000);
    const mean = normal.reduce((s, x) => s + x, 0) / normal.length;
    expect(Math.abs(mean - 500)).toBeLessThan(10);
    const capped = sample({ kind: 'lognormal', median: 1000, p99: 60000, maxMs: 3000 });
    expect(Math.max(...capped)).toBe(3000);
    expect(Math.min(...sample({ kind: 'normal', mean: 5, stdDev: 50 }))).toBe(0);
  });
});

describe('matching', () => {
  it('the first matching rule wins', () => {
    const f = createFaultInjector({
      document: {
        rules: [
          { match: { operation: 'create_event' }, errors: [{ status: 502, probability: 1 }] },
          { errors: [{ status: 504, probability: 1 }] },
        ],
      },
    });
    expect(f.decide(events(), 'create_event', 0)?.label).toBe('error:502');
    expect(f.decide(profiles(), 'get_profiles', 0)?.label).toBe('error:504');
  });

  it('matches method, path globs, regexes, operation globs and service', () => {
    const rule = (match: unknown) =>
      createFaultInjector({ document: { rules: [{ match, errors: [{ status: 500, probability: 1 }] }] } });
    const hit = (match: unknown, req = events(), op?: string, svc = 'klaviyo') =>
      rule(match).decide(req, op, 0, svc)?.label === 'error:500';
    expect(hit({ method: 'post' })).toBe(true);
    expect(hit({ method: ['GET', 'DELETE'] })).toBe(false);
    expect(hit({ path: '/api/events*' })).toBe(true);
    expect(hit({ path: '/api/profiles/' }, profiles())).toBe(true); // trailing slashes ignored both sides
    expect(hit({ path: '/api/prof?les' }, profiles())).toBe(true);
    expect(hit({ path: '/api/profiles' })).toBe(false);
    expect(hit({ path: '^/api/(events|profiles)$' })).toBe(true);
    expect(hit({ operation: 'create_*' }, events(), 'create_event')).toBe(true);
    expect(hit({ operation: 'create_event' })).toBe(false); // no operation named: no match
    expect(hit({ service: 'supabase' })).toBe(false);
    expect(hit({ service: 'supabase' }, events(), undefined, 'supabase')).toBe(true);
    // Without a service argument the path tells: /rest/v1 is the fake Supabase.
    const rest = createMockRequest({ method: 'GET', url: 'http://127.0.0.1/rest/v1/profiles' });
    expect(rule({ service: 'supabase' }).decide(rest, undefined, 0)?.label).toBe('error:500');
  });

  it('answers null when no rule matches or nothing is injected', () => {
    const f = createFaultInjector({
      document: { rules: [{ match: { method: 'DELETE' }, latency: { kind: 'fixed', ms: 5 } }] },
    });
    expect(f.decide(events(), undefined, 0)).toBeNull();
    expect(createFaultInjector({ profile: 'ideal' }).decide(events(), undefined, 0)).toBeNull();
  });
});

describe('429 bursts and outage windows', () => {
  const run = (doc: unknown, n: number, stepMs = 1000) => {
    const f = createFaultInjector({ document: doc, clock: new VirtualClock(0) });
    return Array.from({ length: n }, (_, i) => f.decide(events(), undefined, i * stepMs));
  };
  const faultedAt = (ds: ReturnType<typeof run>) => ds.flatMap((d, i) => (d?.outcome ? [i + 1] : [])); // 1-based request numbers

  it('bursts every N requests for a number of requests, with Retry-After', () => {
    const ds = run(
      { rules: [{ burst429: { everyRequests: 10, lengthRequests: 3, retryAfterSeconds: 2 } }] },
      35,
    );
    expect(faultedAt(ds)).toEqual([10, 11, 12, 20, 21, 22, 30, 31, 32]);
    expect(ds[9]).toMatchObject({
      label: 'burst:429',
      outcome: { type: 'error', status: 429, retryAfterSeconds: 2 },
    });
  });

  it('bursts from a request for a clock duration, and draws Retry-After from a range', () => {
    const ds = run(
      {
        rules: [{ burst429: { startAtRequest: 5, durationMs: 3000, retryAfterSeconds: { min: 1, max: 2 } } }],
      },
      12,
    );
    expect(faultedAt(ds)).toEqual([5, 6, 7]); // t = 4 s .. < 7 s
    for (const d of ds.filter((x) => x?.outcome)) {
      expect([1, 2]).toContain((d!.outcome as { retryAfterSeconds: number }).retryAfterSeconds);
    }
  });

  it('an outage by request count answers every request in the window', () => {
    const ds = run({ rules: [{ outage: { fromRequest: 50, requests: 300 } }] }, 400);
    const hit = faultedAt(ds);
    expect(hit).toHaveLength(300);
    expect(hit[0]).toBe(50);
    expect(hit.at(-1)).toBe(349);
    expect(ds[49]).toMatchObject({ label: 'outage:503', outcome: { status: 503 } });
  });

  it('an outage by time uses the injected clock relative to loading; several windows and network outages', () => {
    const ds = run(
      {
        rules: [
          {
            outage: [
              { fromTime: 10_000, durationMs: 5000 },
              { fromTime: new Date(60_000).toISOString(), requests: 2, fault: 'reset' },
            ],
          },
        ],
      },
      80,
    );
    expect(faultedAt(ds)).toEqual([11, 12, 13, 14, 15, 61, 62]); // t = 10..14 s, then 60 s and 61 s
    expect(ds[60]).toMatchObject({
      label: 'outage:network:reset',
      outcome: { type: 'network', fault: 'reset' },
    });
  });

  it('errors still draw during an outage, so later faults do not shift', () => {
    const base = { errors: [{ status: 500, probability: 0.2 }] };
    const plain = run({ rules: [base] }, 300).map((d) => d?.label ?? null);
    const withOutage = run({ rules: [{ ...base, outage: { fromRequest: 100, requests: 50 } }] }, 300).map(
      (d) => d?.label ?? null,
    );
    expect(withOutage.slice(150)).toEqual(plain.slice(150));
    expect(withOutage.slice(0, 99)).toEqual(plain.slice(0, 99));
  });
});

describe('latency through the pipeline on a virtual clock', () => {
  it('sleeps the injected latency on the service clock and journals it apart from processing time', async () => {
    const clock = new VirtualClock(0);
    const faults = createFaultInjector({
      document: { rules: [{ latency: { kind: 'fixed', ms: 600_000 } }] },
      clock,
    });
    const service = createMockService(createStubCore(), { faults, clock });
    const res = await service.handle(events()); // ten virtual minutes, no real waiting
    expect(res).toMatchObject({ status: 202 });
    expect(clock.now()).toBe(600_000);
    const [entry] = service.journal.list();
    expect(entry).toMatchObject({ fault: 'latency', injectedLatencyMs: 600_000, status: 202 });
    expect(entry!.latencyMs).toBeLessThan(600_000);
  });
});

describe('describe and replace', () => {
  it('describe returns a document that PUT accepts back, with stats', () => {
    const f = createFaultInjector({ profile: 'flaky', seed: 9 });
    for (let i = 0; i < 100; i++) f.decide(events(), 'create_event', 0, 'klaviyo');
    const d = f.describe();
    expect(d).toMatchObject({ name: 'flaky', profile: 'flaky', seed: 9, stats: { requests: 100 } });
    expect(d.stats.faulted).toBeGreaterThan(0);
    f.replace(JSON.parse(JSON.stringify(d)));
    expect(f.describe()).toMatchObject({ profile: null, source: 'admin', seed: 9, stats: { requests: 0 } });
  });

  it('replace switches to a named profile, optionally with a seed, and restarts the sequence', () => {
    const f = createFaultInjector({ document: MIXED, seed: 7 });
    const first = Array.from({ length: 200 }, () => f.decide(events(), undefined, 0)?.label);
    f.replace(MIXED);
    expect(Array.from({ length: 200 }, () => f.decide(events(), undefined, 0)?.label)).toEqual(first);
    f.replace({ profile: 'throttled', seed: 3 });
    expect(f.describe()).toMatchObject({ profile: 'throttled', seed: 3 });
    expect(f.seed).toBe(3);
  });

  it('rejects invalid documents with the offending field', () => {
    const f = createFaultInjector();
    const fieldOf = (doc: unknown) => {
      try {
        f.replace(doc);
      } catch (err) {
        expect(err).toBeInstanceOf(FaultConfigError);
        return (err as FaultConfigError).field;
      }
      return 'accepted';
    };
    expect(fieldOf({ rules: [{ errors: [{ status: 500, probability: 2 }] }] })).toBe(
      'rules[0].errors[0].probability',
    );
    expect(fieldOf({ rules: [{}, { latncy: {} }] })).toBe('rules[1].latncy');
    expect(fieldOf({ profile: 'nope' })).toBe('profile');
    expect(fieldOf({ profile: 'ideal', extra: 1 })).toBe('extra');
    expect(fieldOf([])).toBe('(document)');
    expect(fieldOf({})).toBe('rules');
    expect(fieldOf({ rules: [] })).toBe('accepted');
    expect(f.describe().rules).toEqual([]);
  });

  it('names a misspelt key itself, not the field it left missing, and suggests the right one', () => {
    const f = createFaultInjector();
    const err = catchConfig(() => f.replace({ rules: [{ errors: [{ status: 500, probabilty: 0.1 }] }] }));
    expect(err.field).toBe('rules[0].errors[0].probabilty');
    expect(err.message).toMatch(/did you mean "probability"\?/);
    expect(err.message).toMatch(/known fields: status, probability, retryAfterSeconds/);
  });

  it('refuses operations no service emits, and unknown services, naming the known values', () => {
    const f = createFaultInjector();
    const rule = (match: Record<string, unknown>) => ({
      rules: [{ match, errors: [{ status: 500, probability: 1 }] }],
    });
    const typo = catchConfig(() => f.replace(rule({ operation: 'create_evnt' })));
    expect(typo.field).toBe('rules[0].match.operation');
    expect(typo.message).toMatch(/unknown operation "create_evnt" \(did you mean "create_event"\?\)/);
    expect(catchConfig(() => f.replace(rule({ operation: ['get_profiles', 'get_profilez'] }))).field).toBe(
      'rules[0].match.operation[1]',
    );
    // A Supabase operation under service: klaviyo can never fire either.
    expect(
      catchConfig(() => f.replace(rule({ service: 'klaviyo', operation: 'rest.select.profiles' }))).field,
    ).toBe('rules[0].match.operation');
    expect(catchConfig(() => f.replace(rule({ service: 'klavio' }))).message).toMatch(
      /expected one of klaviyo, supabase/,
    );
    // Real ids, globs that match something, and any table under rest.<verb>. are fine.
    for (const operation of [
      'bulk_create_events',
      'get_*',
      'rest.insert.stories',
      'rest.select.my_view',
      'auth.*',
    ]) {
      expect(() => f.replace(rule({ operation }))).not.toThrow();
    }
    expect(catchConfig(() => f.replace(rule({ operation: 'zzz_*' }))).field).toBe('rules[0].match.operation');
  });
});

function catchConfig(fn: () => unknown): FaultConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FaultConfigError) return err;
    throw err;
  }
  throw new Error('expected a FaultConfigError, but the document was accepted');
}
