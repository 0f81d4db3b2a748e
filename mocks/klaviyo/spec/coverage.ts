/**
 * The coverage table: every operation in Klaviyo's spec and whether the mock implements it.
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
  if (!existsSync(fileURLToPath(MOCK_INDEX))) return undefined;
  const mod = (await import(MOCK_INDEX.href)) as { IMPLEMENTED_OPERATIONS?: Iterable<string> };
  return mod.IMPLEMENTED_OPERATIONS ? [...mod.IMPLEMENTED_OPERATIONS] : undefined;
}

export function coverageMarkdown(spec: OpenApiSpec, implemented: Iterable<string>): string {
  const done = new Set(implemented);
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

  const lines = [
    '# Klaviyo API coverage',
    '',
    `Generated from Klaviyo's OpenAPI spec (revision ${spec.info.version ?? 'unknown'}) and the mock's`,
    '`IMPLEMENTED_OPERATIONS` by `npm run spec:coverage -- --write`. Do not edit by hand: a test compares it.',
    '',
    `**${count} of ${ops.length} operations implemented** (${pct(count, ops.length)}).`,
    '',
    '| API group | Implemented |',
    '| --- | --- |',
    ...groupCounts(ops, done).map(([tag, n, total]) => `| ${tag} | ${n} / ${total} |`),
    '',
    '| API group | Method | Path | operationId | Burst | Steady | Implemented |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...ops.map(
      (op) =>
        `| ${op.tag} | ${op.method} | \`${op.path}\` | \`${op.operationId}\` | ${op.rateLimit.burst ?? '—'} | ${op.rateLimit.steady ?? '—'} | ${done.has(op.operationId) ? '✓' : '—'} |`,
    ),
  ];
  if (unknown.length) {
    lines.push('', '## Implemented but not in the spec', '', ...unknown.map((id) => `- \`${id}\``));
  }
  return `${lines.join('\n')}\n`;
}

function groupCounts(ops: SpecOperation[], done: Set<string>): [string, number, number][] {
  const groups = new Map<string, [number, number]>();
  for (const op of ops) {
    const g = groups.get(op.tag) ?? [0, 0];
    g[0] += done.has(op.operationId) ? 1 : 0;
    g[1] += 1;
    groups.set(op.tag, g);
  }
  return [...groups].map(([tag, [n, total]]) => [tag, n, total]);
}

function pct(n: number, total: number): string {
  return `${total ? ((100 * n) / total).toFixed(1) : '0.0'}%`;
}
