/**
 * Vitest helper: validate every response the Klaviyo mock sends against Klaviyo's OpenAPI spec.
 *
 *   const contract = useKlaviyoContract();
 *   const mock = createKlaviyoMock({ onResponse: contract.onResponse });
 *   …
 *   it('validated something', () => expect(contract.validated).toBeGreaterThan(0));
 *
 * An `afterAll` fails the file when any body violated its schema, listing every violation. Network-fault
 * responses (no body reaches the client) and `/__admin/` routes (not Klaviyo's API) are skipped.
 */
import { afterAll } from 'vitest';
import { type ContractValidator, createContractValidator } from '../../mocks/klaviyo/spec/contract.ts';
import type { MockRequest, MockResponse } from '../../mocks/shared/http.ts';

export interface KlaviyoContract {
  /** Pass as `onResponse` to `createKlaviyoMock` / `startKlaviyoServer` / `klaviyoHandlers`. */
  onResponse: (req: MockRequest, res: MockResponse, operation: string | undefined) => void;
  /** Responses validated so far (assert `> 0` so a miswired hook cannot pass silently). */
  readonly validated: number;
  /** Violations so far, one readable block per response. */
  readonly violations: readonly string[];
  /** Return and forget the violations so far: for a test that sends an off-spec body on purpose. */
  takeViolations(): string[];
}

let shared: ContractValidator | undefined;

/** One validator per test file (worker): building it parses 3 MB and schemas compile lazily, so reuse it. */
function validator(): ContractValidator {
  shared ??= createContractValidator();
  return shared;
}

export function useKlaviyoContract(): KlaviyoContract {
  const violations: string[] = [];
  let validated = 0;
  const v = validator(); // fail early (clear "spec not found" error) rather than inside a request

  function onResponse(req: MockRequest, res: MockResponse, operation: string | undefined): void {
    if (res.kind === 'network' || req.path.startsWith('/__admin')) return;
    const where = `${req.method} ${req.url.pathname}${req.url.search} → ${res.status}`;
    try {
      const contentType = Object.entries(res.headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
      const result = v.validate(req.method, req.path, res.status, res.body, contentType);
      validated++;
      const errors = [...result.errors];
      // The mock names operations for fault rules and the journal; they must be the spec's operationIds.
      if (operation && result.operationId && operation !== result.operationId) {
        errors.push(
          `mock reported operation "${operation}" but the spec's operationId is "${result.operationId}"`,
        );
      }
      if (errors.length)
        violations.push(`${where} (${result.operationId ?? 'no operation'}):\n    ${errors.join('\n    ')}`);
    } catch (err) {
      // Never break the mock's response because the checker failed; report it instead.
      violations.push(`${where}: contract check crashed: ${(err as Error).message}`);
    }
  }

  afterAll(() => {
    if (violations.length === 0) return;
    throw new Error(
      `${violations.length} Klaviyo response(s) violate the OpenAPI spec (${validated} validated):\n  ${violations.join('\n  ')}`,
    );
  });

  return {
    onResponse,
    get validated() {
      return validated;
    },
    get violations() {
      return [...violations];
    },
    takeViolations() {
      return violations.splice(0);
    },
  };
}
