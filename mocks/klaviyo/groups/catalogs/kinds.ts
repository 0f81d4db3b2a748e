/**
 * The three kinds of catalog object (items, variants, categories) described once, so the CRUD, list,
 * relationship and bulk-job code is written once for all three. Each kind says its JSON:API type, its
 * path, the attributes a response shows, and the zod shapes of its create and update attributes
 * (from the spec's `Catalog*CreateQueryResourceObject` / `Catalog*UpdateQueryResourceObject`).
 */
import { z } from 'zod';

export type KindName = 'item' | 'variant' | 'category';

const str = z.string();
const optStr = z.string().nullable().optional();
const optNum = z.number().nullable().optional();
const images = z.array(z.string()).nullable().optional();
const metadata = z.record(z.string(), z.unknown()).nullable().optional();
const published = z.boolean().nullable().optional();
const policy = z
  .union([z.literal(0), z.literal(1), z.literal(2)])
  .nullable()
  .optional();
/** Only `$custom` / `$default` exist (the spec's enum and description). */
const integration = z.literal('$custom').nullable().optional();
const catalog = z.literal('$default').nullable().optional();

const itemCommon = {
  image_full_url: optStr,
  image_thumbnail_url: optStr,
  images,
  custom_metadata: metadata,
  published,
};

/** The response attributes items and variants share, after their own. */
const PRODUCT_FIELDS = [
  'price',
  'url',
  'image_full_url',
  'image_thumbnail_url',
  'images',
  'custom_metadata',
  'published',
  'created',
  'updated',
] as const;

/** What every create names: the external id and the (only) integration and catalog. */
const identity = { external_id: str.min(1), integration_type: integration, catalog_type: catalog };

export interface Kind {
  name: KindName;
  /** JSON:API type, e.g. `catalog-item`. */
  type: string;
  /** Path segment under /api, e.g. `catalog-items`. */
  path: string;
  /** Attributes a response shows (the spec's `fields[type]` values, without `id`). */
  fields: readonly string[];
  create: z.ZodObject;
  update: z.ZodObject;
  /** Attributes that may not be set to null by an update (required on create). */
  required: readonly string[];
}

export const ITEM: Kind = {
  name: 'item',
  type: 'catalog-item',
  path: 'catalog-items',
  fields: ['external_id', 'title', 'description', ...PRODUCT_FIELDS],
  create: z.object({
    ...identity,
    title: str,
    description: str,
    url: str,
    price: optNum,
    ...itemCommon,
  }),
  update: z.object({ title: optStr, description: optStr, url: optStr, price: optNum, ...itemCommon }),
  required: ['title', 'description', 'url'],
};

export const VARIANT: Kind = {
  name: 'variant',
  type: 'catalog-variant',
  path: 'catalog-variants',
  fields: [
    'external_id',
    'title',
    'description',
    'sku',
    'inventory_policy',
    'inventory_quantity',
    ...PRODUCT_FIELDS,
  ],
  create: z.object({
    ...identity,
    title: str,
    description: str,
    sku: str,
    inventory_policy: policy,
    inventory_quantity: z.number(),
    price: z.number(),
    url: str,
    ...itemCommon,
  }),
  update: z.object({
    title: optStr,
    description: optStr,
    sku: optStr,
    inventory_policy: policy,
    inventory_quantity: optNum,
    price: optNum,
    url: optStr,
    ...itemCommon,
  }),
  required: ['title', 'description', 'sku', 'inventory_quantity', 'price', 'url'],
};

export const CATEGORY: Kind = {
  name: 'category',
  type: 'catalog-category',
  path: 'catalog-categories',
  // The spec's category resource has no `created`, though categories sort on it.
  fields: ['external_id', 'name', 'updated'],
  create: z.object({ ...identity, name: str }),
  update: z.object({ name: optStr }),
  required: ['name'],
};

export const KINDS: Record<KindName, Kind> = { item: ITEM, variant: VARIANT, category: CATEGORY };

/** `$custom:::$default:::<external_id>`: the only integration and catalog Klaviyo supports. */
export function compoundId(externalId: string): string {
  return `$custom:::$default:::${externalId}`;
}

/** custom_metadata may not exceed 100 KB (spec). */
export const MAX_METADATA_BYTES = 100 * 1024;
