/**
 * PostgREST error bodies: `{code, message, details, hint}` with the status PostgREST gives each code.
 * Messages follow PostgREST 12/13 (what supabase-js users see in `error.message` / `error.code`).
 */
import type { HttpReply } from '../../shared/http.ts';

export class PgrstError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: string | null = null,
    readonly hint: string | null = null,
  ) {
    super(message);
  }
}

export function pgrstReply(err: PgrstError, extraHeaders: Record<string, string> = {}): HttpReply {
  return {
    status: err.status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...extraHeaders },
    body: JSON.stringify({ code: err.code, details: err.details, hint: err.hint, message: err.message }),
  };
}

export const pgrst = {
  parse: (what: string, details: string) =>
    new PgrstError(400, 'PGRST100', `"failed to parse ${what}"`, details),
  invalidBody: (details: string) => new PgrstError(400, 'PGRST102', 'Empty or invalid json', details),
  unknownTable: (name: string, suggestion?: string) =>
    new PgrstError(
      404,
      'PGRST205',
      `Could not find the table 'public.${name}' in the schema cache`,
      null,
      suggestion ? `Perhaps you meant the table 'public.${suggestion}'` : null,
    ),
  unknownColumn: (table: string, column: string, suggestion?: string) =>
    new PgrstError(
      400,
      '42703',
      `column ${table}.${column} does not exist`,
      null,
      suggestion ? `Perhaps you meant to reference the column "${table}.${suggestion}".` : null,
    ),
  unknownBodyColumn: (table: string, column: string) =>
    new PgrstError(
      400,
      'PGRST204',
      `Could not find the '${column}' column of '${table}' in the schema cache`,
    ),
  noRelationship: (from: string, to: string) =>
    new PgrstError(
      400,
      'PGRST200',
      `Could not find a relationship between '${from}' and '${to}' in the schema cache`,
      `Searched for a foreign key relationship between '${from}' and '${to}' in the schema 'public', but no matches were found.`,
      'Embedding works one level deep along the foreign keys listed by GET /__admin/state (schema).',
    ),
  ambiguousRelationship: (from: string, to: string, names: string[]) =>
    new PgrstError(
      300,
      'PGRST201',
      `Could not embed because more than one relationship was found for '${from}' and '${to}'`,
      names.join(', '),
      `Try changing '${to}' to one of: ${names.map((n) => `'${to}!${n}'`).join(', ')}.`,
    ),
  singular: (rows: number) =>
    new PgrstError(
      406,
      'PGRST116',
      'Cannot coerce the result to a single JSON object',
      `The result contains ${rows} rows`,
    ),
  rangeNotSatisfiable: (offset: number, total: number) =>
    new PgrstError(
      416,
      'PGRST103',
      'Requested range not satisfiable',
      `An offset of ${offset} was requested, but there are only ${total} rows.`,
    ),
  invalidInput: (type: string, value: unknown) =>
    new PgrstError(400, '22P02', `invalid input syntax for type ${type}: "${String(value)}"`),
  requiresWhere: (verb: 'UPDATE' | 'DELETE') =>
    new PgrstError(
      400,
      '21000',
      `${verb} requires a WHERE clause`,
      null,
      'Supabase blocks unfiltered updates and deletes (pg-safeupdate); add a filter such as .neq("id", "").',
    ),
  noUniqueForConflict: () =>
    new PgrstError(
      400,
      '42P10',
      'there is no unique or exclusion constraint matching the ON CONFLICT specification',
    ),
  schema: (schema: string) =>
    new PgrstError(
      406,
      'PGRST106',
      'The schema must be one of the following: public',
      null,
      `Unknown schema '${schema}'.`,
    ),
  notFoundFunction: (name: string) =>
    new PgrstError(
      404,
      'PGRST202',
      `Could not find the function public.${name} without parameters in the schema cache`,
      null,
      'The fake Supabase has no database functions (RPC).',
    ),
  method: (method: string) => new PgrstError(405, 'PGRST117', `Unsupported HTTP method: ${method}`),
};
