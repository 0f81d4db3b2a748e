import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../lib/clock.ts';
import { createRng } from '../../../lib/prng.ts';
import { startTestbed, type Testbed } from '../../../test/systems/testbed.ts';
import { CATALOG_PREFIX, catalogRecommendations, syncStoryCatalog, themeCatalog } from './catalog-sync.ts';

describe('story catalog sync', () => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9));
  let bed: Testbed;
  beforeAll(async () => {
    bed = await startTestbed(clock, 4);
  });
  afterAll(() => bed.close());

  it('creates, updates and removes themes with bulk jobs, and recommends from the catalog', async () => {
    const marketing = bed.marketing(createRng(4));
    const first = await syncStoryCatalog(marketing, themeCatalog());
    expect(first).toMatchObject({ created: 10, updated: 0, deleted: 0, categoriesCreated: 4, failures: [] });
    const items = await bed.sdk.catalogs.getCatalogItems();
    expect(items.body.data).toHaveLength(10);
    const calm = await bed.sdk.catalogs.getItemIdsForCatalogCategory(`${CATALOG_PREFIX}calm`);
    expect(calm.body.data.map((x) => x.id).sort()).toEqual(
      ['dream-castle', 'ocean-adventure', 'rainbow-garden'].map((s) => `${CATALOG_PREFIX}${s}`),
    );
    // Nothing changed: nothing to do.
    expect(await syncStoryCatalog(marketing, themeCatalog())).toMatchObject({
      created: 0,
      updated: 0,
      deleted: 0,
      unchanged: 10,
    });

    // A new theme, a retired one, a rewritten description, a category dropped.
    const next = themeCatalog([
      ...themeCatalog()
        .items.map((i) => i.title)
        .filter((t) => t !== 'Pirate Cove'),
      'Moon Garden',
    ]);
    next.items.find((i) => i.id === 'space-explorer')!.description = 'Rockets, planets and a sleepy moon';
    next.categories = next.categories.filter((x) => x.id !== 'nature');
    for (const i of next.items) i.categories = i.categories.filter((x) => x !== 'nature');
    const second = await syncStoryCatalog(marketing, next);
    expect(second).toMatchObject({ created: 1, updated: 1, deleted: 1, categoriesDeleted: 1, failures: [] });
    const after = await bed.sdk.catalogs.getCatalogItems();
    const titles = after.body.data.map((i) => i.attributes.title).sort();
    expect(titles).toContain('Moon Garden');
    expect(titles).not.toContain('Pirate Cove');
    const space = await bed.sdk.catalogs.getCatalogItem(`${CATALOG_PREFIX}space-explorer`);
    expect(space.body.data.attributes.description).toBe('Rockets, planets and a sleepy moon');
    const cats = await bed.sdk.catalogs.getCatalogCategories();
    expect(cats.body.data.map((x) => x.attributes.name).sort()).toEqual(['Adventure', 'Calm', 'Fantasy']);

    // Recommendations come from the catalog: the favourite, then the themes sharing most of its
    // categories (Fairy Kingdom: adventure + fantasy; Enchanted Forest shares both), ties by title.
    const recs = await catalogRecommendations(marketing, ['Fairy Kingdom']);
    expect(recs).toEqual(['Fairy Kingdom', 'Enchanted Forest', 'Arctic Friends']);
  });
});
