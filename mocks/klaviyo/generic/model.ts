/**
 * The generic tier's view of the spec: for each operation, its parameters, request body, the success
 * answer it gives, the JSON:API resource type it serves and what kind of operation it is, all read from
 * the committed trimmed spec (spec/trim.ts) once per process.
 *
 * Kinds: `create` (POST to a collection with a `data.type` body, answering the resource), `get` / `update`
 * / `delete` (GET, PATCH, DELETE on `/api/things/{id}`), `list` (GET on a collection answering `data: []`),
 * `other` (relationships, reports, renders, clones, client endpoints…: answered spec-valid, no state).
 * A type is *stored* when a generic `create` makes it and a `get` or `list` reads it back.
 */
import { type SpecAjv, specAjv } from '../spec/contract.ts';
import { loadRuntimeSpec, type OpenApiSpec } from '../spec/load.ts';
import { listOperations } from '../spec/operations.ts';

export type Schema = Record<string, unknown>;

export interface Param {
  name: string;
  in: 'query' | 'path' | 'header';
  required: boolean;
  schema: Schema;
}

export type Kind = 'create' | 'get' | 'list' | 'update' | 'delete' | 'other';

export interface FilterSpec {
  operators: { single?: string[]; list?: string[] };
  value?: { type?: string; format?: string; enum?: unknown[] };
}

export interface GenericOperation {
  id: string;
  method: string;
  path: string;
  params: Param[];
  body?: { required: boolean; mediaType: string; schema?: Schema };
  /** The lowest 2xx the spec declares, and its body schema when it has one. */
  success: { status: number; mediaType?: string; schema?: Schema };
  kind: Kind;
  /** The JSON:API type of the primary data (`tag`), when the operation has one. */
  type?: string;
  filters?: Record<string, FilterSpec>;
}

export interface GenericSpec {
  spec: OpenApiSpec;
  ajv: SpecAjv;
  operations: Map<string, GenericOperation>;
  /** `$ref` → schema, following chains. */
  resolve(schema: unknown): Schema;
}

interface RawOperation {
  parameters?: Param[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses: Record<string, unknown>;
  'x-klaviyo-filters'?: Record<string, FilterSpec>;
}

let shared: GenericSpec | undefined;

/** A schema with its `$ref` resolved and `allOf` merged into one object schema (properties, required). */
export function flattenSchema(schema: unknown, resolve: (s: unknown) => Schema): Schema {
  const s = resolve(schema);
  if (!Array.isArray(s.allOf)) return s;
  const props: Record<string, unknown> = { ...((s.properties as object) ?? {}) };
  const required = [...((s.required as string[]) ?? [])];
  for (const part of s.allOf) {
    const p = flattenSchema(part, resolve);
    Object.assign(props, p.properties ?? {});
    required.push(...((p.required as string[]) ?? []));
  }
  return { ...s, allOf: undefined, type: 'object', properties: props, required };
}

/** Built on first use (the first generic request), then shared by every core in the process. */
export function genericSpec(): GenericSpec {
  shared ??= buildGenericSpec(loadRuntimeSpec());
  return shared;
}

export function buildGenericSpec(spec: OpenApiSpec): GenericSpec {
  const ajv = specAjv(spec);
  const resolve = (schema: unknown): Schema => {
    let s = schema as Schema;
    for (let i = 0; i < 20 && typeof s?.$ref === 'string'; i++) {
      s = spec.components.schemas[(s.$ref as string).replace('#/components/schemas/', '')] as Schema;
    }
    return s ?? {};
  };
  const operations = new Map<string, GenericOperation>();
  for (const op of listOperations(spec)) {
    const raw = op.operation as unknown as RawOperation;
    const params = ((raw.parameters ?? []) as Param[]).map((p) => ({
      name: p.name,
      in: p.in,
      required: p.required === true,
      schema: p.schema ?? {},
    }));
    let body: GenericOperation['body'];
    if (raw.requestBody) {
      const [mediaType, media] = Object.entries(raw.requestBody.content ?? {})[0] ?? ['application/json', {}];
      body = { required: raw.requestBody.required === true, mediaType, schema: media.schema };
    }
    const status = Object.keys(raw.responses)
      .filter((k) => /^2\d\d$/.test(k))
      .sort()[0]!;
    const res = ajv.resolveResponse(raw.responses[status]);
    const [mediaType, media] = Object.entries(res?.content ?? {})[0] ?? [];
    const success = {
      status: Number(status),
      mediaType,
      schema: media?.schema as Schema | undefined,
    };
    const flat = (schema: unknown) => flattenSchema(schema, resolve);
    const dataOf = (schema: unknown) => {
      const props = flat(schema).properties as Record<string, unknown> | undefined;
      return props?.data ? flat(props.data) : undefined;
    };
    const resData = success.schema ? dataOf(success.schema) : undefined;
    const reqData = body?.schema ? dataOf(body.schema) : undefined;
    const typeOf = (data: Schema | undefined) => {
      const item = data?.type === 'array' ? flat(data.items) : data;
      const props = item?.properties as Record<string, unknown> | undefined;
      const t = props ? resolve(props.type) : undefined;
      return Array.isArray(t?.enum) ? (t.enum[0] as string) : undefined;
    };
    const segments = op.path.split('/').filter(Boolean);
    const params_ = segments.filter((s) => s.startsWith('{'));
    const item =
      params_.length === 1 && segments.at(-1)!.startsWith('{') && !segments.includes('relationships');
    const collection = params_.length === 0 && op.path.startsWith('/api/');
    let kind: Kind = 'other';
    if (op.method === 'GET' && item && resData?.type === 'object') kind = 'get';
    else if (op.method === 'GET' && collection && resData?.type === 'array') kind = 'list';
    else if (op.method === 'PATCH' && item) kind = 'update';
    else if (op.method === 'DELETE' && item) kind = 'delete';
    else if (op.method === 'POST' && collection && reqData?.type === 'object' && resData?.type === 'object')
      kind = typeOf(reqData) === typeOf(resData) ? 'create' : 'other';
    operations.set(op.operationId, {
      id: op.operationId,
      method: op.method,
      path: op.path,
      params,
      body,
      success,
      kind,
      type: typeOf(resData) ?? typeOf(reqData),
      filters: raw['x-klaviyo-filters'],
    });
  }
  // A DELETE (no body either way) serves the type of the other operations on its path; a POST creates
  // only on the collection its type is listed or read from (not a clone, render or report query).
  const ops = [...operations.values()];
  for (const op of ops) {
    if (op.kind === 'delete' && !op.type) op.type = ops.find((o) => o.path === op.path && o.type)?.type;
  }
  for (const op of ops) {
    if (op.kind !== 'create') continue;
    const home = ops.some(
      (o) =>
        o.type === op.type &&
        ((o.kind === 'list' && o.path === op.path) ||
          (o.kind === 'get' && o.path.startsWith(`${op.path}/{`))),
    );
    if (!home) op.kind = 'other';
  }
  return { spec, ajv, operations, resolve };
}
