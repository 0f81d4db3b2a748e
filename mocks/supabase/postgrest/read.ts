/**
 * Executes a ResourcePlan: the main query (filters, order, paging, `!inner` embeds as EXISTS), then one
 * query per embedded resource with the parent keys bound as an IN list, grouped back onto the rows.
 */

import { LIMIT_PARAM, OFFSET_PARAM } from '../../../lib/sqlite.ts';
import type { Db } from '../store/db.ts';
import { prepare } from '../store/db.ts';
import type { TableInfo } from '../store/schema.ts';
import { compileFilters, compileOrder, q } from './compile.ts';
import type { SelectItem } from './parse.ts';
import type { ResourcePlan } from './plan.ts';
import type { RowPolicy } from './rls.ts';
import { policySql } from './rls.ts';
import { toJson } from './values.ts';

type RawRow = Record<string, unknown> & { __rowid: number };
type OutRow = Record<string, unknown>;

/** SQLite's default bound-parameter limit is 32766; stay well under it per IN list. */
const IN_CHUNK = 500;

export interface Where {
  clauses: string[];
  params: unknown[];
}

/** WHERE clauses for a plan at `alias`: its filters plus EXISTS for each `!inner` embed. */
export function whereFor(plan: ResourcePlan, alias: string, depth = 0): Where {
  const params: unknown[] = [];
  const clauses = compileFilters(plan.filters, plan.table, alias, params);
  for (const policy of [plan.visible, plan.target]) {
    if (policy) clauses.push(policySql(policy, alias, params));
  }
  for (const embed of plan.embeds) {
    if (!embed.inner) continue;
    const sub = `t${depth + 1}`;
    const inner = whereFor(embed.plan, sub, depth + 1);
    const cond = [
      `${q(sub)}.${q(embed.rel.remoteColumn)} = ${q(alias)}.${q(embed.rel.localColumn)}`,
      ...inner.clauses,
    ];
    clauses.push(
      `EXISTS (SELECT 1 FROM ${q(embed.rel.target.name)} AS ${q(sub)} WHERE ${cond.join(' AND ')})`,
    );
    params.push(...inner.params);
  }
  return { clauses, params };
}

function whereSql(where: Where): string {
  return where.clauses.length ? ` WHERE ${where.clauses.join(' AND ')}` : '';
}

/** Count the rows a plan's root filters match (for `Prefer: count=exact`). */
export function countRows(db: Db, plan: ResourcePlan): number {
  const where = whereFor(plan, 't0');
  const row = prepare(db, `SELECT COUNT(*) AS n FROM ${q(plan.table.name)} AS "t0"${whereSql(where)}`).get(
    ...where.params,
  ) as {
    n: number;
  };
  return row.n;
}

/** Rowids the root filters select, in order, paged when `paged` (PATCH/DELETE target these). */
export function matchRowids(db: Db, plan: ResourcePlan, paged: boolean): number[] {
  const where = whereFor(plan, 't0');
  const sql = `SELECT "t0".rowid AS r FROM ${q(plan.table.name)} AS "t0"${whereSql(where)}${orderSql(plan, 't0')}${paged ? pageSql(plan, where.params) : ''}`;
  return (prepare(db, sql).all(...where.params) as { r: number }[]).map((x) => x.r);
}

/** Read the rows a plan selects (root filters, order and paging applied). */
export function readRows(db: Db, plan: ResourcePlan): OutRow[] {
  const where = whereFor(plan, 't0');
  const sql = `SELECT "t0".rowid AS __rowid, "t0".* FROM ${q(plan.table.name)} AS "t0"${whereSql(where)}${orderSql(plan, 't0')}${pageSql(plan, where.params)}`;
  const rows = prepare(db, sql).all(...where.params) as RawRow[];
  return shape(db, plan, rows, 0);
}

/**
 * The rowids among `rowids` that fail `policy` (RETURNING a row the caller may not SELECT is an error in
 * Postgres, not a silently shorter answer).
 */
export function rowidsFailing(db: Db, table: TableInfo, policy: RowPolicy, rowids: number[]): number[] {
  const failing: number[] = [];
  for (let i = 0; i < rowids.length; i += IN_CHUNK) {
    const chunk = rowids.slice(i, i + IN_CHUNK);
    const params: unknown[] = [...chunk];
    const sql = `SELECT "t0".rowid AS r FROM ${q(table.name)} AS "t0" WHERE "t0".rowid IN (${chunk.map(() => '?').join(', ')}) AND NOT ${policySql(policy, 't0', params)}`;
    failing.push(...(prepare(db, sql).all(...params) as { r: number }[]).map((x) => x.r));
  }
  return failing;
}

