/**
 * `dreamflow-sim/klaviyo`: the Klaviyo mock as a library. One service (core + admin API + faults +
 * journal) behind three transports: msw handlers (in-process, the SDK keeps `https://a.klaviyo.com`),
 * an Express app (mount it in your own server) and a listening HTTP server.
 */
import type { Express } from 'express';
import { createKlaviyoMock, type KlaviyoMockOptions } from '../../mocks/klaviyo/index.ts';
import { createExpressApp } from '../../mocks/shared/express-adapter.ts';
import type { MockService } from '../../mocks/shared/service.ts';

export {
  createKlaviyoMock,
  DEFAULT_KLAVIYO_BASE_URL,
  GENERIC_OPERATIONS,
  IMPLEMENTED_OPERATIONS,
  KlaviyoCore,
  type KlaviyoHandlersOptions,
  type KlaviyoMockOptions,
  klaviyoHandlers,
  type StartKlaviyoOptions,
  startKlaviyoServer,
} from '../../mocks/klaviyo/index.ts';
export type { RunningServer } from '../../mocks/shared/listen.ts';
export type { MockService } from '../../mocks/shared/service.ts';

/** The mock as an Express app, for mounting under your own server (`app.use(createKlaviyoApp())`). */
export function createKlaviyoApp(opts: KlaviyoMockOptions & { service?: MockService } = {}): Express {
  return createExpressApp(opts.service ?? createKlaviyoMock(opts));
}
