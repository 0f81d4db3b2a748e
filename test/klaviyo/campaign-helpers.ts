/**
 * Helpers for the templates, campaigns and reporting groups' tests: the official SDK's API classes on
 * a key, and request bodies in the SDK's model names (camelCase; `campaign-messages` is
 * `campaignMessages`). Free-form objects (a render `context`) go to the wire as given.
 */
import {
  ApiKeySession,
  CampaignsApi,
  EventsApi,
  ListsApi,
  MetricsApi,
  ProfilesApi,
  ReportingApi,
  RetryWithExponentialBackoff,
  SegmentsApi,
  TemplatesApi,
} from 'klaviyo-api';

export function campaignApis(key: string, basePath?: string) {
  const session = new ApiKeySession(key, new RetryWithExponentialBackoff({ numRetries: 0 }));
  const all = {
    templates: new TemplatesApi(session),
    campaigns: new CampaignsApi(session),
    reporting: new ReportingApi(session),
    profiles: new ProfilesApi(session),
    lists: new ListsApi(session),
    segments: new SegmentsApi(session),
    events: new EventsApi(session),
    metrics: new MetricsApi(session),
  };
  if (basePath) for (const api of Object.values(all)) api.basePath = basePath;
  return all;
}

export type CampaignApis = ReturnType<typeof campaignApis>;

export function templateBody(attributes: Record<string, unknown>): any {
  return { data: { type: 'template', attributes: { editorType: 'CODE', ...attributes } } };
}

export function renderBody(id: string, context: Record<string, unknown>): any {
  return { data: { type: 'template', id, attributes: { context } } };
}

/** An email campaign to `included` minus `excluded` (list or segment ids), sent at `datetime`. */
export function campaignBody(opts: {
  name: string;
  included: string[];
  excluded?: string[];
  subject?: string;
  sendStrategy?: Record<string, unknown>;
}): any {
  return {
    data: {
      type: 'campaign',
      attributes: {
        name: opts.name,
        audiences: { included: opts.included, excluded: opts.excluded ?? [] },
        sendStrategy: opts.sendStrategy ?? { method: 'immediate' },
        sendOptions: { useSmartSending: false },
        trackingOptions: { isTrackingOpens: true, isTrackingClicks: true, addTrackingParams: false },
        campaignMessages: {
          data: [
            {
              type: 'campaign-message',
              attributes: {
                definition: {
                  channel: 'email',
                  label: 'Main',
                  content: {
                    subject: opts.subject ?? 'Hello {{ first_name|default:"friend" }}',
                    previewText: 'Preview',
                    fromEmail: 'stories@dreamflow.test',
                    fromLabel: 'Dream Flow',
                  },
                },
              },
            },
          ],
        },
      },
    },
  };
}
