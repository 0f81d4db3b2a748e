/**
 * Reporting: the campaign values report, computed from the email events the campaigns group records.
 *
 * Known limitations (LocalStack style — what this group does NOT do):
 * - Only `query_campaign_values`; flow, form and segment reports are not emulated.
 * - Email only, and nothing bounces, fails or is marked as spam: those counts and rates are 0, as are
 *   the SMS statistics. Rates are plain fractions (not rounded).
 * - An event counts when it falls in the timeframe (Klaviyo reports on campaigns sent in it). Named
 *   timeframes are UTC ranges ending at the mock's clock; weeks start on Sunday.
 * - Conversions: the conversion metric's events attributed to the last email the profile opened or
 *   clicked within 5 days before (Klaviyo's default window); no per-account attribution settings.
 * - `group_by` fills campaign_id, campaign_message_id, campaign_message_name and send_channel;
 *   group, tag and variation groupings answer 400. `filter` takes equals / contains-any on
 *   campaign_id, campaign_message_id and send_channel. `page_cursor` is ignored (one page).
 * - The daily limit (225/d) is not enforced.
 */
import { defineGroup } from '../../core/group.ts';
import { route } from '../../core/router.ts';
import { queryCampaignValues, queryFlowValues } from './handlers.ts';

export const reporting = defineGroup({
  name: 'Reporting',
  repos: [],
  routes: [
    route('POST', '/api/campaign-values-reports', 'query_campaign_values', queryCampaignValues),
    route('POST', '/api/flow-values-reports', 'query_flow_values', queryFlowValues),
  ],
});
