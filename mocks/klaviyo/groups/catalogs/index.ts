/**
 * Catalogs API: items, variants and categories (CRUD, filtered lists, the item↔category links and the
 * scoped reads), their bulk create / update / delete jobs, and back-in-stock subscriptions.
 *
 * Known limitations (LocalStack style — what this mock does NOT do):
 * - Only the `$custom` integration and `$default` catalog exist, as in Klaviyo; the id is always
 *   `$custom:::$default:::<external_id>`.
 * - Bulk jobs run whole, JOB_DELAY_MS after acceptance (never seen `processing`); the limit of 500 jobs
 *   in progress is not enforced; the 5 MB payload limit is the mock's general body limit.
 * - A bulk job's resources are checked for shape when the job is accepted (400 for the whole request);
 *   only rule failures (duplicate id, unknown id, unknown related object) become per-resource `errors`.
 * - Back-in-stock subscriptions are stored but never notify (no inventory feed); they are not readable
 *   (Klaviyo has no read endpoint either). The client-side `/client/back-in-stock-subscriptions` is not
 *   emulated.
 * - Catalog objects do not feed segments, flows or templates; `custom_metadata` is stored as sent.
 * - Deleting an item deletes its variants with it, at once (the spec does not say what Klaviyo does
 *   with an item's variants, or when).
 * - A second create of an existing id answers 409 `conflict` (in a job: a per-resource error); the
 *   spec does not say what Klaviyo answers, so the status and wording are the mock's.
 * - Unknown related objects (a variant's item, an item's categories) answer 400 pointing at the id;
 *   Klaviyo's exact status for them is likewise unconfirmed.
 */
import { defineGroup } from '../../core/group.ts';
import { type Route, route } from '../../core/router.ts';
import type { OperationId } from '../../operations.generated.ts';
import { createBackInStockSubscription } from './back-in-stock.ts';
import {
  createHandler,
  deleteHandler,
  getHandler,
  linksHandler,
  listHandler,
  updateHandler,
} from './handlers.ts';
import { createJobHandler, getJobHandler, type JobOp, listJobsHandler } from './jobs.ts';
import { CATEGORY, ITEM, type Kind, VARIANT } from './kinds.ts';
import { CatalogRepo } from './repo.ts';

/** The five single-object routes of a kind: list, create, get, update, delete. */
function crud(kind: Kind, ops: [OperationId, OperationId, OperationId, OperationId, OperationId]): Route[] {
  const base = `/api/${kind.path}`;
  return [
    route('GET', base, ops[0], listHandler(kind)),
    route('POST', base, ops[1], createHandler(kind)),
    route('GET', `${base}/:id`, ops[2], getHandler(kind)),
    route('PATCH', `${base}/:id`, ops[3], updateHandler(kind)),
    route('DELETE', `${base}/:id`, ops[4], deleteHandler(kind)),
  ];
}

/** A job type's three routes: create (202), list, get one. */
function jobs(kind: Kind, op: JobOp, ops: [OperationId, OperationId, OperationId]): Route[] {
  const base = `/api/${kind.type}-bulk-${op}-jobs`;
  return [
    route('POST', base, ops[0], createJobHandler(kind, op)),
    route('GET', base, ops[1], listJobsHandler(kind, op)),
    route('GET', `${base}/:job_id`, ops[2], getJobHandler(kind, op)),
  ];
}

/** `<base>/<plural>` and `<base>/relationships/<plural>`: the objects of `kind` related to the one in the path. */
function related(base: string, kind: Kind, ops: [OperationId, OperationId]): Route[] {
  const name = kind.path.replace('catalog-', '');
  return [
    route('GET', `${base}/${name}`, ops[0], listHandler(kind, { scoped: true })),
    route('GET', `${base}/relationships/${name}`, ops[1], listHandler(kind, { scoped: true, idsOnly: true })),
  ];
}

