/**
 * Catalogs through the official SDK over HTTP: items, variants and categories round-trip and link,
 * filters and paging follow the spec, bad input is answered as Klaviyo does, and bulk jobs complete on
 * the mock's clock with the right counts and one error per failed resource.
 */
import { ApiKeySession, CatalogsApi, RetryWithExponentialBackoff } from 'klaviyo-api';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { VirtualClock } from '../../../../lib/clock.ts';
import { sdkError, startChecked } from '../../../../test/klaviyo/helpers.ts';
import { useKlaviyoContract } from '../../../../test/support/klaviyo-contract.ts';
import { JOB_DELAY_MS } from '../profile-jobs/handlers.ts';

const contract = useKlaviyoContract();
const clock = new VirtualClock(Date.UTC(2026, 5, 1));
let server: Awaited<ReturnType<typeof startChecked>>;
let api: CatalogsApi;

beforeAll(async () => {
  server = await startChecked(contract, { clock });
  api = new CatalogsApi(new ApiKeySession('pk_catalogs', new RetryWithExponentialBackoff({ numRetries: 0 })));
  api.basePath = server.url;
});
afterAll(async () => {
  await server.close();
});

const id = (external: string) => `$custom:::$default:::${external}`;

function item(externalId: string, extra: Record<string, unknown> = {}, categories: string[] = []) {
  return {
    type: 'catalog-item',
    attributes: {
      externalId,
      title: `Story ${externalId}`,
      description: 'A bedtime story',
      url: `https://shop.test/${externalId}`,
      price: 4.5,
      ...extra,
    },
    ...(categories.length
      ? {
          relationships: {
            categories: { data: categories.map((c) => ({ type: 'catalog-category', id: c })) },
          },
        }
      : {}),
  };
}

function variant(externalId: string, itemId: string, sku: string) {
  return {
    type: 'catalog-variant',
    attributes: {
      externalId,
      title: `Variant ${externalId}`,
      description: 'Hardcover',
      sku,
      inventoryQuantity: 3,
      price: 9,
      url: `https://shop.test/v/${externalId}`,
    },
    relationships: { item: { data: { type: 'catalog-item', id: itemId } } },
  };
}