/** Read specific rows by rowid (what a write returns), ignoring the request's filters. */
export function readByRowids(db: Db, plan: ResourcePlan, rowids: number[]): OutRow[] {
  if (rowids.length === 0) return [];
  const rows: RawRow[] = [];
  for (let i = 0; i < rowids.length; i += IN_CHUNK) {
    const chunk = rowids.slice(i, i + IN_CHUNK);
    const sql = `SELECT "t0".rowid AS __rowid, "t0".* FROM ${q(plan.table.name)} AS "t0" WHERE "t0".rowid IN (${chunk.map(() => '?').join(', ')})`;
    rows.push(...(prepare(db, sql).all(...chunk) as RawRow[]));
  }
  const position = new Map(rowids.map((r, i) => [r, i]));
  rows.sort((a, b) => position.get(a.__rowid)! - position.get(b.__rowid)!);
  return shape(db, plan, rows, 0);
}

function orderSql(plan: ResourcePlan, alias: string): string {
  const order = compileOrder(plan.order, plan.table, alias);
  // rowid last: a stable, insertion-like order when the request gives none (as a Postgres heap scan).
  return ` ORDER BY ${order ? `${order}, ` : ''}${q(alias)}.rowid ASC`;
}

function pageSql(plan: ResourcePlan, params: unknown[]): string {
  if (plan.limit === undefined && !plan.offset) return '';
  params.push(plan.limit ?? -1, plan.offset ?? 0);
  return ` ${LIMIT_PARAM} ${OFFSET_PARAM}`;
}

/** Attach embedded resources, then project each row to the requested items. */
function shape(db: Db, plan: ResourcePlan, rows: RawRow[], depth: number): OutRow[] {
  const embedded = plan.embeds.map((embed) => {
    const alias = `t${depth + 1}`;
    const keys = [
      ...new Set(rows.map((r) => r[embed.rel.localColumn]).filter((v) => v !== null && v !== undefined)),
    ];
    const byKey = new Map<unknown, OutRow[]>();
    for (let i = 0; i < keys.length; i += IN_CHUNK) {
      const chunk = keys.slice(i, i + IN_CHUNK);
      const where = whereFor(embed.plan, alias, depth + 1);
      const clauses = [
        `${q(alias)}.${q(embed.rel.remoteColumn)} IN (${chunk.map(() => '?').join(', ')})`,
        ...where.clauses,
      ];
      const sql = `SELECT ${q(alias)}.rowid AS __rowid, ${q(alias)}.* FROM ${q(embed.rel.target.name)} AS ${q(alias)} WHERE ${clauses.join(' AND ')}${orderSql(embed.plan, alias)}`;
      const children = prepare(db, sql).all(...chunk, ...where.params) as RawRow[];
      const shaped = shape(db, embed.plan, children, depth + 1);
      children.forEach((child, idx) => {
        const k = child[embed.rel.remoteColumn];
        const list = byKey.get(k) ?? [];
        if (list.length === 0) byKey.set(k, list);
        list.push(shaped[idx]!);
      });
    }
    return { embed, byKey };
  });
  return rows.map((row) => {
    const values = new Map<string, unknown>();
    for (const { embed, byKey } of embedded) {
      const all = byKey.get(row[embed.rel.localColumn]) ?? [];
      if (embed.rel.cardinality === 'one') {
        values.set(embed.key, all[0] ?? null);
      } else {
        const start = embed.plan.offset ?? 0;
        values.set(
          embed.key,
          all.slice(start, embed.plan.limit === undefined ? undefined : start + embed.plan.limit),
        );
      }
    }
    return project(plan.table, plan.items, row, values);
  });
}

function project(table: TableInfo, items: SelectItem[], row: RawRow, embeds: Map<string, unknown>): OutRow {
  const out: OutRow = {};
  for (const item of items) {
    if (item.kind === 'star') {
      for (const col of table.columns) out[col.name] = toJson(col, row[col.name]);
    } else if (item.kind === 'column') {
      const value = toJson(table.byName.get(item.name), row[item.name]);
      out[item.alias ?? item.name] = item.cast ? cast(value, item.cast) : value;
    } else {
      const key = item.alias ?? item.name;
      out[key] = embeds.get(key) ?? null;
    }
  }
  return out;
}

function cast(value: unknown, type: string): unknown {
  if (value === null) return null;
  switch (type.toLowerCase()) {
    case 'text':
    case 'varchar':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'int':
    case 'int4':
    case 'int8':
    case 'integer':
    case 'bigint':
      return Math.trunc(Number(value));
    case 'float':
    case 'float8':
    case 'numeric':
      return Number(value);
    default:
      return value;
  }
}
