/**
 * A tiny MockCore for fault-layer tests: answers 200 with a small JSON:API document, formats errors the
 * way the Klaviyo core does, and names two operations. The real mocks get the same pipeline.
 */
import type { MockRequest } from '../../mocks/shared/http.ts';
import { jsonReply } from '../../mocks/shared/http.ts';
import type { MockCore } from '../../mocks/shared/service.ts';

export function createStubCore(name = 'klaviyo'): MockCore & { handled: number } {
  const core = {
    name,
    handled: 0,
    handle(req: MockRequest) {
      core.handled++;
      if (req.method === 'POST' && req.path === '/api/events')
        return { status: 202, headers: {}, body: null };
      return jsonReply(
        200,
        { data: [{ type: 'profile', id: '01STUB', attributes: { email: 'a@example.com' } }] },
        'application/vnd.api+json',
      );
    },
    operationOf(req: MockRequest) {
      if (req.path === '/api/events') return req.method === 'POST' ? 'create_event' : 'get_events';
      if (req.path === '/api/profiles') return req.method === 'POST' ? 'create_profile' : 'get_profiles';
      return undefined;
    },
    formatError(status: number, code: string, detail: string, headers: Record<string, string> = {}) {
      const body = {
        errors: [{ id: 'stub', status, code, title: 'Injected', detail, source: { pointer: '/data/' } }],
      };
      return {
        status,
        headers: { 'content-type': 'application/vnd.api+json', ...headers },
        body: JSON.stringify(body),
      };
    },
    reset() {},
    state() {
      return {};
    },
  };
  return core;
}
