/**
 * A hand-written check for the common create-event body, run before zod on the hot path.
 *
 * It accepts a strict SUBSET of what the zod schema in events.ts accepts: exactly the known keys at
 * every level (no unknown keys, which zod would strip), scalar profile attributes only (no `location`,
 * `properties` or `meta` on the profile). Whatever it does not recognise returns `undefined` and goes
 * through zod, so every error message and pointer is still zod's. For a body it accepts, zod would
 * return an equal object (event-fast-check.test.ts runs a table of bodies through both).
 */

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const optString = (v: unknown): boolean => v === undefined || v === null || typeof v === 'string';

const ATTRIBUTE_KEYS = new Set([
  'properties',
  'time',
  'value',
  'value_currency',
  'unique_id',
  'backfill',
  'metric',
  'profile',
]);
/** Profile attributes the fast path handles: nullable strings, nothing nested. */
const PROFILE_STRING_KEYS = new Set([
  'email',
  'phone_number',
  'external_id',
  '_kx',
  'first_name',
  'last_name',
  'organization',
  'locale',
  'title',
  'image',
  'anonymous_id',
]);

/** Only these keys, all present ones own (JSON.parse output has no inherited enumerable keys). */
function onlyKeys(o: Obj, allowed: ReadonlySet<string>): boolean {
  for (const k in o) if (!allowed.has(k)) return false;
  return true;
}

const DOC_KEYS = new Set(['data']);
const DATA_KEYS = new Set(['type', 'attributes']);
const REL_KEYS = new Set(['data']);
const METRIC_DATA_KEYS = new Set(['type', 'attributes']);
const METRIC_ATTR_KEYS = new Set(['name', 'service']);
const PROFILE_DATA_KEYS = new Set(['type', 'id', 'attributes']);

/** The body itself (already typed as the schema's output) when it passes, else undefined. */
export function fastCheckEvent<T>(json: unknown): T | undefined {
  if (!isObj(json) || !onlyKeys(json, DOC_KEYS)) return undefined;
  const data = json.data;
  if (!isObj(data) || !onlyKeys(data, DATA_KEYS) || data.type !== 'event') return undefined;
  const a = data.attributes;
  if (!isObj(a) || !onlyKeys(a, ATTRIBUTE_KEYS)) return undefined;
  // `__proto__` as a property name is the one key zod's record might not copy as-is: leave it to zod.
  if (!isObj(a.properties) || Object.hasOwn(a.properties, '__proto__')) return undefined;
  if (!optString(a.time) || !optString(a.value_currency) || !optString(a.unique_id)) return undefined;
  // JSON.parse turns 1e400 into Infinity, which z.number() rejects.
  if (!(a.value === undefined || a.value === null || Number.isFinite(a.value))) return undefined;
  if (!(a.backfill === undefined || a.backfill === null || typeof a.backfill === 'boolean')) return undefined;
  const metric = a.metric;
  if (!isObj(metric) || !onlyKeys(metric, REL_KEYS)) return undefined;
  const md = metric.data;
  if (!isObj(md) || !onlyKeys(md, METRIC_DATA_KEYS) || md.type !== 'metric') return undefined;
  const ma = md.attributes;
  if (!isObj(ma) || !onlyKeys(ma, METRIC_ATTR_KEYS)) return undefined;
  if (typeof ma.name !== 'string' || ma.name.length === 0 || !optString(ma.service)) return undefined;
  const profile = a.profile;
  if (!isObj(profile) || !onlyKeys(profile, REL_KEYS)) return undefined;
  const pd = profile.data;
  if (!isObj(pd) || !onlyKeys(pd, PROFILE_DATA_KEYS) || pd.type !== 'profile' || !optString(pd.id))
    return undefined;
  const pa = pd.attributes;
  if (!isObj(pa)) return undefined;
  for (const k in pa) if (!PROFILE_STRING_KEYS.has(k) || !optString(pa[k])) return undefined;
  return json as T;
}
