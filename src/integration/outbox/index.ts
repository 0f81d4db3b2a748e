export * from './store.ts';
export * from './worker.ts';
