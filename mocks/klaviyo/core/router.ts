/**
 * Routes: what each API group declares (method, path, operation id, handler) and matching a request to
 * one. Paths without parameters resolve with one Map lookup (the hot `POST /api/events` among them);
 * the rest walk segments. A request that no route serves but that is a Klaviyo operation in the spec
 * goes to the fallback (the generic tier) when one is given, else is told apart from a path Klaviyo
 * does not have, so the 404 can say which. Routes always win over the fallback.
 */
import type { MockRequest } from '../../shared/http.ts';
import { OPERATIONS, type OperationId } from '../operations.generated.ts';
import type { Handler } from './context.ts';

export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** `/api/lists/:id/relationships/profiles`: `:name` matches one segment. */
  path: string;
  operation: OperationId;
  handler: Handler;
}

/** `route('GET', '/api/lists/:id', 'get_list', getList)`: one line per operation in a group's routes.ts. */
export function route(
  method: Route['method'],
  path: string,
  operation: OperationId,
  handler: Handler,
): Route {
  const spec = OPERATIONS[operation];
  const template = path.replace(/:(\w+)/g, '{$1}');
  if (spec.method !== method || spec.path !== template) {
    throw new Error(
      `Route ${method} ${path} says ${operation}, which the spec declares as ${spec.method} ${spec.path}.`,
    );
  }
  return { method, path, operation, handler };
}

interface Compiled extends Route {
  segments: string[];
}

export type Match =
  | { route: Route; params: Record<string, string> }
  | { allowed: string[] }
  | { known: { operation: OperationId; method: string; path: string; group: string } }
  | null;

export class Router {
  private readonly compiled: Compiled[];
  private readonly fixed = new Map<string, Compiled>();
  /** Every spec operation as segments, to recognise a Klaviyo path this mock does not emulate. */
  private readonly spec: {
    operation: OperationId;
    method: string;
    path: string;
    group: string;
    segments: string[];
  }[];

  private readonly fallbackRoutes = new Map<OperationId, Route>();

  constructor(
    routes: readonly Route[],
    /** The handler for a spec operation no route serves (the generic tier). */
    private readonly fallback?: (operation: OperationId) => Handler,
  ) {
    const seen = new Set<string>();
    this.compiled = routes.map((r) => {
      if (seen.has(r.operation)) throw new Error(`Two routes claim ${r.operation}.`);
      seen.add(r.operation);
      return { ...r, segments: r.path.split('/').filter(Boolean) };
    });
    for (const r of this.compiled) {
      if (!r.segments.some((s) => s.startsWith(':'))) this.fixed.set(`${r.method} ${r.path}`, r);
    }
    this.spec = Object.entries(OPERATIONS).map(([operation, info]) => ({
      operation: operation as OperationId,
      method: info.method,
      path: info.path,
      group: info.group,
      segments: info.path.split('/').filter(Boolean),
    }));
  }

  get routes(): readonly Route[] {
    return this.compiled;
  }

  match(req: MockRequest): Match {
    const hit = this.fixed.get(`${req.method} ${req.path}`);
    if (hit) return { route: hit, params: {} };
    const segments = req.path.split('/').filter(Boolean);
    const allowed: string[] = [];
    for (const r of this.compiled) {
      const params = matchSegments(r.segments, segments, ':');
      if (!params) continue;
      if (r.method === req.method) return { route: r, params };
      allowed.push(r.method);
    }
    for (const op of this.spec) {
      if (op.method !== req.method) continue;
      const params = matchSegments(op.segments, segments, '{');
      if (!params) continue;
      if (!this.fallback) return { known: op };
      let route = this.fallbackRoutes.get(op.operation);
      if (!route) {
        const path = op.path.replace(/\{(\w+)\}/g, ':$1');
        route = {
          method: op.method as Route['method'],
          path,
          operation: op.operation,
          handler: this.fallback(op.operation),
        };
        this.fallbackRoutes.set(op.operation, route);
      }
      return { route, params };
    }
    if (allowed.length) return { allowed };
    return null;
  }
}

function matchSegments(want: string[], got: string[], param: ':' | '{'): Record<string, string> | null {
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (w.startsWith(param)) params[w.replace(/[:{}]/g, '')] = safeDecode(got[i]!);
    else if (w !== got[i]) return null;
  }
  return params;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
