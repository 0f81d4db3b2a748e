/**
 * What an in-process transport (msw, the direct SDK transport) does with a mock's answer. There is no
 * socket to damage in-process, so the three network faults that need one (reset, empty, truncated)
 * surface as the client's network error, a `malformed` body is still delivered as a broken body, and a
 * `hang` waits on the service's clock (free on a virtual clock) before failing like a client time-out.
 * Every in-process adapter calls this, so they cannot drift apart; each only maps the outcome to its
 * own types (`HttpResponse`/`HttpResponse.error()`, `Response`/`TypeError`, `AxiosResponse`/`AxiosError`).
 */
import { damagedReply, type MockResponse, type NetworkFault } from './http.ts';
import type { MockService } from './service.ts';

/** How long an in-process `hang` waits before failing like a client time-out (clock time, ms). */
export const IN_PROCESS_HANG_MS = 120_000;

export interface InProcessReply {
  status: number;
  headers: Record<string, string>;
  body: string | null;
}

export type InProcessOutcome = { reply: InProcessReply } | { networkError: NetworkFault };

/** Settle a mock's answer for an in-process client; rejects with the signal's reason if aborted mid-hang. */
export async function settleInProcess(
  service: MockService,
  out: MockResponse,
  signal?: AbortSignal | null,
): Promise<InProcessOutcome> {
  if (out.kind !== 'network') return { reply: out };
  if (out.fault === 'malformed') return { reply: damagedReply({ ...out, fault: 'malformed' }) };
  if (out.fault === 'hang') await service.clock.sleep(IN_PROCESS_HANG_MS, signal ?? undefined);
  return { networkError: out.fault };
}
