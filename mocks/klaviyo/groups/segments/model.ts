/**
 * Segment rules: the resource as Klaviyo serialises it, and processing. Saving a segment, or any write
 * that touches a profile of an account with active segments (a property, an event, a list membership),
 * queues one evaluation of that account's segments on the scheduler, PROCESSING_MS later on the mock's
 * clock; until it has run, the segments read `is_processing: true` and show their previous members,
 * as Klaviyo's eventually consistent segments do. Inactive segments keep their members frozen.
 */
import type { Ctx } from '../../core/context.ts';
import type { KlaviyoStore } from '../../core/store.ts';
import { notFound } from '../../jsonapi/errors.ts';
import { isoTime, pickFields, type ResourceObject, relationship } from '../../jsonapi/serialize.ts';
import { EventsRepo } from '../events/repo.ts';
import { ListsRepo } from '../lists/repo.ts';
import { type ProfileRow, ProfilesRepo } from '../profiles/repo.ts';
import { emailConsent } from '../subscriptions/model.ts';
import { compileDefinition, type Definition, type Lookups } from './evaluate.ts';
import { type SegmentRow, SegmentsRepo } from './repo.ts';

/** How long after a change a segment's membership catches up (Klaviyo does not document it). */
export const PROCESSING_MS = 1000;
export const SEGMENT_FIELDS = [
  'name',
  'definition',
  'created',
  'updated',
  'is_active',
  'is_processing',
  'is_starred',
] as const;

const jobKey = (account: number) => `segments:${account}`;

export function isProcessing(store: KlaviyoStore, account: string | number): boolean {
  return store.scheduler?.pending(jobKey(store.acct(account))) ?? false;
}

/** Queue (once) an evaluation of every active segment of an account. */
export function queueEvaluation(store: KlaviyoStore, account: number, replace = false): void {
  store.scheduler?.schedule(PROCESSING_MS, {
    key: jobKey(account),
    coalesce: !replace,
    run: () => store.transaction(() => evaluateAccount(store, account)),
  });
}

/**
 * What conditions look up beyond the profile, for one account at `now`. `fresh` holds memberships
 * computed in this pass (segments naming earlier segments see them before they are stored).
 */
export function accountLookups(
  store: KlaviyoStore,
  account: number,
  now: number,
  fresh: Map<string, Set<number>> = new Map(),
): Lookups {
  const segments = store.repo(SegmentsRepo);
  const lists = store.repo(ListsRepo);
  const events = store.repo(EventsRepo);
  const metricCache = new Map<string, Map<number, { count: number; sum: number }>>();
  return {
    now,
    inGroup(groupId, profileSeq) {
      const inSegment = fresh.get(groupId);
      if (inSegment) return inSegment.has(profileSeq);
      const list = lists.byId(account as unknown as string, groupId);
      if (list) return lists.isMember(list.seq, profileSeq);
      const seg = segments.byId(account, groupId);
      return seg ? segments.memberSeqs(seg).has(profileSeq) : false;
    },
    metricWhere(metricId, from, to, where) {
      const key = `${metricId}|${from}|${to}|${where.key}`;
      const m = metricCache.get(key) ?? events.countsByProfileWhere(account, metricId, from, to, where.test);
      metricCache.set(key, m);
      return m;
    },
    metric(metricId, from, to) {
      const key = `${metricId}|${from}|${to}`;
      let m = metricCache.get(key);
      if (!m) {
        m = events.countsByProfile(account as unknown as string, metricId, from, to);
        metricCache.set(key, m);
      }
      return m;
    },
    emailConsent: (p) => emailConsent(store, p),
  };
}

/**
 * Check segment-style `condition_groups` (a flow's profile filter or conditional split) and compile
 * them; a condition the mock cannot evaluate is a 400 at `pointer`. The predicate takes its lookups
 * when it runs: `test(profile, accountLookups(store, account, now))`.
 */
export function compileConditions(
  filter: unknown,
  pointer: string,
): (p: ProfileRow, lookups: Lookups) => boolean {
  let current: Lookups | undefined;
  const test = compileDefinition(filter as Definition, () => current!, pointer);
  return (p, lookups) => {
    current = lookups;
    return test(p, JSON.parse(p.properties), JSON.parse(p.attrs));
  };
}

/**
 * Evaluate every active segment of an account over all its profiles and store the differences.
 * Segments evaluate in creation order, so one that names an earlier segment sees its fresh members.
 */
export function evaluateAccount(store: KlaviyoStore, account: number): void {
  const segments = store.repo(SegmentsRepo);
  const now = store.scheduler?.now() ?? Date.now();
  const fresh = new Map<string, Set<number>>();
  const lookups = accountLookups(store, account, now, fresh);
  for (const seg of segments.active(account)) {
    const test = compileDefinition(JSON.parse(seg.definition) as Definition, () => lookups);
    const want = new Set<number>();
    for (const p of store.repo(ProfilesRepo).all(account as unknown as string)) {
      const props = JSON.parse(p.properties) as Record<string, unknown>;
      const attrs = JSON.parse(p.attrs) as Record<string, unknown>;
      if (test(p, props, attrs)) want.add(p.seq);
    }
    segments.setMembers(seg, want, now);
    fresh.set(seg.id, want);
  }
}

export function requireSegment(ctx: Ctx, id: string): SegmentRow {
  const row = ctx.store.repo(SegmentsRepo).byId(ctx.account, id);
  if (!row) throw notFound(`A segment with id ${id} does not exist.`);
  return row;
}

export interface SegmentView {
  fields: string[] | null;
  profileCount: boolean;
  included: string[];
}

export function segmentResource(ctx: Ctx, row: SegmentRow, view: SegmentView): ResourceObject {
  const origin = ctx.req.url.origin;
  const base = `/api/segments/${row.id}`;
  const attributes: Record<string, unknown> = {
    name: row.name,
    definition: JSON.parse(row.definition),
    created: isoTime(row.created),
    updated: isoTime(row.updated),
    is_active: row.is_active === 1,
    is_processing: isProcessing(ctx.store, ctx.account),
    is_starred: row.is_starred === 1,
  };
  if (view.profileCount) attributes.profile_count = ctx.store.repo(SegmentsRepo).profileCount(row);
  const rel = (name: string) =>
    relationship(origin, base, name, view.included.includes(name) ? [] : undefined);
  return {
    type: 'segment',
    id: row.id,
    attributes: pickFields(attributes, view.fields),
    relationships: { profiles: rel('profiles'), tags: rel('tags'), 'flow-triggers': rel('flow-triggers') },
    links: { self: `${origin}${base}/` },
  };
}
