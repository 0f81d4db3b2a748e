/**
 * Small helpers for the `mock klaviyo|supabase` and `run` commands (which own their option parsing).
 */
import { listFaultProfiles } from './profiles.ts';

/** Help text for `--faults`, listing the shipped profiles. */
export function faultOptionsHelp(): string {
  return `fault profile: one of ${listFaultProfiles().join(', ')}, or a path to a YAML/JSON rules file (see docs/faults.md)`;
}

/** Help text for `--seed`. */
export const seedOptionHelp =
  'seed for every random fault decision (same seed + same request order = same faults)';

/** Parse `--seed N` (commander passes strings). Throws a message that says what to type instead. */
export function parseSeedOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new Error(`--seed expects a whole number between 0 and 4294967295, got "${value}"`);
  }
  return n;
}
