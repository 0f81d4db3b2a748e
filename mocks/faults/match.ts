/**
 * Which requests a rule applies to: method, path (glob or regex), operation id, service.
 */
import type { MockRequest } from '../shared/http.ts';
import type { FaultMatch } from './schema.ts';

export type RequestMatcher = (req: MockRequest, operation: string | undefined, service: string) => boolean;

/**
 * A path pattern. Strings starting with `^` are regular expressions; anything else is a glob where `*`
 * matches any run of characters (slashes included) and `?` one character. Globs are anchored at both ends
 * and lose a trailing slash, as request paths do (`/api/profiles/` is matched as `/api/profiles`).
 */
export function compilePathPattern(pattern: string): RegExp {
  if (pattern.startsWith('^')) return new RegExp(pattern);
  return globToRegExp(pattern.length > 1 ? pattern.replace(/\/+$/, '') : pattern);
}

export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const ch of glob) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${source.replace(/(\.\*)+/g, '.*')}$`);
}

export function compileMatcher(match: FaultMatch | undefined): RequestMatcher {
  if (!match) return () => true;
  const methods = list(match.method)?.map((m) => m.toUpperCase());
  const anyMethod = !methods || methods.includes('*');
  const path = match.path === undefined ? undefined : compilePathPattern(match.path);
  const operations = list(match.operation)?.map(globToRegExp);
  const service = match.service?.toLowerCase();
  return (req, operation, svc) => {
    if (!anyMethod && !methods!.includes(req.method)) return false;
    if (path && !path.test(req.path)) return false;
    if (operations && (operation === undefined || !operations.some((re) => re.test(operation)))) return false;
    if (service && service !== svc.toLowerCase()) return false;
    return true;
  };
}

/**
 * The service a request belongs to when the pipeline does not say: the fake Supabase serves `/rest/v1`,
 * `/auth/v1` and `/storage/v1`; everything else is Klaviyo's.
 */
export function inferService(path: string): string {
  return /^\/(rest|auth|storage|realtime)\/v1(\/|$)/.test(path) ? 'supabase' : 'klaviyo';
}

function list(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : [value];
}
