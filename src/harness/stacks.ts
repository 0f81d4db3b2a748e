/** Pick the stack a run drives: in-process (default) or running servers over HTTP. */
import type { StackFactory } from './runner.ts';

export interface HttpTargets {
  appUrl?: string;
  klaviyoUrl?: string;
  supabaseUrl?: string;
}

export function stackFactory(mode: 'inprocess' | 'http', targets: HttpTargets = {}): StackFactory {
  if (mode === 'http') {
    return async (options) => (await import('./stack-http.ts')).createHttpStack(options, targets);
  }
  return async (options) => (await import('./stack-inprocess.ts')).createInProcessStack(options);
}
