import { describe, expect, it } from 'vitest';
import { OPERATIONS, type OperationInfo } from '../operations.generated.ts';
import { loadSpec } from './load.ts';
import { listOperations } from './operations.ts';

// The mock's committed operation table is derived from the spec; this keeps it from drifting.
describe('mocks/klaviyo/operations.generated.ts', () => {
  const stale = 'stale: re-run `npx tsx mocks/klaviyo/scripts/gen-operations.ts` after updating the spec';

  it("holds every operation's method, path, group and x-klaviyo-ratelimit exactly as the spec declares it", () => {
    const fromSpec = Object.fromEntries(
      listOperations(loadSpec()).map((op) => [
        op.operationId,
        {
          method: op.method,
          path: op.path,
          group: op.tag,
          burst: op.rateLimit.burst ?? '75/s',
          steady: op.rateLimit.steady ?? '750/m',
          ...(op.rateLimit.daily ? { daily: op.rateLimit.daily } : {}),
        },
      ]),
    );
    const committed = Object.fromEntries(
      Object.entries(OPERATIONS as Record<string, OperationInfo>).map(([id, { stricter: _s, ...rest }]) => [
        id,
        rest,
      ]),
    );
    expect(committed, stale).toEqual(fromSpec);
  });

  it('carries the stricter tier the spec documents for profile_count on lists and segments', () => {
    expect(OPERATIONS.get_list.stricter).toContainEqual({
      param: 'additional-fields[list]',
      value: 'profile_count',
      burst: '1/s',
      steady: '15/m',
    });
    expect(OPERATIONS.get_segment.stricter?.[0]).toMatchObject({ value: 'profile_count', burst: '1/s' });
  });
});
