/**
 * Segment definitions, evaluated against the mock's own data. `condition_groups` are ANDed, the
 * conditions in a group ORed (Klaviyo's segments API overview). Emulated condition types:
 * - `profile-property`: string, numeric, boolean, list-contains and existence filters on a well-known
 *   attribute (`email`, `first_name`, …) or a custom one (`properties['total_stories']`);
 * - `profile-group-membership`: member (or not) of any of the lists / segments named;
 * - `profile-metric`: count or sum of a metric's events in a timeframe (in-the-last, at-least, alltime,
 *   before / after / between static dates), compared with a numeric filter;
 * - `profile-marketing-consent` on email: subscribed / unsubscribed / never_subscribed / any, and
 *   `can_receive_marketing`, read from the profile's consent record.
 * Anything else is refused when the segment is saved (400 naming the condition), never silently false.
 */
import { invalidBody } from '../../jsonapi/errors.ts';
import { parseDatetime } from '../../jsonapi/filter.ts';
import type { ProfileRow } from '../profiles/repo.ts';

export interface Condition {
  type: string;
  [key: string]: unknown;
}
export interface Definition {
  condition_groups: { conditions: Condition[] }[];
}

/** What a predicate may look up beyond the profile row; provided by the evaluation job. */
export interface Lookups {
  now: number;
  /** Member of a list or segment id (in the same account). */
  inGroup(groupId: string, profileSeq: number): boolean;
  /** count / sum of a metric's events for a profile in [from, to). */
  metric(metricId: string, from: number, to: number): Map<number, { count: number; sum: number }>;
  /** Email consent of a profile: `SUBSCRIBED` | `UNSUBSCRIBED` | `NEVER_SUBSCRIBED`, and whether mail may go. */
  emailConsent(profile: ProfileRow): { consent: string; canReceive: boolean };
}

export type Predicate = (
  profile: ProfileRow,
  props: Record<string, unknown>,
  attrs: Record<string, unknown>,
) => boolean;

const UNIT_MS = { hour: 3_600_000, day: 86_400_000, week: 604_800_000 } as const;
const WELL_KNOWN = new Set([
  'email',
  'phone_number',
  'external_id',
  'first_name',
  'last_name',
  'organization',
  'title',
  'locale',
  'image',
]);

/** Check a definition and compile it; throws a 400 pointing at the first condition it cannot evaluate. */
export function compileDefinition(
  def: Definition,
  lookups: () => Lookups,
  base = '/data/attributes/definition',
): Predicate {
  if (!Array.isArray(def.condition_groups) || def.condition_groups.length === 0) {
    throw invalidBody(`${base}/condition_groups`, 'A segment definition needs at least one condition group.');
  }
  const groups = def.condition_groups.map((g, gi) => {
    const at = `${base}/condition_groups/${gi}/conditions`;
    if (!Array.isArray(g?.conditions) || g.conditions.length === 0) {
      throw invalidBody(at, 'A condition group needs at least one condition.');
    }
    return g.conditions.map((c, ci) => compileCondition(c, lookups, `${at}/${ci}`));
  });
  return (p, props, attrs) => groups.every((ors) => ors.some((test) => test(p, props, attrs)));
}

function compileCondition(c: Condition, lookups: () => Lookups, at: string): Predicate {
  switch (c?.type) {
    case 'profile-property':
      return propertyCondition(c, at);
    case 'profile-group-membership': {
      const ids = c.group_ids;
      if (!Array.isArray(ids) || ids.length === 0 || typeof c.is_member !== 'boolean') {
        throw invalidBody(
          at,
          'profile-group-membership needs is_member (boolean) and a non-empty group_ids.',
        );
      }
      const want = c.is_member;
      return (p) => ids.some((id) => lookups().inGroup(String(id), p.seq)) === want;
    }
    case 'profile-metric':
      return metricCondition(c, lookups, at);
    case 'profile-marketing-consent':
      return consentCondition(c, lookups, at);
    default:
      throw invalidBody(
        `${at}/type`,
        `Condition type '${String(c?.type)}' is not emulated by this mock; emulated: profile-property, profile-group-membership, profile-metric, profile-marketing-consent.`,
      );
  }
}

function propertyCondition(c: Condition, at: string): Predicate {
  const property = String(c.property ?? '');
  const custom = /^properties\['(.+)'\]$/.exec(property)?.[1];
  if (!custom && !WELL_KNOWN.has(property)) {
    throw invalidBody(
      `${at}/property`,
      `Unknown property '${property}': use a profile attribute (e.g. email) or properties['name'].`,
    );
  }
  const read = (p: ProfileRow, props: Record<string, unknown>, attrs: Record<string, unknown>): unknown =>
    custom !== undefined
      ? props[custom]
      : property in p
        ? (p as unknown as Record<string, unknown>)[property]
        : attrs[property];
  const test = valueFilter(c.filter as Record<string, unknown>, `${at}/filter`);
  return (p, props, attrs) => test(read(p, props, attrs));
}

