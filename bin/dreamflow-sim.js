#!/usr/bin/env node
// Entry point for `npx dreamflow-sim`. The sources are TypeScript run through tsx's loader, so a fresh
// clone needs no build step: `npm install` then `npx dreamflow-sim …`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
