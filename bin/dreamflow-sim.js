#!/usr/bin/env node
// Entry point for `npx dreamflow-sim`. In a checkout the TypeScript sources run through tsx's loader, so
// a fresh clone needs no build step (`npm install` then `npx dreamflow-sim …`); an installed package
// ships no sources, only the JavaScript built into dist/ (`npm pack` builds it), and runs that.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('../dist/src/cli/main.js');
}
