/**
 * The story catalog in Klaviyo's Catalog API (seeds: `story_catalog_sync.py`, "Klaviyo Catalog API
 * integration, theme recommendations"): each story theme is a catalog item, its moods (calm, adventure,
 * fantasy, nature) are catalog categories. `syncStoryCatalog` makes Klaviyo's catalog match the
 * desired one with bulk jobs — create new themes, update changed ones, delete retired ones — and
 * points each category at its items; `catalogRecommendations` recommends from the synced catalog.
 *
 * Known limitations: only the `$custom:::$default` catalog (the only one Klaviyo offers); category
 * links are replaced per category (one call each, a handful of categories); bulk jobs are polled on
 * the clock and one that does not complete within the poll budget is reported, not retried.
 */
import type { KlaviyoMarketing } from '../klaviyo/marketing.ts';
import { BEDTIME_THEMES, THEMES } from '../personalization/themes.ts';

export const CATALOG_PREFIX = '$custom:::$default:::';
const catalogId = (externalId: string) => `${CATALOG_PREFIX}${externalId}`;

export interface ThemeItem {
  /** External id: a slug of the title. */
  id: string;
  title: string;
  description: string;
  /** Category external ids. */
  categories: string[];
  published: boolean;
}

export interface StoryCatalog {
  items: ThemeItem[];
  categories: { id: string; name: string }[];
}

export const CATEGORIES = [
  { id: 'calm', name: 'Calm' },
  { id: 'adventure', name: 'Adventure' },
  { id: 'fantasy', name: 'Fantasy' },
  { id: 'nature', name: 'Nature' },
];

const FANTASY = new Set(['Enchanted Forest', 'Fairy Kingdom', 'Dream Castle']);
const NATURE = new Set(['Ocean Adventure', 'Arctic Friends', 'Jungle Safari', 'Rainbow Garden']);

export const slug = (title: string) => title.toLowerCase().replace(/[^a-z0-9]+/g, '-');

/** Dream Flow's themes (personalization/themes.ts) as a catalog. */
export function themeCatalog(themes: readonly string[] = THEMES): StoryCatalog {
  return {
    categories: CATEGORIES,
    items: themes.map((title) => ({
      id: slug(title),
      title,
      description: `${title}: a bedtime story world`,
      categories: [
        BEDTIME_THEMES.includes(title) ? 'calm' : 'adventure',
        ...(FANTASY.has(title) ? ['fantasy'] : []),
        ...(NATURE.has(title) ? ['nature'] : []),
      ],
      published: true,
    })),
  };
}

/**
 * The catalogue's releases, as the catalog-changes scenario replays them: 0 is today's themes; 1 adds
 * "Moon Garden" and rewrites Space Explorer's description; 2 retires "Pirate Cove" and the "nature"
 * category. Later releases repeat the last.
 */
export function catalogRelease(n: number): StoryCatalog {
  if (n <= 0) return themeCatalog();
  const one = themeCatalog([...THEMES, 'Moon Garden']);
  one.items.find((i) => i.id === 'space-explorer')!.description = 'Rockets, planets and a sleepy moon';
  if (n === 1) return one;
  const two = { ...one, items: one.items.filter((i) => i.id !== 'pirate-cove') };
  two.categories = two.categories.filter((x) => x.id !== 'nature');
  for (const i of two.items) i.categories = i.categories.filter((x) => x !== 'nature');
  return two;
}

export interface CatalogSyncResult {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  categoriesCreated: number;
  categoriesDeleted: number;
  /** Bulk jobs' resources that failed (per-resource errors), and jobs that did not complete in time. */
  failures: string[];
}

interface RemoteItem {
  id: string;
  title: string;
  description: string;
  published: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: the SDK's request models are wide unions; bodies are built in wire shape.
type Body = any;

async function readAll<T>(
  marketing: KlaviyoMarketing,
  op: string,
  page: (cursor?: string) => Promise<{ body: { data: T[]; links?: { next?: string } } }>,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const r = await marketing.call(op, () => page(cursor));
    out.push(...r.body.data);
    cursor = r.body.links?.next;
    if (!cursor) break;
  }
  return out;
}

