/**
 * The fault injector: turns a rules document into one decision per request.
 *
 * Semantics (documented in docs/faults.md):
 * - The first rule whose `match` fits the request wins; later rules are not consulted.
 * - Within a rule, in order: an active outage window, then an active 429 burst, then one draw that picks
 *   at most one of the rule's errors / network faults by probability. Latency applies to every matched
 *   request, faulted or not (a sick upstream is slow to fail too).
 * - Randomness comes from one seed, split into independent streams (fault draw, latency, Retry-After),
 *   so the fault sequence depends only on the seed and the order of requests, not on latency settings.
 *   A rule with errors or network faults draws exactly once per matched request, even during outages and
 *   bursts, so switching those on does not shift later draws.
 * - Request numbers (outage `fromRequest`, bursts) count the requests each rule matched, from 1.
 *   Times (`fromTime`, `durationMs`) are on the injected clock, relative to when the rules were loaded.
 */
import type { Clock } from '../../lib/clock.ts';
import { createRng, type Rng } from '../../lib/prng.ts';
import type { MockRequest, NetworkFault } from '../shared/http.ts';
import type { FaultDecision } from '../shared/service.ts';
import { sampleLatency, sampleRetryAfter } from './latency.ts';
import { compileMatcher, inferService, type RequestMatcher } from './match.ts';
import type { BurstSpec, FaultDocument, FaultRule, OutageSpec } from './schema.ts';

type Outcome = NonNullable<FaultDecision['outcome']>;

interface OutageState {
  spec: OutageSpec;
  /** Clock time the window opens, when known (fromTime, or the first request inside a fromRequest window). */
  startAt?: number;
  startRequest?: number;
  ended: boolean;
}

interface CompiledRule {
  spec: FaultRule;
  matches: RequestMatcher;
  /** Requests this rule has matched so far. */
  count: number;
  outages: OutageState[];
  burstStartedAt?: number;
  /** Cumulative [threshold, outcome] table for the single per-request draw. */
  table: {
    upTo: number;
    pick: { kind: 'error'; index: number } | { kind: 'network'; fault: NetworkFault };
  }[];
}

export interface FaultEngineStats {
  requests: number;
  faulted: number;
  byLabel: Record<string, number>;
}

/** The mutable state of one loaded rules document. `replace` builds a fresh engine. */
export class FaultEngine {
  readonly origin: number;
  private readonly rules: CompiledRule[];
  private readonly faultRng: Rng;
  private readonly latencyRng: Rng;
  private readonly retryRng: Rng;
  readonly stats: FaultEngineStats = { requests: 0, faulted: 0, byLabel: {} };

  constructor(
    readonly document: FaultDocument,
    readonly seed: number,
    clock: Clock,
    private readonly defaultService?: string,
  ) {
    this.origin = clock.now();
    const root = createRng(seed);
    this.faultRng = root.fork('faults');
    this.latencyRng = root.fork('latency');
    this.retryRng = root.fork('retry-after');
    this.rules = document.rules.map((spec) => compileRule(spec, this.origin));
  }

