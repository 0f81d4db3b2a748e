/**
 * Contract validation: does a response body match the schema Klaviyo's OpenAPI spec declares for its
 * operation and status? Used by the mock's tests (through test/support/klaviyo-contract.ts).
 *
 * Schemas are converted from OpenAPI 3.0 (see json-schema.ts) and compiled lazily per
 * operation + status: the spec has ~1300 component schemas and compiling them all up front is slow.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { toJsonSchema } from './json-schema.ts';
import { loadRuntimeSpec, type OpenApiResponse, type OpenApiSpec } from './load.ts';
import { findOperation } from './operations.ts';

export interface ContractResult {
  /** The spec's operationId, or undefined when no operation matches the method + path. */
  operationId: string | undefined;
  /** Human-readable violations, e.g. `/data/attributes/email must be string`; empty when the body conforms. */
  errors: string[];
}

export interface ContractValidator {
  readonly spec: OpenApiSpec;
  /**
   * Check one response. `path` is concrete (`/api/profiles/01ABC`, query string allowed); `body` is the
   * raw text (`''`/`null` for none) or an already-parsed value; `contentType`, when given, must be one
   * the spec lists for that response.
   */
  validate(method: string, path: string, status: number, body: unknown, contentType?: string): ContractResult;
}

const REF_BASE = 'klaviyo';
const MEDIA_TYPES = ['application/vnd.api+json', 'application/json'];
const MAX_ERRORS = 15;

/**
 * Ajv over a spec: every component schema in one document, operation schemas compiled lazily, once per
 * schema object. One per spec object, so the contract validator and the mock's generic tier (which
 * checks request bodies and stored resources) share compiled schemas: compiling is most of their cost.
 */
export interface SpecAjv {
  compile(schema: unknown): ValidateFunction;
  /** A response object, following `$ref: '#/components/responses/…'`. */
  resolveResponse(res: unknown): OpenApiResponse | undefined;
}

const perSpec = new WeakMap<OpenApiSpec, SpecAjv>();

export function specAjv(spec: OpenApiSpec): SpecAjv {
  let shared = perSpec.get(spec);
  if (shared) return shared;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats.default(ajv);
  // Klaviyo's `time` values carry no zone; ajv-formats' `time` insists on one, `iso-time` does not.
  ajv.addFormat('time', ajv.formats['iso-time'] ?? true);
  // One document holding every component schema; operation schemas `$ref` into it by id.
  const schemas = Object.fromEntries(
    Object.entries(spec.components.schemas).map(([name, schema]) => [name, toJsonSchema(schema, REF_BASE)]),
  );
  ajv.addSchema({ $id: REF_BASE, components: { schemas } });
  const compiled = new WeakMap<object, ValidateFunction>();
  shared = {
    compile(schema) {
      let fn = compiled.get(schema as object);
      if (!fn) {
        fn = ajv.compile(toJsonSchema(schema, REF_BASE) as Record<string, unknown>);
        compiled.set(schema as object, fn);
      }
      return fn;
    },
    resolveResponse(res) {
      const ref = (res as { $ref?: string } | undefined)?.$ref;
      if (!ref) return res as OpenApiResponse | undefined;
      const name = ref.replace('#/components/responses/', '');
      return spec.components.responses?.[name] as OpenApiResponse | undefined;
    },
  };
  perSpec.set(spec, shared);
  return shared;
}

export function createContractValidator(spec: OpenApiSpec = loadRuntimeSpec()): ContractValidator {
  const { compile, resolveResponse } = specAjv(spec);

  return {
    spec,
    validate(method, path, status, body, contentType) {
      const { path: template, operation } = findOperation(spec, method, path);
      const statusKeys = [String(status), `${String(status)[0]}XX`, 'default'];
      let response: OpenApiResponse | undefined;
      if (operation) {
        const key = statusKeys.find((k) => operation.responses[k]);
        response = key ? resolveResponse(operation.responses[key]) : undefined;
        if (!response) {
          return {
            operationId: operation.operationId,
            errors: [`the spec defines no ${status} response for ${operation.operationId}`],
          };
        }
      } else if (status >= 400) {
        // Unknown routes and methods still answer in Klaviyo's error shape: check that shape.
        response = resolveResponse({
          $ref: `#/components/responses/${status >= 500 ? 'ServerError' : 'ClientError'}`,
        });
      } else {
        const what = template ? `method ${method} on ${template}` : `path ${path}`;
        return {
          operationId: undefined,
          errors: [`the spec has no ${what}, yet the mock answered ${status}`],
        };
      }
      const operationId = operation?.operationId;
      return { operationId, errors: checkBody(response, body, contentType) };
    },
  };

  function checkBody(response: OpenApiResponse | undefined, body: unknown, contentType?: string): string[] {
    const parsed = parseBody(body);
    if (parsed.error) return [parsed.error];
    const content = response?.content ?? {};
    const mediaType = MEDIA_TYPES.find((m) => content[m]) ?? Object.keys(content)[0];
    if (!mediaType)
      return parsed.empty ? [] : ['the spec defines no body for this response, but one was sent'];
    if (parsed.empty) return [`empty body, but the spec defines a ${mediaType} body`];
    const errors: string[] = [];
    const sentType = contentType?.split(';')[0].trim().toLowerCase();
    if (sentType && !content[sentType]) {
      errors.push(`content-type is ${sentType}; the spec allows ${Object.keys(content).join(', ')}`);
    }
    const schema = content[mediaType].schema;
    if (!schema) return errors;
    const validateFn = compile(schema);
    if (!validateFn(parsed.value)) errors.push(...formatErrors(validateFn.errors ?? []));
    return errors;
  }
}

function parseBody(body: unknown): { empty: boolean; value?: unknown; error?: string } {
  if (body === null || body === undefined || body === '') return { empty: true };
  if (typeof body !== 'string') return { empty: false, value: body };
  try {
    return { empty: false, value: JSON.parse(body) };
  } catch {
    return { empty: false, error: `body is not valid JSON: ${JSON.stringify(body.slice(0, 80))}` };
  }
}

/** `/data/attributes/email must be string`; the union noise Ajv adds for `anyOf` is kept short. */
export function formatErrors(errors: ErrorObject[]): string[] {
  const lines: string[] = [];
  for (const e of errors) {
    const where = e.instancePath || '(root)';
    let line = `${where} ${e.message ?? 'is invalid'}`;
    if (e.keyword === 'enum')
      line += `: ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`;
    if (e.keyword === 'additionalProperties')
      line += ` (${(e.params as { additionalProperty: string }).additionalProperty})`;
    if (!lines.includes(line)) lines.push(line);
  }
  if (lines.length > MAX_ERRORS)
    return [...lines.slice(0, MAX_ERRORS), `… and ${lines.length - MAX_ERRORS} more`];
  return lines;
}
