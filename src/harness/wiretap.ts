/**
 * A tap on a mock service: every emulated-API exchange with its clock times, status and Retry-After.
 *
 * The integration's instrumentation says what each call cost; the tap says what went over the wire,
 * which is what "retries honour Retry-After" is about: after a 429 asking for R seconds, the next
 * attempt of the *same request* (same method, path and body — events carry a `unique_id`, so a retry is
 * byte-identical) must arrive at least R seconds after the 429 was answered.
 */
import type { MockRequest, MockResponse } from '../../mocks/shared/http.ts';
import type { MockService } from '../../mocks/shared/service.ts';

/** One 429 with Retry-After, waiting for the retry of the same request. */
interface PendingRetry {
  /** Clock time the 429 was answered (ms). */
  answeredAt: number;
  retryAfterMs: number;
}

export interface RetryAfterCheck {
  /** 429 answers with Retry-After that were retried. */
  observed: number;
  /** Of those, retries that waited at least Retry-After. */
  honoured: number;
  /** [requested ms, waited ms] per retry. */
  pairs: [number, number][];
  /** 429s answered. */
  throttled: number;
}

interface ServiceWire {
  check: RetryAfterCheck;
  /** Requests whose last answer was a 429 with Retry-After, by identity (method, path, body). */
  pending: Map<string, PendingRetry>;
  total: number;
  ok: number;
}

/**
 * Folds exchanges as they happen (nothing per request is kept once its retry, if any, has arrived), so a
 * 10,000-family run does not hold every request body in memory.
 */
/** Sees each exchange as it is answered: `status` null for a network fault (no answer). */
export type ExchangeObserver = (
  service: string,
  at: number,
  answeredAt: number,
  status: number | null,
) => void;

export class WireTap {
  private readonly services = new Map<string, ServiceWire>();

  constructor(private readonly observer?: ExchangeObserver) {}

  private wire(service: string): ServiceWire {
    let w = this.services.get(service);
    if (!w) {
      w = {
        check: { observed: 0, honoured: 0, pairs: [], throttled: 0 },
        pending: new Map(),
        total: 0,
        ok: 0,
      };
      this.services.set(service, w);
    }
    return w;
  }

  /**
   * A MockService that records every emulated-API exchange of `service`, then behaves exactly like it.
   * Fields are listed rather than spread: a copied `respond` (the Express fast path) would bypass the tap.
   */
  wrap(service: MockService): MockService {
    const w = this.wire(service.name);
    const observer = this.observer;
    return withHandle(service, async (req) => {
      const at = service.clock.now();
      const res: MockResponse = await service.handle(req);
      if (!req.path.startsWith('/__admin')) {
        const answeredAt = service.clock.now();
        record(w, req, res, at, answeredAt);
        observer?.(service.name, at, answeredAt, res.kind === 'network' ? null : res.status);
      }
      return res;
    });
  }

  retryAfter(service = 'klaviyo'): RetryAfterCheck {
    const { check } = this.wire(service);
    return { ...check, pairs: check.pairs.slice() };
  }

  /** HTTP attempts to a service and how many got a 2xx answer. */
  attempts(service = 'klaviyo'): { total: number; ok: number } {
    const w = this.wire(service);
    return { total: w.total, ok: w.ok };
  }
}

/**
 * `service` with its `handle` replaced, everything else passed through. Fields are listed rather than
 * spread: a copied `respond` (the Express fast path) would bypass the new `handle`.
 */
export function withHandle(service: MockService, handle: MockService['handle']): MockService {
  return {
    name: service.name,
    maxBodyBytes: service.maxBodyBytes,
    core: service.core,
    journal: service.journal,
    clock: service.clock,
    get faults() {
      return service.faults;
    },
    handle,
    close: () => service.close(),
  };
}

function record(w: ServiceWire, req: MockRequest, res: MockResponse, at: number, answeredAt: number): void {
  const status = res.kind === 'network' ? null : res.status;
  w.total++;
  if (status !== null && status >= 200 && status < 300) w.ok++;
  if (status === 429) w.check.throttled++;
  const header =
    res.kind === 'network' ? undefined : (res.headers?.['retry-after'] ?? res.headers?.['Retry-After']);
  const retryAfterMs =
    status === 429 && header !== undefined && /^\d+(\.\d+)?$/.test(header)
      ? Number(header) * 1000
      : undefined;
  // Only requests that follow a 429 need their identity: skip building it on the common path.
  if (w.pending.size === 0 && retryAfterMs === undefined) return;
  // Events carry a unique_id, so a retry is byte-identical to the attempt it repeats.
  const key = `${req.method} ${req.path} ${req.body}`;
  const previous = w.pending.get(key);
  if (previous) {
    const waited = at - previous.answeredAt;
    w.check.observed++;
    // 1 ms of slack for rounding of Retry-After dates and the clock.
    if (waited + 1 >= previous.retryAfterMs) w.check.honoured++;
    w.check.pairs.push([previous.retryAfterMs, waited]);
  }
  if (retryAfterMs !== undefined) w.pending.set(key, { answeredAt, retryAfterMs });
  else if (previous) w.pending.delete(key);
}
