/**
 * `dreamflow-sim`: the main entry points in one import. Subpaths (`dreamflow-sim/klaviyo`, `/supabase`,
 * `/faults`, `/harness`, `/testing`) hold the rest.
 */
export * from './faults.ts';
export * from './klaviyo.ts';
export * from './supabase.ts';
export * from './testing.ts';
