import { defineGroup } from '../../core/group.ts';
import { route } from '../../core/router.ts';
import {
  bulkImportProfiles,
  getBulkImportProfilesJob,
  getBulkImportProfilesJobs,
  getImportErrors,
  getListIdsForImportJob,
  getListsForImportJob,
  getProfileIdsForImportJob,
  getProfilesForImportJob,
} from './handlers.ts';
import { ProfileJobsRepo } from './repo.ts';

/** The Profiles tag's asynchronous side: bulk import jobs, their errors, profiles and lists. */
export const profileJobs = defineGroup({
  name: 'Profiles',
  repos: [ProfileJobsRepo],
  routes: [
    route('POST', '/api/profile-bulk-import-jobs', 'bulk_import_profiles', bulkImportProfiles),
    route('GET', '/api/profile-bulk-import-jobs', 'get_bulk_import_profiles_jobs', getBulkImportProfilesJobs),
    route(
      'GET',
      '/api/profile-bulk-import-jobs/:job_id',
      'get_bulk_import_profiles_job',
      getBulkImportProfilesJob,
    ),
    route(
      'GET',
      '/api/profile-bulk-import-jobs/:id/import-errors',
      'get_errors_for_bulk_import_profiles_job',
      getImportErrors,
    ),
    route(
      'GET',
      '/api/profile-bulk-import-jobs/:id/relationships/profiles',
      'get_profile_ids_for_bulk_import_profiles_job',
      getProfileIdsForImportJob,
    ),
    route(
      'GET',
      '/api/profile-bulk-import-jobs/:id/profiles',
      'get_profiles_for_bulk_import_profiles_job',
      getProfilesForImportJob,
    ),
    route(
      'GET',
      '/api/profile-bulk-import-jobs/:id/lists',
      'get_list_for_bulk_import_profiles_job',
      getListsForImportJob,
    ),
    route(
      'GET',
      '/api/profile-bulk-import-jobs/:id/relationships/lists',
      'get_list_ids_for_bulk_import_profiles_job',
      getListIdsForImportJob,
    ),
  ],
});
