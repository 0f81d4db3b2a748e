import type { Suite } from '../lib/types.ts';
import { ModuleUnavailable } from '../lib/optional.ts';

export const inprocessSuite: Suite = async () => {
  throw new ModuleUnavailable('todo');
};
