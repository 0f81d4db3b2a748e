/**
 * Profiles API: create_profile, get_profiles, get_profile, update_profile, create_or_update_profile.
 */
import { z } from 'zod';
import { type Ctx, type Handler, parseBody, reply } from '../../core/context.ts';
import { invalidBody } from '../../jsonapi/errors.ts';
import { compileFilter, type FieldSpec, parseFilter } from '../../jsonapi/filter.ts';
import { pageLinks, readCursor } from '../../jsonapi/pagination.ts';
import { fieldsParam, listParam, pageSizeParam, sortParam } from '../../jsonapi/query.ts';
import type { ResourceObject } from '../../jsonapi/serialize.ts';
import { LIST_FIELDS, listResource } from '../lists/model.ts';
import { ListsRepo } from '../lists/repo.ts';
import { SEGMENT_FIELDS, segmentResource } from '../segments/model.ts';
import { SegmentsRepo } from '../segments/repo.ts';
import {
  applyAttributes,
  assertNoDuplicate,
  hasIdentifier,
  newProfileRow,
  normaliseIdentifiers,
  PROFILE_FIELDS,
  type ProfileView,
  profileAttributesShape,
  profileMetaSchema,
  profileResource,
  requireProfile,
  upsertProfile,
  upsertSchema,
} from './model.ts';
import { type ProfileRow, ProfilesRepo } from './repo.ts';

const ADDITIONAL = ['subscriptions', 'predictive_analytics'] as const;

const createSchema = z.object({
  data: z.object({
    type: z.literal('profile'),
    attributes: z.strictObject(profileAttributesShape),
    meta: profileMetaSchema,
  }),
});

const patchSchema = z.object({
  data: z.object({
    type: z.literal('profile'),
    id: z.string(),
    attributes: z.strictObject(profileAttributesShape),
    meta: profileMetaSchema,
  }),
});

/** Allowed filter fields and operators, from the spec's get_profiles `filter` description. */
const FILTERS: Record<string, FieldSpec> = {
  id: { column: 'id', type: 'string', ops: ['any', 'equals'] },
  // Emails are stored lower-cased; compare filter values the same way.
  email: {
    column: 'email',
    type: 'string',
    ops: ['any', 'equals'],
    normalise: (v) => String(v).toLowerCase(),
  },
  phone_number: { column: 'phone_number', type: 'string', ops: ['any', 'equals'] },
  external_id: { column: 'external_id', type: 'string', ops: ['any', 'equals'] },
  // No Klaviyo JS cookie exists here, so `_kx` matches nothing.
  _kx: { column: 'NULL', type: 'string', ops: ['equals'] },
  created: { column: 'created', type: 'datetime', ops: ['greater-than', 'less-than'] },
  updated: { column: 'updated', type: 'datetime', ops: ['greater-than', 'less-than'] },
};

const SORTS: Record<string, string> = {
  created: 'created',
  email: "COALESCE(email, '')",
  id: 'id',
  updated: 'updated',
};

function view(ctx: Ctx, includable: readonly string[], relationships: readonly string[]): ProfileView {
  return {
    fields: fieldsParam(ctx.req, 'profile', PROFILE_FIELDS),
    additional: listParam(ctx.req, 'additional-fields[profile]', ADDITIONAL),
    included: listParam(ctx.req, 'include', includable),
    relationships,
  };
}

function single(ctx: Ctx, status: number, row: ProfileRow, v: ProfileView, included: ResourceObject[] = []) {
  const data = profileResource(ctx, row, v);
  const doc: Record<string, unknown> = { data, links: { self: data.links.self } };
  if (v.included.length) doc.included = included;
  return reply(status, doc);
}

/**
 * get_profile's `include=lists,segments`: the lists and segments the profile is a member of now, as
 * `included` resources (honouring `fields[list]` / `fields[segment]`) and as relationship linkage.
 * Conversations and push tokens do not exist here, so they stay empty.
 */
function memberships(ctx: Ctx, row: ProfileRow, v: ProfileView): ResourceObject[] {
  const included: ResourceObject[] = [];
  v.linkage = {};
  if (v.included.includes('lists')) {
    const view = { fields: fieldsParam(ctx.req, 'list', LIST_FIELDS), profileCount: false, included: [] };
    const rows = ctx.store.repo(ListsRepo).listsOf(ctx.account, row.seq);
    included.push(...rows.map((l) => listResource(ctx, l, view)));
    v.linkage.lists = rows.map((l) => ({ type: 'list', id: l.id }));
  }
  if (v.included.includes('segments')) {
    const view = {
      fields: fieldsParam(ctx.req, 'segment', SEGMENT_FIELDS),
      profileCount: false,
      included: [],
    };
    const rows = ctx.store.repo(SegmentsRepo).segmentsOf(ctx.account, row);
    included.push(...rows.map((s) => segmentResource(ctx, s, view)));
    v.linkage.segments = rows.map((s) => ({ type: 'segment', id: s.id }));
  }
  return included;
}

