/** Public entry point of the Dream Flow backend. */
export * from './backend.ts';
export * from './contract.ts';
export * from './errors.ts';
export * from './http-client.ts';
export * from './server.ts';
export * from './stack.ts';
