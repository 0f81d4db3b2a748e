/**
 * Regenerate the committed trimmed spec from Klaviyo's full OpenAPI spec: `npm run spec:trim`.
 * The full spec comes from `KLAVIYO_OPENAPI_SPEC` or `../shared/klaviyo-openapi/stable.json`; the output is
 * `mocks/klaviyo/spec/klaviyo-openapi.trimmed.json.gz` (minified JSON, gzip level 9). See spec/trim.ts for
 * what is kept. Re-run it (and `npx tsx mocks/klaviyo/scripts/gen-operations.ts`) after a spec update.
 */
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadFullSpec, REPO_ROOT, specPath, TRIMMED_SPEC_PATH } from '../spec/load.ts';
import { trimSpec } from '../spec/trim.ts';

let full: ReturnType<typeof loadFullSpec>;
try {
  full = loadFullSpec();
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
const text = JSON.stringify(trimSpec(full));
const gz = gzipSync(text, { level: 9 });
writeFileSync(TRIMMED_SPEC_PATH, gz);
console.log(
  `wrote ${relative(REPO_ROOT, TRIMMED_SPEC_PATH)} from ${specPath()}: ${(text.length / 1e6).toFixed(2)} MB of JSON, ${(gz.length / 1e3).toFixed(1)} kB gzipped`,
);
