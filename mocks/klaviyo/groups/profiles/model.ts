/**
 * Profile rules shared by the profile endpoints and create-event: identifier validation, matching by
 * id / email / external_id / phone_number, duplicate detection (409 `duplicate_profile`), attribute
 * updates (null clears, custom `properties` merged key by key, `meta.patch_properties`), and the
 * resource object as Klaviyo serialises it.
 */
import { z } from 'zod';
import { type Ctx, type Handler, reply } from '../../core/context.ts';
import { invalidBody, KlaviyoError, notFound } from '../../jsonapi/errors.ts';
import { compileFilter, type FieldSpec, parseFilter } from '../../jsonapi/filter.ts';
import { pageLinks, readCursor } from '../../jsonapi/pagination.ts';
import { fieldsParam, listParam, pageSizeParam, sortParam } from '../../jsonapi/query.ts';
import { isoTime, pickFields, type ResourceObject, relationship } from '../../jsonapi/serialize.ts';
import { subscriptionsOf } from '../subscriptions/model.ts';
import { type ProfileRow, ProfilesRepo } from './repo.ts';

export const IDENTIFIERS = ['email', 'phone_number', 'external_id'] as const;
export type Identifier = (typeof IDENTIFIERS)[number];
/** Plain string attributes kept in the row's `attrs` JSON. */
const TEXT_ATTRS = ['first_name', 'last_name', 'organization', 'locale', 'title', 'image'] as const;
const LOCATION_KEYS = [
  'address1',
  'address2',
  'city',
  'country',
  'latitude',
  'longitude',
  'region',
  'zip',
  'timezone',
  'ip',
] as const;

/** Attribute names `fields[profile]` accepts. */
export const PROFILE_FIELDS = [
  'email',
  'phone_number',
  'external_id',
  ...TEXT_ATTRS,
  'created',
  'updated',
  'last_event_date',
  'location',
  'properties',
  'subscriptions',
  'predictive_analytics',
] as const;

const nullableString = z.string().nullable().optional();
const coordinate = z.union([z.string(), z.number()]).nullable().optional();

export const locationSchema = z
  .looseObject({
    address1: nullableString,
    address2: nullableString,
    city: nullableString,
    country: nullableString,
    latitude: coordinate,
    longitude: coordinate,
    region: nullableString,
    zip: nullableString,
    timezone: nullableString,
    ip: nullableString,
  })
  .nullable()
  .optional();

export const patchPropertiesSchema = z
  .object({
    append: z.record(z.string(), z.unknown()).nullable().optional(),
    unappend: z.record(z.string(), z.unknown()).nullable().optional(),
    unset: z
      .union([z.string(), z.array(z.string())])
      .nullable()
      .optional(),
  })
  .optional();

export const profileMetaSchema = z
  .object({ patch_properties: patchPropertiesSchema, patch_identifiers: z.unknown().optional() })
  .nullable()
  .optional();

/** The writable profile attributes (ProfileCreateQuery / ProfileUpsertQuery / ProfilePartialUpdateQuery). */
export const profileAttributesShape = {
  email: nullableString,
  phone_number: nullableString,
  external_id: nullableString,
  _kx: nullableString,
  first_name: nullableString,
  last_name: nullableString,
  organization: nullableString,
  locale: nullableString,
  title: nullableString,
  image: nullableString,
  location: locationSchema,
  properties: z.record(z.string(), z.unknown()).nullable().optional(),
};

/** create_or_update_profile's body (ProfileUpsertQuery); bulk import jobs check each profile with its `data`. */
export const upsertSchema = z.object({
  data: z.object({
    type: z.literal('profile'),
    id: z.string().nullable().optional(),
    attributes: z.strictObject(profileAttributesShape),
    meta: profileMetaSchema,
  }),
});

export type ProfileAttributesInput = {
  [K in keyof typeof profileAttributesShape]?: z.infer<(typeof profileAttributesShape)[K]>;
} & { anonymous_id?: string | null };

export type ProfileMetaInput = z.infer<typeof profileMetaSchema>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+[1-9]\d{6,14}$/;

/**
 * Normalise and validate identifiers in place; `base` is the pointer to the attributes object.
 * Emails are compared case-insensitively, as Klaviyo does, so they are stored lower-cased.
 */
