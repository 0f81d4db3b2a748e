/**
 * Segments API: create, read (one, many), update, delete; members and member ids; and from the
 * profile side, the segments a profile is in. Definitions are checked when saved (evaluate.ts) and
 * evaluated on the scheduler (model.ts).
 */
import { z } from 'zod';
import { type Ctx, type Handler, parseBody, reply } from '../../core/context.ts';
import { invalidBody } from '../../jsonapi/errors.ts';
import { compileFilter, type FieldSpec, parseFilter } from '../../jsonapi/filter.ts';
import { pageLinks, readCursor } from '../../jsonapi/pagination.ts';
import { fieldsParam, listParam, pageSizeParam, sortParam } from '../../jsonapi/query.ts';
import { memberHandlers, requireProfile } from '../profiles/model.ts';
import { compileDefinition, type Definition, type Lookups } from './evaluate.ts';
import {
  queueEvaluation,
  requireSegment,
  SEGMENT_FIELDS,
  type SegmentView,
  segmentResource,
} from './model.ts';
import { type SegmentRow, SegmentsRepo } from './repo.ts';

const definition = z.object({
  condition_groups: z.array(z.object({ conditions: z.array(z.looseObject({ type: z.string() })) })),
});

const createSchema = z.object({
  data: z.object({
    type: z.literal('segment'),
    attributes: z.object({
      name: z.string().min(1),
      definition,
      is_starred: z.boolean().nullable().optional(),
    }),
  }),
});

const updateSchema = z.object({
  data: z.object({
    type: z.literal('segment'),
    id: z.string(),
    attributes: z.object({
      name: z.string().min(1).nullable().optional(),
      definition: definition.nullable().optional(),
      is_starred: z.boolean().nullable().optional(),
      is_active: z.boolean().nullable().optional(),
    }),
  }),
});

const FILTERS: Record<string, FieldSpec> = {
  name: { column: 'name', type: 'string', ops: ['any', 'equals'] },
  id: { column: 'id', type: 'string', ops: ['any', 'equals'] },
  created: { column: 'created', type: 'datetime', ops: ['greater-than'] },
  updated: { column: 'updated', type: 'datetime', ops: ['greater-than'] },
  is_active: {
    column: "CASE is_active WHEN 1 THEN 'true' ELSE 'false' END",
    type: 'string',
    ops: ['any', 'equals'],
  },
  is_starred: {
    column: "CASE is_starred WHEN 1 THEN 'true' ELSE 'false' END",
    type: 'string',
    ops: ['equals'],
  },
};
const SORTS: Record<string, string> = { created: 'created', id: 'id', name: 'name', updated: 'updated' };

/** Saving checks the definition can be evaluated; nothing is looked up at this point. */
const NO_LOOKUPS = (): Lookups => {
  throw new Error('definitions are only checked when saved');
};

function checkDefinition(def: unknown): string {
  compileDefinition(def as Definition, NO_LOOKUPS);
  return JSON.stringify(def);
}

function view(ctx: Ctx, withCount: boolean): SegmentView {
  fieldsParam(ctx.req, 'tag', ['name']);
  fieldsParam(ctx.req, 'flow', ['name', 'status', 'archived', 'created', 'updated', 'trigger_type']);
  const fields = fieldsParam(
    ctx.req,
    'segment',
    withCount ? [...SEGMENT_FIELDS, 'profile_count'] : SEGMENT_FIELDS,
  );
  const additional = withCount ? listParam(ctx.req, 'additional-fields[segment]', ['profile_count']) : [];
  return {
    fields,
    profileCount: additional.includes('profile_count') || (fields?.includes('profile_count') ?? false),
    included: listParam(ctx.req, 'include', ['flow-triggers', 'tags']),
  };
}

function single(ctx: Ctx, status: number, row: SegmentRow, v: SegmentView) {
  const data = segmentResource(ctx, row, v);
  const doc: Record<string, unknown> = { data, links: { self: data.links.self } };
  if (v.included.length) doc.included = [];
  return reply(status, doc);
}

