import type { SimulationStack, StackOptions } from './stack.ts';
import type { HttpTargets } from './stacks.ts';
export async function createHttpStack(_o: StackOptions, _t: HttpTargets): Promise<SimulationStack> {
  throw new Error('http mode: not yet implemented');
}
