/**
 * Row Level Security statements in migrations. SQLite cannot run `ALTER TABLE … ENABLE ROW LEVEL
 * SECURITY` or `CREATE POLICY`, so the migration runner takes them out of each file, parses them here
 * and records them in the policy catalog (catalog.ts); loadSchema reads them back into the schema cache. The parser is deliberately strict: a policy the fake cannot enforce exactly is a
 * startup error, never silently ignored or approximated.
 *
 * Supported: `ALTER TABLE [ONLY] [public.]t ENABLE ROW LEVEL SECURITY` and
 * `CREATE POLICY name ON [public.]t [AS PERMISSIVE] [FOR ALL|SELECT|INSERT|UPDATE|DELETE]
 *  [TO role[, role]] [USING (col = auth.uid())] [WITH CHECK (col = auth.uid())]`,
 * where `auth.uid()` may also be written `(select auth.uid())` and either side of `=`.
 */
export type PolicyCommand = 'ALL' | 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

export interface Policy {
  table: string;
  name: string;
  command: PolicyCommand;
  /** Roles the policy applies to; empty = PUBLIC (every role). */
  roles: string[];
  /** USING (col = auth.uid()): the column, if the policy has a USING clause. */
  using?: string;
  /** WITH CHECK (col = auth.uid()): the column, if given. */
  check?: string;
}

export interface RlsCatalog {
  /** Tables with RLS enabled. */
  enabled: Set<string>;
  policies: Policy[];
}

export type RlsStatement = { kind: 'enable'; table: string } | { kind: 'policy'; policy: Policy };

/** Roles that exist in a Supabase project and that PostgREST switches to. */
const ROLES = new Set(['anon', 'authenticated', 'service_role']);

/**
 * Split SQL into statements at `;` outside strings, quoted identifiers and comments. Trigger bodies are
 * split too, which is harmless: non-RLS pieces are re-joined verbatim before SQLite sees them.
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === ';') {
      out.push(sql.slice(start, i + 1));
      start = ++i;
    } else {
      i++;
    }
  }
  if (start < sql.length) out.push(sql.slice(start));
  return out;
}

/** The statement without comments, whitespace collapsed (for detection and error messages). */
export function statementText(stmt: string): string {
  return stmt
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/\s*;\s*$/, '')
    .trim();
}

/** Whether SQLite must not see this statement because it is about Row Level Security. */
export function isRlsStatement(text: string): boolean {
  return (
    /^(CREATE|ALTER|DROP)\s+POLICY\b/i.test(text) || /^ALTER\s+TABLE\b.*\bROW\s+LEVEL\s+SECURITY$/i.test(text)
  );
}

type Token = { kind: 'word' | 'quoted' | 'punct'; text: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:"((?:[^"]|"")*)"|([A-Za-z_][A-Za-z0-9_$]*)|([(),.=]))/y;
  let pos = 0;
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) throw new Error(`unexpected "${text.slice(pos).trim().slice(0, 20)}"`);
    if (m[1] !== undefined) tokens.push({ kind: 'quoted', text: m[1].replace(/""/g, '"') });
    else if (m[2] !== undefined) tokens.push({ kind: 'word', text: m[2] });
    else tokens.push({ kind: 'punct', text: m[3]! });
    pos = re.lastIndex;
  }
  return tokens;
}

class Cursor {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}
  peekWord(...words: string[]): boolean {
    const t = this.tokens[this.i];
    return t?.kind === 'word' && words.includes(t.text.toUpperCase());
  }
  peekPunct(p: string): boolean {
    const t = this.tokens[this.i];
    return t?.kind === 'punct' && t.text === p;
  }
  word(...words: string[]): string {
    if (!this.peekWord(...words)) throw new Error(`expected ${words.join(' or ')} ${this.where()}`);
    return this.tokens[this.i++]!.text.toUpperCase();
  }
  punct(p: string): void {
    if (!this.peekPunct(p)) throw new Error(`expected "${p}" ${this.where()}`);
    this.i++;
  }
  /** An identifier: bare words fold to lower case, as in Postgres; quoted ones keep their case. */
  ident(what: string): string {
    const t = this.tokens[this.i];
    if (!t || t.kind === 'punct') throw new Error(`expected ${what} ${this.where()}`);
    this.i++;
    return t.kind === 'quoted' ? t.text : t.text.toLowerCase();
  }
  /** `[public.]name`: other schemas do not exist in the fake. */
  tableName(): string {
    const first = this.ident('a table name');
    if (!this.peekPunct('.')) return first;
    this.i++;
    if (first !== 'public') throw new Error(`schema "${first}" is not supported (only public)`);
    return this.ident('a table name');
  }
  done(): boolean {
    return this.i >= this.tokens.length;
  }
  end(): void {
    if (!this.done()) throw new Error(`unexpected ${this.where()}`);
  }
  private where(): string {
    const t = this.tokens[this.i];
    return t ? `at "${t.text}"` : 'at the end of the statement';
  }
  /** Whether all that is left is one parenthesised group other than `(select …)`. */
  isWrapped(): boolean {
    if (!this.peekPunct('(')) return false;
    const at = this.i;
    const inner = this.group();
    const whole = this.done() && !inner.peekWord('SELECT');
    this.i = at;
    return whole;
  }
  /** `( … )`: the tokens between balanced parentheses. */
  group(): Cursor {
    this.punct('(');
    const start = this.i;
    let depth = 1;
    while (this.i < this.tokens.length) {
      const t = this.tokens[this.i]!;
      if (t.kind === 'punct' && t.text === '(') depth++;
      if (t.kind === 'punct' && t.text === ')' && --depth === 0) break;
      this.i++;
    }
    if (depth !== 0) throw new Error('unbalanced parentheses');
    const inner = new Cursor(this.tokens.slice(start, this.i));
    this.i++;
    return inner;
  }
}