it('creates, reads, updates, filters, links and deletes items, variants and categories', async () => {
  const cat = await api.createCatalogCategory({
    data: { type: 'catalog-category', attributes: { externalId: 'BEDTIME', name: 'Bedtime' } },
  } as any);
  expect(cat.response.status).toBe(201);
  expect(cat.response.data.data).toMatchObject({
    id: id('BEDTIME'),
    attributes: { name: 'Bedtime', external_id: 'BEDTIME' },
  });

  const created = await api.createCatalogItem({
    data: item('DRAGON', { customMetadata: { age: 5 } }, [id('BEDTIME')]),
  } as any);
  expect(created.response.status).toBe(201);
  expect(created.response.data.data).toMatchObject({
    type: 'catalog-item',
    id: id('DRAGON'),
    attributes: { title: 'Story DRAGON', price: 4.5, published: true, custom_metadata: { age: 5 } },
  });
  clock.advance(1000);
  await api.createCatalogItem({ data: item('OWL', { published: false }) } as any);
  const v = await api.createCatalogVariant({ data: variant('DRAGON-HC', id('DRAGON'), 'DR-HC') } as any);
  expect(v.response.data.data.attributes).toMatchObject({
    sku: 'DR-HC',
    inventory_quantity: 3,
    inventory_policy: 0,
  });

  // Duplicate id, missing required attribute, unknown related object.
  const dup = await sdkError(api.createCatalogItem({ data: item('DRAGON') } as any));
  expect(dup.status).toBe(409);
  const missing = await sdkError(
    api.createCatalogItem({
      data: { type: 'catalog-item', attributes: { externalId: 'X', title: 't' } },
    } as any),
  );
  expect(missing.status).toBe(400);
  expect(missing.data.errors[0].source.pointer).toBe('/data/attributes/description');
  const orphan = await sdkError(
    api.createCatalogVariant({ data: variant('NOPE-V', id('NOPE'), 'N') } as any),
  );
  expect(orphan.status).toBe(400);
  expect(orphan.data.errors[0].source.pointer).toBe('/data/relationships/item/data/id');
  expect((await sdkError(api.getCatalogItem(id('NOPE')))).status).toBe(404);

  // Reads, filters, sort and include.
  const got = await api.getCatalogItem(id('DRAGON'), { include: ['variants'] });
  expect(got.response.data.data.relationships.variants.data).toEqual([
    { type: 'catalog-variant', id: id('DRAGON-HC') },
  ]);
  expect(got.response.data.included.map((r: any) => r.id)).toEqual([id('DRAGON-HC')]);
  const published = await api.getCatalogItems({ filter: 'equals(published,true)' });
  expect(published.response.data.data.map((r: any) => r.id)).toEqual([id('DRAGON')]);
  const newest = await api.getCatalogItems({ sort: '-created', fieldsCatalogItem: ['title'] });
  expect(newest.response.data.data.map((r: any) => r.id)).toEqual([id('OWL'), id('DRAGON')]);
  expect(newest.response.data.data[0].attributes).toEqual({ title: 'Story OWL' });
  const inCat = await api.getCatalogItems({ filter: `equals(category.id,"${id('BEDTIME')}")` });
  expect(inCat.response.data.data.map((r: any) => r.id)).toEqual([id('DRAGON')]);
  const bySku = await api.getCatalogVariants({ filter: 'equals(sku,"DR-HC")' });
  expect(bySku.response.data.data).toHaveLength(1);
  const paged = await api.getCatalogItems({ pageSize: 1 });
  expect(paged.response.data.data).toHaveLength(1);
  expect(paged.response.data.links.next).toBeTruthy();
  const bad = await sdkError(api.getCatalogItems({ filter: 'equals(sku,"x")' }));
  expect(bad.status).toBe(400);
  expect(bad.data.errors[0].source.parameter).toBe('filter');

  // Links: add, read from both sides, replace, remove.
  await api.addCategoriesToCatalogItem(id('OWL'), {
    data: [{ type: 'catalog-category', id: id('BEDTIME') }],
  } as any);
  const items = await api.getItemIdsForCatalogCategory(id('BEDTIME'));
  expect(items.response.data.data.map((r: any) => r.id).sort()).toEqual([id('DRAGON'), id('OWL')]);
  const cats = await api.getCategoriesForCatalogItem(id('OWL'));
  expect(cats.response.data.data.map((r: any) => r.attributes.name)).toEqual(['Bedtime']);
  await api.createCatalogCategory({
    data: { type: 'catalog-category', attributes: { externalId: 'ANIMALS', name: 'Animals' } },
  } as any);
  await api.updateCategoriesForCatalogItem(id('OWL'), {
    data: [{ type: 'catalog-category', id: id('ANIMALS') }],
  } as any);
  expect((await api.getCategoryIdsForCatalogItem(id('OWL'))).response.data.data).toEqual([
    { type: 'catalog-category', id: id('ANIMALS') },
  ]);
  await api.removeItemsFromCatalogCategory(id('BEDTIME'), {
    data: [{ type: 'catalog-item', id: id('DRAGON') }],
  } as any);
  expect((await api.getItemsForCatalogCategory(id('BEDTIME'))).response.data.data).toEqual([]);
  expect((await api.getVariantIdsForCatalogItem(id('DRAGON'))).response.data.data).toHaveLength(1);

  // Update: merge, id must match, required attributes cannot be nulled.
  const upd = await api.updateCatalogItem(id('DRAGON'), {
    data: { type: 'catalog-item', id: id('DRAGON'), attributes: { price: 6 } },
  } as any);
  expect(upd.response.data.data.attributes).toMatchObject({ price: 6, title: 'Story DRAGON' });
  const nulled = await sdkError(
    api.updateCatalogVariant(id('DRAGON-HC'), {
      data: { type: 'catalog-variant', id: id('DRAGON-HC'), attributes: { sku: null } },
    } as any),
  );
  expect(nulled.data.errors[0].source.pointer).toBe('/data/attributes/sku');
  const mismatch = await sdkError(
    api.updateCatalogCategory(id('BEDTIME'), {
      data: { type: 'catalog-category', id: id('ANIMALS'), attributes: { name: 'x' } },
    } as any),
  );
  expect(mismatch.data.errors[0].source.pointer).toBe('/data/id');

  // Deleting an item takes its variants with it.
  expect((await api.deleteCatalogItem(id('DRAGON'))).response.status).toBe(204);
  expect((await sdkError(api.getCatalogVariant(id('DRAGON-HC')))).status).toBe(404);
});

