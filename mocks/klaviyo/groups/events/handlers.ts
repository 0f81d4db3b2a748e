/**
 * Events API: create_event (the hot path), get_events, get_event.
 *
 * create_event answers 202 with an empty body. The metric is created on first use of its name; the
 * profile is found by id / email / external_id / phone_number or created; `time` is truncated to the
 * second and defaults to the clock's now. Dedup follows the spec: the same `unique_id` for the same
 * profile and metric is stored once; with no `unique_id` the key is the time to the second, so only one
 * event per profile, metric and second is kept (exactly as Klaviyo documents it).
 */
import { z } from 'zod';
import { type Ctx, type Handler, parseBody, reply } from '../../core/context.ts';
import { eventUuid } from '../../ids.ts';
import { invalidBody, notFound } from '../../jsonapi/errors.ts';
import { compileFilter, type FieldSpec, parseDatetime, parseFilter } from '../../jsonapi/filter.ts';
import { pageLinks, readCursor } from '../../jsonapi/pagination.ts';
import { fieldsParam, listParam, pageSizeParam, sortParam } from '../../jsonapi/query.ts';
import { Included, isoTime, pickFields, type ResourceObject, relationship } from '../../jsonapi/serialize.ts';
import { METRIC_FIELDS, metricResource, resolveMetric } from '../metrics/model.ts';
import { MetricsRepo } from '../metrics/repo.ts';
import {
  applyAttributes,
  findByIdentifiers,
  hasIdentifier,
  IDENTIFIERS,
  newProfileRow,
  normaliseIdentifiers,
  PROFILE_FIELDS,
  profileAttributesShape,
  profileMetaSchema,
  profileResource,
} from '../profiles/model.ts';
import { type ProfileRow, ProfilesRepo } from '../profiles/repo.ts';
import { fastCheckEvent } from './fast-check.ts';
import { type EventRow, EventsRepo } from './repo.ts';

const nullableString = z.string().nullable().optional();

/** Exported for event-fast-check.test.ts, which checks the fast path against it. */
export const createSchema = z.object({
  data: z.object({
    type: z.literal('event'),
    attributes: z.object({
      properties: z.record(z.string(), z.unknown()),
      time: z.string().nullable().optional(),
      value: z.number().nullable().optional(),
      value_currency: nullableString,
      unique_id: nullableString,
      backfill: z.boolean().nullable().optional(),
      metric: z.object({
        data: z.object({
          type: z.literal('metric'),
          attributes: z.object({ name: z.string().min(1), service: nullableString }),
        }),
      }),
      profile: z.object({
        data: z.object({
          type: z.literal('profile'),
          id: nullableString,
          attributes: z.strictObject({
            ...profileAttributesShape,
            anonymous_id: nullableString,
            meta: profileMetaSchema,
          }),
          meta: profileMetaSchema,
        }),
      }),
    }),
  }),
});

export type CreateEventBody = z.infer<typeof createSchema>;

type ProfileInput = z.infer<typeof createSchema>['data']['attributes']['profile']['data'];

const PROFILE_POINTER = '/data/attributes/profile/data';
const YEAR_MS = 365 * 24 * 3600 * 1000;
const MIN_TIME = Date.UTC(1990, 0, 1);

export const createEvent: Handler = (ctx) => {
  const body = parseBody(ctx, createSchema, fastCheckEvent<CreateEventBody>);
  const a = body.data.attributes;
  const now = ctx.clock.now();
  const time = eventTime(a.time, now, '/data/attributes/time');
  normaliseIdentifiers(a.profile.data.attributes, `${PROFILE_POINTER}/attributes`);
  recordEvent(ctx, a, time, now, PROFILE_POINTER);
  return { status: 202, headers: {}, body: null };
};

/**
 * An event's time in ms: `time` (ISO 8601, after 1990, at most a year ahead) or now, truncated to the
 * second as Klaviyo does. `pointer` names `time` in the request for the 400.
 */
export function eventTime(text: string | null | undefined, now: number, pointer: string): number {
  let time = now;
  if (text) {
    time = parseDatetime(text);
    if (Number.isNaN(time)) throw invalidBody(pointer, `'${text}' is not an ISO 8601 datetime.`);
    if (time < MIN_TIME || time > now + YEAR_MS) {
      throw invalidBody(pointer, 'time must be after 1990 and at most one year in the future.');
    }
  }
  return Math.floor(time / 1000) * 1000;
}

/**
 * create_event's rule, shared with bulk_create_events: find or create the profile, create the metric
 * on first use, store the event unless it duplicates one (same profile, metric and unique_id / second).
 * The profile's identifiers must be normalised already; `profilePointer` locates it for 400s.
 */
