// Entry of a shard worker thread (see shard.ts). Plain JavaScript on purpose: a worker does not inherit
// the parent's tsx loader, so it registers tsx itself before importing the TypeScript sources, as
// bin/dreamflow-sim.js does for the main thread.
import { register } from 'tsx/esm/api';

register();
await import('./shard-worker.ts');