const plain = (ctx: Ctx): SegmentView => ({
  fields: fieldsParam(ctx.req, 'segment', SEGMENT_FIELDS),
  profileCount: false,
  included: [],
});

export const createSegment: Handler = (ctx) => {
  const v = plain(ctx);
  const a = parseBody(ctx, createSchema).data.attributes;
  const now = ctx.clock.now();
  const row = ctx.store.repo(SegmentsRepo).insert({
    account: ctx.account,
    id: ctx.ids.shortId(),
    name: a.name,
    definition: checkDefinition(a.definition),
    is_active: 1,
    is_starred: a.is_starred ? 1 : 0,
    created: now,
    updated: now,
  });
  queueEvaluation(ctx.store, ctx.store.acct(ctx.account), true);
  return single(ctx, 201, row, v);
};

export const getSegment: Handler = (ctx) =>
  single(ctx, 200, requireSegment(ctx, ctx.params.id!), view(ctx, true));

export const getSegments: Handler = (ctx) => {
  const v = view(ctx, false);
  const filterText = ctx.req.query.get('filter');
  const filter = filterText
    ? compileFilter(parseFilter(filterText), FILTERS, 'segment')
    : { where: [], params: [] };
  const sort = sortParam(ctx.req, Object.keys(SORTS));
  const page = ctx.store.repo(SegmentsRepo).list({
    account: ctx.account,
    where: filter.where,
    params: filter.params,
    sortExpr: sort ? SORTS[sort.field]! : 'seq',
    desc: sort?.desc ?? false,
    cursor: readCursor(ctx.req),
    limit: pageSizeParam(ctx.req, 10, 10),
  });
  const doc: Record<string, unknown> = {
    data: page.rows.map((r) => segmentResource(ctx, r, v)),
    links: pageLinks(ctx.req, page),
  };
  if (v.included.length) doc.included = [];
  return reply(200, doc);
};

export const updateSegment: Handler = (ctx) => {
  const v = plain(ctx);
  const body = parseBody(ctx, updateSchema);
  if (body.data.id !== ctx.params.id) {
    throw invalidBody(
      '/data/id',
      `The id in the body (${body.data.id}) must match the id in the URL (${ctx.params.id}).`,
    );
  }
  const row = requireSegment(ctx, ctx.params.id!);
  const a = body.data.attributes;
  if (a.name) row.name = a.name;
  if (a.definition) row.definition = checkDefinition(a.definition);
  if (typeof a.is_starred === 'boolean') row.is_starred = a.is_starred ? 1 : 0;
  if (typeof a.is_active === 'boolean') row.is_active = a.is_active ? 1 : 0;
  row.updated = ctx.clock.now();
  ctx.store.repo(SegmentsRepo).update(row);
  if (row.is_active) queueEvaluation(ctx.store, ctx.store.acct(ctx.account), true);
  return single(ctx, 200, row, v);
};

export const deleteSegment: Handler = (ctx) => {
  const row = requireSegment(ctx, ctx.params.id!);
  ctx.store.transaction(() => ctx.store.repo(SegmentsRepo).delete(row));
  return { status: 204, headers: {}, body: null };
};

const members = memberHandlers(
  'segment_members',
  'segment',
  (ctx) => requireSegment(ctx, ctx.params.id!).seq,
);
export const getProfilesForSegment: Handler = members.profiles;
export const getProfileIdsForSegment: Handler = members.ids;

export const getSegmentsForProfile: Handler = (ctx) => {
  const v = plain(ctx);
  const rows = ctx.store.repo(SegmentsRepo).segmentsOf(ctx.account, requireProfile(ctx, ctx.params.id!));
  return reply(200, {
    data: rows.map((r) => segmentResource(ctx, r, v)),
    links: { self: `${ctx.req.url.origin}${ctx.req.path}` },
  });
};

export const getSegmentIdsForProfile: Handler = (ctx) => {
  const rows = ctx.store.repo(SegmentsRepo).segmentsOf(ctx.account, requireProfile(ctx, ctx.params.id!));
  return reply(200, {
    data: rows.map((r) => ({ type: 'segment', id: r.id })),
    links: { self: `${ctx.req.url.origin}${ctx.req.path}` },
  });
};