export function normaliseIdentifiers(attrs: ProfileAttributesInput, base: string): void {
  if (typeof attrs.email === 'string') {
    const email = attrs.email.trim().toLowerCase();
    if (!EMAIL.test(email)) throw invalidBody(`${base}/email`, `Invalid email address '${attrs.email}'.`);
    attrs.email = email;
  }
  if (typeof attrs.phone_number === 'string') {
    const phone = attrs.phone_number.replace(/[\s()-]/g, '');
    if (!PHONE.test(phone)) {
      throw invalidBody(
        `${base}/phone_number`,
        `Invalid phone number '${attrs.phone_number}': use E.164 format, e.g. +12345678901.`,
      );
    }
    attrs.phone_number = phone;
  }
  if (typeof attrs.external_id === 'string' && attrs.external_id === '') {
    throw invalidBody(`${base}/external_id`, 'external_id must not be empty.');
  }
}

export function hasIdentifier(attrs: ProfileAttributesInput): boolean {
  return IDENTIFIERS.some((k) => typeof attrs[k] === 'string');
}

/** The first profile matching any identifier, in Klaviyo's order: email, external_id, phone_number. */
export function findByIdentifiers(ctx: Ctx, attrs: ProfileAttributesInput): ProfileRow | undefined {
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return ctx.store
    .repo(ProfilesRepo)
    .byIdentifiers(ctx.account, str(attrs.email), str(attrs.external_id), str(attrs.phone_number));
}

/** 409 `duplicate_profile` if another profile already holds one of these identifiers. */
export function assertNoDuplicate(ctx: Ctx, attrs: ProfileAttributesInput, selfId: string | null): void {
  for (const key of IDENTIFIERS) {
    const v = attrs[key];
    if (typeof v !== 'string') continue;
    const other = ctx.store.repo(ProfilesRepo).by(ctx.account, key, v);
    if (other && other.id !== selfId) {
      throw new KlaviyoError(
        409,
        'duplicate_profile',
        'A profile already exists with one of these identifiers.',
        {
          source: { pointer: '/data/attributes' },
          meta: { duplicate_profile_id: other.id },
        },
      );
    }
  }
}

export function requireProfile(ctx: Ctx, id: string): ProfileRow {
  const row = ctx.store.repo(ProfilesRepo).byId(ctx.account, id);
  if (!row) throw notFound(`A profile with id ${id} does not exist.`);
  return row;
}

/**
 * create_or_update_profile's rule, shared with bulk import jobs: match by id, else by identifiers;
 * update what is given, or create. Identifiers must already be normalised.
 */
export function upsertProfile(
  ctx: Ctx,
  id: string | null,
  attrs: ProfileAttributesInput,
  meta: ProfileMetaInput,
): { row: ProfileRow; created: boolean } {
  const repo = ctx.store.repo(ProfilesRepo);
  const existing = id ? requireProfile(ctx, id) : findByIdentifiers(ctx, attrs);
  if (existing) {
    assertNoDuplicate(ctx, attrs, existing.id);
    if (applyAttributes(existing, attrs, meta, ctx.clock.now())) repo.update(existing);
    return { row: existing, created: false };
  }
  assertNoDuplicate(ctx, attrs, null);
  const fresh = newProfileRow(ctx, attrs);
  if (meta) applyAttributes(fresh as ProfileRow, {}, meta, fresh.created);
  return { row: repo.insert(fresh), created: true };
}

/** A new row from attributes (not yet inserted). */
export function newProfileRow(ctx: Ctx, attrs: ProfileAttributesInput): Omit<ProfileRow, 'seq'> {
  const now = ctx.clock.now();
  const row: Omit<ProfileRow, 'seq'> = {
    account: ctx.account,
    id: ctx.ids.ulid(),
    email: null,
    phone_number: null,
    external_id: null,
    attrs: '{}',
    properties: '{}',
    created: now,
    updated: now,
    last_event_date: null,
  };
  applyAttributes(row as ProfileRow, attrs, undefined, now);
  return row;
}

/**
 * Apply attributes to a row: a present key sets (null clears), an absent key keeps; `location` and
 * `properties` merge key by key (Klaviyo never replaces custom properties wholesale).
 * Returns whether anything changed.
 */
