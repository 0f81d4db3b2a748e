/**
 * Catalog rules, shared by the single-object endpoints and the bulk jobs (a job applies exactly these
 * functions to each resource it carries, so a bulk create behaves like N creates):
 * - ids are `$custom:::$default:::<external_id>`; a second create of the same id is 409;
 * - a variant belongs to one item (`relationships.item`, required); deleting an item deletes its variants;
 * - items and categories link many-to-many; a create or update naming categories (items) sets them;
 * - an update may not null an attribute the create requires; custom_metadata is at most 100 KB.
 */
import { z } from 'zod';
import type { Ctx } from '../../core/context.ts';
import { invalidBody, KlaviyoError, notFound } from '../../jsonapi/errors.ts';
import { isoTime, pickFields, type ResourceObject, relationship } from '../../jsonapi/serialize.ts';
import { CATEGORY, compoundId, ITEM, type Kind, MAX_METADATA_BYTES } from './kinds.ts';
import { CatalogRepo, type CatalogRow } from './repo.ts';

const ref = (type: string) => z.object({ type: z.literal(type), id: z.string().min(1) });
const refs = (type: string) => z.object({ data: z.array(ref(type)) });

/** `relationships` a create or update of each kind may carry (a variant's item only on create). */
export function relationshipsSchema(kind: Kind, create: boolean) {
  if (kind === ITEM) return z.object({ categories: refs(CATEGORY.type).optional() });
  if (kind === CATEGORY) return z.object({ items: refs(ITEM.type).optional() });
  return create ? z.object({ item: z.object({ data: ref(ITEM.type) }) }) : z.object({}).optional();
}

/** One resource of a create request (single or bulk). */
export function createResource(kind: Kind) {
  const rel = relationshipsSchema(kind, true);
  return z.object({
    type: z.literal(kind.type),
    attributes: kind.create,
    relationships: kind.name === 'variant' ? rel : rel.nullable().optional(),
  });
}

/** One resource of an update request (single or bulk). */
export function updateResource(kind: Kind) {
  return z.object({
    type: z.literal(kind.type),
    id: z.string().min(1),
    attributes: kind.update,
    relationships: relationshipsSchema(kind, false).nullable().optional(),
  });
}

export type CreateInput = z.infer<ReturnType<typeof createResource>>;
export type UpdateInput = z.infer<ReturnType<typeof updateResource>>;
type Relationships = Record<string, { data: { id: string } | { id: string }[] } | undefined>;

export function requireObject(ctx: Ctx, kind: Kind, id: string): CatalogRow {
  const row = ctx.store.repo(CatalogRepo).byId(ctx.account, kind.name, id);
  if (!row) throw notFound(`A ${kind.type} with id ${id} does not exist.`);
  return row;
}

/** Attributes as stored: everything but created/updated, which are columns. */
function storedAttrs(row: CatalogRow): Record<string, unknown> {
  return JSON.parse(row.attrs) as Record<string, unknown>;
}

/** The columns the filters read, kept in step with the JSON attributes. */
function syncColumns(row: Omit<CatalogRow, 'seq'>, attrs: Record<string, unknown>): void {
  row.title = String((row.kind === 'category' ? attrs.name : attrs.title) ?? '');
  row.sku = (attrs.sku as string | undefined) ?? null;
  row.published = attrs.published === false ? 0 : 1;
  row.attrs = JSON.stringify(attrs);
}

function checkMetadata(attrs: Record<string, unknown>, pointer: string): void {
  const meta = attrs.custom_metadata;
  if (meta && Buffer.byteLength(JSON.stringify(meta)) > MAX_METADATA_BYTES) {
    throw invalidBody(`${pointer}/attributes/custom_metadata`, 'custom_metadata may not exceed 100kb.');
  }
}

/** Look up related objects by id; an unknown one is a 400 pointing at it. */
function related(ctx: Ctx, kind: Kind, ids: { id: string }[], pointer: string): CatalogRow[] {
  return ids.map((r, i) => {
    const row = ctx.store.repo(CatalogRepo).byId(ctx.account, kind.name, r.id);
    if (!row) throw invalidBody(`${pointer}/${i}/id`, `A ${kind.type} with id ${r.id} does not exist.`);
    return row;
  });
}

export type LinkMode = 'add' | 'replace' | 'remove';

