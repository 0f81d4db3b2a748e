/** Test helpers that work on any mock service (the Klaviyo mock and the fake Supabase alike). */
import type { MockService } from './service.ts';

/**
 * Drop all state and the request journal, as `POST /__admin/reset` does, without a request: for
 * `afterEach` in a suite that shares one mock across tests. The fault rules stay as they are.
 */
export function resetMock(service: MockService): void {
  service.core.reset();
  service.journal.clear();
}
