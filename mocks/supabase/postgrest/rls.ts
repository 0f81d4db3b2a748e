/**
 * Enforcing the migrations' policies with Postgres semantics: a table without RLS enabled is open; with
 * RLS enabled, the permissive policies for the caller's role and the command are OR-ed, and no matching
 * policy means no row passes (reads see nothing, inserts are refused). The service role never gets here
 * (it bypasses RLS, as Postgres's BYPASSRLS). Every supported policy is `column = auth.uid()`.
 */
import type { PolicyCommand } from '../store/policies.ts';
import type { SchemaCache, TableInfo } from '../store/schema.ts';
import { q } from './compile.ts';
import { PgrstError } from './errors.ts';

/** The caller a request runs as when RLS applies; undefined elsewhere = bypass (service role, rls: false). */
export interface RlsCaller {
  role: string;
  /** auth.uid(): the JWT's `sub` for a signed-in user, null for anon. */
  uid: string | null;
}

/** A row passes when any of `columns` equals `uid`; no columns = no policy applies = no row passes. */
export interface RowPolicy {
  table: string;
  columns: string[];
  uid: string | null;
  role: string;
}

type Clause = 'using' | 'check';

/**
 * The predicate a command's policies put on rows (`using`: existing rows; `check`: new rows, where
 * FOR ALL / UPDATE policies without WITH CHECK use their USING, as Postgres does). Undefined when RLS
 * does not apply to this table and caller.
 */
export function rowPolicy(
  schema: SchemaCache,
  table: TableInfo,
  caller: RlsCaller | undefined,
  command: Exclude<PolicyCommand, 'ALL'>,
  clause: Clause,
): RowPolicy | undefined {
  if (!caller || !schema.rls.enabled.has(table.name)) return undefined;
  const columns = new Set<string>();
  for (const p of schema.rls.policies) {
    if (p.table !== table.name || (p.command !== 'ALL' && p.command !== command)) continue;
    if (p.roles.length > 0 && !p.roles.includes(caller.role)) continue;
    const column = clause === 'using' ? p.using : (p.check ?? p.using);
    if (column) columns.add(column);
  }
  return { table: table.name, columns: [...columns], uid: caller.uid, role: caller.role };
}

/** The policy as a WHERE clause on `alias`. */
export function policySql(policy: RowPolicy, alias: string, params: unknown[]): string {
  if (policy.uid === null || policy.columns.length === 0) return '0';
  params.push(...policy.columns.map(() => policy.uid));
  return `(${policy.columns.map((c) => `${q(alias)}.${q(c)} = ?`).join(' OR ')})`;
}

/** Whether a row (column → stored value) passes the policy. */
export function passes(policy: RowPolicy | undefined, row: Record<string, unknown>): boolean {
  if (!policy) return true;
  return policy.uid !== null && policy.columns.some((c) => row[c] === policy.uid);
}

/** PostgREST's answer to 42501: 401 for the anon role, 403 for a signed-in one. */
export function rlsViolation(policy: RowPolicy): PgrstError {
  const how =
    policy.columns.length === 0
      ? `no policy on "${policy.table}" allows this for role ${policy.role}`
      : `rows must have ${policy.columns.join(' or ')} = auth.uid()`;
  return new PgrstError(
    policy.role === 'anon' ? 401 : 403,
    '42501',
    `new row violates row-level security policy for table "${policy.table}"`,
    null,
    `Row Level Security is on (${how}; see mocks/supabase/migrations/003_rls.sql). Sign in as the owner, or use the service-role key from a trusted backend.`,
  );
}
