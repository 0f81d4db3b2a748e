/**
 * `dreamflow-sim/testing`: typed reads of the mocks' stored state for your own tests (what Klaviyo
 * "received") and a reset between tests, plus the clock and PRNG that make a test deterministic.
 */

export { type Clock, systemClock, VirtualClock } from '../../lib/clock.ts';
export { createRng, type Rng } from '../../lib/prng.ts';
export {
  type KlaviyoState,
  type KlaviyoStateOptions,
  klaviyoState,
  type StoredEvent,
  type StoredProfile,
  type WebhookDelivery,
} from '../../mocks/klaviyo/testing.ts';
export { resetMock } from '../../mocks/shared/testing.ts';
