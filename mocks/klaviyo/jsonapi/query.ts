/**
 * Reading JSON:API query parameters the way Klaviyo does: comma lists (`fields[profile]=email,first_name`,
 * `include=metric,profile`, `additional-fields[profile]=subscriptions`), `sort` with a `-` prefix,
 * `page[size]` bounds from the spec. Unknown values get a 400 naming the parameter and the allowed values.
 */
import type { MockRequest } from '../../shared/http.ts';
import { invalidParam } from './errors.ts';

export function listParam(req: MockRequest, name: string, allowed: readonly string[]): string[] {
  const raw = req.query.get(name);
  if (raw === null || raw === '') return [];
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items) {
    if (!allowed.includes(item)) {
      throw invalidParam(
        name,
        `'${item}' is not a valid value for ${name}. Allowed values: ${allowed.join(', ')}.`,
      );
    }
  }
  return items;
}

/** `fields[type]`: the attribute names (dotted paths allowed under object attributes) to keep. */
export function fieldsParam(req: MockRequest, type: string, attributes: readonly string[]): string[] | null {
  const name = `fields[${type}]`;
  const raw = req.query.get(name);
  if (raw === null || raw === '') return null;
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items) {
    const top = item.split('.')[0]!;
    if (top !== 'id' && !attributes.includes(top)) {
      throw invalidParam(
        name,
        `'${item}' is not a valid field for ${name}. Allowed fields: ${attributes.join(', ')}.`,
      );
    }
  }
  return items;
}

export interface SortSpec {
  field: string;
  desc: boolean;
}

export function sortParam(req: MockRequest, allowed: readonly string[]): SortSpec | null {
  const raw = req.query.get('sort');
  if (raw === null || raw === '') return null;
  const field = raw.startsWith('-') ? raw.slice(1) : raw;
  if (!allowed.includes(field)) {
    const options = allowed.flatMap((f) => [f, `-${f}`]).join(', ');
    throw invalidParam('sort', `'${raw}' is not a valid sort. Allowed: ${options}.`);
  }
  return { field, desc: raw.startsWith('-') };
}

/** `page[size]` as an integer within the spec's [min, max], or the spec's default. */
export function pageSizeParam(req: MockRequest, def: number, max: number): number {
  const raw = req.query.get('page[size]');
  if (raw === null || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw invalidParam('page[size]', `page[size] must be an integer from 1 to ${max}; got '${raw}'.`);
  }
  return n;
}
