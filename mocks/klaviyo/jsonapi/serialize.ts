/**
 * Serialising resources: sparse fieldsets (`fields[type]`, with dotted sub-fields such as
 * `location.city`) and compound documents (`included`, deduplicated by type+id).
 */

/** Keep only the requested attributes; `null` fields means all of them. */
export function pickFields(
  attributes: Record<string, unknown>,
  fields: string[] | null,
): Record<string, unknown> {
  if (!fields) return attributes;
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (f === 'id') continue;
    const dot = f.indexOf('.');
    if (dot < 0) {
      if (f in attributes) out[f] = attributes[f];
      continue;
    }
    // Dotted path: copy just that leaf, creating the parents.
    const path = f.split('.');
    let src: unknown = attributes;
    for (const p of path)
      src = src && typeof src === 'object' ? (src as Record<string, unknown>)[p] : undefined;
    if (src === undefined) continue;
    let dst = out;
    for (let i = 0; i < path.length - 1; i++) {
      const p = path[i]!;
      if (!dst[p] || typeof dst[p] !== 'object') dst[p] = {};
      dst = dst[p] as Record<string, unknown>;
    }
    dst[path[path.length - 1]!] = src;
  }
  return out;
}

export interface ResourceObject {
  type: string;
  id: string;
  attributes: Record<string, unknown>;
  relationships?: Record<string, unknown>;
  links: { self: string };
}

/** Collects `included` resources once each, in first-seen order. */
export class Included {
  private readonly seen = new Map<string, ResourceObject>();
  add(resource: ResourceObject): void {
    const key = `${resource.type}:${resource.id}`;
    if (!this.seen.has(key)) this.seen.set(key, resource);
  }
  list(): ResourceObject[] {
    return [...this.seen.values()];
  }
}

/** Klaviyo's date-time format: ISO 8601 with `+00:00` (milliseconds only when present). */
export function isoTime(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined) return null;
  const iso = new Date(ms).toISOString();
  return `${ms % 1000 === 0 ? iso.slice(0, 19) : iso.slice(0, 23)}+00:00`;
}

export function relationship(
  origin: string,
  base: string,
  name: string,
  data?: unknown,
): Record<string, unknown> {
  const rel: Record<string, unknown> = {
    links: { self: `${origin}${base}/relationships/${name}`, related: `${origin}${base}/${name}` },
  };
  if (data !== undefined) rel.data = data;
  return rel;
}
