/**
 * The spec's operations as a flat list, and matching a concrete request path (`/api/profiles/01ABC`)
 * to the path template that declares it (`/api/profiles/{id}`).
 */
import type { OpenApiOperation, OpenApiSpec } from './load.ts';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export interface SpecOperation {
  operationId: string;
  method: string; // upper-case
  path: string; // the template, e.g. /api/profiles/{id}
  tag: string;
  rateLimit: { burst?: string; steady?: string; daily?: string };
  operation: OpenApiOperation;
}

interface Template {
  path: string;
  pattern: RegExp;
  /** Literal segments count: `/api/profiles/me` beats `/api/profiles/{id}` when both match. */
  literals: number;
}

const listCache = new WeakMap<OpenApiSpec, SpecOperation[]>();
const templateCache = new WeakMap<OpenApiSpec, Template[]>();

export function listOperations(spec: OpenApiSpec): SpecOperation[] {
  const cached = listCache.get(spec);
  if (cached) return cached;
  const ops: SpecOperation[] = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of METHODS) {
      const op = item[method] as OpenApiOperation | undefined;
      if (!op?.operationId) continue;
      ops.push({
        operationId: op.operationId,
        method: method.toUpperCase(),
        path,
        tag: op.tags?.[0] ?? '(untagged)',
        rateLimit: op['x-klaviyo-ratelimit'] ?? {},
        operation: op,
      });
    }
  }
  listCache.set(spec, ops);
  return ops;
}

function templates(spec: OpenApiSpec): Template[] {
  const cached = templateCache.get(spec);
  if (cached) return cached;
  const list = Object.keys(spec.paths).map((path) => {
    const segments = path.split('/').filter(Boolean);
    const source = segments
      .map((s) => (/^\{[^}]+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
      .join('/');
    return {
      path,
      pattern: new RegExp(`^/${source}/?$`),
      literals: segments.filter((s) => !s.startsWith('{')).length,
    };
  });
  list.sort((a, b) => b.literals - a.literals);
  templateCache.set(spec, list);
  return list;
}

/** The template a concrete path belongs to, or undefined when the spec has no such path. */
export function matchPath(spec: OpenApiSpec, concretePath: string): string | undefined {
  const path = concretePath.split('?')[0];
  return templates(spec).find((t) => t.pattern.test(path))?.path;
}

/** The operation for a method + concrete path; `path` is set when only the method is unknown. */
export function findOperation(
  spec: OpenApiSpec,
  method: string,
  concretePath: string,
): { path?: string; operation?: OpenApiOperation } {
  const path = matchPath(spec, concretePath);
  if (!path) return {};
  const operation = spec.paths[path][method.toLowerCase()] as OpenApiOperation | undefined;
  return { path, operation: operation?.operationId ? operation : undefined };
}
