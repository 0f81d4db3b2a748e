/**
 * The fault layer: seeded latency, HTTP errors, 429 bursts, network faults and outage windows, shared by
 * every mock and both adapters. `createMockService(core, { faults: createFaultInjector({...}) })` wires it in;
 * the pipeline calls `decide()` per request and serves `describe()` / `replace()` at `/__admin/faults`.
 *
 * Known limitations: decisions are drawn in arrival order, so concurrent HTTP clients can reorder them
 * (the in-process harness on a virtual clock is fully deterministic); bandwidth limits are not modelled.
 */
import type { Clock } from '../../lib/clock.ts';
import { systemClock } from '../../lib/clock.ts';
import type { FaultInjector } from '../shared/service.ts';
import { FaultEngine } from './injector.ts';
import { listFaultProfiles, loadFaultProfile } from './profiles.ts';
import {
  FaultConfigError,
  type FaultDocument,
  parseFaultDocument,
  parseWith,
  profileSwitchSchema,
} from './schema.ts';

export { faultOptionsHelp, parseSeedOption, seedOptionHelp } from './cli.ts';
export { type LoadedFaultProfile, listFaultProfiles, loadFaultProfile } from './profiles.ts';
export { FaultConfigError, type FaultDocument, type FaultRule, parseFaultDocument } from './schema.ts';

export interface FaultLayerOptions {
  /** A shipped profile name (`ideal`, `flaky`, …) or a path to a YAML/JSON rules file; default `ideal`. */
  profile?: string;
  /** PRNG seed for every probabilistic choice (default: the document's `seed`, else 1). */
  seed?: number;
  clock?: Clock;
  /** An inline rules document instead of `profile` (tests and the harness build these in code). */
  document?: unknown;
  /**
   * The mock this injector serves (`klaviyo`, `supabase`), for rules with `match.service`. The pipeline
   * passes the core's name on every call; this is the fallback for direct callers.
   */
  service?: string;
}

/** The fault layer as built here: the pipeline's FaultInjector plus a typed view for tests and the harness. */
export interface FaultLayer extends FaultInjector {
  describe(): FaultDescription;
  profiles(): string[];
  /** The seed in use (changes when a PUT sets one). */
  readonly seed: number;
}

export interface FaultDescription extends FaultDocument {
  /** The profile name, or null for an inline / PUT document. */
  profile: string | null;
  /** Where the rules came from: a file path, `inline` or `admin`. */
  source: string;
  seed: number;
  /** Clock time (ISO) the rules were loaded: `fromTime` offsets count from here. */
  activeSince: string;
  stats: { requests: number; faulted: number; byLabel: Record<string, number> };
}

interface Active {
  engine: FaultEngine;
  profile: string | null;
  source: string;
}

/** Build the fault injector a mock service uses. Throws a message naming the file and field on bad input. */
export function createFaultInjector(options: FaultLayerOptions = {}): FaultLayer {
  const clock = options.clock ?? systemClock;
  const build = (doc: FaultDocument, seed: number, profile: string | null, source: string): Active => ({
    engine: new FaultEngine(doc, seed, clock, options.service),
    profile,
    source,
  });

  let active: Active;
  if (options.document !== undefined) {
    const doc = parseFaultDocument(options.document, 'inline rules');
    active = build(doc, options.seed ?? doc.seed ?? 1, null, 'inline');
  } else {
    const loaded = loadFaultProfile(options.profile ?? 'ideal');
    // An explicit --seed beats the file's own seed.
    active = build(loaded.document, options.seed ?? loaded.document.seed ?? 1, loaded.name, loaded.source);
  }

  return {
    get seed() {
      return active.engine.seed;
    },
    decide: (req, operation, now, service) => active.engine.decide(req, operation, now, service),
    profiles: listFaultProfiles,
    describe: () => {
      const { engine } = active;
      const { profile: _p, source: _s, activeSince: _a, stats: _st, ...doc } = engine.document;
      return {
        ...doc,
        profile: active.profile,
        source: active.source,
        seed: engine.seed,
        activeSince: new Date(engine.origin).toISOString(),
        stats: structuredClone(engine.stats),
      };
    },
    replace: (input) => {
      // A PUT body is a full document (has `rules`) or a switch to a named profile / file.
      const isSwitch = isObject(input) && !('rules' in input) && 'profile' in input;
      if (isSwitch) {
        const sw = parseWith(profileSwitchSchema, input);
        let loaded: ReturnType<typeof loadFaultProfile>;
        try {
          loaded = loadFaultProfile(sw.profile);
        } catch (err) {
          const e = err as FaultConfigError;
          // A broken file still reports its own field; a bad name or path is the `profile` field.
          throw new FaultConfigError(e.message, e.field === 'profile' ? 'profile' : e.field, e.file);
        }
        active = build(
          loaded.document,
          sw.seed ?? options.seed ?? loaded.document.seed ?? 1,
          loaded.name,
          loaded.source,
        );
        return;
      }
      const doc = parseFaultDocument(input);
      // The newest explicit seed wins: the PUT body's, else the one the mock was started with.
      active = build(doc, doc.seed ?? options.seed ?? 1, null, 'admin');
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
