/**
 * Klaviyo's marketing APIs as Dream Flow's scheduled jobs use them (segments, templates, campaigns,
 * bulk profile import), on the official SDK. Each call runs under the seeds' retry policy on the
 * injected clock and is recorded in the instrumentation like the service's calls, so a job's calls
 * show in a run's API figures. Jobs are not on a user's request path: a call that still fails after
 * its retries throws, and the job reports the failure.
 *
 * Known limitations: no circuit breaker (jobs run a few calls a week, the outbox's breaker guards the
 * event stream); polling of asynchronous jobs (bulk import, segment processing) sleeps on the clock
 * with a fixed step and gives up after `maxPolls`.
 */
import type { AxiosAdapter } from 'axios';
import { CampaignsApi, CatalogsApi, ProfilesApi, SegmentsApi, TemplatesApi, WebhooksApi } from 'klaviyo-api';
import type { Clock } from '../../../lib/clock.ts';
import type { Rng } from '../../../lib/prng.ts';
import { Instrumentation } from '../instrumentation.ts';
import { SEED_RETRY_POLICY, withRetry } from '../retry.ts';
import { TimedApiKeySession } from './sdk.ts';

export interface MarketingOptions {
  apiKey: string;
  baseUrl: string;
  clock: Clock;
  rng: Rng;
  instrumentation?: Instrumentation;
  adapter?: AxiosAdapter;
  requestTimeoutMs?: number;
  /** Clock ms between two polls of an asynchronous job. */
  pollMs?: number;
  maxPolls?: number;
}

/** A profile as bulk import sends it: identifiers plus custom properties (parent-level data only). */
export interface ImportProfile {
  email: string;
  externalId: string;
  properties: Record<string, unknown>;
}

/** The SDK's models take camelCase keys (and write snake_case); free-form values pass unchanged. */
export function camelKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelKeys);
  if (v === null || typeof v !== 'object' || v instanceof Date) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [
      k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
      camelKeys(x),
    ]),
  );
}

// biome-ignore lint/suspicious/noExplicitAny: the SDK's request models are wide unions; bodies are built in wire shape.
type Body = any;

export class KlaviyoMarketing {
  readonly segments: SegmentsApi;
  readonly templates: TemplatesApi;
  readonly campaigns: CampaignsApi;
  readonly profiles: ProfilesApi;
  readonly catalogs: CatalogsApi;
  readonly webhooks: WebhooksApi;
  private readonly instrumentation: Instrumentation;

  constructor(private readonly options: MarketingOptions) {
    const session = new TimedApiKeySession(
      options.apiKey,
      options.requestTimeoutMs ?? 10_000,
      options.adapter,
    );
    this.segments = new SegmentsApi(session);
    this.templates = new TemplatesApi(session);
    this.campaigns = new CampaignsApi(session);
    this.profiles = new ProfilesApi(session);
    this.catalogs = new CatalogsApi(session);
    this.webhooks = new WebhooksApi(session);
    for (const api of [
      this.segments,
      this.templates,
      this.campaigns,
      this.profiles,
      this.catalogs,
      this.webhooks,
    ])
      api.basePath = options.baseUrl;
    this.instrumentation = options.instrumentation ?? new Instrumentation(0);
  }

  get clock(): Clock {
    return this.options.clock;
  }

