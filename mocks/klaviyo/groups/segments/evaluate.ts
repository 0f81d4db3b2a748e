/**
 * Segment definitions, evaluated against the mock's own data. `condition_groups` are ANDed, the
 * conditions in a group ORed (Klaviyo's segments API overview). Emulated condition types:
 * - `profile-property`: string (regex and in / not-in included), numeric, boolean, list contains /
 *   length and existence filters on a well-known attribute (`email`, `first_name`, …) or a custom one
 *   (`properties['total_stories']`); date filters (static after / before / between, relative in-the-last /
 *   at-least / in-the-next / between, anniversaries, calendar month) on `created`, `updated`,
 *   `last_event_date` or a custom property holding an ISO 8601 date, on the mock's clock;
 * - `profile-group-membership`: member (or not) of any of the lists / segments named;
 * - `profile-metric`: count or sum of a metric's events in a timeframe (in-the-last, at-least,
 *   in-the-next, between, alltime, before / after / between static dates), compared with a numeric
 *   filter; `metric_filters` (ANDed) narrow the events by their properties (string, numeric, boolean,
 *   list set / length / substring, existence; `$value` reads the event's value);
 * - `profile-marketing-consent` on email: subscribed / unsubscribed / never_subscribed / any, and
 *   `can_receive_marketing`, read from the profile's consent record.
 * Anything else is refused when the segment is saved (400 naming the condition or filter), never
 * silently false. The filters themselves are compiled in filters.ts.
 */
import { invalidBody } from '../../jsonapi/errors.ts';
import { parseDatetime } from '../../jsonapi/filter.ts';
import type { ProfileRow } from '../profiles/repo.ts';
import {
  dateFilter,
  MEASUREMENT_FILTERS,
  METRIC_PROPERTY_FILTERS,
  PROPERTY_FILTERS,
  timeframe,
  valueFilter,
} from './filters.ts';

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
  /** count / sum per profile of a metric's events in [from, to) that pass `where` (metric_filters). */
  metricWhere(
    metricId: string,
    from: number,
    to: number,
    where: EventWhere,
  ): Map<number, { count: number; sum: number }>;
  /** count / sum of a metric's events for a profile in [from, to). */
  metric(metricId: string, from: number, to: number): Map<number, { count: number; sum: number }>;
  /** Email consent of a profile: `SUBSCRIBED` | `UNSUBSCRIBED` | `NEVER_SUBSCRIBED`, and whether mail may go. */
  emailConsent(profile: ProfileRow): { consent: string; canReceive: boolean };
}

/** Compiled metric_filters; `key` tells apart the filters of different conditions in a cache. */
export interface EventWhere {
  key: string;
  test(props: Record<string, unknown>, value: number | null): boolean;
}

export type Predicate = (
  profile: ProfileRow,
  props: Record<string, unknown>,
  attrs: Record<string, unknown>,
) => boolean;

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
/** Well-known attributes holding dates (ms on the row; `last_event_date` is computed on read). */
const DATE_ATTRS = new Set(['created', 'updated', 'last_event_date']);

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
      return propertyCondition(c, lookups, at);
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

function propertyCondition(c: Condition, lookups: () => Lookups, at: string): Predicate {
  const property = String(c.property ?? '');
  const custom = /^properties\['(.+)'\]$/.exec(property)?.[1];
  const dated = custom === undefined && DATE_ATTRS.has(property);
  if (!custom && !dated && !WELL_KNOWN.has(property)) {
    throw invalidBody(
      `${at}/property`,
      `Unknown property '${property}': use a profile attribute (e.g. email, created) or properties['name'].`,
    );
  }
  const read = (p: ProfileRow, props: Record<string, unknown>, attrs: Record<string, unknown>): unknown =>
    custom !== undefined
      ? props[custom]
      : property in p
        ? (p as unknown as Record<string, unknown>)[property]
        : attrs[property];
  const f = c.filter as Record<string, unknown> | undefined;
  if (f?.type === 'date') {
    const test = dateFilter(f, `${at}/filter`);
    const ms = (v: unknown) =>
      dated && typeof v === 'number' ? v : !dated && typeof v === 'string' ? parseDatetime(v) : Number.NaN;
    return (p, props, attrs) => test(ms(read(p, props, attrs)), lookups().now);
  }
  if (dated && f?.type !== 'existence') {
    throw invalidBody(`${at}/filter/type`, `'${property}' is a date: use a date or existence filter.`);
  }
  const test = valueFilter(f, `${at}/filter`, PROPERTY_FILTERS);
  return (p, props, attrs) => test(read(p, props, attrs));
}

/** metric_filters as one test of an event, or undefined when there are none. */
function eventWhere(filters: unknown, at: string): EventWhere | undefined {
  if (filters === undefined || filters === null) return undefined;
  if (!Array.isArray(filters)) throw invalidBody(at, 'metric_filters must be a list.');
  const tests = filters.map((mf: Record<string, unknown> | null, i) => {
    const name = mf?.property;
    if (typeof name !== 'string' || !name) {
      throw invalidBody(`${at}/${i}/property`, 'A metric filter needs the event property it reads.');
    }
    const filter = mf!.filter as Record<string, unknown> | undefined;
    const test = valueFilter(filter, `${at}/${i}/filter`, METRIC_PROPERTY_FILTERS);
    return (props: Record<string, unknown>, value: number | null) =>
      test(name === '$value' && !(name in props) ? value : props[name]);
  });
  if (tests.length === 0) return undefined;
  return { key: JSON.stringify(filters), test: (props, value) => tests.every((t) => t(props, value)) };
}

function metricCondition(c: Condition, lookups: () => Lookups, at: string): Predicate {
  if (typeof c.metric_id !== 'string' || !c.metric_id)
    throw invalidBody(`${at}/metric_id`, 'profile-metric needs a metric_id.');
  if (c.measurement !== 'count' && c.measurement !== 'sum') {
    throw invalidBody(`${at}/measurement`, "measurement must be 'count' or 'sum'.");
  }
  const where = eventWhere(c.metric_filters, `${at}/metric_filters`);
  const measure = c.measurement;
  const test = valueFilter(
    c.measurement_filter as Record<string, unknown>,
    `${at}/measurement_filter`,
    MEASUREMENT_FILTERS,
  );
  const window = timeframe(c.timeframe_filter as Record<string, unknown>, `${at}/timeframe_filter`);
  const metricId = c.metric_id;
  return (p) => {
    const l = lookups();
    const [from, to] = window(l.now);
    const got = (where ? l.metricWhere(metricId, from, to, where) : l.metric(metricId, from, to)).get(p.seq);
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
