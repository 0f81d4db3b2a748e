/**
 * Thin msw 2 adapter: intercepted Request → MockRequest, service.handle, MockResponse → HttpResponse.
 * Network faults become `HttpResponse.error()` (the client sees a network error) and hangs wait on the
 * service's clock, so a virtual clock makes them cost no wall time.
 */
import { type HttpHandler, HttpResponse, http } from 'msw';
import { createMockRequest, damagedReply } from './http.ts';
import type { MockService } from './service.ts';

/** How long an in-process `hang` waits before failing like a client time-out (clock time, ms). */
export const IN_PROCESS_HANG_MS = 120_000;

export function createMswHandlers(service: MockService, baseUrls: string[]): HttpHandler[] {
  return baseUrls.map((base) =>
    http.all(`${base.replace(/\/+$/, '')}/*`, async ({ request }) => {
      const body = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text();
      const mockReq = createMockRequest({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body,
      });
      const out = await service.handle(mockReq);
      if (out.kind === 'network') {
        if (out.fault === 'malformed') {
          const damaged = damagedReply({ ...out, fault: 'malformed' });
          return new HttpResponse(damaged.body, { status: damaged.status, headers: damaged.headers });
        }
        if (out.fault === 'hang') await service.clock.sleep(IN_PROCESS_HANG_MS, request.signal);
        return HttpResponse.error();
      }
      return new HttpResponse(out.body || null, { status: out.status, headers: out.headers });
    }),
  );
}