  /** One SDK call under the retry policy, recorded; throws the last error when it fails for good. */
  async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const { clock, rng } = this.options;
    const startedAt = clock.now();
    const outcome = await withRetry(fn, { clock, rng, policy: SEED_RETRY_POLICY });
    const last = outcome.attempts[outcome.attempts.length - 1];
    this.instrumentation.recordCall({
      operation,
      via: 'direct',
      attempts: outcome.attempts.length,
      outcome: outcome.ok ? 'success' : 'failure',
      lastStatus: outcome.ok ? undefined : outcome.failure.status,
      failedOnce: outcome.attempts.some((a) => a.failure !== undefined),
      totalMs: clock.now() - startedAt,
      lastAttemptMs: last?.durationMs ?? 0,
      realMs: outcome.realMs,
      at: startedAt,
    });
    if (outcome.ok) return outcome.value;
    throw new Error(
      `Klaviyo ${operation} failed after ${outcome.attempts.length} attempt(s): ${outcome.failure.message}`,
    );
  }

  /** Sleep on the clock until `done` says so (or maxPolls); returns whether it finished. */
  async poll(done: () => Promise<boolean>): Promise<boolean> {
    for (let i = 0; i < (this.options.maxPolls ?? 60); i++) {
      if (await done()) return true;
      await this.options.clock.sleep(this.options.pollMs ?? 1000);
    }
    return false;
  }

  /** The segment named `name`, created with `definition` (wire shape) or updated to it. */
  async ensureSegment(name: string, definition: Record<string, unknown>): Promise<string> {
    const found = await this.call('get_segments', () =>
      this.segments.getSegments({ filter: `equals(name,${JSON.stringify(name)})` }),
    );
    const existing = found.body.data[0]?.id;
    const attributes = camelKeys({ name, definition });
    if (existing) {
      await this.call('update_segment', () =>
        this.segments.updateSegment(existing, {
          data: { type: 'segment', id: existing, attributes },
        } as Body),
      );
      return existing;
    }
    const created = await this.call('create_segment', () =>
      this.segments.createSegment({ data: { type: 'segment', attributes } } as Body),
    );
    return created.body.data.id as string;
  }

  /** Wait until a segment's membership has caught up with the latest writes. */
  async segmentSettled(id: string): Promise<boolean> {
    return this.poll(async () => {
      const r = await this.call('get_segment', () => this.segments.getSegment(id));
      return r.body.data.attributes.isProcessing === false;
    });
  }

  /** Upsert profiles with one bulk import job per 10,000, then wait for the jobs to complete. */
  async importProfiles(profiles: readonly ImportProfile[]): Promise<void> {
    for (let i = 0; i < profiles.length; i += 10_000) {
      const chunk = profiles.slice(i, i + 10_000);
      const job = await this.call('bulk_import_profiles', () =>
        this.profiles.bulkImportProfiles({
          data: {
            type: 'profile-bulk-import-job',
            attributes: {
              profiles: {
                data: chunk.map((p) => ({
                  type: 'profile',
                  attributes: { email: p.email, externalId: p.externalId, properties: p.properties },
                })),
              },
            },
          },
        } as Body),
      );
      const id = job.body.data.id as string;
      await this.poll(async () => {
        const r = await this.call('get_bulk_import_profiles_job', () =>
          this.profiles.getBulkImportProfilesJob(id),
        );
        return ['complete', 'cancelled'].includes(r.body.data.attributes.status as string);
      });
    }
  }

  /** The code template named `name`, created or updated to `html`. */
  async ensureTemplate(name: string, html: string): Promise<string> {
    const found = await this.call('get_templates', () =>
      this.templates.getTemplates({ filter: `equals(name,${JSON.stringify(name)})` }),
    );
    const existing = found.body.data[0]?.id;
    if (existing) {
      await this.call('update_template', () =>
        this.templates.updateTemplate(existing, {
          data: { type: 'template', id: existing, attributes: { html } },
        } as Body),
      );
      return existing;
    }
    const created = await this.call('create_template', () =>
      this.templates.createTemplate({
        data: { type: 'template', attributes: { name, editorType: 'CODE', html } },
      } as Body),
    );
    return created.body.data.id as string;
  }

  /** Klaviyo's render of a template with `context`: its html and text. */
  async renderTemplate(
    id: string,
    context: Record<string, unknown>,
  ): Promise<{ html: string; text: string }> {
    const r = await this.call('render_template', () =>
      this.templates.renderTemplate({ data: { type: 'template', id, attributes: { context } } } as Body),
    );
    const a = r.body.data.attributes as { html?: string | null; text?: string | null };
    return { html: a.html ?? '', text: a.text ?? '' };
  }

  /**
   * Create an email campaign to `audiences` with `templateId`, and send it now (the send job). Smart
   * sending off: a weekly email must not be skipped because another one went out the same day.
   */
  async sendCampaign(opts: {
    name: string;
    included: string[];
    subject: string;
    previewText?: string;
    templateId: string;
  }): Promise<string> {
    const created = await this.call('create_campaign', () =>
      this.campaigns.createCampaign({
        data: {
          type: 'campaign',
          attributes: {
            name: opts.name,
            audiences: { included: opts.included, excluded: [] },
            sendStrategy: { method: 'immediate' },
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
                        subject: opts.subject,
                        previewText: opts.previewText ?? '',
                        fromEmail: 'stories@dreamflow.example',
                        fromLabel: 'Dream Flow',
                      },
                    },
                  },
                },
              ],
            },
          },
        },
      } as Body),
    );
    const campaign = created.body.data;
    const message =
      (campaign.relationships as Body).campaignMessages?.data?.[0]?.id ??
      (campaign.relationships as Body)['campaign-messages']?.data?.[0]?.id;
    await this.call('assign_template_to_campaign_message', () =>
      this.campaigns.assignTemplateToCampaignMessage({
        data: {
          type: 'campaign-message',
          id: message,
          relationships: { template: { data: { type: 'template', id: opts.templateId } } },
        },
      } as Body),
    );
    await this.call('send_campaign', () =>
      this.campaigns.sendCampaign({ data: { type: 'campaign-send-job', id: campaign.id } } as Body),
    );
    return campaign.id as string;
  }
}