/** Add, replace or remove the links of an item (to categories) or a category (to items). */
export function setLinks(
  ctx: Ctx,
  row: CatalogRow,
  ids: { id: string }[],
  mode: LinkMode,
  pointer: string,
): void {
  const repo = ctx.store.repo(CatalogRepo);
  const others = related(ctx, row.kind === 'item' ? CATEGORY : ITEM, ids, pointer);
  if (mode === 'replace') repo.unlinkAll(row.seq);
  for (const other of others) {
    const [item, category] = row.kind === 'item' ? [row.seq, other.seq] : [other.seq, row.seq];
    if (mode === 'remove') repo.unlink(item, category);
    else repo.link(item, category, ctx.account);
  }
}

function linkedIds(rel: Relationships | null | undefined): { id: string }[] | undefined {
  const r = rel?.categories ?? rel?.items;
  return r ? (r.data as { id: string }[]) : undefined;
}

function linkPointer(kind: Kind, pointer: string): string {
  return `${pointer}/relationships/${kind === ITEM ? 'categories' : 'items'}/data`;
}

/** Create one object; `pointer` is where the resource sits in the request (`/data`, or a bulk item). */
export function createObject(ctx: Ctx, kind: Kind, input: CreateInput, pointer = '/data'): CatalogRow {
  const { integration_type: _i, catalog_type: _c, ...attrs } = input.attributes as Record<string, unknown>;
  checkMetadata(attrs, pointer);
  const id = compoundId(String(attrs.external_id));
  const repo = ctx.store.repo(CatalogRepo);
  if (repo.byId(ctx.account, kind.name, id)) {
    throw new KlaviyoError(409, 'conflict', `A ${kind.type} with id ${id} already exists.`, {
      source: { pointer: `${pointer}/attributes/external_id` },
    });
  }
  let item: number | null = null;
  if (kind.name === 'variant') {
    const parentId = (input.relationships as { item: { data: { id: string } } }).item.data.id;
    const parent = repo.byId(ctx.account, 'item', parentId);
    if (!parent) {
      throw invalidBody(
        `${pointer}/relationships/item/data/id`,
        `A catalog-item with id ${parentId} does not exist.`,
      );
    }
    item = parent.seq;
  }
  const full: Record<string, unknown> = {};
  for (const f of kind.fields) if (f !== 'created' && f !== 'updated') full[f] = attrs[f] ?? null;
  if ('published' in full) full.published = attrs.published ?? true;
  if ('inventory_policy' in full) full.inventory_policy = attrs.inventory_policy ?? 0;
  const now = ctx.clock.now();
  const fresh = { account: ctx.account, kind: kind.name, id, item, created: now, updated: now } as Omit<
    CatalogRow,
    'seq'
  >;
  syncColumns(fresh, full);
  const row = repo.insert(fresh);
  const links = linkedIds(input.relationships as Relationships);
  if (links) setLinks(ctx, row, links, 'add', linkPointer(kind, pointer));
  return row;
}

/** Apply an update to `row`; attributes not sent stay as they are. */
export function updateObject(ctx: Ctx, kind: Kind, row: CatalogRow, input: UpdateInput, pointer = '/data') {
  const attrs = input.attributes as Record<string, unknown>;
  checkMetadata(attrs, pointer);
  const merged = storedAttrs(row);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    if (v === null && kind.required.includes(k)) {
      throw invalidBody(`${pointer}/attributes/${k}`, `${k} may not be null.`);
    }
    merged[k] = v;
  }
  row.updated = ctx.clock.now();
  syncColumns(row, merged);
  ctx.store.repo(CatalogRepo).update(row);
  const links = linkedIds(input.relationships as Relationships);
  if (links) setLinks(ctx, row, links, 'replace', linkPointer(kind, pointer));
  return row;
}

export function deleteObject(ctx: Ctx, row: CatalogRow): void {
  ctx.store.repo(CatalogRepo).delete(row);
}

const RELATED: Record<string, string> = { item: 'variants', variant: 'item', category: 'items' };

/** The JSON:API resource of an object, with `fields[type]` applied (null = all). */
export function catalogResource(
  origin: string,
  kind: Kind,
  row: CatalogRow,
  fields: string[] | null,
  relData?: unknown,
): ResourceObject {
  const attrs = storedAttrs(row);
  const all: Record<string, unknown> = {};
  for (const f of kind.fields) {
    all[f] = f === 'created' ? isoTime(row.created) : f === 'updated' ? isoTime(row.updated) : attrs[f];
  }
  const base = `/api/${kind.path}/${row.id}`;
  const relName = RELATED[kind.name]!;
  return {
    type: kind.type,
    id: row.id,
    attributes: pickFields(all, fields),
    relationships: { [relName]: relationship(origin, base, relName, relData) },
    links: { self: `${origin}${base}/` },
  };
}