export function applyAttributes(
  row: ProfileRow,
  attrs: ProfileAttributesInput,
  meta: ProfileMetaInput,
  now: number,
): boolean {
  let changed = false;
  for (const key of IDENTIFIERS) {
    if (attrs[key] !== undefined && attrs[key] !== row[key]) {
      row[key] = attrs[key] ?? null;
      changed = true;
    }
  }
  const stored = JSON.parse(row.attrs) as Record<string, unknown>;
  let attrsChanged = false;
  for (const key of [...TEXT_ATTRS, 'anonymous_id'] as const) {
    const v = attrs[key];
    if (v !== undefined && stored[key] !== v) {
      if (v === null) delete stored[key];
      else stored[key] = v;
      attrsChanged = true;
    }
  }
  if (attrs.location !== undefined) {
    const loc = { ...((stored.location as Record<string, unknown>) ?? {}) };
    for (const [k, v] of Object.entries(attrs.location ?? {})) {
      if (v === undefined) continue;
      if (v === null) delete loc[k];
      else loc[k] = v;
    }
    stored.location = loc;
    attrsChanged = true;
  }
  if (attrsChanged) {
    row.attrs = JSON.stringify(stored);
    changed = true;
  }
  const patch = meta?.patch_properties;
  if ((attrs.properties && Object.keys(attrs.properties).length > 0) || patch) {
    const props = JSON.parse(row.properties) as Record<string, unknown>;
    Object.assign(props, attrs.properties ?? {});
    if (patch?.append) {
      for (const [k, v] of Object.entries(patch.append)) {
        const cur = Array.isArray(props[k])
          ? (props[k] as unknown[])
          : props[k] === undefined
            ? []
            : [props[k]];
        props[k] = [...cur, ...(Array.isArray(v) ? v : [v])];
      }
    }
    if (patch?.unappend) {
      for (const [k, v] of Object.entries(patch.unappend)) {
        if (!Array.isArray(props[k])) continue;
        const drop = new Set((Array.isArray(v) ? v : [v]).map((x) => JSON.stringify(x)));
        props[k] = (props[k] as unknown[]).filter((x) => !drop.has(JSON.stringify(x)));
      }
    }
    if (patch?.unset)
      for (const k of Array.isArray(patch.unset) ? patch.unset : [patch.unset]) delete props[k];
    row.properties = JSON.stringify(props);
    changed = true;
  }
  if (changed) row.updated = now;
  return changed;
}

export interface ProfileView {
  fields: string[] | null;
  additional: string[];
  /** Relationship names to show with `data` because they were requested in `include`. */
  included: string[];
  relationships: readonly string[];
  /** The linkage of included relationships that have members (`lists`, `segments`); others read `[]`. */
  linkage?: Record<string, { type: string; id: string }[]>;
}

export const DEFAULT_VIEW: ProfileView = {
  fields: null,
  additional: [],
  included: [],
  relationships: ['lists', 'segments', 'push-tokens'],
};

export function profileResource(ctx: Ctx, row: ProfileRow, view: ProfileView = DEFAULT_VIEW): ResourceObject {
  const origin = ctx.req.url.origin;
  const a = JSON.parse(row.attrs) as Record<string, unknown>;
  const storedLoc = (a.location as Record<string, unknown>) ?? {};
  const location: Record<string, unknown> = {};
  for (const k of LOCATION_KEYS) {
    // Coordinates are `oneOf [string, number]` in the spec, so an unset one is left out, not null.
    if (storedLoc[k] !== undefined && storedLoc[k] !== null) location[k] = storedLoc[k];
    else if (k !== 'latitude' && k !== 'longitude') location[k] = null;
  }
  const attributes: Record<string, unknown> = {
    email: row.email,
    phone_number: row.phone_number,
    external_id: row.external_id,
    first_name: a.first_name ?? null,
    last_name: a.last_name ?? null,
    organization: a.organization ?? null,
    locale: a.locale ?? null,
    title: a.title ?? null,
    image: a.image ?? null,
    created: isoTime(row.created),
    updated: isoTime(row.updated),
    last_event_date: isoTime(row.last_event_date),
    location,
    properties: JSON.parse(row.properties),
  };
  const wants = (name: string) =>
    view.additional.includes(name) || view.fields?.some((f) => f.split('.')[0] === name);
  if (wants('subscriptions')) attributes.subscriptions = subscriptionsOf(ctx.store, row);
  if (wants('predictive_analytics')) attributes.predictive_analytics = predictiveAnalytics();
  const base = `/api/profiles/${row.id}`;
  const relationships: Record<string, unknown> = {};
  for (const name of view.relationships) {
    const data = view.included.includes(name) ? (view.linkage?.[name] ?? []) : undefined;
    relationships[name] = relationship(origin, base, name, data);
  }
  return {
    type: 'profile',
    id: row.id,
    attributes: pickFields(attributes, view.fields),
    relationships,
    links: { self: `${origin}${base}/` },
  };
}