export async function readCatalog(marketing: KlaviyoMarketing): Promise<{
  items: RemoteItem[];
  categories: { id: string; name: string }[];
}> {
  const c = marketing.catalogs;
  const items = await readAll(marketing, 'get_catalog_items', (cursor) =>
    c.getCatalogItems({ pageCursor: cursor }),
  );
  const categories = await readAll(marketing, 'get_catalog_categories', (cursor) =>
    c.getCatalogCategories({ pageCursor: cursor }),
  );
  return {
    items: items.map((i) => ({
      id: i.id as string,
      title: i.attributes.title ?? '',
      description: i.attributes.description ?? '',
      published: i.attributes.published !== false,
    })),
    categories: categories.map((x) => ({ id: x.id as string, name: x.attributes.name ?? '' })),
  };
}

/** Run one bulk job and wait for it; per-resource errors and timeouts go to `failures`. */
async function bulk(
  marketing: KlaviyoMarketing,
  op: string,
  create: () => Promise<{ body: { data: { id?: string } } }>,
  read: (id: string) => Promise<{ body: { data: { attributes: Body } } }>,
  failures: string[],
): Promise<void> {
  const job = await marketing.call(op, create);
  const id = job.body.data.id as string;
  let attributes: Body;
  const done = await marketing.poll(async () => {
    attributes = (await marketing.call(`get_${op}`, () => read(id))).body.data.attributes;
    return attributes.status === 'complete' || attributes.status === 'cancelled';
  });
  if (!done) failures.push(`${op} ${id} did not complete`);
  for (const e of attributes?.errors ?? []) failures.push(`${op}: ${e.detail ?? e.title}`);
}

