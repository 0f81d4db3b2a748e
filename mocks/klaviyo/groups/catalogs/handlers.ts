/**
 * Catalog endpoints, built once per kind: create (201), get, update (200), delete (204), the list with
 * the spec's filters (`ids` any, `title`/`name` contains, `sku` and `published` equals, and the
 * relational `category.id` / `item.id`), the scoped lists (a category's items, an item's variants and
 * categories, and their `relationships/` id forms), and the item↔category link operations (204).
 */
import { z } from 'zod';
import { type Ctx, type Handler, parseBody, reply } from '../../core/context.ts';
import { invalidBody, invalidParam } from '../../jsonapi/errors.ts';
import { compileFilter, type FieldSpec, parseFilter } from '../../jsonapi/filter.ts';
import { pageLinks, readCursor } from '../../jsonapi/pagination.ts';
import { fieldsParam, listParam, pageSizeParam, sortParam } from '../../jsonapi/query.ts';
import { Included, type ResourceObject } from '../../jsonapi/serialize.ts';
import { CATEGORY, ITEM, type Kind, VARIANT } from './kinds.ts';
import {
  catalogResource,
  createObject,
  createResource,
  deleteObject,
  type LinkMode,
  requireObject,
  setLinks,
  updateObject,
  updateResource,
} from './model.ts';
import { CatalogRepo, type CatalogRow } from './repo.ts';

const PAGE_MAX = 100;
const bool = (v: unknown) => (v === 'true' ? 1 : 0);
const COMMON: Record<string, FieldSpec> = {
  ids: { column: 'catalog_objects.id', type: 'string', ops: ['any'] },
};
const FILTERS: Record<string, Record<string, FieldSpec>> = {
  item: {
    ...COMMON,
    title: { column: 'title', type: 'string', ops: ['contains'] },
    published: { column: 'published', type: 'string', ops: ['equals'], normalise: bool },
  },
  variant: {
    ...COMMON,
    sku: { column: 'sku', type: 'string', ops: ['equals'] },
    title: { column: 'title', type: 'string', ops: ['contains'] },
    published: { column: 'published', type: 'string', ops: ['equals'], normalise: bool },
  },
  category: { ...COMMON, name: { column: 'title', type: 'string', ops: ['contains'] } },
};

/**
 * The relational filter of each kind and the SQL that scopes a list to one related object: the same
 * condition serves `filter=equals(category.id,…)` and `/catalog-categories/{id}/items`.
 */
const SCOPE: Record<string, { field: string; other: Kind; where: string }> = {
  item: {
    field: 'category.id',
    other: CATEGORY,
    where: 'catalog_objects.seq IN (SELECT item FROM catalog_links WHERE category = ?)',
  },
  variant: { field: 'item.id', other: ITEM, where: 'catalog_objects.item = ?' },
  category: {
    field: 'item.id',
    other: ITEM,
    where: 'catalog_objects.seq IN (SELECT category FROM catalog_links WHERE item = ?)',
  },
};

function doc(data: ResourceObject, included?: ResourceObject[]) {
  return { data, links: { self: data.links.self }, ...(included ? { included } : {}) };
}

/** `include=variants` on items: the variants of the rows, and each row's relationship data. */
function withVariants(ctx: Ctx, rows: CatalogRow[], include: string[]) {
  if (!include.includes('variants')) return { rel: () => undefined, included: undefined };
  const fields = fieldsParam(ctx.req, VARIANT.type, VARIANT.fields);
  const byItem = new Map<number, CatalogRow[]>();
  const found = ctx.store.repo(CatalogRepo).list({
    account: ctx.account,
    where: ["kind = 'variant'", 'item IN (SELECT value FROM json_each(?))'],
    params: [JSON.stringify(rows.map((r) => r.seq))],
    sortExpr: 'catalog_objects.created',
    desc: false,
    cursor: null,
    limit: 10_000,
  }).rows;
  const out = new Included();
  for (const v of found) {
    byItem.set(v.item!, [...(byItem.get(v.item!) ?? []), v]);
    out.add(catalogResource(ctx.req.url.origin, VARIANT, v, fields));
  }
  return {
    rel: (row: CatalogRow) => (byItem.get(row.seq) ?? []).map((v) => ({ type: VARIANT.type, id: v.id })),
    included: out.list(),
  };
}

function itemInclude(ctx: Ctx, kind: Kind): string[] {
  return kind === ITEM ? listParam(ctx.req, 'include', ['variants']) : [];
}

export function createHandler(kind: Kind): Handler {
  const schema = z.object({ data: createResource(kind) });
  return (ctx) => {
    const body = parseBody(ctx, schema);
    const row = ctx.store.transaction(() => createObject(ctx, kind, body.data));
    return reply(201, doc(catalogResource(ctx.req.url.origin, kind, row, null)));
  };
}

