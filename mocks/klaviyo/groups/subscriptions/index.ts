/**
 * Consent: subscribe, unsubscribe, suppress and unsuppress profiles in bulk, and the suppression jobs'
 * reads. The consent itself (per profile and channel, suppressions, list suppressions) lives in this
 * group's repo; profiles show it under `additional-fields[profile]=subscriptions` and segments'
 * `profile-marketing-consent` conditions read it (model.ts).
 *
 * Known limitations (what this group does NOT do):
 * - No double opt-in: every subscribe is immediate (`double_optin: false`), whatever the list's
 *   `opt_in_process` or the account default; no confirmation message, no "Added to list" flows.
 * - Kept channels: email marketing, SMS marketing and transactional, push marketing. WhatsApp, email
 *   open tracking and `age_gated_date_of_birth` are accepted and ignored; push tokens are not stored
 *   (`can_receive_push_marketing` follows the push consent alone).
 * - `method` reads `API`, `method_detail` null, `custom_method_detail` the job's `custom_source`.
 * - Unsubscribing email with a list the profile belongs to removes it from the list and adds a list
 *   suppression (reason `UNSUBSCRIBE`), leaving global consent as it was; with no list, or a list it is
 *   not in, the profile is unsubscribed globally (UNSUBSCRIBED plus an `UNSUBSCRIBE` suppression).
 *   Klaviyo's docs say only that profiles outside the list are unsubscribed globally.
 * - HARD_BOUNCE, INVALID_EMAIL and SPAM_COMPLAINT suppressions never arise here (no sending); there
 *   is no endpoint to add them, so only UNSUBSCRIBE and USER_SUPPRESSED are ever shown.
 * - Subscribe / unsubscribe jobs are not readable (Klaviyo has no such reads) and are held in memory
 *   until they run; a profile whose identifiers match two different profiles by then is skipped.
 * - Suppression jobs take their targets when accepted (a list's or segment's members at that moment)
 *   and change suppressions when they complete; `skipped_count` counts targets with nothing to do
 *   (already suppressed, nothing to lift, unknown address on unsuppress, member without an email).
 * - Job lists page 20 at a time (the spec gives them no `page[size]`); jobs never expire.
 */
import { defineGroup } from '../../core/group.ts';
import { route } from '../../core/router.ts';
import {
  bulkSubscribeProfiles,
  bulkSuppressProfiles,
  bulkUnsubscribeProfiles,
  bulkUnsuppressProfiles,
  getBulkSuppressProfilesJob,
  getBulkSuppressProfilesJobs,
  getBulkUnsuppressProfilesJob,
  getBulkUnsuppressProfilesJobs,
} from './handlers.ts';
import { SubscriptionsRepo } from './repo.ts';

export const subscriptions = defineGroup({
  name: 'Profiles',
  repos: [SubscriptionsRepo],
  routes: [
    route(
      'POST',
      '/api/profile-subscription-bulk-create-jobs',
      'bulk_subscribe_profiles',
      bulkSubscribeProfiles,
    ),
    route(
      'POST',
      '/api/profile-subscription-bulk-delete-jobs',
      'bulk_unsubscribe_profiles',
      bulkUnsubscribeProfiles,
    ),
    route(
      'POST',
      '/api/profile-suppression-bulk-create-jobs',
      'bulk_suppress_profiles',
      bulkSuppressProfiles,
    ),
    route(
      'GET',
      '/api/profile-suppression-bulk-create-jobs',
      'get_bulk_suppress_profiles_jobs',
      getBulkSuppressProfilesJobs,
    ),
    route(
      'GET',
      '/api/profile-suppression-bulk-create-jobs/:job_id',
      'get_bulk_suppress_profiles_job',
      getBulkSuppressProfilesJob,
    ),
    route(
      'POST',
      '/api/profile-suppression-bulk-delete-jobs',
      'bulk_unsuppress_profiles',
      bulkUnsuppressProfiles,
    ),
    route(
      'GET',
      '/api/profile-suppression-bulk-delete-jobs',
      'get_bulk_unsuppress_profiles_jobs',
      getBulkUnsuppressProfilesJobs,
    ),
    route(
      'GET',
      '/api/profile-suppression-bulk-delete-jobs/:job_id',
      'get_bulk_unsuppress_profiles_job',
      getBulkUnsuppressProfilesJob,
    ),
  ],
});