export function recordEvent(
  ctx: Ctx,
  a: EventAttributes,
  time: number,
  now: number,
  profilePointer: string,
): void {
  try {
    ctx.store.transaction(() => writeEvent(ctx, a, time, now, profilePointer));
  } catch (err) {
    // A rolled-back transaction may have created a metric the cache now names; forget them all.
    ctx.store.repo(MetricsRepo).idByName.clear();
    throw err;
  }
}

export type EventAttributes = z.infer<typeof createSchema>['data']['attributes'];

function writeEvent(ctx: Ctx, a: EventAttributes, time: number, now: number, pointer: string): void {
  const profile = resolveEventProfile(ctx, a.profile.data, now, pointer);
  const metricId = resolveMetric(
    ctx,
    a.metric.data.attributes.name,
    a.metric.data.attributes.service ?? 'api',
  );
  ctx.store.repo(EventsRepo).insert({
    account: ctx.account,
    id: ctx.ids.ulid(),
    metric_id: metricId,
    profile_id: profile.id,
    profile_seq: profile.seq,
    datetime: time,
    value: a.value ?? null,
    dedup: a.unique_id ? `u:${a.unique_id}` : `t:${time / 1000}`,
    properties: propertiesJson(a.properties, a.unique_id),
  });
}

/**
 * The stored properties: as sent, plus `$event_id` when there is a unique_id (as Klaviyo shows it).
 * Appending to the serialised text skips copying the object; a body that already has `$event_id`
 * takes the copy so the key keeps its position and the unique_id wins.
 */
function propertiesJson(props: Record<string, unknown>, uniqueId: string | null | undefined): string {
  const text = JSON.stringify(props);
  if (!uniqueId) return text;
  if (Object.hasOwn(props, '$event_id')) return JSON.stringify({ ...props, $event_id: uniqueId });
  const tail = `"$event_id":${JSON.stringify(uniqueId)}}`;
  return text === '{}' ? `{${tail}` : `${text.slice(0, -1)},${tail}`;
}

/** Find the event's profile, or create it; fill in attributes it did not have yet. */
function resolveEventProfile(ctx: Ctx, pdata: ProfileInput, now: number, pointer: string): ProfileRow {
  const attrs = pdata.attributes;
  const meta = attrs.meta ?? pdata.meta;
  let row: ProfileRow | undefined;
  if (pdata.id) {
    row = ctx.store.repo(ProfilesRepo).byId(ctx.account, pdata.id);
    if (!row) throw invalidBody(`${pointer}/id`, `A profile with id ${pdata.id} does not exist.`);
  } else {
    row = findByIdentifiers(ctx, attrs);
  }
  const { meta: _meta, ...rest } = attrs;
  if (!row) {
    if (!hasIdentifier(attrs) && !attrs.anonymous_id) {
      throw invalidBody(
        `${pointer}/attributes`,
        'The event profile needs one of id, email, phone_number, external_id or anonymous_id.',
      );
    }
    const fresh = newProfileRow(ctx, rest);
    if (meta) applyAttributes(fresh as ProfileRow, {}, meta, now);
    return ctx.store.repo(ProfilesRepo).insert(fresh);
  }
  // Identifiers only fill gaps (never steal one held by another profile); other attributes update.
  const update = { ...rest };
  for (const key of IDENTIFIERS) {
    const v = update[key];
    if (v === undefined) continue;
    if (row[key] !== null || v === null || ctx.store.repo(ProfilesRepo).by(ctx.account, key, v))
      delete update[key];
  }
  const keys = Object.keys(update);
  if (keys.length > 0 || meta) {
    if (applyAttributes(row, update, meta, now)) ctx.store.repo(ProfilesRepo).update(row);
  }
  return row;
}

// --- reads ------------------------------------------------------------------------------------

const EVENT_FIELDS = ['timestamp', 'event_properties', 'datetime', 'uuid'] as const;

/** Allowed filter fields and operators, from the spec's get_events `filter` description. */
const RANGE = ['greater-or-equal', 'greater-than', 'less-or-equal', 'less-than'];
const FILTERS: Record<string, FieldSpec> = {
  metric_id: { column: 'metric_id', type: 'string', ops: ['equals'] },
  // Replaced per request by filtersFor() (its value maps to a profile seq).
  profile_id: { column: 'profile', type: 'string', ops: ['equals'] },
  profile: { column: 'profile', type: 'string', ops: ['has'] },
  metric: { column: 'metric_id', type: 'string', ops: ['has'] },
  datetime: { column: 'datetime', type: 'datetime', ops: RANGE },
  timestamp: { column: 'datetime', type: 'datetime', ops: RANGE },
};