it('runs bulk create, update and delete jobs with counts and per-resource errors', async () => {
  const accepted = await api.bulkCreateCatalogItems({
    data: {
      type: 'catalog-item-bulk-create-job',
      attributes: { items: { data: [item('B1'), item('B2'), item('OWL'), item('B3', {}, [id('MISSING')])] } },
    },
  } as any);
  expect(accepted.response.status).toBe(202);
  const job = accepted.response.data.data;
  expect(job.attributes).toMatchObject({ status: 'queued', total_count: 4, completed_count: 0 });
  expect((await sdkError(api.getCatalogItem(id('B1')))).status).toBe(404);

  clock.advance(JOB_DELAY_MS);
  const done = await api.getBulkCreateCatalogItemsJob(job.id, { include: ['items'] });
  expect(done.response.data.data.attributes).toMatchObject({
    status: 'complete',
    completed_count: 2,
    failed_count: 2,
  });
  expect(done.response.data.data.relationships.items.data.map((r: any) => r.id)).toEqual([
    id('B1'),
    id('B2'),
  ]);
  expect(done.response.data.included).toHaveLength(2);
  const errors = done.response.data.data.attributes.errors;
  expect(errors.map((e: any) => [e.code, e.source.pointer])).toEqual([
    ['conflict', '/data/attributes/items/data/2/attributes/external_id'],
    ['invalid', '/data/attributes/items/data/3/relationships/categories/data/0/id'],
  ]);
  // B3 rolled back with its failed link.
  expect((await sdkError(api.getCatalogItem(id('B3')))).status).toBe(404);

  const upd = await api.bulkUpdateCatalogItems({
    data: {
      type: 'catalog-item-bulk-update-job',
      attributes: {
        items: {
          data: [
            { type: 'catalog-item', id: id('B1'), attributes: { title: 'Renamed' } },
            { type: 'catalog-item', id: id('GONE'), attributes: { title: 'x' } },
          ],
        },
      },
    },
  } as any);
  const del = await api.bulkDeleteCatalogItems({
    data: {
      type: 'catalog-item-bulk-delete-job',
      attributes: { items: { data: [{ type: 'catalog-item', id: id('B2') }] } },
    },
  } as any);
  clock.advance(JOB_DELAY_MS);
  const u = (await api.getBulkUpdateCatalogItemsJob(upd.response.data.data.id)).response.data.data.attributes;
  expect(u).toMatchObject({ status: 'complete', completed_count: 1, failed_count: 1 });
  expect(u.errors[0]).toMatchObject({
    code: 'not_found',
    source: { pointer: '/data/attributes/items/data/1' },
  });
  expect((await api.getCatalogItem(id('B1'))).response.data.data.attributes.title).toBe('Renamed');
  const withItems = await api.getBulkUpdateCatalogItemsJob(upd.response.data.data.id, { include: ['items'] });
  expect(withItems.response.data.included.map((r: any) => r.attributes.title)).toEqual(['Renamed']);
  expect(
    (await api.getBulkDeleteCatalogItemsJob(del.response.data.data.id)).response.data.data.attributes
      .completed_count,
  ).toBe(1);
  expect((await sdkError(api.getCatalogItem(id('B2')))).status).toBe(404);

  const list = await api.getBulkCreateCatalogItemsJobs({ filter: 'equals(status,"complete")' });
  expect(list.response.data.data.map((j: any) => j.id)).toEqual([job.id]);

  // Variants and categories use the same machinery.
  const vjob = await api.bulkCreateCatalogVariants({
    data: {
      type: 'catalog-variant-bulk-create-job',
      attributes: { variants: { data: [variant('B1-S', id('B1'), 'S'), variant('X-S', id('NOPE'), 'X')] } },
    },
  } as any);
  const cjob = await api.bulkCreateCatalogCategories({
    data: {
      type: 'catalog-category-bulk-create-job',
      attributes: {
        categories: {
          data: [
            {
              type: 'catalog-category',
              attributes: { externalId: 'NEW', name: 'New' },
              relationships: { items: { data: [{ type: 'catalog-item', id: id('B1') }] } },
            },
          ],
        },
      },
    },
  } as any);
  clock.advance(JOB_DELAY_MS);
  expect(
    (await api.getBulkCreateVariantsJob(vjob.response.data.data.id)).response.data.data.attributes,
  ).toMatchObject({
    completed_count: 1,
    failed_count: 1,
  });
  expect(
    (await api.getBulkCreateCategoriesJob(cjob.response.data.data.id)).response.data.data.attributes
      .completed_count,
  ).toBe(1);
  expect((await api.getCategoryIdsForCatalogItem(id('B1'))).response.data.data).toEqual([
    { type: 'catalog-category', id: id('NEW') },
  ]);

  // Shape errors refuse the whole request, pointing at the resource.
  const badShape = await sdkError(
    api.bulkCreateCatalogItems({
      data: {
        type: 'catalog-item-bulk-create-job',
        attributes: { items: { data: [{ type: 'catalog-item', attributes: {} }] } },
      },
    } as any),
  );
  expect(badShape.status).toBe(400);
  expect(badShape.data.errors[0].source.pointer).toMatch(/^\/data\/attributes\/items\/data\/0\/attributes\//);
  expect((await sdkError(api.getBulkCreateCatalogItemsJob('nope'))).status).toBe(404);
});

it('accepts back-in-stock subscriptions for known variants', async () => {
  await api.createCatalogItem({ data: item('SOCK') } as any);
  await api.createCatalogVariant({ data: variant('SOCK-M', id('SOCK'), 'SOCK-M') } as any);
  const body = (variantId: string) =>
    ({
      data: {
        type: 'back-in-stock-subscription',
        attributes: {
          channels: ['EMAIL'],
          profile: { data: { type: 'profile', attributes: { email: 'kid@bis.test' } } },
        },
        relationships: { variant: { data: { type: 'catalog-variant', id: variantId } } },
      },
    }) as any;
  expect((await api.createBackInStockSubscription(body(id('SOCK-M')))).response.status).toBe(202);
  const bad = await sdkError(api.createBackInStockSubscription(body(id('NOPE'))));
  expect(bad.data.errors[0].source.pointer).toBe('/data/relationships/variant/data/id');
  expect(contract.validated).toBeGreaterThan(20);
});
