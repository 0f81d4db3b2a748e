/**
 * Lists API: create, read (one, many), update, delete; add and remove profiles (204, at most 1000 per
 * call, consent untouched); a list's profiles and profile ids (filters, `joined_group_at`); and from the
 * profile side, the lists a profile belongs to.
 */
import { z } from 'zod';
import { type Ctx, type Handler, parseBody, reply } from '../../core/context.ts';
import { invalidBody } from '../../jsonapi/errors.ts';
import { compileFilter, type FieldSpec, parseFilter } from '../../jsonapi/filter.ts';
import { pageLinks, readCursor } from '../../jsonapi/pagination.ts';
import { fieldsParam, listParam, pageSizeParam, sortParam } from '../../jsonapi/query.ts';
import { memberHandlers, requireProfile } from '../profiles/model.ts';
import { ProfilesRepo } from '../profiles/repo.ts';
import { DEFAULT_OPT_IN, LIST_FIELDS, type ListView, listResource, requireList } from './model.ts';
import { ListsRepo } from './repo.ts';

const OPT_IN = z.enum(['double_opt_in', 'single_opt_in']);
const MAX_MEMBERS_PER_CALL = 1000;

const createSchema = z.object({
  data: z.object({
    type: z.literal('list'),
    attributes: z.object({ name: z.string().min(1), opt_in_process: OPT_IN.nullable().optional() }),
  }),
});

const updateSchema = z.object({
  data: z.object({
    type: z.literal('list'),
    id: z.string(),
    attributes: z.object({
      name: z.string().min(1).nullable().optional(),
      opt_in_process: OPT_IN.nullable().optional(),
    }),
  }),
});

const membersSchema = z.object({
  data: z.array(z.object({ type: z.literal('profile'), id: z.string().min(1) })),
});

/** get_lists filters, from the spec. */
const LIST_FILTERS: Record<string, FieldSpec> = {
  name: { column: 'name', type: 'string', ops: ['any', 'equals'] },
  id: { column: 'id', type: 'string', ops: ['any', 'equals'] },
  created: { column: 'created', type: 'datetime', ops: ['greater-than'] },
  updated: { column: 'updated', type: 'datetime', ops: ['greater-than'] },
};
const LIST_SORTS: Record<string, string> = { created: 'created', id: 'id', name: 'name', updated: 'updated' };

function listView(ctx: Ctx, withCount: boolean): ListView {
  fieldsParam(ctx.req, 'tag', ['name']);
  fieldsParam(ctx.req, 'flow', ['name', 'status', 'archived', 'created', 'updated', 'trigger_type']);
  const fields = fieldsParam(ctx.req, 'list', withCount ? [...LIST_FIELDS, 'profile_count'] : LIST_FIELDS);
  const additional = withCount ? listParam(ctx.req, 'additional-fields[list]', ['profile_count']) : [];
  return {
    fields,
    profileCount: additional.includes('profile_count') || (fields?.includes('profile_count') ?? false),
    included: listParam(ctx.req, 'include', ['flow-triggers', 'tags']),
  };
}

function single(ctx: Ctx, status: number, row: Parameters<typeof listResource>[1], view: ListView) {
  const data = listResource(ctx, row, view);
  const doc: Record<string, unknown> = { data, links: { self: data.links.self } };
  if (view.included.length) doc.included = [];
  return reply(status, doc);
}

export const createList: Handler = (ctx) => {
  const view = { fields: fieldsParam(ctx.req, 'list', LIST_FIELDS), profileCount: false, included: [] };
  const a = parseBody(ctx, createSchema).data.attributes;
  const now = ctx.clock.now();
  const row = ctx.store.repo(ListsRepo).insert({
    account: ctx.account,
    id: ctx.ids.shortId(),
    name: a.name,
    opt_in_process: a.opt_in_process ?? DEFAULT_OPT_IN,
    created: now,
    updated: now,
  });
  return single(ctx, 201, row, view);
};

export const getList: Handler = (ctx) =>
  single(ctx, 200, requireList(ctx, ctx.params.id!), listView(ctx, true));

