/**
 * Values built from a schema, deterministic for a seeded PRNG: answers of the generic tier (every
 * property, nested a few levels), and minimal request bodies (required members only) for tests and tools.
 *
 * Enums pick one of their values, `oneOf`/`anyOf` their first branch, `allOf` merges, formats get
 * well-formed values (`date-time` and `date` from the mock's clock, `uri` on Klaviyo's origin, `email`),
 * `nullable` values are filled rather than null, arrays are empty (no `minItems` in Klaviyo's spec), and
 * `writeOnly` members are left out of answers, `readOnly` ones out of requests.
 */
import type { Rng } from '../../../lib/prng.ts';
import { isoTime } from '../jsonapi/serialize.ts';
import { flattenSchema, type Schema } from './model.ts';

export interface SynthOptions {
  rng: Rng;
  /** ms since the epoch, for dates. */
  now: number;
  resolve(schema: unknown): Schema;
  /** Required members only, no readOnly ones (a request body). */
  minimal?: boolean;
  /** Origin for `uri` values. */
  origin?: string;
  /** An id for `id` members. */
  id?(): string;
}

/** Optional members are filled this deep; below it only required ones. */
const OPTIONAL_DEPTH = 4;
const MAX_DEPTH = 14;
const WORDS = ['moon', 'story', 'dream', 'night', 'owl', 'lamp', 'star', 'cloud'];

export function synth(schema: unknown, o: SynthOptions, name = '', depth = 0): unknown {
  const s = flattenSchema(schema, o.resolve);
  if (s.default !== undefined && s.default !== null) return s.default;
  if (Array.isArray(s.enum)) {
    const values = s.enum.filter((v) => v !== null);
    return values.length ? o.rng.pick(values) : null;
  }
  const branches = (s.oneOf ?? s.anyOf) as unknown[] | undefined;
  if (branches?.length) return synth(branches[0], o, name, depth);
  if (depth > MAX_DEPTH) return s.nullable ? null : undefined;
  const type = s.type ?? (s.properties ? 'object' : undefined);
  switch (type) {
    case 'object':
      return object(s, o, depth);
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return number(s, o, type === 'integer');
    case 'boolean':
      return o.rng.chance(0.5);
    case 'string':
      return string(s, o, name);
    default:
      return {};
  }
}

function object(s: Schema, o: SynthOptions, depth: number): Record<string, unknown> {
  const props = (s.properties ?? {}) as Record<string, unknown>;
  const required = new Set((s.required as string[] | undefined) ?? []);
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(props)) {
    const p = o.resolve(raw);
    const must = required.has(key);
    if (o.minimal ? !must || p.readOnly === true : p.writeOnly === true) continue;
    if (!must && depth >= OPTIONAL_DEPTH) continue;
    const value = synth(raw, o, key, depth + 1);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function number(s: Schema, o: SynthOptions, integer: boolean): number {
  const min = typeof s.minimum === 'number' ? s.minimum : 0;
  const max = typeof s.maximum === 'number' ? s.maximum : Math.max(min, 100);
  return integer
    ? o.rng.int(Math.ceil(min), Math.floor(max))
    : Math.round((min + o.rng.next() * (max - min)) * 100) / 100;
}

function string(s: Schema, o: SynthOptions, name: string): string {
  const iso = new Date(o.now).toISOString();
  switch (s.format) {
    case 'date-time':
      return isoTime(o.now)!;
    case 'date':
      return iso.slice(0, 10);
    case 'time':
      return iso.slice(11, 19);
    case 'uri':
      return `${o.origin ?? 'https://a.klaviyo.com'}/api/`;
    case 'email':
      return `${o.rng.pick(WORDS)}.${o.rng.int(1, 999)}@example.com`;
    case 'binary':
      return '';
  }
  if (name === 'id' && o.id) return o.id();
  if (name === 'email' || name.endsWith('_email'))
    return `${o.rng.pick(WORDS)}.${o.rng.int(1, 999)}@example.com`;
  if (name === 'url' || name.endsWith('_url'))
    return `${o.origin ?? 'https://a.klaviyo.com'}/${o.rng.pick(WORDS)}`;
  return `${o.rng.pick(WORDS)}-${o.rng.int(1, 9999)}`;
}
