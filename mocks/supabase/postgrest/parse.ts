/**
 * PostgREST's query language → a small AST. Pure string parsing: no schema, no SQL. Identifiers are
 * only syntax-checked here; `compile.ts` resolves them against the schema cache before any SQL exists.
 */
import { pgrst } from './errors.ts';

export type SelectItem =
  | { kind: 'star' }
  | { kind: 'column'; name: string; alias?: string; cast?: string }
  | { kind: 'embed'; name: string; alias?: string; hint?: string; inner: boolean; items: SelectItem[] };

export const OPERATORS = [
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'like',
  'ilike',
  'match',
  'imatch',
  'in',
  'is',
  'isdistinct',
  'cs',
  'cd',
  'ov',
] as const;
export type Operator = (typeof OPERATORS)[number];

export interface Condition {
  kind: 'cond';
  column: string;
  negate: boolean;
  op: Operator;
  /** `like(any)` / `like(all)` etc. */
  quantifier?: 'any' | 'all';
  /** The raw operand text (lists are split later, by the operator that needs them). */
  value: string;
}
export interface Logic {
  kind: 'logic';
  op: 'and' | 'or';
  negate: boolean;
  children: FilterNode[];
}
export type FilterNode = Condition | Logic;

export interface OrderTerm {
  column: string;
  desc: boolean;
  nulls?: 'first' | 'last';
}

/** Nesting bounds: a request cannot make the parser (or SQLite) recurse without limit. */
const MAX_DEPTH = 8;
const MAX_ITEMS = 10_000;

const IDENT = /^[A-Za-z_][A-Za-z0-9_$]*$/;

function ident(raw: string, what: string): string {
  let name = raw;
  if (name.length >= 2 && name.startsWith('"') && name.endsWith('"'))
    name = name.slice(1, -1).replace(/""/g, '"');
  if (name.includes('->'))
    throw pgrst.parse(what, `JSON paths ("${raw}") are not supported by the fake Supabase.`);
  if (!IDENT.test(name))
    throw pgrst.parse(what, `unexpected identifier "${raw}": expecting letters, digits or _`);
  return name;
}

/** Split on top-level commas, honouring parentheses, braces and double quotes. */
export function splitTopLevel(text: string, what: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
      continue;
    }
    // A quote opens a quoted value only where one can start (`"a,b"`, `in.("x")`, `eq."x"`);
    // elsewhere it is an ordinary character of the value.
    if (ch === '"' && (i === start || ',({.'.includes(text[i - 1]!))) quoted = true;
    else if (ch === '(' || ch === '{') depth++;
    else if (ch === ')' || ch === '}') {
      depth--;
      if (depth < 0) throw pgrst.parse(what, `unexpected ")" at position ${i + 1}`);
    } else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (quoted) throw pgrst.parse(what, 'unterminated double quote');
  if (depth !== 0) throw pgrst.parse(what, 'unbalanced parentheses');
  parts.push(text.slice(start));
  if (parts.length > MAX_ITEMS) throw pgrst.parse(what, `more than ${MAX_ITEMS} items`);
  return parts;
}

export function parseSelect(text: string, depth = 0): SelectItem[] {
  const what = `select parameter (${text})`;
  if (depth > MAX_DEPTH) throw pgrst.parse(what, 'embedding is nested too deeply');
  if (text.trim() === '') return [{ kind: 'star' }];
  return splitTopLevel(text, what).map((part) => {
    const item = part.trim();
    if (item === '*') return { kind: 'star' } as const;
    if (item.startsWith('...'))
      throw pgrst.parse(what, 'spread embeds ("...") are not supported by the fake Supabase.');
    const open = item.indexOf('(');
    if (open >= 0) {
      if (!item.endsWith(')')) throw pgrst.parse(what, `expecting ")" at the end of "${item}"`);
      const head = item.slice(0, open);
      const inner = item.slice(open + 1, -1);
      const [aliasPart, namePart] = splitAlias(head);
      const [name, ...hints] = namePart.split('!');
      let hint: string | undefined;
      let isInner = false;
      for (const h of hints) {
        if (h === 'inner') isInner = true;
        else if (h === 'left') isInner = false;
        else hint = ident(h, what);
      }
      if (name === 'count' && inner === '')
        throw pgrst.parse(what, 'aggregate functions are not supported by the fake Supabase.');
      return {
        kind: 'embed',
        name: ident(name ?? '', what),
        alias: aliasPart ? ident(aliasPart, what) : undefined,
        hint,
        inner: isInner,
        items: parseSelect(inner, depth + 1),
      } as const;
    }
    const [aliasPart, rest] = splitAlias(item);
    const [namePart, cast] = rest.split('::');
    return {
      kind: 'column',
      name: ident(namePart ?? '', what),
      alias: aliasPart ? ident(aliasPart, what) : undefined,
      cast: cast ? ident(cast, what) : undefined,
    } as const;
  });
}

function splitAlias(item: string): [string | undefined, string] {
  // `alias:name` — but not the `::` of a cast.
  const m = /^([^:()]+):(?!:)(.*)$/.exec(item);
  return m ? [m[1], m[2]!] : [undefined, item];
}

