#!/usr/bin/env node
// Builds the installable package into dist/ (run by `npm pack` through `prepack`; the checkout itself
// runs the TypeScript sources and needs no build):
// 1. tsc -p tsconfig.build.json: JavaScript + declarations, `.ts` import specifiers rewritten to `.js`;
// 2. the same rewrite in the declarations, which tsc leaves as written (consumers resolve `.js` to `.d.ts`);
// 3. the non-TypeScript files the code reads at run time, at the same relative places, since they are
//    located from import.meta.url: the trimmed Klaviyo spec, SQL migrations, fault profiles, scenarios,
//    the shard worker's entry. (schemas/ ships at the package root, where report.json's `$schema` points.)
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

const ASSETS = [
  ['mocks/klaviyo/spec', (f) => f.endsWith('.json.gz')],
  ['mocks/supabase/migrations', (f) => f.endsWith('.sql')],
  ['mocks/faults/profiles', (f) => f.endsWith('.yaml')],
  ['src/harness', (f) => f.endsWith('.mjs')],
  ['scenarios', () => true],
];

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
// Progress on stderr: `npm pack --json` prints its JSON on stdout after this script's output.
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: ['ignore', 2, 2] });

const RELATIVE_TS = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+)\.ts(['"])/g;
for (const file of walk(dist)) {
  if (!file.endsWith('.d.ts')) continue;
  const text = readFileSync(file, 'utf8');
  const out = text.replace(RELATIVE_TS, '$1$2.js$3');
  if (out !== text) writeFileSync(file, out);
}

for (const [dir, keep] of ASSETS) {
  const from = join(root, dir);
  if (!existsSync(from)) continue;
  cpSync(from, join(dist, dir), {
    recursive: true,
    filter: (src) => statSync(src).isDirectory() || keep(src),
  });
}
console.error(`built ${dist}`);

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}
