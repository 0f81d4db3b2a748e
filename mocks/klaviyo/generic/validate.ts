/**
 * Checking a request against its operation in the spec, the way Klaviyo answers a bad one: 400
 * `invalid` with `source.parameter` for a query parameter (missing required, a value outside the enum,
 * a non-integer, a filter on a field or with an operator the endpoint does not allow) and
 * `source.pointer` for the body (empty, not JSON, or not matching the request schema, first problem).
 */
import type { ErrorObject } from 'ajv';
import type { MockRequest } from '../../shared/http.ts';
import { invalidBody, invalidParam } from '../jsonapi/errors.ts';
import { parseFilter } from '../jsonapi/filter.ts';
import type { GenericOperation, GenericSpec, Param } from './model.ts';

export function checkQuery(spec: GenericSpec, op: GenericOperation, req: MockRequest): void {
  for (const p of op.params) {
    if (p.in !== 'query') continue;
    const raw = req.query.get(p.name);
    if (raw === null || raw === '') {
      if (p.required) throw invalidParam(p.name, `The query parameter '${p.name}' is required.`);
      continue;
    }
    if (p.name === 'filter') checkFilter(op, raw);
    else checkValue(spec, p, raw);
  }
}

function checkValue(spec: GenericSpec, p: Param, raw: string): void {
  const s = spec.resolve(p.schema);
  const values = s.type === 'array' ? raw.split(',').map((v) => v.trim()) : [raw];
  const item = s.type === 'array' ? spec.resolve(s.items) : s;
  for (const v of values) {
    if (Array.isArray(item.enum) && !item.enum.includes(v)) {
      throw invalidParam(
        p.name,
        `'${v}' is not a valid value for ${p.name}. Allowed values: ${item.enum.join(', ')}.`,
      );
    }
    if (item.type === 'integer') {
      const n = Number(v);
      const min = typeof item.minimum === 'number' ? item.minimum : -Infinity;
      const max = typeof item.maximum === 'number' ? item.maximum : Infinity;
      if (!Number.isInteger(n) || n < min || n > max) {
        const range = Number.isFinite(min) || Number.isFinite(max) ? ` from ${min} to ${max}` : '';
        throw invalidParam(p.name, `${p.name} must be an integer${range}; got '${v}'.`);
      }
    }
    if (item.type === 'boolean' && v !== 'true' && v !== 'false') {
      throw invalidParam(p.name, `${p.name} must be true or false; got '${v}'.`);
    }
  }
}

/** The filter parses, and names only fields and operators the spec's `x-klaviyo-filters` allows. */
function checkFilter(op: GenericOperation, raw: string): void {
  const conditions = parseFilter(raw);
  if (!op.filters) return;
  for (const c of conditions) {
    const allowed = op.filters[c.field];
    if (!allowed) {
      throw invalidParam(
        'filter',
        `'${c.field}' is not a filterable field here. Allowed: ${Object.keys(op.filters).join(', ')}.`,
      );
    }
    const ops = [...(allowed.operators.single ?? []), ...(allowed.operators.list ?? [])];
    if (!ops.includes(c.op)) {
      throw invalidParam(
        'filter',
        `Operator '${c.op}' is not allowed on '${c.field}'. Allowed: ${ops.join(', ')}.`,
      );
    }
  }
}

/** The parsed JSON body, checked against the request schema; `undefined` when the operation takes none. */
export function checkBody(spec: GenericSpec, op: GenericOperation, req: MockRequest): unknown {
  const body = op.body;
  if (!body) return undefined;
  const text = req.body;
  if (!text || text.trim() === '') {
    if (!body.required) return undefined;
    throw invalidBody(
      '/data',
      'The request body is empty; send a JSON:API document such as {"data": {...}}.',
    );
  }
  if (!body.mediaType.includes('json')) return undefined; // multipart uploads: accepted as sent
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw invalidBody('/data', `JSON parse error - ${(err as Error).message}`);
  }
  if (!body.schema) return json;
  const validate = spec.ajv.compile(body.schema);
  if (!validate(json)) {
    const e = validate.errors![0]!;
    throw invalidBody(pointerOf(e), describe(e));
  }
  return json;
}

function pointerOf(e: ErrorObject): string {
  const missing =
    e.keyword === 'required' ? `/${(e.params as { missingProperty: string }).missingProperty}` : '';
  return `${e.instancePath}${missing}` || '/data';
}

function describe(e: ErrorObject): string {
  const where = e.instancePath ? `'${e.instancePath.slice(1).replace(/\//g, '.')}'` : 'the body';
  if (e.keyword === 'required') {
    return `'${(e.params as { missingProperty: string }).missingProperty}' is a required field${e.instancePath ? ` of ${where}` : ''}.`;
  }
  if (e.keyword === 'enum') {
    return `Invalid value for ${where}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map(String).join(', ')}.`;
  }
  return `Invalid value for ${where}: ${e.message ?? 'is invalid'}.`;
}