/** Events store their profile as `profiles.seq`; an id that names no profile matches nothing (-1). */
function filtersFor(ctx: Ctx): Record<string, FieldSpec> {
  return {
    ...FILTERS,
    profile_id: {
      column: 'profile',
      type: 'string',
      ops: ['equals'],
      normalise: (id) => ctx.store.repo(ProfilesRepo).seqOf(ctx.account, String(id)) ?? -1,
    },
  };
}

export interface EventView {
  fields: string[] | null;
  metricFields: string[] | null;
  profileFields: string[] | null;
  include: string[];
}

const ALL_FIELDS: EventView = { fields: null, metricFields: null, profileFields: null, include: [] };

function readView(ctx: Ctx): EventView {
  fieldsParam(ctx.req, 'attribution', []);
  return {
    fields: fieldsParam(ctx.req, 'event', EVENT_FIELDS),
    metricFields: fieldsParam(ctx.req, 'metric', METRIC_FIELDS),
    profileFields: fieldsParam(ctx.req, 'profile', PROFILE_FIELDS),
    include: listParam(ctx.req, 'include', ['attributions', 'metric', 'profile']),
  };
}

/** An event as get_event shows it (also the payload of a webhook delivery, hence `origin`). */
export function eventResource(origin: string, row: EventRow, v: EventView = ALL_FIELDS): ResourceObject {
  const base = `/api/events/${row.id}`;
  const props = JSON.parse(row.properties) as Record<string, unknown>;
  if (row.value !== null) props.$value = row.value;
  return {
    type: 'event',
    id: row.id,
    attributes: pickFields(
      {
        timestamp: row.datetime / 1000,
        event_properties: props,
        datetime: isoTime(row.datetime),
        uuid: eventUuid(row.id),
      },
      v.fields,
    ),
    relationships: {
      profile: relationship(origin, base, 'profile', { type: 'profile', id: row.profile_id }),
      metric: relationship(origin, base, 'metric', { type: 'metric', id: row.metric_id }),
      attributions: relationship(
        origin,
        base,
        'attributions',
        v.include.includes('attributions') ? [] : undefined,
      ),
    },
    links: { self: `${origin}${base}/` },
  };
}

/** `included` for a page of events: one query per related type. */
function includedFor(ctx: Ctx, rows: EventRow[], v: EventView): ResourceObject[] | undefined {
  if (v.include.length === 0) return undefined;
  const out = new Included();
  if (v.include.includes('metric')) {
    const ids = [...new Set(rows.map((r) => r.metric_id))];
    for (const m of ctx.store.repo(MetricsRepo).byIds(ctx.account, ids))
      out.add(metricResource(ctx, m, v.metricFields));
  }
  if (v.include.includes('profile')) {
    const ids = [...new Set(rows.map((r) => r.profile_id))];
    for (const p of ctx.store.repo(ProfilesRepo).byIds(ctx.account, ids)) {
      out.add(
        profileResource(ctx, p, {
          fields: v.profileFields,
          additional: [],
          included: [],
          relationships: ['lists', 'segments', 'push-tokens'],
        }),
      );
    }
  }
  return out.list();
}

export const getEvents: Handler = (ctx) => {
  const v = readView(ctx);
  const filterText = ctx.req.query.get('filter');
  const filter = filterText
    ? compileFilter(parseFilter(filterText), filtersFor(ctx), 'event')
    : { where: [], params: [] };
  const sort = sortParam(ctx.req, ['datetime', 'timestamp']);
  const page = ctx.store.repo(EventsRepo).list({
    account: ctx.account,
    where: filter.where,
    params: filter.params,
    sortExpr: 'datetime',
    desc: sort?.desc ?? false,
    cursor: readCursor(ctx.req),
    limit: pageSizeParam(ctx.req, 200, 1000),
  });
  const doc: Record<string, unknown> = {
    data: page.rows.map((r) => eventResource(ctx.req.url.origin, r, v)),
    links: pageLinks(ctx.req, page),
  };
  const included = includedFor(ctx, page.rows, v);
  if (included) doc.included = included;
  return reply(200, doc);
};

export const getEvent: Handler = (ctx) => {
  const v = readView(ctx);
  const row = ctx.store.repo(EventsRepo).byId(ctx.account, ctx.params.id!);
  if (!row) throw notFound(`An event with id ${ctx.params.id} does not exist.`);
  const data = eventResource(ctx.req.url.origin, row, v);
  const doc: Record<string, unknown> = { data, links: { self: data.links.self } };
  const included = includedFor(ctx, [row], v);
  if (included) doc.included = included;
  return reply(200, doc);
};
