/**
 * `dreamflow-sim spec download|coverage`: fetch Klaviyo's OpenAPI spec (the only command that uses
 * the internet) and print or write the mock's coverage table.
 */
import { writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  COVERAGE_DOC,
  coverageMarkdown,
  loadGenericOperations,
  loadImplementedOperations,
} from '../../../mocks/klaviyo/spec/coverage.ts';
import { downloadSpec, SPEC_URL } from '../../../mocks/klaviyo/spec/download.ts';
import { loadRuntimeSpec, REPO_ROOT, specPath } from '../../../mocks/klaviyo/spec/load.ts';

export function register(program: Command): void {
  const spec = program
    .command('spec')
    .description("Klaviyo's OpenAPI spec: download it, report the mock's coverage");

  spec
    .command('download')
    .description(`Download Klaviyo's stable OpenAPI spec from ${SPEC_URL}`)
    .option(
      '--out <file>',
      'where to write it (default: $KLAVIYO_OPENAPI_SPEC or ../shared/klaviyo-openapi/stable.json)',
    )
    .action(async (opts: { out?: string }) => {
      const out = opts.out ? resolve(opts.out) : specPath();
      try {
        const result = await downloadSpec({ out });
        console.log(
          `Wrote ${result.path} (${(result.bytes / 1e6).toFixed(1)} MB, revision ${result.revision}, ${result.operations} operations).`,
        );
        if (opts.out && resolve(opts.out) !== specPath()) {
          console.log(`Set KLAVIYO_OPENAPI_SPEC=${result.path} so the contract tests use it.`);
        }
      } catch (err) {
        fail(err);
      }
    });

  spec
    .command('coverage')
    .description('Print the table of spec operations the Klaviyo mock implements')
    .option('--write', `write it to ${relative(REPO_ROOT, COVERAGE_DOC)} instead of printing`)
    .action(async (opts: { write?: boolean }) => {
      try {
        const implemented = await loadImplementedOperations();
        if (!implemented) {
          console.error(
            'warning: mocks/klaviyo/index.ts exports no IMPLEMENTED_OPERATIONS; every operation shows as —.',
          );
        }
        const markdown = coverageMarkdown(
          loadRuntimeSpec(),
          implemented ?? [],
          await loadGenericOperations(),
        );
        if (!opts.write) {
          process.stdout.write(markdown);
          return;
        }
        writeFileSync(COVERAGE_DOC, markdown);
        console.log(`Wrote ${relative(process.cwd(), COVERAGE_DOC)}.`);
      } catch (err) {
        fail(err);
      }
    });
}

function fail(err: unknown): never {
  console.error(`error: ${(err as Error).message}`);
  process.exit(1);
}
