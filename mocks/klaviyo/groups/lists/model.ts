/**
 * List rules shared with other groups: the resource as Klaviyo serialises it, and `requireList`.
 * Segments read memberships through the repo; bulk jobs add imported profiles through `addProfiles`.
 */
import type { Ctx } from '../../core/context.ts';
import { notFound } from '../../jsonapi/errors.ts';
import { isoTime, pickFields, type ResourceObject, relationship } from '../../jsonapi/serialize.ts';
import { type ListRow, ListsRepo } from './repo.ts';

export const LIST_FIELDS = ['name', 'created', 'updated', 'opt_in_process'] as const;
/** Lists of a new account default to double opt-in, as Klaviyo accounts did before 2023. */
export const DEFAULT_OPT_IN = 'double_opt_in';

export function requireList(ctx: Ctx, id: string): ListRow {
  const row = ctx.store.repo(ListsRepo).byId(ctx.account, id);
  if (!row) throw notFound(`A list with id ${id} does not exist.`);
  return row;
}

export interface ListView {
  fields: string[] | null;
  /** Attach `profile_count` (additional-fields[list]=profile_count). */
  profileCount: boolean;
  /** Relationship names shown with `data: []` because `include` asked for them. */
  included: string[];
}

export function listResource(ctx: Ctx, row: ListRow, view: ListView): ResourceObject {
  const origin = ctx.req.url.origin;
  const base = `/api/lists/${row.id}`;
  const attributes: Record<string, unknown> = {
    name: row.name,
    created: isoTime(row.created),
    updated: isoTime(row.updated),
    opt_in_process: row.opt_in_process,
  };
  if (view.profileCount) attributes.profile_count = ctx.store.repo(ListsRepo).profileCount(row);
  const rel = (name: string) =>
    relationship(origin, base, name, view.included.includes(name) ? [] : undefined);
  return {
    type: 'list',
    id: row.id,
    attributes: pickFields(attributes, view.fields),
    relationships: { profiles: rel('profiles'), tags: rel('tags'), 'flow-triggers': rel('flow-triggers') },
    links: { self: `${origin}${base}/` },
  };
}
