/**
 * An API group: one folder under `groups/` with its routes, handlers, model (the rules), repo (its
 * tables and SQL) and tests. `groups/index.ts` lists them; the core and the store take everything
 * else from that list, so a new group is a new folder plus one line there.
 */
import type { Route } from './router.ts';
import type { RepoClass } from './store.ts';

export interface ApiGroup {
  /** The spec's tag for the group, e.g. `Lists`. */
  name: string;
  routes: readonly Route[];
  /** The group's repos, in table-creation order (a repo after the ones its tables point at). */
  repos: readonly RepoClass[];
}

export function defineGroup(group: ApiGroup): ApiGroup {
  return group;
}