export const getLists: Handler = (ctx) => {
  const view = listView(ctx, false);
  const filterText = ctx.req.query.get('filter');
  const filter = filterText
    ? compileFilter(parseFilter(filterText), LIST_FILTERS, 'list')
    : { where: [], params: [] };
  const sort = sortParam(ctx.req, Object.keys(LIST_SORTS));
  const page = ctx.store.repo(ListsRepo).list({
    account: ctx.account,
    where: filter.where,
    params: filter.params,
    sortExpr: sort ? LIST_SORTS[sort.field]! : 'seq',
    desc: sort?.desc ?? false,
    cursor: readCursor(ctx.req),
    limit: pageSizeParam(ctx.req, 10, 10),
  });
  const doc: Record<string, unknown> = {
    data: page.rows.map((r) => listResource(ctx, r, view)),
    links: pageLinks(ctx.req, page),
  };
  if (view.included.length) doc.included = [];
  return reply(200, doc);
};

export const updateList: Handler = (ctx) => {
  const view = { fields: fieldsParam(ctx.req, 'list', LIST_FIELDS), profileCount: false, included: [] };
  const body = parseBody(ctx, updateSchema);
  if (body.data.id !== ctx.params.id) {
    throw invalidBody(
      '/data/id',
      `The id in the body (${body.data.id}) must match the id in the URL (${ctx.params.id}).`,
    );
  }
  const row = requireList(ctx, ctx.params.id!);
  const a = body.data.attributes;
  if (a.name) row.name = a.name;
  if (a.opt_in_process) row.opt_in_process = a.opt_in_process;
  row.updated = ctx.clock.now();
  ctx.store.repo(ListsRepo).update(row);
  return single(ctx, 200, row, view);
};

export const deleteList: Handler = (ctx) => {
  const row = requireList(ctx, ctx.params.id!);
  ctx.store.transaction(() => ctx.store.repo(ListsRepo).delete(row));
  return { status: 204, headers: {}, body: null };
};

/** The profile seqs a relationships body names; every id must exist (400 naming the member otherwise). */
function memberSeqs(ctx: Ctx): number[] {
  const body = parseBody(ctx, membersSchema);
  if (body.data.length > MAX_MEMBERS_PER_CALL) {
    throw invalidBody(
      '/data',
      `At most ${MAX_MEMBERS_PER_CALL} profiles per request; got ${body.data.length}.`,
    );
  }
  const profiles = ctx.store.repo(ProfilesRepo);
  return body.data.map((p, i) => {
    const seq = profiles.seqOf(ctx.account, p.id);
    if (seq === undefined) throw invalidBody(`/data/${i}/id`, `A profile with id ${p.id} does not exist.`);
    return seq;
  });
}

export const addProfilesToList: Handler = (ctx) => {
  const list = requireList(ctx, ctx.params.id!);
  const seqs = memberSeqs(ctx);
  ctx.store.transaction(() => ctx.store.repo(ListsRepo).addMembers(list, seqs, ctx.clock.now()));
  return { status: 204, headers: {}, body: null };
};

export const removeProfilesFromList: Handler = (ctx) => {
  const list = requireList(ctx, ctx.params.id!);
  const seqs = memberSeqs(ctx);
  ctx.store.transaction(() => ctx.store.repo(ListsRepo).removeMembers(list, seqs));
  return { status: 204, headers: {}, body: null };
};

const members = memberHandlers('list_members', 'list', (ctx) => requireList(ctx, ctx.params.id!).seq);
export const getProfilesForList: Handler = members.profiles;
export const getProfileIdsForList: Handler = members.ids;

export const getListsForProfile: Handler = (ctx) => {
  const fields = fieldsParam(ctx.req, 'list', LIST_FIELDS);
  const profile = requireProfile(ctx, ctx.params.id!);
  const rows = ctx.store.repo(ListsRepo).listsOf(ctx.account, profile.seq);
  const view = { fields, profileCount: false, included: [] };
  return reply(200, {
    data: rows.map((r) => listResource(ctx, r, view)),
    links: { self: `${ctx.req.url.origin}${ctx.req.path}` },
  });
};

export const getListIdsForProfile: Handler = (ctx) => {
  const profile = requireProfile(ctx, ctx.params.id!);
  const rows = ctx.store.repo(ListsRepo).listsOf(ctx.account, profile.seq);
  return reply(200, {
    data: rows.map((r) => ({ type: 'list', id: r.id })),
    links: { self: `${ctx.req.url.origin}${ctx.req.path}` },
  });
};