  decide(
    req: MockRequest,
    operation: string | undefined,
    now: number,
    service?: string,
  ): FaultDecision | null {
    this.stats.requests++;
    const svc = service ?? this.defaultService ?? inferService(req.path);
    const rule = this.rules.find((r) => r.matches(req, operation, svc));
    if (!rule) return null;
    const n = ++rule.count;
    const spec = rule.spec;

    // Fixed draw order per matched request: fault draw, then latency.
    const u = rule.table.length > 0 ? this.faultRng.next() : undefined;
    const delayMs = spec.latency ? sampleLatency(spec.latency, this.latencyRng) : 0;

    let outcome: Outcome | undefined;
    let label: string | null = null;
    const outage = activeOutage(rule, n, now);
    if (outage) {
      if (outage.fault) {
        outcome = { type: 'network', fault: outage.fault };
        label = `outage:network:${outage.fault}`;
      } else {
        const status = outage.status ?? 503;
        outcome = {
          type: 'error',
          status,
          detail: 'The service is unavailable (injected outage). Retry later.',
          retryAfterSeconds: sampleRetryAfter(outage.retryAfterSeconds, this.retryRng),
        };
        label = `outage:${status}`;
      }
    } else if (spec.burst429 && inBurst(spec.burst429, rule, n, now)) {
      const status = spec.burst429.status ?? 429;
      const retryAfterSeconds = sampleRetryAfter(spec.burst429.retryAfterSeconds, this.retryRng);
      outcome = { type: 'error', status, detail: throttledDetail(retryAfterSeconds), retryAfterSeconds };
      label = `burst:${status}`;
    } else if (u !== undefined) {
      const hit = rule.table.find((row) => u < row.upTo);
      if (hit?.pick.kind === 'network') {
        outcome = { type: 'network', fault: hit.pick.fault };
        label = `network:${hit.pick.fault}`;
      } else if (hit?.pick.kind === 'error') {
        const e = spec.errors![hit.pick.index]!;
        const retryAfterSeconds = sampleRetryAfter(e.retryAfterSeconds, this.retryRng);
        outcome = {
          type: 'error',
          status: e.status,
          code: e.code,
          detail: e.detail ?? (e.status === 429 ? throttledDetail(retryAfterSeconds) : undefined),
          retryAfterSeconds,
        };
        label = `error:${e.status}`;
      }
    }
    if (!outcome && delayMs === 0) return null;
    label ??= 'latency';
    if (outcome) this.stats.faulted++;
    this.stats.byLabel[label] = (this.stats.byLabel[label] ?? 0) + 1;
    return { label, delayMs, outcome };
  }
}

function compileRule(spec: FaultRule, origin: number): CompiledRule {
  const table: CompiledRule['table'] = [];
  let upTo = 0;
  spec.errors?.forEach((e, index) => {
    upTo += e.probability;
    table.push({ upTo, pick: { kind: 'error', index } });
  });
  for (const n of spec.network ?? []) {
    upTo += n.probability;
    table.push({ upTo, pick: { kind: 'network', fault: n.fault } });
  }
  const outages = spec.outage === undefined ? [] : Array.isArray(spec.outage) ? spec.outage : [spec.outage];
  return {
    spec,
    matches: compileMatcher(spec.match),
    count: 0,
    table,
    outages: outages.map((o) => ({
      spec: o,
      startAt:
        o.fromTime === undefined
          ? undefined
          : typeof o.fromTime === 'number'
            ? origin + o.fromTime
            : Date.parse(o.fromTime),
      ended: false,
    })),
  };
}

/** The first outage window this request falls in, if any. Windows open once and close for good. */
function activeOutage(rule: CompiledRule, n: number, now: number): OutageSpec | undefined {
  for (const w of rule.outages) {
    if (w.ended) continue;
    if (w.startRequest === undefined) {
      const opens = w.spec.fromTime !== undefined ? now >= w.startAt! : n >= (w.spec.fromRequest ?? 1);
      if (!opens) continue;
      w.startRequest = n;
      w.startAt ??= now;
    }
    const over =
      (w.spec.requests !== undefined && n >= w.startRequest + w.spec.requests) ||
      (w.spec.durationMs !== undefined && now >= w.startAt! + w.spec.durationMs);
    if (over) {
      w.ended = true;
      continue;
    }
    return w.spec;
  }
  return undefined;
}

/**
 * Whether request `n` falls in a 429 burst. Bursts start at `startAtRequest` (default `everyRequests`)
 * and then every `everyRequests` requests; they last `lengthRequests` requests or `durationMs` of clock time.
 */
function inBurst(b: BurstSpec, rule: CompiledRule, n: number, now: number): boolean {
  const start = b.startAtRequest ?? b.everyRequests!;
  if (n < start) return false;
  const offset = n - start;
  if (b.lengthRequests !== undefined) {
    return b.everyRequests ? offset % b.everyRequests < b.lengthRequests : offset < b.lengthRequests;
  }
  const isTrigger = b.everyRequests ? offset % b.everyRequests === 0 : offset === 0;
  const active = rule.burstStartedAt !== undefined && now < rule.burstStartedAt + b.durationMs!;
  if (!active && isTrigger) {
    rule.burstStartedAt = now;
    return true;
  }
  return active;
}

/** Klaviyo's own wording for a throttled request. */
function throttledDetail(retryAfterSeconds: number | undefined): string {
  if (retryAfterSeconds === undefined) return 'Request was throttled.';
  return `Request was throttled. Expected available in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}.`;
}
