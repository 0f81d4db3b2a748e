export * from './replay.ts';
export * from './store.ts';
export * from './worker.ts';
