/**
 * Thin msw 2 adapter: intercepted Request → MockRequest, service.handle, outcome → HttpResponse.
 * Network faults become `HttpResponse.error()` (the client sees a network error); see in-process.ts.
 */
import { type HttpHandler, HttpResponse, http } from 'msw';
import { createMockRequest } from './http.ts';
import { settleInProcess } from './in-process.ts';
import type { MockService } from './service.ts';

export { IN_PROCESS_HANG_MS } from './in-process.ts';

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
      const outcome = await settleInProcess(service, await service.handle(mockReq), request.signal);
      if ('networkError' in outcome) return HttpResponse.error();
      const { reply } = outcome;
      return new HttpResponse(reply.body || null, { status: reply.status, headers: reply.headers });
    }),
  );
}
