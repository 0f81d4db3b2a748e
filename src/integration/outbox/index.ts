export * from './store.ts';
export * from './worker.ts';
export * from './replay.ts';
