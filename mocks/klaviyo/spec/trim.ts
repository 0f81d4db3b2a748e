/**
 * The trimmed spec: what the product needs of Klaviyo's OpenAPI document at run time, without its prose.
 *
 * Kept per operation: method, path, operationId, tags, parameters (name, in, required, schema, explode),
 * request body schemas, response schemas, `x-klaviyo-ratelimit`, and `x-klaviyo-filters` (the
 * machine-readable filter grammar: fields, operators, value types; the generic tier validates filters
 * with it). Kept in components: the schemas those reference (transitively) and the shared error
 * responses. Dropped everywhere: `description`, `summary`, `title`, `example(s)`, every other `x-*`
 * field, security schemes, servers, `x-readme`. Property maps keep their names (a property called
 * `description` stays), only schema keywords are filtered.
 *
 * `trimSpec` is pure and deterministic (key order follows the full spec), so a test can re-run it and
 * compare with the committed artefact byte for byte.
 */
import type { OpenApiSpec } from './load.ts';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
/** Schema keywords that carry prose or samples, never constraints. */
const PROSE = new Set(['description', 'summary', 'title', 'example', 'examples', 'externalDocs']);
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions']);
const KEEP_OPERATION_X = new Set(['x-klaviyo-ratelimit', 'x-klaviyo-filters']);
const REF = '#/components/schemas/';

export function trimSpec(full: OpenApiSpec): OpenApiSpec {
  const used = new Set<string>();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, item] of Object.entries(full.paths)) {
    const out: Record<string, unknown> = {};
    for (const method of METHODS) {
      const op = item[method] as Record<string, unknown> | undefined;
      if (op?.operationId) out[method] = trimOperation(op, used);
    }
    if (Object.keys(out).length) paths[path] = out;
  }
  // Follow references out of the used schemas until nothing new turns up.
  const all = full.components.schemas;
  const queue = [...used];
  const schemas: Record<string, unknown> = {};
  while (queue.length) {
    const name = queue.pop()!;
    if (name in schemas || !(name in all)) continue;
    const before = new Set(used);
    schemas[name] = trimSchema(all[name], used);
    for (const n of used) if (!before.has(n)) queue.push(n);
  }
  const ordered = Object.fromEntries(
    Object.keys(all).flatMap((n) => (n in schemas ? [[n, schemas[n]]] : [])),
  );
  const responses = Object.fromEntries(
    Object.entries(full.components.responses ?? {}).map(([n, r]) => [n, trimResponse(r, used)]),
  );
  return {
    openapi: full.openapi,
    info: { title: full.info.title, version: full.info.version },
    tags: ((full as { tags?: { name: string }[] }).tags ?? []).map((t) => ({ name: t.name })),
    paths,
    components: { schemas: ordered, responses },
  } as OpenApiSpec;
}

function trimOperation(op: Record<string, unknown>, used: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = { operationId: op.operationId };
  if (op.tags) out.tags = op.tags;
  if (Array.isArray(op.parameters)) {
    out.parameters = op.parameters.map((p: Record<string, unknown>) => {
      const q: Record<string, unknown> = { name: p.name, in: p.in };
      if (p.required !== undefined) q.required = p.required;
      if (p.explode !== undefined) q.explode = p.explode;
      if (p.style !== undefined) q.style = p.style;
      if (p.schema !== undefined) q.schema = trimSchema(p.schema, used);
      return q;
    });
  }
  const body = op.requestBody as { required?: boolean; content?: Record<string, unknown> } | undefined;
  if (body) out.requestBody = { required: body.required ?? false, content: trimContent(body.content, used) };
  out.responses = Object.fromEntries(
    Object.entries(op.responses as Record<string, unknown>).map(([s, r]) => [s, trimResponse(r, used)]),
  );
  for (const key of KEEP_OPERATION_X) if (op[key] !== undefined) out[key] = op[key];
  return out;
}

function trimResponse(res: unknown, used: Set<string>): unknown {
  const r = res as { $ref?: string; content?: Record<string, unknown> };
  if (r.$ref) return { $ref: r.$ref };
  return r.content ? { content: trimContent(r.content, used) } : {};
}

function trimContent(content: Record<string, unknown> | undefined, used: Set<string>): unknown {
  return Object.fromEntries(
    Object.entries(content ?? {}).map(([type, media]) => {
      const schema = (media as { schema?: unknown }).schema;
      return [type, schema === undefined ? {} : { schema: trimSchema(schema, used) }];
    }),
  );
}

/** Drop prose keywords (and `x-*`), recording every `#/components/schemas/…` reference met. */
export function trimSchema(schema: unknown, used: Set<string>): unknown {
  if (Array.isArray(schema)) return schema.map((s) => trimSchema(s, used));
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema as Record<string, unknown>)) {
    if (PROSE.has(key) || key.startsWith('x-')) continue;
    if (key === '$ref' && typeof value === 'string') {
      if (value.startsWith(REF)) used.add(value.slice(REF.length));
      out[key] = value;
    } else if (SCHEMA_MAPS.has(key) && value && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, trimSchema(v, used)]));
    } else if (key === 'enum' || key === 'default' || key === 'required' || key === 'const') {
      out[key] = value;
    } else {
      out[key] = trimSchema(value, used);
    }
  }
  return out;
}
