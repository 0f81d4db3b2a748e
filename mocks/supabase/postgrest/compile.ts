/**
 * AST → parameterised SQL fragments. Identifiers come only from the schema cache (an unknown name is a
 * PostgREST error, never SQL text) and are always quoted; every operand is a bound parameter.
 */
import type { ColumnInfo, ForeignKey, SchemaCache, TableInfo } from '../store/schema.ts';
import { closestName } from '../store/schema.ts';
import { PgrstError, pgrst } from './errors.ts';
import type { Condition, FilterNode, OrderTerm } from './parse.ts';
import { parseList } from './parse.ts';
import { fromText } from './values.ts';

/** Quote an identifier that is already known to exist in the schema cache. */
export function q(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function columnOf(table: TableInfo, name: string): ColumnInfo {
  const col = table.byName.get(name);
  if (!col) throw pgrst.unknownColumn(table.name, name, closestName(name, table.byName.keys()));
  return col;
}

export function compileFilters(
  nodes: FilterNode[],
  table: TableInfo,
  alias: string,
  params: unknown[],
): string[] {
  return nodes.map((n) => compileNode(n, table, alias, params));
}

function compileNode(node: FilterNode, table: TableInfo, alias: string, params: unknown[]): string {
  if (node.kind === 'logic') {
    const parts = node.children.map((c) => compileNode(c, table, alias, params));
    const joined = `(${parts.join(node.op === 'or' ? ' OR ' : ' AND ')})`;
    return node.negate ? `NOT ${joined}` : joined;
  }
  const expr = compileCondition(node, table, alias, params);
  return node.negate ? `NOT (${expr})` : `(${expr})`;
}

const COMPARE: Record<string, string> = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };

function compileCondition(cond: Condition, table: TableInfo, alias: string, params: unknown[]): string {
  const col = columnOf(table, cond.column);
  const ref = `${q(alias)}.${q(col.name)}`;
  const what = `filter (${cond.column}=${cond.op}.${cond.value})`;
  const bind = (v: unknown) => {
    params.push(v);
    return '?';
  };
  const quantified = (make: (operand: string) => string): string => {
    if (!cond.quantifier) return make(cond.value);
    const items = parseList(cond.value, '{', what);
    if (items.length === 0) return cond.quantifier === 'all' ? '1' : '0';
    return `(${items.map(make).join(cond.quantifier === 'all' ? ' AND ' : ' OR ')})`;
  };
  switch (cond.op) {
    case 'eq':
    case 'neq':
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return quantified((v) => `${ref} ${COMPARE[cond.op]} ${bind(fromText(col, v))}`);
    case 'like':
      return quantified((v) => `df_like(${ref}, ${bind(v)})`);
    case 'ilike':
      return quantified((v) => `df_ilike(${ref}, ${bind(v)})`);
    case 'match':
    case 'imatch':
      return quantified((v) => {
        try {
          new RegExp(v, 'u');
        } catch (err) {
          throw new PgrstError(400, '2201B', `invalid regular expression: ${(err as Error).message}`);
        }
        return `df_match(${ref}, ${bind(v)}, ${bind(cond.op === 'imatch' ? 'iu' : 'u')})`;
      });
    case 'in': {
      const items = parseList(cond.value, '(', what);
      if (items.length === 0) return '0';
      return `${ref} IN (${items.map((v) => bind(fromText(col, v))).join(', ')})`;
    }
    case 'is': {
      const v = cond.value.toLowerCase();
      if (v === 'null' || v === 'unknown') return `${ref} IS NULL`;
      if (v === 'true' || v === 'false') return `${ref} IS ${v === 'true' ? 1 : 0}`;
      throw pgrst.parse(what, 'is. takes null, not_null, true, false or unknown');
    }
    case 'isdistinct':
      return `${ref} IS NOT ${bind(fromText(col, cond.value))}`;
    case 'cs':
    case 'cd':
    case 'ov': {
      if (col.type !== 'jsonb') {
        throw new PgrstError(
          400,
          '42883',
          `operator does not exist: ${col.type} @> unknown`,
          null,
          'The fake Supabase supports cs/cd/ov on JSON array columns only.',
        );
      }
      const json = bind(JSON.stringify(arrayOperand(cond.value, what)));
      if (cond.op === 'cs')
        return `NOT EXISTS (SELECT 1 FROM json_each(${json}) AS w WHERE w.value NOT IN (SELECT h.value FROM json_each(${ref}) AS h))`;
      if (cond.op === 'cd')
        return `NOT EXISTS (SELECT 1 FROM json_each(${ref}) AS h WHERE h.value NOT IN (SELECT w.value FROM json_each(${json}) AS w))`;
      return `EXISTS (SELECT 1 FROM json_each(${ref}) AS h WHERE h.value IN (SELECT w.value FROM json_each(${json}) AS w))`;
    }
  }
}

/** `{a,b}` (Postgres array literal, as supabase-js sends arrays) or a JSON array. */
function arrayOperand(text: string, what: string): unknown[] {
  if (text.startsWith('{')) return parseList(text, '{', what);
  try {
    const parsed = JSON.parse(text);
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    throw pgrst.invalidInput('json', text);
  }
}

export function compileOrder(terms: OrderTerm[], table: TableInfo, alias: string): string {
  if (terms.length === 0) return '';
  return terms
    .map((t) => {
      const col = columnOf(table, t.column);
      // Postgres puts NULLs last ascending and first descending; SQLite does the opposite unless told.
      const nulls = t.nulls ?? (t.desc ? 'first' : 'last');
      return `${q(alias)}.${q(col.name)} ${t.desc ? 'DESC' : 'ASC'} NULLS ${nulls === 'first' ? 'FIRST' : 'LAST'}`;
    })
    .join(', ');
}

/** One way to embed `target` in rows of `from`: join `from.localColumn = target.remoteColumn`. */
export interface Relationship {
  target: TableInfo;
  /** Object (to-one) or array (to-many) in the output. */
  cardinality: 'one' | 'many';
  localColumn: string;
  remoteColumn: string;
  fk: ForeignKey;
}

/** Resolve `name[!hint]` from `from` along foreign keys in either direction. */
export function resolveRelationship(
  schema: SchemaCache,
  from: TableInfo,
  name: string,
  hint?: string,
): Relationship {
  const candidates: Relationship[] = [];
  for (const fk of schema.foreignKeys) {
    // to-one: from.fk_column → target (embedding by table name or by the FK column's name)
    if (fk.table === from.name && (fk.refTable === name || fk.column === name)) {
      const target = schema.tables.get(fk.refTable);
      if (target)
        candidates.push({
          target,
          cardinality: 'one',
          localColumn: fk.column,
          remoteColumn: fk.refColumn,
          fk,
        });
    }
    // to-many: target.fk_column → from (one-to-one when the referencing column is unique)
    if (fk.refTable === from.name && fk.table === name) {
      const target = schema.tables.get(fk.table);
      if (!target) continue;
      const unique = target.uniques.some((u) => u.length === 1 && u[0] === fk.column);
      candidates.push({
        target,
        cardinality: unique ? 'one' : 'many',
        localColumn: fk.refColumn,
        remoteColumn: fk.column,
        fk,
      });
    }
  }
  const matching = hint
    ? candidates.filter((c) => c.fk.name === hint || c.fk.column === hint || c.target.name === hint)
    : candidates;
  if (matching.length === 0) throw pgrst.noRelationship(from.name, name);
  if (matching.length > 1)
    throw pgrst.ambiguousRelationship(
      from.name,
      name,
      matching.map((m) => m.fk.name),
    );
  return matching[0]!;
}
