/**
 * A tap on a mock service: every emulated-API exchange with its clock times, status and Retry-After.
 *
 * The integration's instrumentation says what each call cost; the tap says what went over the wire,
 * which is what "retries honour Retry-After" is about: after a 429 asking for R seconds, the next
 * attempt of the *same request* (same method, path and body — events carry a `unique_id`, so a retry is
 * byte-identical) must arrive at least R seconds after the 429 was answered.
 */
import type { MockResponse } from '../../mocks/shared/http.ts';
import type { MockService } from '../../mocks/shared/service.ts';

export interface WireExchange {
  seq: number;
  service: string;
  method: string;
  path: string;
  /** Clock time the request arrived and the answer left (ms). */
  at: number;
  answeredAt: number;
  /** null for a network fault. */
  status: number | null;
  /** Retry-After the answer carried, ms. */
  retryAfterMs?: number;
  /** Identity of the request for matching retries. */
  key: string;
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

export class WireTap {
  readonly exchanges: WireExchange[] = [];
  private seq = 0;

  constructor(private readonly limit = 2_000_000) {}

  /** A MockService that records every emulated-API exchange of `service`, then behaves exactly like it. */
  wrap(service: MockService): MockService {
    const tap = this;
    return {
      ...service,
      name: service.name,
      core: service.core,
      journal: service.journal,
      clock: service.clock,
      get faults() {
        return service.faults;
      },
      async handle(req) {
        const at = service.clock.now();
        const res: MockResponse = await service.handle(req);
        if (!req.path.startsWith('/__admin') && tap.exchanges.length < tap.limit) {
          const status = res.kind === 'network' ? null : res.status;
          const header =
            res.kind === 'network'
              ? undefined
              : (res.headers?.['retry-after'] ?? res.headers?.['Retry-After']);
          tap.exchanges.push({
            seq: ++tap.seq,
            service: service.name,
            method: req.method,
            path: req.path,
            at,
            answeredAt: service.clock.now(),
            status,
            retryAfterMs:
              header !== undefined && /^\d+(\.\d+)?$/.test(header) ? Number(header) * 1000 : undefined,
            key: `${req.method} ${req.path} ${req.body}`,
          });
        }
        return res;
      },
      close: () => service.close(),
    };
  }

  retryAfter(service = 'klaviyo'): RetryAfterCheck {
    const mine = this.exchanges.filter((e) => e.service === service);
    const lastByKey = new Map<string, WireExchange>();
    const out: RetryAfterCheck = { observed: 0, honoured: 0, pairs: [], throttled: 0 };
    for (const e of mine) {
      const previous = lastByKey.get(e.key);
      if (previous && previous.status === 429 && previous.retryAfterMs !== undefined) {
        const waited = e.at - previous.answeredAt;
        out.observed++;
        // 1 ms of slack for rounding of Retry-After dates and the clock.
        if (waited + 1 >= previous.retryAfterMs) out.honoured++;
        out.pairs.push([previous.retryAfterMs, waited]);
      }
      if (e.status === 429) out.throttled++;
      lastByKey.set(e.key, e);
    }
    return out;
  }

  /** HTTP attempts to a service and how many got a 2xx answer. */
  attempts(service = 'klaviyo'): { total: number; ok: number } {
    let total = 0;
    let ok = 0;
    for (const e of this.exchanges) {
      if (e.service !== service) continue;
      total++;
      if (e.status !== null && e.status >= 200 && e.status < 300) ok++;
    }
    return { total, ok };
  }
}
