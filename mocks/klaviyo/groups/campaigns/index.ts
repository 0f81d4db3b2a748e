/**
 * Campaigns: email campaigns with their audiences, send strategy and options, one email message with
 * its own copy of a template, recipient estimation, and sending on the mock's clock (send.ts) with
 * Received / Opened / Clicked Email and Unsubscribed events drawn from a seeded engagement model
 * (engagement.ts; set per mock through `store.repo(CampaignsRepo).engagement`).
 *
 * Known limitations (LocalStack style — what this group does NOT do):
 * - Email only: SMS and mobile-push messages are refused with 400; no A/B tests (`ab_test_campaign`).
 * - Every send strategy sends all recipients at one instant: `throttled` does not spread the send,
 *   `static` with `is_local` does not follow each profile's time zone, `smart_send_time` sends at
 *   00:00 UTC of its date. A send time in the past means "now" (PREPARE_MS after the job).
 * - No bounces, drops or spam complaints: every recipient is delivered. Engagement comes from the
 *   model, not from rendering links; an Unsubscribed event also unsubscribes the profile from email
 *   marketing (recorded with method `API`). Engagement already planned still lands after a cancel.
 * - Recipients are fixed when sending starts; consent is the subscriptions group's
 *   `can_receive_email_marketing` (never-subscribed profiles are reachable). Smart sending skips
 *   anyone who received an email (any campaign) in the 16 hours before.
 * - The message's template copy is readable through the message only; `GET /api/templates/{id}`
 *   does not know its id. Images, tags and `archived` changes are not emulated (tags are always empty).
 * - Pending sends and engagement are held by the scheduler in memory: a restart drops them.
 */
import { defineGroup } from '../../core/group.ts';
import { route } from '../../core/router.ts';
import {
  cloneCampaign,
  createCampaign,
  deleteCampaign,
  getCampaign,
  getCampaigns,
  updateCampaign,
} from './handlers.ts';
import {
  cancelCampaignSend,
  getCampaignSendJob,
  getRecipientEstimation,
  getRecipientEstimationJob,
  refreshRecipientEstimation,
  sendCampaign,
} from './jobs.ts';
import {
  assignTemplate,
  getCampaignForMessage,
  getCampaignIdForMessage,
  getCampaignMessage,
  getMessageIdsForCampaign,
  getMessagesForCampaign,
  getTemplateForMessage,
  getTemplateIdForMessage,
  updateCampaignMessage,
} from './messages.ts';
import { CampaignsRepo } from './repo.ts';

export const campaigns = defineGroup({
  name: 'Campaigns',
  repos: [CampaignsRepo],
  routes: [
    route('GET', '/api/campaigns', 'get_campaigns', getCampaigns),
    route('POST', '/api/campaigns', 'create_campaign', createCampaign),
    route('GET', '/api/campaigns/:id', 'get_campaign', getCampaign),
    route('PATCH', '/api/campaigns/:id', 'update_campaign', updateCampaign),
    route('DELETE', '/api/campaigns/:id', 'delete_campaign', deleteCampaign),
    route('POST', '/api/campaign-clone', 'create_campaign_clone', cloneCampaign),
    route('GET', '/api/campaigns/:id/campaign-messages', 'get_messages_for_campaign', getMessagesForCampaign),
    route(
      'GET',
      '/api/campaigns/:id/relationships/campaign-messages',
      'get_message_ids_for_campaign',
      getMessageIdsForCampaign,
    ),
    route('GET', '/api/campaign-messages/:id', 'get_campaign_message', getCampaignMessage),
    route('PATCH', '/api/campaign-messages/:id', 'update_campaign_message', updateCampaignMessage),
    route(
      'GET',
      '/api/campaign-messages/:id/campaign',
      'get_campaign_for_campaign_message',
      getCampaignForMessage,
    ),
    route(
      'GET',
      '/api/campaign-messages/:id/relationships/campaign',
      'get_campaign_id_for_campaign_message',
      getCampaignIdForMessage,
    ),
    route(
      'GET',
      '/api/campaign-messages/:id/template',
      'get_template_for_campaign_message',
      getTemplateForMessage,
    ),
    route(
      'GET',
      '/api/campaign-messages/:id/relationships/template',
      'get_template_id_for_campaign_message',
      getTemplateIdForMessage,
    ),
    route(
      'POST',
      '/api/campaign-message-assign-template',
      'assign_template_to_campaign_message',
      assignTemplate,
    ),
    route('POST', '/api/campaign-send-jobs', 'send_campaign', sendCampaign),
    route('GET', '/api/campaign-send-jobs/:id', 'get_campaign_send_job', getCampaignSendJob),
    route('PATCH', '/api/campaign-send-jobs/:id', 'cancel_campaign_send', cancelCampaignSend),
    route(
      'POST',
      '/api/campaign-recipient-estimation-jobs',
      'refresh_campaign_recipient_estimation',
      refreshRecipientEstimation,
    ),
    route(
      'GET',
      '/api/campaign-recipient-estimation-jobs/:id',
      'get_campaign_recipient_estimation_job',
      getRecipientEstimationJob,
    ),
    route(
      'GET',
      '/api/campaign-recipient-estimations/:id',
      'get_campaign_recipient_estimation',
      getRecipientEstimation,
    ),
  ],
});
