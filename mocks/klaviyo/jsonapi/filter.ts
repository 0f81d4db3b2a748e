/**
 * Klaviyo's `filter=` expression language: `equals(email,"a@b.c")`,
 * `and(greater-or-equal(datetime,2024-01-01T00:00:00Z),less-than(datetime,2024-02-01T00:00:00Z))`,
 * `any(id,["a","b"])`, … Top-level comma-separated conditions are AND-ed, as Klaviyo does.
 *
 * `parseFilter` builds a small AST; `compileFilter` checks it against an endpoint's allowed
 * field/operator table (from the spec's parameter description) and emits a SQL WHERE fragment.
 * Every problem throws a 400 with `source.parameter: "filter"` and a message saying how to fix it.
 */
import { invalidParam } from './errors.ts';

export type FilterValue =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null'; value: null }
  | { kind: 'datetime'; value: number; text: string }
  | { kind: 'array'; value: FilterValue[] };

export interface Condition {
  op: string;
  field: string;
  value?: FilterValue;
}

export const OPERATORS = [
  'equals',
  'any',
  'greater-than',
  'less-than',
  'greater-or-equal',
  'less-or-equal',
  'contains',
  'starts-with',
  'ends-with',
  'has',
] as const;

const MAX_FILTER_LENGTH = 10_000;
const MAX_CONDITIONS = 100;

function fail(detail: string): never {
  throw invalidParam('filter', detail);
}

/** Parse a filter string into a flat list of AND-ed conditions. */
export function parseFilter(text: string): Condition[] {
  if (text.length > MAX_FILTER_LENGTH) fail(`The filter is longer than ${MAX_FILTER_LENGTH} characters.`);
  const p = new Parser(text);
  const out: Condition[] = [];
  p.skipWs();
  if (p.done()) fail('The filter is empty. Use e.g. equals(email,"someone@example.com").');
  for (;;) {
    p.parseExpression(out);
    p.skipWs();
    if (p.done()) break;
    p.expect(',');
  }
  if (out.length > MAX_CONDITIONS) fail(`A filter may combine at most ${MAX_CONDITIONS} conditions.`);
  return out;
}

class Parser {
  pos = 0;
  constructor(readonly text: string) {}

  done(): boolean {
    return this.pos >= this.text.length;
  }

  skipWs(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  expect(ch: string): void {
    this.skipWs();
    if (this.text[this.pos] !== ch) {
      const got = this.done() ? 'the end of the filter' : `'${this.text[this.pos]}'`;
      fail(
        `Invalid filter: expected '${ch}' at position ${this.pos} but found ${got}. Filter was: ${this.text}`,
      );
    }
    this.pos++;
  }

  word(): string {
    this.skipWs();
    const m = /^[A-Za-z_$][A-Za-z0-9_.$-]*/.exec(this.text.slice(this.pos));
    if (!m)
      fail(
        `Invalid filter: expected an operator or field name at position ${this.pos}. Filter was: ${this.text}`,
      );
    this.pos += m[0].length;
    return m[0];
  }

  parseExpression(out: Condition[]): void {
    const op = this.word();
    this.expect('(');
    if (op === 'and') {
      for (;;) {
        this.parseExpression(out);
        this.skipWs();
        if (this.text[this.pos] === ',') {
          this.pos++;
          continue;
        }
        break;
      }
      this.expect(')');
      return;
    }
    if (op === 'or' || op === 'not') {
      fail(`The '${op}' operator is not supported by this endpoint; combine conditions with and(...).`);
    }
    if (!(OPERATORS as readonly string[]).includes(op)) {
      fail(`Unknown filter operator '${op}'. Supported operators: ${OPERATORS.join(', ')}, and(...).`);
    }
    const field = this.word();
    this.skipWs();
    let value: FilterValue | undefined;
    if (this.text[this.pos] === ',') {
      this.pos++;
      value = this.parseValue();
    } else if (op !== 'has') {
      fail(`The '${op}' operator needs a field and a value, e.g. ${op}(${field},"value").`);
    }
    this.expect(')');
    out.push({ op, field, value });
  }

  parseValue(): FilterValue {
    this.skipWs();
    const ch = this.text[this.pos];
    if (ch === '"' || ch === "'") return this.parseString(ch);
    if (ch === '[') {
      this.pos++;
      const items: FilterValue[] = [];
      this.skipWs();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return { kind: 'array', value: items };
      }
      for (let i = 0; i < 1000; i++) {
        items.push(this.parseValue());
        this.skipWs();
        if (this.text[this.pos] === ',') {
          this.pos++;
          continue;
        }
        this.expect(']');
        return { kind: 'array', value: items };
      }
      fail('A filter list may hold at most 1000 values.');
    }
    const m = /^[^,)\]\s]+/.exec(this.text.slice(this.pos));
    if (!m) fail(`Invalid filter: expected a value at position ${this.pos}. Filter was: ${this.text}`);
    this.pos += m[0].length;
    return literal(m[0]);
  }

  parseString(quote: string): FilterValue {
    this.pos++;
    let s = '';
    while (this.pos < this.text.length) {
      const c = this.text[this.pos++]!;
      if (c === '\\' && this.pos < this.text.length) {
        s += this.text[this.pos++];
        continue;
      }
      if (c === quote) return { kind: 'string', value: s };
      s += c;
    }
    fail(`Invalid filter: unterminated string starting with ${quote}. Filter was: ${this.text}`);
  }
}

const DATETIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Parse an ISO 8601 date-time; no zone means UTC, as Klaviyo reads it. Returns ms or NaN. */
export function parseDatetime(text: string): number {
  if (!DATETIME.test(text)) return Number.NaN;
  let t = text.replace(' ', 'T');
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) t += 'T00:00:00';
  // Microseconds are legal in Klaviyo's format; JavaScript's Date only reads milliseconds.
  t = t.replace(/(\.\d{3})\d+/, '$1');
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(t)) t += 'Z';
  return Date.parse(t);
}

function literal(text: string): FilterValue {
  if (text === 'true' || text === 'false') return { kind: 'boolean', value: text === 'true' };
  if (text === 'null') return { kind: 'null', value: null };
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)) return { kind: 'number', value: Number(text) };
  const ms = parseDatetime(text);
  if (!Number.isNaN(ms)) return { kind: 'datetime', value: ms, text };
  fail(
    `Invalid filter value '${text}': quote strings ("text"), or use a number, true/false, null or an ISO 8601 datetime.`,
  );
}

/** How one filterable field maps onto SQL. */
export interface FieldSpec {
  /** SQL expression (column) to compare. */
  column: string;
  type: 'string' | 'datetime' | 'number';
  ops: readonly string[];
  /** Applied to each compared value, e.g. lower-casing emails the way they are stored. */
  normalise?: (value: unknown) => unknown;
}

export interface CompiledFilter {
  where: string[];
  params: unknown[];
}

/**
 * compileFilter for an endpoint with boolean fields too (`archived`), which it cannot compare:
 * `equals(field,true|false)` on a 0/1 column per name in `booleans`; the other conditions as usual.
 */
export function compileFilterWithBooleans(
  conditions: Condition[],
  fields: Record<string, FieldSpec>,
  booleans: Record<string, string>,
  resource: string,
): CompiledFilter {
  const rest: Condition[] = [];
  const where: string[] = [];
  const params: unknown[] = [];
  for (const c of conditions) {
    const column = booleans[c.field];
    if (column === undefined) {
      rest.push(c);
      continue;
    }
    if (c.op !== 'equals' || c.value?.kind !== 'boolean')
      fail(`${c.field} takes equals with true or false, e.g. equals(${c.field},false).`);
    where.push(`${column} = ?`);
    params.push(c.value.value ? 1 : 0);
  }
  const compiled = compileFilter(rest, fields, resource);
  return { where: [...where, ...compiled.where], params: [...params, ...compiled.params] };
}

