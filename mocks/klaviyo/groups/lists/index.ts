import { defineGroup } from '../../core/group.ts';
import { route } from '../../core/router.ts';
import {
  addProfilesToList,
  createList,
  deleteList,
  getList,
  getListIdsForProfile,
  getLists,
  getListsForProfile,
  getProfileIdsForList,
  getProfilesForList,
  removeProfilesFromList,
  updateList,
} from './handlers.ts';
import { ListsRepo } from './repo.ts';

export const lists = defineGroup({
  name: 'Lists',
  repos: [ListsRepo],
  routes: [
    route('GET', '/api/lists', 'get_lists', getLists),
    route('POST', '/api/lists', 'create_list', createList),
    route('GET', '/api/lists/:id', 'get_list', getList),
    route('PATCH', '/api/lists/:id', 'update_list', updateList),
    route('DELETE', '/api/lists/:id', 'delete_list', deleteList),
    route('GET', '/api/lists/:id/profiles', 'get_profiles_for_list', getProfilesForList),
    route('GET', '/api/lists/:id/relationships/profiles', 'get_profile_ids_for_list', getProfileIdsForList),
    route('POST', '/api/lists/:id/relationships/profiles', 'add_profiles_to_list', addProfilesToList),
    route(
      'DELETE',
      '/api/lists/:id/relationships/profiles',
      'remove_profiles_from_list',
      removeProfilesFromList,
    ),
    route('GET', '/api/profiles/:id/lists', 'get_lists_for_profile', getListsForProfile),
    route('GET', '/api/profiles/:id/relationships/lists', 'get_list_ids_for_profile', getListIdsForProfile),
  ],
});
