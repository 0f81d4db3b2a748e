export * from './events.ts';
export * from './sdk.ts';
export * from './service.ts';
