/**
 * Where Klaviyo's OpenAPI spec lives and how it is read.
 *
 * The full spec is test data owned by Klaviyo (3 MB, revision-stamped): it is never copied into this
 * repo. It sits next to the checkout in `../shared/klaviyo-openapi/stable.json` (fetched by
 * `npm run spec:download`), or wherever `KLAVIYO_OPENAPI_SPEC` points.
 *
 * What the product needs of it at run time (operations, parameters, schemas, rate limits; no prose) is
 * committed as a trimmed, gzipped artefact beside this file (`npm run spec:trim` regenerates it; see
 * trim.ts), so a clone anywhere works. `loadSpec()` reads the full spec when it is there and the
 * trimmed one otherwise. The mock, the contract validator and the coverage table read
 * `loadRuntimeSpec()`: the trimmed form of the full spec in `../shared` when it is there (the same
 * `trimSpec()` that makes the artefact, and trim.test.ts keeps the two equal), the committed artefact
 * only in a clone without it. Either way they see the same document.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { trimSpec } from './trim.ts';

/** The parts of an OpenAPI 3.0 document this project reads. */
export interface OpenApiSpec {
  openapi: string;
  info: { title?: string; version?: string };
  paths: Record<string, Record<string, unknown>>;
  components: {
    schemas: Record<string, unknown>;
    responses?: Record<string, unknown>;
  };
}

export interface OpenApiOperation {
  operationId: string;
  tags?: string[];
  summary?: string;
  responses: Record<string, OpenApiResponse | { $ref: string }>;
  'x-klaviyo-ratelimit'?: { burst?: string; steady?: string };
}

export interface OpenApiResponse {
  description?: string;
  content?: Record<string, { schema?: unknown }>;
}

/** Resolved from this file, not the cwd, so tests and the CLI agree whatever directory they run in. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export const DEFAULT_SPEC_PATH = resolve(REPO_ROOT, '../shared/klaviyo-openapi/stable.json');

export function specPath(): string {
  const fromEnv = process.env.KLAVIYO_OPENAPI_SPEC;
  return fromEnv ? resolve(fromEnv) : DEFAULT_SPEC_PATH;
}

/** The committed trimmed artefact (`npm run spec:trim`). */
export const TRIMMED_SPEC_PATH = resolve(REPO_ROOT, 'mocks/klaviyo/spec/klaviyo-openapi.trimmed.json.gz');

export function specExists(path = specPath()): boolean {
  return existsSync(path);
}

const cache = new Map<string, OpenApiSpec>();

/**
 * The spec: the full one at `path` (default `$KLAVIYO_OPENAPI_SPEC` or `../shared/…`) when it exists;
 * with no path given and no full spec there, the committed trimmed artefact.
 */
export function loadSpec(path?: string): OpenApiSpec {
  if (path === undefined && !specExists()) return loadTrimmedSpec();
  return loadFullSpec(path);
}

let runtime: { path: string; spec: OpenApiSpec } | undefined;

/**
 * What the mock needs of the spec, read from Klaviyo's own file when it sits next to the checkout
 * (`../shared/klaviyo-openapi/stable.json` or `$KLAVIYO_OPENAPI_SPEC`), trimmed as `npm run spec:trim`
 * trims it; from the committed artefact otherwise. Trimmed once per process.
 */
export function loadRuntimeSpec(): OpenApiSpec {
  const path = specExists() ? specPath() : TRIMMED_SPEC_PATH;
  if (runtime?.path !== path)
    runtime = { path, spec: path === TRIMMED_SPEC_PATH ? loadTrimmedSpec() : trimSpec(loadFullSpec(path)) };
  return runtime.spec;
}

/** The trimmed spec (operations, parameters, schemas, rate limits, filters; no prose), parsed once. */
export function loadTrimmedSpec(path = TRIMMED_SPEC_PATH): OpenApiSpec {
  const cached = cache.get(path);
  if (cached) return cached;
  if (!existsSync(path)) {
    throw new Error(
      `The trimmed Klaviyo spec ${path} is missing: run \`npm run spec:trim\` with the full spec present.`,
    );
  }
  const spec = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as OpenApiSpec;
  cache.set(path, spec);
  return spec;
}

/** Read and parse the full spec once per path (parsing 3 MB takes ~30 ms; tests call this a lot). */
export function loadFullSpec(path = specPath()): OpenApiSpec {
  const cached = cache.get(path);
  if (cached) return cached;
  if (!existsSync(path)) {
    throw new Error(
      `Klaviyo OpenAPI spec not found at ${path}. ` +
        'Run `npm run spec:download` to fetch it, or set KLAVIYO_OPENAPI_SPEC to the path of a stable.json you already have.',
    );
  }
  let spec: OpenApiSpec;
  try {
    spec = JSON.parse(readFileSync(path, 'utf8')) as OpenApiSpec;
  } catch (err) {
    throw new Error(
      `Klaviyo OpenAPI spec at ${path} is not valid JSON (${(err as Error).message}). ` +
        'Re-run `npm run spec:download` to replace it.',
    );
  }
  if (!spec || typeof spec.paths !== 'object' || typeof spec.components?.schemas !== 'object') {
    throw new Error(
      `${path} does not look like an OpenAPI document (no paths/components.schemas). Re-run \`npm run spec:download\`.`,
    );
  }
  cache.set(path, spec);
  return spec;
}