/** Check conditions against an endpoint's allowed fields/operators and build SQL. */
export function compileFilter(
  conditions: Condition[],
  fields: Record<string, FieldSpec>,
  resource: string,
): CompiledFilter {
  const where: string[] = [];
  const params: unknown[] = [];
  for (const c of conditions) {
    const spec = fields[c.field];
    if (!spec) {
      fail(
        `'${c.field}' is not a valid filter field for the resource '${resource}'. Allowed fields: ${Object.keys(fields).join(', ')}.`,
      );
    }
    if (!spec.ops.includes(c.op)) {
      fail(`'${c.op}' is not a valid operator for '${c.field}'. Allowed operators: ${spec.ops.join(', ')}.`);
    }
    const col = spec.column;
    if (c.op === 'has') {
      where.push(`${col} IS NOT NULL`);
      continue;
    }
    const v = c.value!;
    if (c.op === 'any') {
      if (v.kind !== 'array' || v.value.length === 0)
        fail(`any(${c.field}, …) needs a non-empty list, e.g. any(${c.field},["a","b"]).`);
      where.push(`${col} IN (${v.value.map(() => '?').join(',')})`);
      for (const item of v.value) params.push(coerce(item, spec, c));
      continue;
    }
    if (v.kind === 'array')
      fail(`'${c.op}' takes a single value, not a list; use any(${c.field},[…]) for lists.`);
    if (v.kind === 'null') {
      if (c.op !== 'equals') fail(`Only equals(${c.field},null) accepts null.`);
      where.push(`${col} IS NULL`);
      continue;
    }
    const value = coerce(v, spec, c);
    switch (c.op) {
      case 'equals':
        where.push(`${col} = ?`);
        params.push(value);
        break;
      case 'greater-than':
        where.push(`${col} > ?`);
        params.push(value);
        break;
      case 'less-than':
        where.push(`${col} < ?`);
        params.push(value);
        break;
      case 'greater-or-equal':
        where.push(`${col} >= ?`);
        params.push(value);
        break;
      case 'less-or-equal':
        where.push(`${col} <= ?`);
        params.push(value);
        break;
      case 'contains':
        where.push(`instr(${col}, ?) > 0`);
        params.push(String(value));
        break;
      case 'starts-with':
        where.push(`substr(${col}, 1, length(?)) = ?`);
        params.push(String(value), String(value));
        break;
      case 'ends-with':
        where.push(`substr(${col}, -length(?)) = ?`);
        params.push(String(value), String(value));
        break;
    }
  }
  return { where, params };
}

function coerce(v: FilterValue, spec: FieldSpec, c: Condition): unknown {
  const value = coerceType(v, spec, c);
  return spec.normalise ? spec.normalise(value) : value;
}

function coerceType(v: FilterValue, spec: FieldSpec, c: Condition): unknown {
  if (spec.type === 'datetime') {
    if (v.kind === 'datetime') return v.value;
    if (v.kind === 'string') {
      const ms = parseDatetime(v.value);
      if (!Number.isNaN(ms)) return ms;
    }
    if (v.kind === 'number' && c.field === 'timestamp') return v.value * 1000;
    fail(`'${c.field}' takes an ISO 8601 datetime, e.g. ${c.op}(${c.field},2024-01-01T00:00:00Z).`);
  }
  if (spec.type === 'number') {
    if (v.kind === 'number') return v.value;
    fail(`'${c.field}' takes a number.`);
  }
  if (v.kind === 'string') return v.value;
  if (v.kind === 'datetime') return v.text;
  if (v.kind === 'number' || v.kind === 'boolean') return String(v.value);
  fail(`'${c.field}' takes a quoted string, e.g. ${c.op}(${c.field},"value").`);
}