/** Add (POST), replace (PATCH) and remove (DELETE) the links of an item or a category. */
function links(base: string, kind: Kind, ops: [OperationId, OperationId, OperationId]): Route[] {
  const path = `${base}/relationships/${kind === ITEM ? 'categories' : 'items'}`;
  return [
    route('POST', path, ops[0], linksHandler(kind, 'add')),
    route('PATCH', path, ops[1], linksHandler(kind, 'replace')),
    route('DELETE', path, ops[2], linksHandler(kind, 'remove')),
  ];
}

const ITEMS = '/api/catalog-items/:id';
const CATEGORIES = '/api/catalog-categories/:id';

export const catalogs = defineGroup({
  name: 'Catalogs',
  repos: [CatalogRepo],
  routes: [
    ...crud(ITEM, [
      'get_catalog_items',
      'create_catalog_item',
      'get_catalog_item',
      'update_catalog_item',
      'delete_catalog_item',
    ]),
    ...crud(VARIANT, [
      'get_catalog_variants',
      'create_catalog_variant',
      'get_catalog_variant',
      'update_catalog_variant',
      'delete_catalog_variant',
    ]),
    ...crud(CATEGORY, [
      'get_catalog_categories',
      'create_catalog_category',
      'get_catalog_category',
      'update_catalog_category',
      'delete_catalog_category',
    ]),
    ...related(ITEMS, VARIANT, ['get_variants_for_catalog_item', 'get_variant_ids_for_catalog_item']),
    ...related(ITEMS, CATEGORY, ['get_categories_for_catalog_item', 'get_category_ids_for_catalog_item']),
    ...links(ITEMS, ITEM, [
      'add_categories_to_catalog_item',
      'update_categories_for_catalog_item',
      'remove_categories_from_catalog_item',
    ]),
    ...related(CATEGORIES, ITEM, ['get_items_for_catalog_category', 'get_item_ids_for_catalog_category']),
    ...links(CATEGORIES, CATEGORY, [
      'add_items_to_catalog_category',
      'update_items_for_catalog_category',
      'remove_items_from_catalog_category',
    ]),
    ...jobs(ITEM, 'create', [
      'bulk_create_catalog_items',
      'get_bulk_create_catalog_items_jobs',
      'get_bulk_create_catalog_items_job',
    ]),
    ...jobs(ITEM, 'update', [
      'bulk_update_catalog_items',
      'get_bulk_update_catalog_items_jobs',
      'get_bulk_update_catalog_items_job',
    ]),
    ...jobs(ITEM, 'delete', [
      'bulk_delete_catalog_items',
      'get_bulk_delete_catalog_items_jobs',
      'get_bulk_delete_catalog_items_job',
    ]),
    ...jobs(VARIANT, 'create', [
      'bulk_create_catalog_variants',
      'get_bulk_create_variants_jobs',
      'get_bulk_create_variants_job',
    ]),
    ...jobs(VARIANT, 'update', [
      'bulk_update_catalog_variants',
      'get_bulk_update_variants_jobs',
      'get_bulk_update_variants_job',
    ]),
    ...jobs(VARIANT, 'delete', [
      'bulk_delete_catalog_variants',
      'get_bulk_delete_variants_jobs',
      'get_bulk_delete_variants_job',
    ]),
    ...jobs(CATEGORY, 'create', [
      'bulk_create_catalog_categories',
      'get_bulk_create_categories_jobs',
      'get_bulk_create_categories_job',
    ]),
    ...jobs(CATEGORY, 'update', [
      'bulk_update_catalog_categories',
      'get_bulk_update_categories_jobs',
      'get_bulk_update_categories_job',
    ]),
    ...jobs(CATEGORY, 'delete', [
      'bulk_delete_catalog_categories',
      'get_bulk_delete_categories_jobs',
      'get_bulk_delete_categories_job',
    ]),
    route(
      'POST',
      '/api/back-in-stock-subscriptions',
      'create_back_in_stock_subscription',
      createBackInStockSubscription,
    ),
  ],
});
