/**
 * The coverage table: every operation in Klaviyo's spec and how the mock answers it, in three tiers:
 * stateful with Klaviyo's rules (the API groups' routes, `IMPLEMENTED_OPERATIONS`), generic (spec-built
 * answers from the generic tier, `GENERIC_OPERATIONS`), or none.
 * Written to docs/klaviyo-coverage.md by `npm run spec:coverage -- --write`; a test keeps the committed
 * file in step with the spec and the mock's `IMPLEMENTED_OPERATIONS`.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type OpenApiSpec, REPO_ROOT } from './load.ts';
import { listOperations, type SpecOperation } from './operations.ts';

export const COVERAGE_DOC = resolve(REPO_ROOT, 'docs/klaviyo-coverage.md');

const MOCK_INDEX = new URL('../index.ts', import.meta.url);

/**
 * The mock's implemented operationIds, from `IMPLEMENTED_OPERATIONS` in `mocks/klaviyo/index.ts`.
 * Imported lazily (and by URL, so typechecking does not depend on it) so the CLI works before the mock
 * exists: undefined when the module or the export is missing. A mock that fails to load still throws.
 */
export async function loadImplementedOperations(): Promise<readonly string[] | undefined> {
  return (await loadMockIndex())?.IMPLEMENTED_OPERATIONS;
}

/** The operations the generic tier answers (`GENERIC_OPERATIONS`); empty when the mock has none. */
export async function loadGenericOperations(): Promise<readonly string[]> {
  return (await loadMockIndex())?.GENERIC_OPERATIONS ?? [];
}

async function loadMockIndex(): Promise<Record<string, readonly string[] | undefined> | undefined> {
  if (!existsSync(fileURLToPath(MOCK_INDEX))) return undefined;
  const mod = (await import(MOCK_INDEX.href)) as Record<string, Iterable<string> | undefined>;
  const list = (name: string) => (mod[name] ? [...mod[name]] : undefined);
  return {
    IMPLEMENTED_OPERATIONS: list('IMPLEMENTED_OPERATIONS'),
    GENERIC_OPERATIONS: list('GENERIC_OPERATIONS'),
  };
}

const TIER_MARK = { stateful: '✓ stateful', generic: 'generic', none: '—' } as const;

export function coverageMarkdown(
  spec: OpenApiSpec,
  implemented: Iterable<string>,
  generic: Iterable<string> = [],
): string {
  const done = new Set(implemented);
  const spec_ = new Set([...generic].filter((id) => !done.has(id)));
  const tier = (id: string) => (done.has(id) ? 'stateful' : spec_.has(id) ? 'generic' : 'none');
  const tagOrder = ((spec as { tags?: { name: string }[] }).tags ?? []).map((t) => t.name);
  const rank = (tag: string) => (tagOrder.includes(tag) ? tagOrder.indexOf(tag) : tagOrder.length);
  // Stable: spec tag order, then the spec's own path order within a tag.
  const ops = listOperations(spec)
    .map((op, i) => ({ op, i }))
    .sort((a, b) => rank(a.op.tag) - rank(b.op.tag) || a.op.tag.localeCompare(b.op.tag) || a.i - b.i)
    .map(({ op }) => op);
  const known = new Set(ops.map((op) => op.operationId));
  const unknown = [...done].filter((id) => !known.has(id)).sort();
  const count = ops.filter((op) => done.has(op.operationId)).length;
  const genericCount = ops.filter((op) => spec_.has(op.operationId)).length;
  const none = ops.length - count - genericCount;

  const lines = [
    '# Klaviyo API coverage',
    '',
    `Generated from Klaviyo's OpenAPI spec (revision ${spec.info.version ?? 'unknown'}) and the mock's`,
    '`IMPLEMENTED_OPERATIONS` / `GENERIC_OPERATIONS` by `npm run spec:coverage -- --write`. Do not edit by',
    'hand: a test compares it.',
    '',
    'Three tiers:',
    '',
    "- **stateful** (✓): an API group emulates the operation with Klaviyo's rules (validation, state shared",
    '  with the other operations, asynchronous jobs); see mocks/klaviyo/README.md;',
    '- **generic**: the generic tier (mocks/klaviyo/generic/) checks the parameters and body against the spec',
    '  (400 with `source.parameter` / `source.pointer`) and answers a spec-valid body built from the response',
    '  schema, marked `x-dreamflow-emulation: generic`; resources a generic create makes read back, merge on',
    '  PATCH and delete (unknown ids 404), without business rules, filtering or side effects;',
    '- **none** (—): answered 404 "exists in Klaviyo but is not emulated".',
    '',
    `**${count} of ${ops.length} operations stateful** (${pct(count, ops.length)}), **${genericCount} generic** (${pct(genericCount, ops.length)}), **${none} none**.`,
    '',
    '| API group | Stateful | Generic | None |',
    '| --- | --- | --- | --- |',
    ...groupCounts(ops, tier).map(([tag, n]) => `| ${tag} | ${n.stateful} | ${n.generic} | ${n.none} |`),
    '',
    '| API group | Method | Path | operationId | Burst | Steady | Emulation |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...ops.map(
      (op) =>
        `| ${op.tag} | ${op.method} | \`${op.path}\` | \`${op.operationId}\` | ${op.rateLimit.burst ?? '—'} | ${op.rateLimit.steady ?? '—'} | ${TIER_MARK[tier(op.operationId)]} |`,
    ),
  ];
  if (unknown.length) {
    lines.push('', '## Implemented but not in the spec', '', ...unknown.map((id) => `- \`${id}\``));
  }
  return `${lines.join('\n')}\n`;
}

type Tier = keyof typeof TIER_MARK;

function groupCounts(ops: SpecOperation[], tier: (id: string) => Tier): [string, Record<Tier, number>][] {
  const groups = new Map<string, Record<Tier, number>>();
  for (const op of ops) {
    const g = groups.get(op.tag) ?? { stateful: 0, generic: 0, none: 0 };
    g[tier(op.operationId)] += 1;
    groups.set(op.tag, g);
  }
  return [...groups];
}

function pct(n: number, total: number): string {
  return `${total ? ((100 * n) / total).toFixed(1) : '0.0'}%`;
}