export function getHandler(kind: Kind): Handler {
  return (ctx) => {
    const fields = fieldsParam(ctx.req, kind.type, kind.fields);
    const row = requireObject(ctx, kind, ctx.params.id!);
    const inc = withVariants(ctx, [row], itemInclude(ctx, kind));
    return reply(
      200,
      doc(catalogResource(ctx.req.url.origin, kind, row, fields, inc.rel(row)), inc.included),
    );
  };
}

export function updateHandler(kind: Kind): Handler {
  const schema = z.object({ data: updateResource(kind) });
  return (ctx) => {
    const body = parseBody(ctx, schema);
    if (body.data.id !== ctx.params.id) {
      throw invalidBody(
        '/data/id',
        `The id in the body (${body.data.id}) must match the URL (${ctx.params.id}).`,
      );
    }
    const row = requireObject(ctx, kind, ctx.params.id!);
    ctx.store.transaction(() => updateObject(ctx, kind, row, body.data));
    return reply(200, doc(catalogResource(ctx.req.url.origin, kind, row, null)));
  };
}

export function deleteHandler(kind: Kind): Handler {
  return (ctx) => {
    const row = requireObject(ctx, kind, ctx.params.id!);
    ctx.store.transaction(() => deleteObject(ctx, row));
    return { status: 204, headers: {}, body: null };
  };
}

/**
 * A page of objects of `kind`; `scoped` lists those related to the object in the path (of kind
 * `SCOPE[kind].other`), `idsOnly` answers `{type, id}` identifiers (the `relationships/` forms).
 */
export function listHandler(kind: Kind, opts: { scoped?: boolean; idsOnly?: boolean } = {}): Handler {
  const scope = SCOPE[kind.name]!;
  return (ctx) => {
    const fields = opts.idsOnly ? null : fieldsParam(ctx.req, kind.type, kind.fields);
    const include = opts.idsOnly ? [] : itemInclude(ctx, kind);
    const where = ['catalog_objects.kind = ?'];
    const params: unknown[] = [kind.name];
    const relIds: string[] = [];
    if (opts.scoped) relIds.push(requireObject(ctx, scope.other, ctx.params.id!).id);
    const text = ctx.req.query.get('filter');
    if (text) {
      const conds = parseFilter(text);
      for (const c of conds.filter((c) => c.field === scope.field)) {
        if (c.op !== 'equals' || c.value?.kind !== 'string') {
          throw invalidParam(
            'filter',
            `${scope.field} takes equals with a quoted id, e.g. equals(${scope.field},"…").`,
          );
        }
        relIds.push(c.value.value);
      }
      const compiled = compileFilter(
        conds.filter((c) => c.field !== scope.field),
        FILTERS[kind.name]!,
        kind.type,
      );
      where.push(...compiled.where);
      params.push(...compiled.params);
    }
    for (const id of relIds) {
      where.push(scope.where);
      // An id that names nothing matches nothing.
      params.push(ctx.store.repo(CatalogRepo).byId(ctx.account, scope.other.name, id)?.seq ?? -1);
    }
    const sort = sortParam(ctx.req, ['created']);
    const page = ctx.store.repo(CatalogRepo).list({
      account: ctx.account,
      where,
      params,
      sortExpr: 'catalog_objects.created',
      desc: sort?.desc ?? false,
      cursor: readCursor(ctx.req),
      limit: pageSizeParam(ctx.req, PAGE_MAX, PAGE_MAX),
    });
    const links = pageLinks(ctx.req, page);
    if (opts.idsOnly) {
      return reply(200, { data: page.rows.map((r) => ({ type: kind.type, id: r.id })), links });
    }
    const inc = withVariants(ctx, page.rows, include);
    const data = page.rows.map((r) => catalogResource(ctx.req.url.origin, kind, r, fields, inc.rel(r)));
    return reply(200, { data, links, ...(inc.included ? { included: inc.included } : {}) });
  };
}

/** POST / PATCH / DELETE on `…/relationships/categories` (of an item) or `…/relationships/items`. */
export function linksHandler(kind: Kind, mode: LinkMode): Handler {
  const other = kind === ITEM ? CATEGORY : ITEM;
  const schema = z.object({
    data: z.array(z.object({ type: z.literal(other.type), id: z.string().min(1) })),
  });
  return (ctx) => {
    const body = parseBody(ctx, schema);
    const row = requireObject(ctx, kind, ctx.params.id!);
    ctx.store.transaction(() => setLinks(ctx, row, body.data, mode, '/data'));
    return { status: 204, headers: {}, body: null };
  };
}