/** Parse one RLS statement (already known to be one by isRlsStatement); throws with a reason. */
export function parseRlsStatement(text: string): RlsStatement {
  const cur = new Cursor(tokenize(text));
  if (cur.peekWord('ALTER')) {
    cur.word('ALTER');
    if (cur.peekWord('POLICY')) throw new Error('ALTER POLICY is not supported');
    cur.word('TABLE');
    if (cur.peekWord('ONLY')) cur.word('ONLY');
    const table = cur.tableName();
    const action = cur.word('ENABLE', 'DISABLE', 'FORCE', 'NO');
    if (action !== 'ENABLE') throw new Error(`only ENABLE ROW LEVEL SECURITY is supported, not ${action}`);
    cur.word('ROW');
    cur.word('LEVEL');
    cur.word('SECURITY');
    cur.end();
    return { kind: 'enable', table };
  }
  if (cur.peekWord('DROP')) throw new Error('DROP POLICY is not supported');
  cur.word('CREATE');
  cur.word('POLICY');
  const name = cur.ident('a policy name');
  cur.word('ON');
  const table = cur.tableName();
  if (cur.peekWord('AS')) {
    cur.word('AS');
    if (cur.word('PERMISSIVE', 'RESTRICTIVE') === 'RESTRICTIVE')
      throw new Error('RESTRICTIVE policies are not supported');
  }
  let command: PolicyCommand = 'ALL';
  if (cur.peekWord('FOR')) {
    cur.word('FOR');
    command = cur.word('ALL', 'SELECT', 'INSERT', 'UPDATE', 'DELETE') as PolicyCommand;
  }
  let roles: string[] = [];
  if (cur.peekWord('TO')) {
    cur.word('TO');
    let toPublic = false;
    for (;;) {
      const role = cur.ident('a role');
      if (role === 'public') toPublic = true;
      else if (!ROLES.has(role))
        throw new Error(`role "${role}" does not exist (use anon, authenticated, service_role or public)`);
      else roles.push(role);
      if (!cur.peekPunct(',')) break;
      cur.punct(',');
    }
    // `TO public, anon` is every role.
    if (toPublic) roles = [];
  }
  const policy: Policy = { table, name, command, roles };
  if (cur.peekWord('USING')) {
    cur.word('USING');
    policy.using = ownerExpression(cur.group());
  }
  if (cur.peekWord('WITH')) {
    cur.word('WITH');
    cur.word('CHECK');
    policy.check = ownerExpression(cur.group());
  }
  cur.end();
  // The same rules as Postgres's CREATE POLICY.
  if (policy.using && command === 'INSERT') throw new Error('only WITH CHECK expression allowed for INSERT');
  if (policy.check && (command === 'SELECT' || command === 'DELETE'))
    throw new Error(`WITH CHECK cannot be applied to SELECT or DELETE`);
  if (!policy.using && !policy.check) throw new Error('a policy needs a USING or WITH CHECK expression');
  return { kind: 'policy', policy };
}

/** `col = auth.uid()` (either order, `(select auth.uid())` allowed, redundant parentheses allowed). */
function ownerExpression(cur: Cursor): string {
  while (cur.isWrapped()) cur = cur.group();
  const left = operand(cur);
  cur.punct('=');
  const right = operand(cur);
  cur.end();
  if (left === UID && right !== UID) return right;
  if (right === UID && left !== UID) return left;
  throw new Error('the expression must compare one column with auth.uid()');
}

const UID = Symbol('auth.uid()');

function operand(cur: Cursor): string | typeof UID {
  if (cur.peekPunct('(')) {
    const inner = cur.group();
    inner.word('SELECT');
    uidCall(inner);
    inner.end();
    return UID;
  }
  if (cur.peekWord('AUTH')) {
    uidCall(cur);
    return UID;
  }
  if (cur.peekWord('SELECT', 'TRUE', 'FALSE', 'NULL', 'CURRENT_USER', 'EXISTS', 'NOT'))
    throw new Error('only column = auth.uid() comparisons are supported');
  return cur.ident('a column');
}

function uidCall(cur: Cursor): void {
  cur.word('AUTH');
  cur.punct('.');
  const fn = cur.word('UID', 'JWT', 'ROLE', 'EMAIL');
  if (fn !== 'UID') throw new Error(`auth.${fn.toLowerCase()}() is not supported, only auth.uid()`);
  cur.punct('(');
  cur.punct(')');
}
