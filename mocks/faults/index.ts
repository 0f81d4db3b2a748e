/**
 * PLACEHOLDER — the fault layer (issue 3) replaces this file, keeping these exports' signatures.
 */
import type { Clock } from '../../src/lib/clock.ts';
import type { FaultInjector } from '../shared/service.ts';

export interface FaultLayerOptions {
  /** A shipped profile name (`ideal`, `flaky`, …) or a path to a YAML/JSON rules file; default `ideal`. */
  profile?: string;
  /** PRNG seed for every probabilistic choice (default 1). */
  seed?: number;
  clock?: Clock;
}

/** Build the fault injector a mock service uses. Throws a message naming the file and field on bad input. */
export function createFaultInjector(_options: FaultLayerOptions = {}): FaultInjector {
  let doc: unknown = { profile: 'ideal', rules: [] };
  return {
    decide: () => null,
    describe: () => doc,
    replace: (next) => {
      doc = next;
    },
  };
}