/** A string / numeric / boolean / list / existence filter as a test of one value. */
export function valueFilter(f: Record<string, unknown> | undefined, at: string): (v: unknown) => boolean {
  const op = f?.operator;
  const want = f?.value;
  const unset = (v: unknown) => v === undefined || v === null || v === '';
  switch (f?.type) {
    case 'existence':
      if (op === 'is-set') return (v) => !unset(v);
      if (op === 'not-set') return unset;
      break;
    case 'boolean':
      if (op === 'equals' && typeof want === 'boolean')
        return (v) => v === want || String(v) === String(want);
      break;
    case 'numeric': {
      if (typeof want !== 'number') break;
      const cmp: Record<string, (a: number) => boolean> = {
        equals: (a) => a === want,
        'not-equals': (a) => a !== want,
        'greater-than': (a) => a > want,
        'greater-than-or-equal': (a) => a >= want,
        'less-than': (a) => a < want,
        'less-than-or-equal': (a) => a <= want,
      };
      const fn = cmp[String(op)];
      if (fn) return (v) => !unset(v) && Number.isFinite(Number(v)) && fn(Number(v));
      break;
    }
    case 'string': {
      const w = String(want ?? '').toLowerCase();
      const s = (v: unknown) => (unset(v) ? null : String(v).toLowerCase());
      const ops: Record<string, (a: string) => boolean> = {
        equals: (a) => a === w,
        contains: (a) => a.includes(w),
        'starts-with': (a) => a.startsWith(w),
        'ends-with': (a) => a.endsWith(w),
      };
      const negated = String(op).startsWith('not-');
      const fn = ops[negated ? String(op).slice(4) : String(op)];
      if (fn) return (v) => (s(v) === null ? negated : fn(s(v)!) !== negated);
      break;
    }
    case 'list':
      if (op === 'contains' || op === 'not-contains') {
        return (v) =>
          (Array.isArray(v) && v.some((x) => x === want || String(x) === String(want))) ===
          (op === 'contains');
      }
      break;
  }
  throw invalidBody(
    at,
    `Filter ${JSON.stringify(f)} is not one this mock evaluates (type/operator/value as the spec lists).`,
  );
}

/** A timeframe filter as [from, to) in ms on the mock's clock. */
function timeframe(f: Record<string, unknown> | undefined, at: string): (now: number) => [number, number] {
  const unit = UNIT_MS[f?.unit as keyof typeof UNIT_MS];
  const q = Number(f?.quantity);
  const date = (v: unknown) => {
    const ms = typeof v === 'string' ? parseDatetime(v) : Number.NaN;
    if (Number.isNaN(ms)) throw invalidBody(at, `'${String(v)}' is not an ISO 8601 date.`);
    return ms;
  };
  switch (f?.operator) {
    case 'alltime':
      return () => [0, Number.MAX_SAFE_INTEGER];
    case 'in-the-last':
      if (unit && Number.isInteger(q) && q > 0) return (now) => [now - q * unit, now + 1];
      break;
    case 'at-least':
      if (unit && Number.isInteger(q) && q > 0) return (now) => [0, now - q * unit];
      break;
    case 'after': {
      const d = date(f.date);
      return () => [d, Number.MAX_SAFE_INTEGER];
    }
    case 'before': {
      const d = date(f.date);
      return () => [0, d];
    }
    case 'between-static': {
      const lo = date(f.start);
      const hi = date(f.end);
      return () => [lo, hi];
    }
  }
  throw invalidBody(
    at,
    `Timeframe ${JSON.stringify(f)} is not emulated: use alltime, in-the-last, at-least, after, before or between-static.`,
  );
}

function metricCondition(c: Condition, lookups: () => Lookups, at: string): Predicate {
  if (typeof c.metric_id !== 'string' || !c.metric_id)
    throw invalidBody(`${at}/metric_id`, 'profile-metric needs a metric_id.');
  if (c.measurement !== 'count' && c.measurement !== 'sum') {
    throw invalidBody(`${at}/measurement`, "measurement must be 'count' or 'sum'.");
  }
  if (Array.isArray(c.metric_filters) && c.metric_filters.length > 0) {
    throw invalidBody(
      `${at}/metric_filters`,
      'metric_filters are not emulated by this mock yet; leave them out.',
    );
  }
  const measure = c.measurement;
  const test = valueFilter(c.measurement_filter as Record<string, unknown>, `${at}/measurement_filter`);
  const window = timeframe(c.timeframe_filter as Record<string, unknown>, `${at}/timeframe_filter`);
  const metricId = c.metric_id;
  return (p) => {
    const l = lookups();
    const [from, to] = window(l.now);
    const got = l.metric(metricId, from, to).get(p.seq);
    return test(measure === 'count' ? (got?.count ?? 0) : (got?.sum ?? 0));
  };
}

function consentCondition(c: Condition, lookups: () => Lookups, at: string): Predicate {
  const consent = c.consent as Record<string, unknown> | undefined;
  if (consent?.channel !== 'email') {
    throw invalidBody(`${at}/consent/channel`, "Only the 'email' channel is emulated for marketing consent.");
  }
  const can = consent.can_receive_marketing;
  const subscription = String(
    (consent.consent_status as Record<string, unknown> | undefined)?.subscription ?? 'any',
  );
  if (!['any', 'subscribed', 'unsubscribed', 'never_subscribed'].includes(subscription)) {
    throw invalidBody(`${at}/consent/consent_status/subscription`, `Unknown subscription '${subscription}'.`);
  }
  return (p) => {
    const e = lookups().emailConsent(p);
    if (typeof can === 'boolean' && e.canReceive !== can) return false;
    return subscription === 'any' || e.consent === subscription.toUpperCase();
  };
}
