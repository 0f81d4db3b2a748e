import type { Suite } from '../lib/types.ts';
import { ModuleUnavailable } from '../lib/optional.ts';

export const harnessSuite: Suite = async () => {
  throw new ModuleUnavailable('todo');
};
