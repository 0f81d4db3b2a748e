/**
 * The smallest request the spec accepts for an operation: its path with every path parameter filled,
 * its required query parameters (a required `filter` built from the operation's `x-klaviyo-filters`:
 * the first field with its first operator), and a minimal body from the request schema (required
 * members only). Tests send one to every operation; tools can use it to poke an endpoint.
 */
import { createRng } from '../../../lib/prng.ts';
import type { FilterSpec, GenericOperation, GenericSpec, Param } from './model.ts';
import { synth } from './synth.ts';

export interface ExampleRequest {
  method: string;
  /** Path and query string, e.g. `/api/campaigns?filter=…`. */
  url: string;
  headers: Record<string, string>;
  body?: string;
}

const COMPANY_ID = 'AbC123';
const MULTIPART_BOUNDARY = 'dreamflowsimboundary';

export function exampleRequest(
  g: GenericSpec,
  op: GenericOperation,
  options: { id?: string; now?: number } = {},
): ExampleRequest {
  const path = op.path.replace(/\{(\w+)\}/g, () =>
    encodeURIComponent(options.id ?? '01JTESTRESOURCE0000000000'),
  );
  const query = new URLSearchParams();
  for (const p of op.params) {
    if (p.in !== 'query' || !p.required) continue;
    query.set(p.name, p.name === 'filter' ? exampleFilter(op) : exampleValue(g, p));
  }
  const headers: Record<string, string> = { revision: '2026-07-15' };
  let body: string | undefined;
  if (op.body) {
    if (op.body.mediaType.includes('json')) {
      const value = synth(op.body.schema, {
        rng: createRng(1).fork(op.id),
        now: options.now ?? Date.UTC(2026, 0, 1),
        resolve: g.resolve,
        minimal: true,
      });
      body = JSON.stringify(value);
      headers['content-type'] = op.body.mediaType;
    } else {
      headers['content-type'] = `multipart/form-data; boundary=${MULTIPART_BOUNDARY}`;
      body = [
        `--${MULTIPART_BOUNDARY}`,
        'Content-Disposition: form-data; name="file"; filename="moon.png"',
        'Content-Type: image/png',
        '',
        'PNG',
        `--${MULTIPART_BOUNDARY}--`,
        '',
      ].join('\r\n');
    }
  }
  const qs = query.toString();
  return { method: op.method, url: qs ? `${path}?${qs}` : path, headers, body };
}

function exampleValue(g: GenericSpec, p: Param): string {
  if (p.name === 'company_id') return COMPANY_ID;
  const s = g.resolve(p.schema);
  const item = s.type === 'array' ? g.resolve(s.items) : s;
  if (Array.isArray(item.enum)) return String(item.enum[0]);
  if (item.type === 'integer' || item.type === 'number') return String(item.minimum ?? 1);
  if (item.type === 'boolean') return 'true';
  return 'value';
}

function exampleFilter(op: GenericOperation): string {
  const [field, spec] = Object.entries(op.filters ?? { id: { operators: { single: ['equals'] } } })[0]!;
  const single = spec.operators.single?.[0];
  if (single) return `${single}(${field},${filterLiteral(spec)})`;
  return `${spec.operators.list?.[0] ?? 'any'}(${field},[${filterLiteral(spec)}])`;
}

function filterLiteral(spec: FilterSpec): string {
  const v = spec.value ?? {};
  if (v.enum?.length) return JSON.stringify(v.enum[0]);
  if (v.type === 'boolean') return 'true';
  if (v.type === 'integer' || v.type === 'number') return '1';
  if (v.format === 'date-time') return '2026-01-01T00:00:00Z';
  return '"value"';
}