/** The mock models no order history, so every prediction is unknown. */
function predictiveAnalytics(): Record<string, unknown> {
  return {
    historic_clv: null,
    predicted_clv: null,
    total_clv: null,
    historic_number_of_orders: null,
    predicted_number_of_orders: null,
    average_days_between_orders: null,
    average_order_value: null,
    churn_probability: null,
    expected_date_of_next_order: null,
    ranked_channel_affinity: [],
  };
}

// --- profiles as members of a list or segment ------------------------------------------------

/** Filters of get_profiles_for_list / _segment and their id variants, from the spec. */
export const MEMBER_FILTERS: Record<string, FieldSpec> = {
  email: {
    column: 'profiles.email',
    type: 'string',
    ops: ['any', 'equals'],
    normalise: (v) => String(v).toLowerCase(),
  },
  phone_number: { column: 'profiles.phone_number', type: 'string', ops: ['any', 'equals'] },
  // No push tokens or Klaviyo JS cookies exist here: these match nothing.
  push_token: { column: 'NULL', type: 'string', ops: ['any', 'equals'] },
  _kx: { column: 'NULL', type: 'string', ops: ['equals'] },
  joined_group_at: {
    column: 'm.joined',
    type: 'datetime',
    ops: ['greater-or-equal', 'greater-than', 'less-or-equal', 'less-than'],
  },
};

export function memberView(ctx: Ctx): ProfileView {
  return {
    fields: fieldsParam(ctx.req, 'profile', [...PROFILE_FIELDS, 'joined_group_at']),
    additional: listParam(ctx.req, 'additional-fields[profile]', ['subscriptions', 'predictive_analytics']),
    included: [],
    relationships: ['lists', 'segments', 'push-tokens'],
  };
}

/** A member profile: the profile resource plus `joined_group_at`, sparse fieldsets applied to both. */
export function memberResource(
  ctx: Ctx,
  row: ProfileRow & { joined_group_at: number },
  view: ProfileView,
): ResourceObject {
  const res = profileResource(ctx, row, { ...view, fields: null });
  res.attributes = pickFields(
    { ...res.attributes, joined_group_at: isoTime(row.joined_group_at) },
    view.fields,
  );
  return res;
}

/**
 * get_profiles_for_<group> and get_profile_ids_for_<group> for a list or a segment: the same filters,
 * paging and rendering over that group's member table. `groupSeq` finds the group (404 if missing).
 */
export function memberHandlers(
  table: 'list_members' | 'segment_members',
  column: 'list' | 'segment',
  groupSeq: (ctx: Ctx) => number,
): { profiles: Handler; ids: Handler } {
  const page = (ctx: Ctx) => {
    const seq = groupSeq(ctx);
    const filterText = ctx.req.query.get('filter');
    const filter = filterText
      ? compileFilter(parseFilter(filterText), MEMBER_FILTERS, 'profile')
      : { where: [], params: [] };
    const sort = sortParam(ctx.req, ['joined_group_at']);
    return ctx.store.repo(ProfilesRepo).membersOf(table, column, seq, {
      account: ctx.account,
      where: filter.where,
      params: filter.params,
      desc: sort?.desc ?? false,
      cursor: readCursor(ctx.req),
      limit: pageSizeParam(ctx.req, 20, 100),
    });
  };
  return {
    profiles: (ctx) => {
      const view = memberView(ctx);
      const p = page(ctx);
      return reply(200, {
        data: p.rows.map((r) => memberResource(ctx, r, view)),
        links: pageLinks(ctx.req, p),
      });
    },
    ids: (ctx) => {
      const p = page(ctx);
      return reply(200, {
        data: p.rows.map((r) => ({ type: 'profile', id: r.id })),
        links: pageLinks(ctx.req, p),
      });
    },
  };
}
