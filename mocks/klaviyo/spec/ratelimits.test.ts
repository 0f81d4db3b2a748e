import { describe, expect, it } from 'vitest';
import { RATE_LIMITS } from '../ratelimits.generated.ts';
import { loadSpec } from './load.ts';
import { listOperations } from './operations.ts';

// The mock's committed rate-limit table is derived from the spec; this keeps it from drifting.
describe('mocks/klaviyo/ratelimits.generated.ts', () => {
  it("holds every operation's x-klaviyo-ratelimit exactly as the spec declares it", () => {
    const fromSpec = Object.fromEntries(
      listOperations(loadSpec())
        .filter((op) => op.rateLimit.burst && op.rateLimit.steady)
        .map((op) => [op.operationId, { burst: op.rateLimit.burst, steady: op.rateLimit.steady }]),
    );
    expect(
      RATE_LIMITS,
      'stale: re-run `npx tsx mocks/klaviyo/scripts/gen-ratelimits.ts` after updating the spec',
    ).toEqual(fromSpec);
  });
});
