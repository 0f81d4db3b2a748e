/**
 * Flows: created from a definition (one list, segment or metric trigger; time-delay, send-email,
 * conditional-split and update-profile actions, their `temporary_id`s swapped for real ids), read with
 * their actions and email messages, set draft / manual / live, deleted. A live flow runs (run.ts): a
 * profile entering the trigger walks the actions on the mock's clock and gets Received Email events
 * (`$flow`, `$message`) plus seeded engagement from the campaigns' model, which the flow values report
 * (groups/reporting) counts.
 *
 * Known limitations (LocalStack style — what this group does NOT do):
 * - Triggers: metric and list run; a segment trigger is stored and listed but never starts the flow
 *   (segment joins are not on the change feed). Date, price-drop and low-inventory triggers, trigger
 *   filters and more than one trigger answer 400 with `source.pointer`.
 * - Actions: time-delay (minutes / hours / days; `secondary_value`, `delay_until_*` refused; time
 *   zones ignored, delays are plain durations), send-email, conditional-split (the segments group's
 *   conditions: profile properties, list / segment membership, metric counts, email consent),
 *   update-profile (string, boolean, numeric, date values; delete). Every other action type is a 400
 *   at `/data/attributes/definition/actions/<i>/type`. Flow-only profile-filter conditions (random
 *   sample, has-not-received, not-in-flow) are refused with 400 too.
 * - Entry: each trigger (every event of the metric, every first join of the list) enters the profile
 *   at that instant; `reentry_criteria` is stored, not applied. The flow's profile filter is checked
 *   before every action. Nothing already in the flow when it is created or made live is backfilled.
 * - A flow must be `live` and the action's own status `live` for an email to go or a profile to be
 *   updated (update_flow sets every action's status with the flow's, as Klaviyo does); `manual`
 *   sends nothing (no manual queue). Setting a flow back to draft stops the profiles waiting in it.
 * - Emails: only to profiles that can receive email marketing (subscriptions group); smart sending
 *   (on unless `smart_sending_enabled: false`) skips anyone emailed in the 16 hours before. The template
 *   is referenced by id, not copied; its rendering is checked and discarded (nothing is delivered).
 *   Received Email carries `$flow`, `$message`, `Campaign Name` (the message's name) and `Subject`.
 * - No archiving, tags, update or delete of single actions, `include=template` on a flow message,
 *   or the dotted `fields[flow-action]` / `fields[flow-message]` sub-fields; flows are never
 *   `archived`. Those operations (update_flow_action, delete_flow_action, get_template_for_flow_message,
 *   the flow tag endpoints, query_flow_series) get the generic tier's spec-valid answers, which neither
 *   read nor change the flows stored here. Runs waiting in a delay are held by the scheduler in memory:
 *   a restart drops them.
 */
import { defineGroup } from '../../core/group.ts';
import { route } from '../../core/router.ts';
import {
  createFlow,
  deleteFlow,
  flowsTriggeredBy,
  getActionForMessage,
  getActionIdForMessage,
  getActionIdsForFlow,
  getActionsForFlow,
  getFlow,
  getFlowAction,
  getFlowForAction,
  getFlowIdForAction,
  getFlowMessage,
  getFlows,
  getMessageIdsForAction,
  getMessagesForAction,
  getTemplateIdForMessage,
  updateFlow,
} from './handlers.ts';
import { FlowsRepo } from './repo.ts';

export const flows = defineGroup({
  name: 'Flows',
  repos: [FlowsRepo],
  routes: [
    route('GET', '/api/flows', 'get_flows', getFlows),
    route('POST', '/api/flows', 'create_flow', createFlow),
    route('GET', '/api/flows/:id', 'get_flow', getFlow),
    route('PATCH', '/api/flows/:id', 'update_flow', updateFlow),
    route('DELETE', '/api/flows/:id', 'delete_flow', deleteFlow),
    route('GET', '/api/flows/:id/flow-actions', 'get_actions_for_flow', getActionsForFlow),
    route('GET', '/api/flows/:id/relationships/flow-actions', 'get_action_ids_for_flow', getActionIdsForFlow),
    route('GET', '/api/flow-actions/:id', 'get_flow_action', getFlowAction),
    route('GET', '/api/flow-actions/:id/flow', 'get_flow_for_flow_action', getFlowForAction),
    route(
      'GET',
      '/api/flow-actions/:id/relationships/flow',
      'get_flow_id_for_flow_action',
      getFlowIdForAction,
    ),
    route('GET', '/api/flow-actions/:id/flow-messages', 'get_flow_action_messages', getMessagesForAction),
    route(
      'GET',
      '/api/flow-actions/:id/relationships/flow-messages',
      'get_message_ids_for_flow_action',
      getMessageIdsForAction,
    ),
    route('GET', '/api/flow-messages/:id', 'get_flow_message', getFlowMessage),
    route('GET', '/api/flow-messages/:id/flow-action', 'get_action_for_flow_message', getActionForMessage),
    route(
      'GET',
      '/api/flow-messages/:id/relationships/flow-action',
      'get_action_id_for_flow_message',
      getActionIdForMessage,
    ),
    route(
      'GET',
      '/api/flow-messages/:id/relationships/template',
      'get_template_id_for_flow_message',
      getTemplateIdForMessage,
    ),
    route('GET', '/api/lists/:id/flow-triggers', 'get_flows_triggered_by_list', flowsTriggeredBy.list),
    route(
      'GET',
      '/api/lists/:id/relationships/flow-triggers',
      'get_ids_for_flows_triggered_by_list',
      flowsTriggeredBy.listIds,
    ),
    route(
      'GET',
      '/api/segments/:id/flow-triggers',
      'get_flows_triggered_by_segment',
      flowsTriggeredBy.segment,
    ),
    route(
      'GET',
      '/api/segments/:id/relationships/flow-triggers',
      'get_ids_for_flows_triggered_by_segment',
      flowsTriggeredBy.segmentIds,
    ),
    route('GET', '/api/metrics/:id/flow-triggers', 'get_flows_triggered_by_metric', flowsTriggeredBy.metric),
    route(
      'GET',
      '/api/metrics/:id/relationships/flow-triggers',
      'get_ids_for_flows_triggered_by_metric',
      flowsTriggeredBy.metricIds,
    ),
  ],
});