export async function syncStoryCatalog(
  marketing: KlaviyoMarketing,
  desired: StoryCatalog,
): Promise<CatalogSyncResult> {
  const c = marketing.catalogs;
  const failures: string[] = [];
  const remote = await readCatalog(marketing);
  const remoteItems = new Map(remote.items.map((i) => [i.id, i]));
  const remoteCats = new Set(remote.categories.map((x) => x.id));
  const wantedItems = new Map(desired.items.map((i) => [catalogId(i.id), i]));
  const wantedCats = new Set(desired.categories.map((x) => catalogId(x.id)));

  const newCats = desired.categories.filter((x) => !remoteCats.has(catalogId(x.id)));
  if (newCats.length)
    await bulk(
      marketing,
      'bulk_create_catalog_categories',
      () =>
        c.bulkCreateCatalogCategories({
          data: {
            type: 'catalog-category-bulk-create-job',
            attributes: {
              categories: {
                data: newCats.map((x) => ({
                  type: 'catalog-category',
                  attributes: { externalId: x.id, name: x.name },
                })),
              },
            },
          },
        } as Body),
      (id) => c.getBulkCreateCategoriesJob(id),
      failures,
    );

  const toCreate = desired.items.filter((i) => !remoteItems.has(catalogId(i.id)));
  const toUpdate = desired.items.filter((i) => {
    const r = remoteItems.get(catalogId(i.id));
    return r && (r.title !== i.title || r.description !== i.description || r.published !== i.published);
  });
  const toDelete = remote.items.filter((i) => !wantedItems.has(i.id));
  const attrs = (i: ThemeItem) => ({
    title: i.title,
    description: i.description,
    url: `https://dreamflow.example/themes/${i.id}`,
    published: i.published,
    customMetadata: { theme: i.title },
  });
  for (let k = 0; k < toCreate.length; k += 100) {
    const chunk = toCreate.slice(k, k + 100);
    await bulk(
      marketing,
      'bulk_create_catalog_items',
      () =>
        c.bulkCreateCatalogItems({
          data: {
            type: 'catalog-item-bulk-create-job',
            attributes: {
              items: {
                data: chunk.map((i) => ({
                  type: 'catalog-item',
                  attributes: { externalId: i.id, ...attrs(i) },
                })),
              },
            },
          },
        } as Body),
      (id) => c.getBulkCreateCatalogItemsJob(id),
      failures,
    );
  }
  for (let k = 0; k < toUpdate.length; k += 100) {
    const chunk = toUpdate.slice(k, k + 100);
    await bulk(
      marketing,
      'bulk_update_catalog_items',
      () =>
        c.bulkUpdateCatalogItems({
          data: {
            type: 'catalog-item-bulk-update-job',
            attributes: {
              items: {
                data: chunk.map((i) => ({ type: 'catalog-item', id: catalogId(i.id), attributes: attrs(i) })),
              },
            },
          },
        } as Body),
      (id) => c.getBulkUpdateCatalogItemsJob(id),
      failures,
    );
  }
  for (let k = 0; k < toDelete.length; k += 100) {
    const chunk = toDelete.slice(k, k + 100);
    await bulk(
      marketing,
      'bulk_delete_catalog_items',
      () =>
        c.bulkDeleteCatalogItems({
          data: {
            type: 'catalog-item-bulk-delete-job',
            attributes: { items: { data: chunk.map((i) => ({ type: 'catalog-item', id: i.id })) } },
          },
        } as Body),
      (id) => c.getBulkDeleteCatalogItemsJob(id),
      failures,
    );
  }
  // Each category's items, replaced as a whole (links of deleted items went with them).
  for (const cat of desired.categories) {
    const items = desired.items.filter((i) => i.categories.includes(cat.id));
    await marketing.call('update_items_for_catalog_category', () =>
      c.updateItemsForCatalogCategory(catalogId(cat.id), {
        data: items.map((i) => ({ type: 'catalog-item', id: catalogId(i.id) })),
      } as Body),
    );
  }
  const oldCats = remote.categories.filter((x) => !wantedCats.has(x.id));
  if (oldCats.length)
    await bulk(
      marketing,
      'bulk_delete_catalog_categories',
      () =>
        c.bulkDeleteCatalogCategories({
          data: {
            type: 'catalog-category-bulk-delete-job',
            attributes: {
              categories: { data: oldCats.map((x) => ({ type: 'catalog-category', id: x.id })) },
            },
          },
        } as Body),
      (id) => c.getBulkDeleteCategoriesJob(id),
      failures,
    );
  return {
    created: toCreate.length,
    updated: toUpdate.length,
    deleted: toDelete.length,
    unchanged: desired.items.length - toCreate.length - toUpdate.length,
    categoriesCreated: newCats.length,
    categoriesDeleted: oldCats.length,
    failures,
  };
}

/**
 * Recommendations from the synced catalog: the favourite first, then published themes that share a
 * category with the favourites (most shared categories first, then title), `count` at most.
 */
export async function catalogRecommendations(
  marketing: KlaviyoMarketing,
  favourites: readonly string[],
  count = 3,
): Promise<string[]> {
  const c = marketing.catalogs;
  const { items } = await readCatalog(marketing);
  const published = items.filter((i) => i.published);
  const byTitle = new Map(published.map((i) => [i.title, i]));
  const categoriesOf = async (id: string) =>
    (
      await marketing.call('get_category_ids_for_catalog_item', () => c.getCategoryIdsForCatalogItem(id))
    ).body.data.map((x) => x.id as string);
  const liked = new Set<string>();
  for (const f of favourites) {
    const item = byTitle.get(f);
    if (item) for (const cat of await categoriesOf(item.id)) liked.add(cat);
  }
  const scored: { title: string; shared: number }[] = [];
  for (const i of published) {
    if (favourites.includes(i.title)) continue;
    const shared = (await categoriesOf(i.id)).filter((x) => liked.has(x)).length;
    if (shared > 0) scored.push({ title: i.title, shared });
  }
  scored.sort((a, b) => b.shared - a.shared || a.title.localeCompare(b.title));
  const out = favourites.filter((f) => byTitle.has(f)).slice(0, 1);
  for (const s of scored) if (out.length < count && !out.includes(s.title)) out.push(s.title);
  return out;
}
