/**
 * An API group: one folder under `groups/` with its routes, handlers, model (the rules), repo (its
 * tables and SQL) and tests. `groups/index.ts` lists them; the core and the store take everything
 * else from that list, so a new group is a new folder plus one line there.
 */
import type { MockRequest, MockResponse } from '../../shared/http.ts';
import type { Route } from './router.ts';
import type { KlaviyoStore, RepoClass } from './store.ts';

export interface ApiGroup {
  /** The spec's tag for the group, e.g. `Lists`. */
  name: string;
  routes: readonly Route[];
  /** The group's repos, in table-creation order (a repo after the ones its tables point at). */
  repos: readonly RepoClass[];
  /**
   * Extra admin routes (`"GET webhook-deliveries"` serves `GET /__admin/webhook-deliveries`) for state
   * the API cannot show, such as what the mock sent out. Due scheduler work has run when they are called.
   */
  admin?: Record<string, (store: KlaviyoStore, req: MockRequest) => MockResponse>;
}

export function defineGroup(group: ApiGroup): ApiGroup {
  return group;
}