/** `[not.]op[(any|all)].value` for column `column`. */
export function parseCondition(column: string, text: string, unquote = false): Condition {
  const what = `filter (${column}=${text})`;
  const m = /^(not\.)?([a-z]+)(?:\((any|all)\))?\.([\s\S]*)$/.exec(text);
  if (!m) throw pgrst.parse(what, `expecting "operator.value", e.g. "${column}=eq.1"`);
  const op = m[2] as Operator;
  if (!OPERATORS.includes(op)) {
    throw pgrst.parse(what, `unknown operator "${m[2]}"; the fake Supabase supports ${OPERATORS.join(', ')}`);
  }
  let value = m[4]!;
  if (unquote && value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
    value = unescapeQuoted(value);
  return {
    kind: 'cond',
    column: ident(column, what),
    negate: Boolean(m[1]),
    op,
    quantifier: m[3] as 'any' | 'all' | undefined,
    value,
  };
}

function unescapeQuoted(text: string): string {
  return text.slice(1, -1).replace(/\\(.)/g, '$1');
}

/** The value of `or=` / `and=` (and `not.or=`): `(a.eq.1,and(b.gt.2,c.is.null))`. */
export function parseLogic(op: 'and' | 'or', negate: boolean, text: string, depth = 0): Logic {
  const what = `logic tree (${op}=${text})`;
  if (depth > MAX_DEPTH) throw pgrst.parse(what, 'logic trees are nested too deeply');
  if (!text.startsWith('(') || !text.endsWith(')')) throw pgrst.parse(what, 'expecting "(" … ")"');
  const inner = text.slice(1, -1);
  if (inner.trim() === '') throw pgrst.parse(what, 'empty logic tree');
  const children = splitTopLevel(inner, what).map((part): FilterNode => {
    const item = part.trim();
    const nested = /^(not\.)?(and|or)(\(.*\))$/s.exec(item);
    if (nested) return parseLogic(nested[2] as 'and' | 'or', Boolean(nested[1]), nested[3]!, depth + 1);
    const dot = item.indexOf('.');
    if (dot <= 0) throw pgrst.parse(what, `expecting "column.operator.value" in "${item}"`);
    return parseCondition(item.slice(0, dot), item.slice(dot + 1), true);
  });
  return { kind: 'logic', op, negate, children };
}

export function parseOrder(text: string): OrderTerm[] {
  const what = `order parameter (${text})`;
  return splitTopLevel(text, what).map((part) => {
    const pieces = part.trim().split('.');
    if (pieces[0]?.includes('('))
      throw pgrst.parse(what, 'ordering by an embedded resource is not supported by the fake Supabase.');
    const term: OrderTerm = { column: ident(pieces[0] ?? '', what), desc: false };
    for (const p of pieces.slice(1)) {
      if (p === 'asc') term.desc = false;
      else if (p === 'desc') term.desc = true;
      else if (p === 'nullsfirst') term.nulls = 'first';
      else if (p === 'nullslast') term.nulls = 'last';
      else throw pgrst.parse(what, `unexpected "${p}": expecting asc, desc, nullsfirst or nullslast`);
    }
    return term;
  });
}

export function parseNonNegativeInt(name: string, text: string): number {
  if (!/^\d{1,15}$/.test(text))
    throw pgrst.parse(`${name} parameter (${text})`, 'expecting a non-negative integer');
  return Number(text);
}

/** A list operand: `(a,"b,c",3)` for `in`, `{a,b}` for arrays. */
export function parseList(text: string, open: '(' | '{', what: string): string[] {
  const close = open === '(' ? ')' : '}';
  if (!text.startsWith(open) || !text.endsWith(close))
    throw pgrst.parse(what, `expecting a list in ${open}…${close}`);
  const inner = text.slice(1, -1);
  if (inner.trim() === '') return [];
  return splitTopLevel(inner, what).map((v) => {
    const t = v.trim();
    return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? unescapeQuoted(t) : t;
  });
}

/** `columns="a","b"` (as supabase-js sends it) → names. */
export function parseColumns(text: string): string[] {
  return splitTopLevel(text, `columns parameter (${text})`).map((c) =>
    ident(c.trim(), `columns parameter (${text})`),
  );
}

export interface Prefer {
  return?: 'minimal' | 'representation' | 'headers-only';
  count?: 'exact' | 'planned' | 'estimated';
  resolution?: 'merge-duplicates' | 'ignore-duplicates';
  missing?: 'default' | 'null';
}

/** `Prefer: return=representation, count=exact` (several headers arrive joined with commas). */
export function parsePrefer(header: string | undefined): Prefer {
  const out: Prefer = {};
  if (!header) return out;
  for (const token of header.split(/[,;]/)) {
    const [k, v] = token
      .trim()
      .split('=')
      .map((s) => s?.trim());
    if (k === 'return' && (v === 'minimal' || v === 'representation' || v === 'headers-only')) out.return = v;
    else if (k === 'count' && (v === 'exact' || v === 'planned' || v === 'estimated')) out.count = v;
    else if (k === 'resolution' && (v === 'merge-duplicates' || v === 'ignore-duplicates'))
      out.resolution = v;
    else if (k === 'missing' && (v === 'default' || v === 'null')) out.missing = v;
  }
  return out;
}
