/**
 * The Klaviyo mock's public entry points.
 *
 * - `createKlaviyoMock(opts)` → a `MockService` (admin API, faults, journal around the core);
 * - `klaviyoHandlers(opts)` → msw handlers: `setupServer(...klaviyoHandlers())` makes the unchanged SDK
 *   talk to the mock in-process at `https://a.klaviyo.com` (or any `baseUrls`);
 * - `startKlaviyoServer(opts)` → the same service over HTTP (Express) on 127.0.0.1.
 */
import type { HttpHandler } from 'msw';
import type { Clock } from '../../lib/clock.ts';
import { createExpressApp } from '../shared/express-adapter.ts';
import type { MockRequest, MockResponse } from '../shared/http.ts';
import { type RunningServer, serveMock } from '../shared/listen.ts';
import { createMswHandlers } from '../shared/msw-adapter.ts';
import { createMockService, type FaultInjector, type MockService } from '../shared/service.ts';
import { genericSpec } from './generic/model.ts';
import { KlaviyoCore } from './provider.ts';

export { GENERIC_OPERATIONS, IMPLEMENTED_OPERATIONS, KlaviyoCore } from './provider.ts';

export const DEFAULT_KLAVIYO_BASE_URL = 'https://a.klaviyo.com';

export interface KlaviyoMockOptions {
  /** SQLite file (WAL mode) so state survives restarts; omitted → in memory. */
  dbFile?: string;
  /** Per-operation rate limits from the spec (default true). */
  rateLimits?: boolean;
  clock?: Clock;
  faults?: FaultInjector;
  /** Seed for generated ids (default 1). */
  seed?: number;
  /** Called after every emulated-API response (contract tests validate bodies here). */
  onResponse?: (req: MockRequest, res: MockResponse, operation: string | undefined) => void;
  /** Request journal capacity (default 10 000). */
  journalSize?: number;
}

export function createKlaviyoMock(opts: KlaviyoMockOptions = {}): MockService {
  const core = new KlaviyoCore({
    dbFile: opts.dbFile,
    rateLimits: opts.rateLimits,
    clock: opts.clock,
    seed: opts.seed,
  });
  return createMockService(core, {
    clock: opts.clock,
    faults: opts.faults,
    onResponse: opts.onResponse,
    journalSize: opts.journalSize,
  });
}

export interface KlaviyoHandlersOptions extends KlaviyoMockOptions {
  /** Base URLs to intercept (default `https://a.klaviyo.com`). */
  baseUrls?: string[];
  /** Reuse an existing service (e.g. to share state with an HTTP server or inspect its journal). */
  service?: MockService;
}

export function klaviyoHandlers(opts: KlaviyoHandlersOptions = {}): HttpHandler[] {
  const service = opts.service ?? createKlaviyoMock(opts);
  return createMswHandlers(service, opts.baseUrls ?? [DEFAULT_KLAVIYO_BASE_URL]);
}

export interface StartKlaviyoOptions extends KlaviyoMockOptions {
  port?: number;
  host?: string;
  /** Print `klaviyo listening on http://…` once listening (the CLI turns this on). */
  announce?: boolean;
  /** Serve an existing service instead of creating one. */
  service?: MockService;
  /** Admin API token beyond loopback (see `serveMock`). */
  adminToken?: string;
}

export async function startKlaviyoServer(
  opts: StartKlaviyoOptions = {},
): Promise<RunningServer & { service: MockService }> {
  const service = opts.service ?? createKlaviyoMock(opts);
  // Read the trimmed spec now (~0.3 s, once per process) rather than in the first generic request.
  genericSpec();
  return serveMock(service, createExpressApp, {
    port: opts.port,
    host: opts.host,
    announce: opts.announce,
    adminToken: opts.adminToken,
    ownsService: !opts.service,
  });
}