const WRITE_RELATIONSHIPS = ['lists', 'segments', 'push-tokens'] as const;

export const createProfile: Handler = (ctx) => {
  const v = view(ctx, [], WRITE_RELATIONSHIPS);
  const body = parseBody(ctx, createSchema);
  const attrs = body.data.attributes;
  normaliseIdentifiers(attrs, '/data/attributes');
  if (!hasIdentifier(attrs)) {
    throw invalidBody(
      '/data/attributes',
      'One of email, phone_number or external_id is required to create a profile.',
    );
  }
  const row = ctx.store.transaction(() => {
    assertNoDuplicate(ctx, attrs, null);
    const fresh = newProfileRow(ctx, attrs);
    if (body.data.meta) applyAttributes(fresh as ProfileRow, {}, body.data.meta, fresh.created);
    return ctx.store.repo(ProfilesRepo).insert(fresh);
  });
  return single(ctx, 201, row, v);
};

export const createOrUpdateProfile: Handler = (ctx) => {
  const v = view(ctx, [], WRITE_RELATIONSHIPS);
  const body = parseBody(ctx, upsertSchema);
  const attrs = body.data.attributes;
  normaliseIdentifiers(attrs, '/data/attributes');
  const id = body.data.id;
  if (!id && !hasIdentifier(attrs)) {
    throw invalidBody(
      '/data/attributes',
      'Provide a profile id, or one of email, phone_number or external_id.',
    );
  }
  return ctx.store.transaction(() => {
    const { row, created } = upsertProfile(ctx, id ?? null, attrs, body.data.meta);
    return single(ctx, created ? 201 : 200, row, v);
  });
};

export const updateProfile: Handler = (ctx) => {
  const v = view(ctx, [], WRITE_RELATIONSHIPS);
  const body = parseBody(ctx, patchSchema);
  if (body.data.id !== ctx.params.id) {
    throw invalidBody(
      '/data/id',
      `The id in the body (${body.data.id}) must match the id in the URL (${ctx.params.id}).`,
    );
  }
  const attrs = body.data.attributes;
  normaliseIdentifiers(attrs, '/data/attributes');
  return ctx.store.transaction(() => {
    const row = requireProfile(ctx, ctx.params.id!);
    assertNoDuplicate(ctx, attrs, row.id);
    if (applyAttributes(row, attrs, body.data.meta, ctx.clock.now()))
      ctx.store.repo(ProfilesRepo).update(row);
    return single(ctx, 200, row, v);
  });
};

export const getProfile: Handler = (ctx) => {
  const v = view(
    ctx,
    ['conversations', 'lists', 'push-tokens', 'segments'],
    ['lists', 'segments', 'push-tokens', 'conversations'],
  );
  const row = requireProfile(ctx, ctx.params.id!);
  return single(ctx, 200, row, v, memberships(ctx, row, v));
};

export const getProfiles: Handler = (ctx) => {
  const v = view(
    ctx,
    ['conversations', 'push-tokens'],
    ['lists', 'segments', 'push-tokens', 'conversations'],
  );
  const filterText = ctx.req.query.get('filter');
  const filter = filterText
    ? compileFilter(parseFilter(filterText), FILTERS, 'profile')
    : { where: [], params: [] };
  const sort = sortParam(ctx.req, Object.keys(SORTS));
  const limit = pageSizeParam(ctx.req, 20, 100);
  const cursor = readCursor(ctx.req);
  const page = ctx.store.repo(ProfilesRepo).list({
    account: ctx.account,
    where: filter.where,
    params: filter.params,
    sortExpr: sort ? SORTS[sort.field]! : 'seq',
    desc: sort?.desc ?? false,
    cursor,
    limit,
  });
  const doc: Record<string, unknown> = {
    data: page.rows.map((r) => profileResource(ctx, r, v)),
    links: pageLinks(ctx.req, page),
  };
  if (v.included.length) doc.included = [];
  return reply(200, doc);
};
