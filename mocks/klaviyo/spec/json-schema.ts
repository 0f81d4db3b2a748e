/**
 * OpenAPI 3.0 schema objects → JSON Schema (draft-07) that Ajv validates exactly.
 *
 * - `nullable: true` becomes a null union (`type: [T, 'null']`, or `anyOf` around a `$ref`/`allOf`/`oneOf`):
 *   Klaviyo marks `nullable` next to `$ref`, which plain JSON Schema would ignore.
 * - `oneOf` becomes `anyOf`: Klaviyo uses `oneOf` without a discriminator, including
 *   `oneOf: [integer, number]`, where every integer matches both branches and strict `oneOf` fails.
 * - OpenAPI-only keywords (`example`, `x-*`, `discriminator`, `xml`, `externalDocs`, `deprecated`) are dropped.
 * - Properties marked `writeOnly` are not required in responses (they are never sent back).
 * - `$ref: '#/components/…'` is rewritten to `<base>#/components/…` so schemas compiled outside the
 *   components document still resolve into it.
 */

const DROP = new Set([
  'example',
  'examples',
  'discriminator',
  'xml',
  'externalDocs',
  'deprecated',
  'nullable',
]);
/** Keys whose value is a map of name → schema. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions']);
/** Keys whose value is one schema. */
const SCHEMA_ONE = new Set(['items', 'additionalProperties', 'not']);
/** Keys whose value is a list of schemas. */
const SCHEMA_LIST = new Set(['allOf', 'anyOf', 'oneOf']);

export function toJsonSchema(schema: unknown, refBase: string): unknown {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const src = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(src)) {
    if (DROP.has(key) || key.startsWith('x-')) continue;
    if (key === '$ref' && typeof value === 'string') {
      out.$ref = value.startsWith('#') ? `${refBase}${value}` : value;
    } else if (SCHEMA_MAPS.has(key) && value && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonSchema(v, refBase)]));
    } else if (SCHEMA_ONE.has(key)) {
      out[key] = toJsonSchema(value, refBase);
    } else if (SCHEMA_LIST.has(key) && Array.isArray(value)) {
      out[key === 'oneOf' ? 'anyOf' : key] = value.map((v) => toJsonSchema(v, refBase));
    } else {
      out[key] = value;
    }
  }
  dropWriteOnlyFromRequired(out);
  return src.nullable === true ? makeNullable(out) : out;
}

function dropWriteOnlyFromRequired(out: Record<string, unknown>): void {
  const props = out.properties as Record<string, { writeOnly?: boolean }> | undefined;
  if (!props || !Array.isArray(out.required)) return;
  out.required = (out.required as string[]).filter((name) => props[name]?.writeOnly !== true);
}

function makeNullable(out: Record<string, unknown>): Record<string, unknown> {
  if (out.$ref || out.allOf || out.anyOf) {
    // Keep annotations (description) outside; the constraint moves into the first branch.
    const { description, ...rest } = out;
    return { ...(description ? { description } : {}), anyOf: [rest, { type: 'null' }] };
  }
  if (typeof out.type === 'string') out.type = [out.type, 'null'];
  if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  return out;
}
