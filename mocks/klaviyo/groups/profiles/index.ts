import { defineGroup } from '../../core/group.ts';
import { route } from '../../core/router.ts';
import { createOrUpdateProfile, createProfile, getProfile, getProfiles, updateProfile } from './handlers.ts';
import { ProfilesRepo } from './repo.ts';

export const profiles = defineGroup({
  name: 'Profiles',
  repos: [ProfilesRepo],
  routes: [
    route('GET', '/api/profiles', 'get_profiles', getProfiles),
    route('POST', '/api/profiles', 'create_profile', createProfile),
    route('GET', '/api/profiles/:id', 'get_profile', getProfile),
    route('PATCH', '/api/profiles/:id', 'update_profile', updateProfile),
    route('POST', '/api/profile-import', 'create_or_update_profile', createOrUpdateProfile),
  ],
});
