import { defineGroup } from '../../core/group.ts';
import { route } from '../../core/router.ts';
import {
  bulkImportProfiles,
  getBulkImportProfilesJob,
  getBulkImportProfilesJobs,
  getImportErrors,
  getProfileIdsForImportJob,
} from './handlers.ts';
import { ProfileJobsRepo } from './repo.ts';

/** The Profiles tag's asynchronous side: bulk import jobs (subscription and suppression jobs next). */
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
  ],
});
