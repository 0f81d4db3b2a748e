/**
 * Helpers for the templates, campaigns, flows and reporting groups' tests: the official SDK's API
 * classes on a key, and request bodies in the SDK's model names (camelCase; `campaign-messages` is
 * `campaignMessages`). Free-form objects (a render `context`) go to the wire as given.
 */
import {
  ApiKeySession,
  CampaignsApi,
  EventsApi,
  FlowsApi,
  ListsApi,
  MetricsApi,
  ProfilesApi,
  ReportingApi,
  RetryWithExponentialBackoff,
  SegmentsApi,
  TemplatesApi,
} from 'klaviyo-api';
import { VirtualClock } from '../../lib/clock.ts';
import type { EngagementConfig } from '../../mocks/klaviyo/groups/campaigns/engagement.ts';
import { CampaignsRepo } from '../../mocks/klaviyo/groups/campaigns/repo.ts';
import type { KlaviyoCore } from '../../mocks/klaviyo/provider.ts';
import type { MockService } from '../../mocks/shared/service.ts';
import type { KlaviyoContract } from '../support/klaviyo-contract.ts';
import { startChecked } from './helpers.ts';

export function campaignApis(key: string, basePath?: string) {
  const session = new ApiKeySession(key, new RetryWithExponentialBackoff({ numRetries: 0 }));
  const all = {
    templates: new TemplatesApi(session),
    campaigns: new CampaignsApi(session),
    flows: new FlowsApi(session),
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

/** Tune one mock's engagement model (rates, delays) for email sends. */
export function engage(service: MockService, config: Partial<EngagementConfig>): void {
  const repo = (service.core as KlaviyoCore).store.repo(CampaignsRepo);
  repo.engagement = { ...repo.engagement, ...config };
}

/**
 * Run a journey over HTTP against a fresh mock (virtual clock at `start`, `seed`, every response
 * contract-checked, the engagement model tuned) and close it afterwards.
 */
export async function journeyOverHttp<T>(
  contract: KlaviyoContract,
  opts: { start: number; seed: number; key: string; engagement: Partial<EngagementConfig> },
  journey: (api: CampaignApis, clock: VirtualClock) => Promise<T>,
): Promise<T> {
  const clock = new VirtualClock(opts.start);
  const server = await startChecked(contract, { clock, seed: opts.seed });
  try {
    engage(server.service, opts.engagement);
    return await journey(campaignApis(opts.key, server.url), clock);
  } finally {
    await server.close();
  }
}

/** Metric ids by name. */
export async function metricIds(api: CampaignApis): Promise<Record<string, string>> {
  const r = await api.metrics.getMetrics();
  return Object.fromEntries(r.response.data.data.map((m: any) => [m.attributes.name, m.id]));
}

/** A metric's events (none when the metric does not exist yet): profile id, time, properties. */
export async function eventsOf(api: CampaignApis, metricId: string | undefined) {
  if (!metricId) return [];
  const r = await api.events.getEvents({ filter: `equals(metric_id,"${metricId}")` });
  return r.response.data.data.map((e: any) => ({
    profile: e.relationships.profile.data.id as string,
    datetime: e.attributes.datetime as string,
    properties: e.attributes.event_properties,
  }));
}

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

/** Profiles (by email, with a first name) in a new list; returns the list id and the profile ids. */
export async function listOf(api: CampaignApis, name: string, emails: string[]) {
  const ids: string[] = [];
  for (const email of emails) {
    const r = await api.profiles.createProfile({
      data: { type: 'profile', attributes: { email, firstName: email.split('@')[0] } },
    } as any);
    ids.push(r.response.data.data.id);
  }
  const list = (await api.lists.createList({ data: { type: 'list', attributes: { name } } } as any)).response
    .data.data.id;
  if (ids.length)
    await api.lists.addProfilesToList(list, { data: ids.map((id) => ({ type: 'profile', id })) } as any);
  return { list, ids };
}

/** A draft email campaign with a template assigned; returns the campaign and message ids. */
export async function draftCampaign(
  api: CampaignApis,
  opts: Parameters<typeof campaignBody>[0] & { smartSending?: boolean; tracking?: Record<string, boolean> },
) {
  const body = campaignBody(opts);
  if (opts.smartSending !== undefined)
    body.data.attributes.sendOptions = { useSmartSending: opts.smartSending };
  if (opts.tracking) body.data.attributes.trackingOptions = opts.tracking;
  const created = (await api.campaigns.createCampaign(body)).response.data.data;
  const message = (created.relationships as any)['campaign-messages'].data[0].id as string;
  const template = (
    await api.templates.createTemplate(
      templateBody({ name: `${opts.name} template`, html: '<p>{{ first_name }}</p>' }),
    )
  ).response.data.data.id;
  await api.campaigns.assignTemplateToCampaignMessage({
    data: {
      type: 'campaign-message',
      id: message,
      relationships: { template: { data: { type: 'template', id: template } } },
    },
  } as any);
  return { id: created.id as string, message, template };
}

export function sendJob(id: string): any {
  return { data: { type: 'campaign-send-job', id } };
}

export async function campaignStatus(api: CampaignApis, id: string): Promise<string> {
  return (await api.campaigns.getCampaign(id)).response.data.data.attributes.status;
}
