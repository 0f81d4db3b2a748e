/**
 * Metric rules shared with other groups: the resource as Klaviyo serialises it, and `resolveMetric`,
 * which create-event calls to find or create a metric by name.
 */
import { hashString } from '../../../../lib/prng.ts';
import type { Ctx } from '../../core/context.ts';
import { notFound } from '../../jsonapi/errors.ts';
import { isoTime, pickFields, type ResourceObject, relationship } from '../../jsonapi/serialize.ts';
import { type MetricRow, MetricsRepo } from './repo.ts';

export const METRIC_FIELDS = ['name', 'created', 'updated', 'integration'] as const;
function integrationOf(service: string): Record<string, unknown> {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let h = hashString(`integration:${service}`);
  let id = '';
  for (let i = 0; i < 6; i++) {
    id += alphabet[h % alphabet.length];
    h = Math.floor(h / alphabet.length) + i * 7919;
  }
  const isApi = service === 'api';
  return {
    object: 'integration',
    id,
    key: service,
    name: isApi ? 'API' : service,
    category: isApi ? 'API' : 'Custom',
  };
}

export function metricResource(
  ctx: Ctx,
  row: MetricRow,
  fields: string[] | null,
  flowTriggersIncluded = false,
): ResourceObject {
  const origin = ctx.req.url.origin;
  const base = `/api/metrics/${row.id}`;
  return {
    type: 'metric',
    id: row.id,
    attributes: pickFields(
      {
        name: row.name,
        created: isoTime(row.created),
        updated: isoTime(row.updated),
        integration: integrationOf(row.service),
      },
      fields,
    ),
    relationships: {
      'flow-triggers': relationship(origin, base, 'flow-triggers', flowTriggersIncluded ? [] : undefined),
    },
    links: { self: `${origin}${base}/` },
  };
}

/** The metric id for a name, creating the metric on first use. Cached per account + name. */
export function resolveMetric(
  ctx: Pick<Ctx, 'store' | 'account' | 'clock' | 'ids'>,
  name: string,
  service: string,
): string {
  const metrics = ctx.store.repo(MetricsRepo);
  const key = `${ctx.account}\u0000${name}`;
  const cached = metrics.idByName.get(key);
  if (cached) return cached;
  let row = metrics.byName(ctx.account, name);
  if (!row) {
    const now = ctx.clock.now();
    // Six random characters can collide; try a few times (bounded) before giving up.
    for (let attempt = 0; attempt < 10 && !row; attempt++) {
      const id = ctx.ids.shortId();
      if (metrics.byId(ctx.account, id)) continue;
      row = metrics.insert({ account: ctx.account, id, name, service, created: now, updated: now });
    }
    if (!row) throw new Error('Could not allocate a metric id after 10 attempts.');
  }
  if (metrics.idByName.size > 50_000) metrics.idByName.clear();
  metrics.idByName.set(key, row.id);
  return row.id;
}

export function requireMetric(ctx: Ctx, id: string): MetricRow {
  const row = ctx.store.repo(MetricsRepo).byId(ctx.account, id);
  if (!row) throw notFound(`A metric with id ${id} does not exist.`);
  return row;
}
