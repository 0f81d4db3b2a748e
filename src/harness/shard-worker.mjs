// Entry of a shard worker thread (see shard.ts). Plain JavaScript on purpose: a worker does not inherit
// the parent's tsx loader, so from the sources it registers tsx itself before importing the TypeScript,
// as bin/dreamflow-sim.js does for the main thread. In the built package (dist/) it imports the
// compiled module next to it instead.
import { existsSync } from 'node:fs';

const source = new URL('./shard-worker.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('./shard-worker.js');
}
