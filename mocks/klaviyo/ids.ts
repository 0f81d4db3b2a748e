/**
 * Klaviyo-looking ids, deterministic for a seed: profiles and events get 26-character ULID-style ids
 * (48-bit clock time + 80 bits from the seeded PRNG, Crockford base32), metrics 6 alphanumerics, error
 * ids UUID-shaped. An event's `uuid` is derived from its id (`eventUuid`) rather than stored: 37 bytes
 * less per event row. The store bumps a generation number on every open and the PRNG is forked by it,
 * so a file-backed mock restarted with the same seed never re-issues an id.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../lib/clock.ts';
import type { Rng } from '../../lib/prng.ts';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';

export class IdFactory {
  constructor(
    private readonly rng: Rng,
    private readonly clock: Clock,
  ) {}

  /** 26 characters: 10 of time, 16 of randomness. */
  ulid(): string {
    let t = Math.max(0, Math.floor(this.clock.now()));
    let time = '';
    for (let i = 0; i < 10; i++) {
      time = CROCKFORD[t % 32] + time;
      t = Math.floor(t / 32);
    }
    let rand = '';
    for (let i = 0; i < 16; i++) rand += CROCKFORD[Math.floor(this.rng.next() * 32)];
    return time + rand;
  }

  /** 6 alphanumerics, like `Y6nRLr`: metric, list and segment ids. */
  shortId(): string {
    let id = '';
    for (let i = 0; i < 6; i++) id += ALNUM[Math.floor(this.rng.next() * ALNUM.length)];
    return id;
  }

  /** A version-4-shaped UUID from the PRNG. */
  uuid(): string {
    let s = '';
    for (let i = 0; i < 32; i++) s += HEX[Math.floor(this.rng.next() * 16)];
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-${'89ab'[Math.floor(this.rng.next() * 4)]}${s.slice(17, 20)}-${s.slice(20, 32)}`;
  }
}

/** An event's `uuid`: a version-4-shaped UUID from a hash of its id (stable, unique per id). */
export function eventUuid(eventId: string): string {
  const h = createHash('md5').update(`event:${eventId}`).digest('hex');
  const variant = '89ab'[Number.parseInt(h[16]!, 16) % 4];
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
