/**
 * The operation ids a fault rule may name in `match.operation`, so a typo (`create_evnt`) is refused
 * when the rules are loaded instead of being accepted and never firing. Klaviyo's come from the spec
 * (every operation, emulated or not: a rule for one the mock does not serve is harmless); the fake
 * Supabase names its operations `rest.<verb>.<table>` and `auth.<route>`.
 */
import { OPERATIONS } from '../klaviyo/operations.generated.ts';
import { globToRegExp } from './match.ts';

export const KLAVIYO_OPERATIONS: readonly string[] = Object.keys(OPERATIONS);

const REST_VERBS = ['select', 'insert', 'upsert', 'update', 'delete'] as const;
/** Dream Flow's tables, for suggestions and glob checks; any table name is accepted in `rest.<verb>.<t>`. */
const DREAM_FLOW_TABLES = ['profiles', 'children', 'stories', 'subscriptions'];
const AUTH_OPERATIONS = [
  'auth.signup',
  'auth.token.password',
  'auth.token.refresh_token',
  'auth.user.get',
  'auth.user.update',
  'auth.logout',
  'auth.settings',
  'auth.health',
];

export const SUPABASE_OPERATIONS: readonly string[] = [
  ...REST_VERBS.flatMap((verb) => DREAM_FLOW_TABLES.map((t) => `rest.${verb}.${t}`)),
  ...AUTH_OPERATIONS,
];

const ANY_TABLE = new RegExp(`^rest\\.(${REST_VERBS.join('|')})\\.[A-Za-z_][A-Za-z0-9_]*$`);

export function knownOperations(service?: string): readonly string[] {
  const s = service?.toLowerCase();
  if (s === 'klaviyo') return KLAVIYO_OPERATIONS;
  if (s === 'supabase') return SUPABASE_OPERATIONS;
  return [...KLAVIYO_OPERATIONS, ...SUPABASE_OPERATIONS];
}

/** Whether an operation id or glob (`get_*`) can match anything the service emits. */
export function isKnownOperation(pattern: string, service?: string): boolean {
  const known = knownOperations(service);
  if (pattern === '*' || known.includes(pattern)) return true;
  if (service?.toLowerCase() !== 'klaviyo' && ANY_TABLE.test(pattern)) return true;
  const re = globToRegExp(pattern);
  return known.some((op) => re.test(op));
}
