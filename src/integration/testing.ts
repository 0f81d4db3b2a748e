/**
 * Test support (imported only by `*.test.ts`): the Klaviyo mock behind msw on a VirtualClock, with a
 * fault injector, started before and stopped after the calling `describe` block. Requests from the
 * official SDK reach it unchanged, so tests exercise the real wire path without opening a port.
 */
import { setupServer } from 'msw/node';
import { afterAll, beforeAll } from 'vitest';
import { VirtualClock } from '../../lib/clock.ts';
import { createFaultInjector } from '../../mocks/faults/index.ts';
import { createKlaviyoMock, klaviyoHandlers } from '../../mocks/klaviyo/index.ts';

export function useKlaviyoMock() {
  const clock = new VirtualClock();
  const faults = createFaultInjector({ clock, service: 'klaviyo' });
  const mock = createKlaviyoMock({ clock, faults, rateLimits: false });
  const server = setupServer(...klaviyoHandlers({ service: mock }));
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => {
    server.close();
    mock.close();
  });
  return { clock, faults, mock };
}
