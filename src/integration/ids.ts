/**
 * Deterministic identifiers. Ids come from the injected Rng (so a seeded run reproduces them) and event
 * `unique_id`s from a hash of what identifies the event (so a retry or a replay can never double-count).
 */
import { createHash } from 'node:crypto';
import type { Rng } from '../../lib/prng.ts';

/** An RFC 4122 version-4-shaped UUID drawn from the Rng. */
export function uuidFromRng(rng: Rng): string {
  const bytes: number[] = [];
  for (let i = 0; i < 16; i++) bytes.push(Math.floor(rng.next() * 256));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A stable id derived from its parts (sha-256, 32 hex chars). */
export function stableId(...parts: (string | number | null | undefined)[]): string {
  return createHash('sha256')
    .update(parts.map((p) => String(p ?? '')).join('\u001f'))
    .digest('hex')
    .slice(0, 32);
}
