/**
 * Reporting: the campaign and flow values reports, computed from the email events the campaigns and
 * flows groups record (one computation for both: campaign-values.ts).
 *
 * Known limitations (LocalStack style — what this group does NOT do):
 * - Only `query_campaign_values` and `query_flow_values`; series, form and segment reports are not
 *   emulated.
 * - Email only, and nothing bounces, fails or is marked as spam: those counts and rates are 0, as are
 *   the SMS statistics. Rates are plain fractions (not rounded).
 * - An event counts when it falls in the timeframe (Klaviyo reports on campaigns sent in it). Named
 *   timeframes are UTC ranges ending at the mock's clock; weeks start on Sunday.
 * - Conversions: the conversion metric's events attributed to the last email the profile opened or
 *   clicked within 5 days before (Klaviyo's default window), campaign emails for the campaign report and
 *   flow emails for the flow report, each report on its own; no per-account attribution settings.
 * - `group_by` fills campaign_id, campaign_message_id, campaign_message_name and send_channel;
 *   group, tag and variation groupings answer 400. `filter` takes equals / contains-any on
 *   campaign_id, campaign_message_id and send_channel. The flow report fills and filters flow_id,
 *   flow_message_id, flow_message_name, flow_name and send_channel; tag and variation groupings answer
 *   400. `page_cursor` is ignored (one page).
 * - The daily limits (225/d) are token buckets refilling over 24 h on the mock's clock, as for every
 *   operation with a daily limit (see the provider's limits), not a calendar day.
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
