/**
 * A request's query string → a resolved plan: the table, the select tree with its embedded resources
 * (each resolved to a foreign key), and filters / order / paging at every level. Everything named in the
 * request is checked against the schema cache here or in compile.ts, so SQL is built only from it.
 */
import type { SchemaCache, TableInfo } from '../store/schema.ts';
import type { Relationship } from './compile.ts';
import { columnOf, resolveRelationship } from './compile.ts';
import { PgrstError, pgrst } from './errors.ts';
import type { FilterNode, OrderTerm, SelectItem } from './parse.ts';
import { parseCondition, parseLogic, parseNonNegativeInt, parseOrder, parseSelect } from './parse.ts';
import type { RlsCaller, RowPolicy } from './rls.ts';
import { rowPolicy } from './rls.ts';

export interface ResourcePlan {
  table: TableInfo;
  items: SelectItem[];
  filters: FilterNode[];
  order: OrderTerm[];
  limit?: number;
  offset?: number;
  embeds: EmbedPlan[];
  /** Row Level Security: the SELECT policies every row read at this level must pass. */
  visible?: RowPolicy;
  /** Root only, for PATCH / DELETE: the UPDATE or DELETE policies' USING, which the targets must pass too. */
  target?: RowPolicy;
}

export interface EmbedPlan {
  /** The key the embedded value gets in each row (alias or name). */
  key: string;
  name: string;
  rel: Relationship;
  inner: boolean;
  plan: ResourcePlan;
}

/** Query parameters that are not filters. */
const RESERVED = new Set(['select', 'order', 'limit', 'offset', 'on_conflict', 'columns', 'apikey']);

export function buildPlan(
  schema: SchemaCache,
  table: TableInfo,
  query: URLSearchParams,
  rls?: RlsCaller,
  command: 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' = 'SELECT',
): ResourcePlan {
  const root = planFor(schema, table, parseSelect(query.get('select') ?? '*'), rls);
  if (command === 'UPDATE' || command === 'DELETE')
    root.target = rowPolicy(schema, table, rls, command, 'using');
  for (const [key, value] of query.entries()) {
    if (RESERVED.has(key)) {
      if (key === 'order') root.order.push(...parseOrder(value));
      else if (key === 'limit') root.limit = parseNonNegativeInt('limit', value);
      else if (key === 'offset') root.offset = parseNonNegativeInt('offset', value);
      continue;
    }
    applyParam(root, key, value);
  }
  return root;
}

function planFor(
  schema: SchemaCache,
  table: TableInfo,
  items: SelectItem[],
  rls: RlsCaller | undefined,
): ResourcePlan {
  const plan: ResourcePlan = { table, items, filters: [], order: [], embeds: [] };
  // Embedded tables apply their own SELECT policies, as a join in Postgres does.
  plan.visible = rowPolicy(schema, table, rls, 'SELECT', 'using');
  for (const item of items) {
    if (item.kind === 'column') columnOf(table, item.name);
    if (item.kind !== 'embed') continue;
    const rel = resolveRelationship(schema, table, item.name, item.hint);
    plan.embeds.push({
      key: item.alias ?? item.name,
      name: item.name,
      rel,
      inner: item.inner,
      plan: planFor(schema, rel.target, item.items, rls),
    });
  }
  return plan;
}

/** `col=op.v`, `or=(…)`, `not.and=(…)`, or any of those prefixed by an embedded resource: `children.name=eq.x`. */
function applyParam(root: ResourcePlan, key: string, value: string): void {
  const segments = key.split('.');
  let plan = root;
  while (segments.length > 1 && segments[0] !== 'not') {
    const head = segments[0]!;
    const embed = plan.embeds.find((e) => e.key === head) ?? plan.embeds.find((e) => e.name === head);
    if (!embed) {
      throw new PgrstError(
        400,
        'PGRST108',
        `'${head}' is not an embedded resource in this request`,
        null,
        `Verify that '${head}' is included in the 'select' query parameter.`,
      );
    }
    plan = embed.plan;
    segments.shift();
  }
  const rest = segments.join('.');
  if (rest === 'or' || rest === 'and') plan.filters.push(parseLogic(rest, false, value));
  else if (rest === 'not.or' || rest === 'not.and')
    plan.filters.push(parseLogic(rest === 'not.or' ? 'or' : 'and', true, value));
  else if (plan !== root && rest === 'order') plan.order.push(...parseOrder(value));
  else if (plan !== root && rest === 'limit') plan.limit = parseNonNegativeInt('limit', value);
  else if (plan !== root && rest === 'offset') plan.offset = parseNonNegativeInt('offset', value);
  else if (segments.length === 1) plan.filters.push(parseCondition(rest, value));
  else throw pgrst.parse(`filter (${key}=${value})`, `unexpected "${rest}"`);
}
