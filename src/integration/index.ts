/** Public entry point of Dream Flow's Klaviyo integration. */
export * from './cache.ts';
export * from './circuit-breaker.ts';
export * from './config.ts';
export * from './ids.ts';
export * from './instrumentation.ts';
export * from './klaviyo/index.ts';
export * from './mcp.ts';
export * from './outbox/index.ts';
export * from './personalization/index.ts';
export * from './retry.ts';
export * from './story-generator.ts';
export * from './supabase.ts';
