/**
 * KlaviyoService: Dream Flow's Klaviyo integration (seeds: `klaviyo_service.py`) on the official SDK.
 *
 * - Disabled without an API key: every call returns `false` and one warning is logged, once.
 * - With a `sink` (the outbox), tracking and profile writes enqueue and return `true` at once; the
 *   outbox worker calls `deliver()` later. Without one they are delivered inline (awaited).
 * - `deliver()` runs one job under the retry policy, asks the circuit breaker first, and records
 *   every call in the instrumentation.
 * Known limitations: `getProfileMetrics` reads the first profile with the user's `external_id`; events
 * identify the profile by email + external_id, never by Klaviyo id.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import type { AxiosAdapter } from 'axios';
import type { Clock } from '../../../lib/clock.ts';
import type { Rng } from '../../../lib/prng.ts';
import { type Cache, cacheKeys } from '../cache.ts';
import { CircuitBreaker } from '../circuit-breaker.ts';
import { stableId } from '../ids.ts';
import { Instrumentation } from '../instrumentation.ts';
import {
  type FailureInfo,
  READ_RETRY_POLICY,
  type RetryPolicy,
  SEED_RETRY_POLICY,
  type StopReason,
  UnexpectedResponseError,
  withRetry,
} from '../retry.ts';
import {
  eventAttributes,
  eventProfile,
  IMPORT_MAX_POLLS,
  IMPORT_POLL_MS,
  type ImportState,
  profileAttributes,
  type RateInfo,
  rateInfo,
  readImportErrors,
  readImportJob,
  sendEventBatch,
  startProfileImport,
} from './bulk.ts';
import {
  EVENT,
  type EventJob,
  type KlaviyoJob,
  PROFILE_PROPERTIES,
  type ProfileJob,
  stripChildData,
} from './events.ts';
import { RateGate } from './rate-gate.ts';
import { createKlaviyoApis, type KlaviyoApis } from './sdk.ts';

export interface Logger {
  warn(message: string): void;
  info?(message: string): void;
}

/** Where tracking calls go when delivery is non-blocking (the outbox). */
export interface JobSink {
  enqueue(job: KlaviyoJob): void;
}

export interface KlaviyoServiceOptions {
  apiKey: string;
  baseUrl?: string;
  clock: Clock;
  rng: Rng;
  instrumentation?: Instrumentation;
  breaker?: CircuitBreaker;
  retryPolicy?: RetryPolicy;
  /** Policy for reads on the request path (default READ_RETRY_POLICY: fail fast, callers fall back). */
  readRetryPolicy?: RetryPolicy;
  cache?: Cache;
  /** Used by `syncFullProfileFromSupabase` (service-role client). */
  supabase?: SupabaseClient;
  logger?: Logger;
  /** Per-request time-out, wall clock, ms. */
  requestTimeoutMs?: number;
  /** Injected APIs (tests); default: the official SDK pointed at `baseUrl`. */
  apis?: KlaviyoApis;
  /** axios adapter for the SDK's requests (the harness's direct in-process transport); default HTTP. */
  adapter?: AxiosAdapter;
  /** What a profile sync does to cached reads (default `invalidate`, the seeds' behaviour). */
  cacheMode?: CacheMode;
}

export type DeliveryResult = (
  | { ok: true; attempts: number }
  | {
      ok: false;
      attempts: number;
      reason: StopReason | 'disabled';
      failure?: FailureInfo;
    }
) & {
  /** The rate-limit headers of the successful answer, when Klaviyo sent them. */
  rate?: RateInfo;
  /** Attempts Klaviyo answered 429 (retried inside the call or not): the lane slows down on them. */
  throttledAttempts?: number;
};

/** A batch's result: as one delivery, plus the items Klaviyo refused inside an accepted batch. */
export type BatchDeliveryResult = DeliveryResult & { itemFailures?: Map<number, string> };

/**
 * What a profile sync does to the cache: `invalidate` drops the user's cached reads (the next read
 * asks Klaviyo again); `write-through` stores the synced properties as the cached profile, so the
 * next read is a hit that already shows the write.
 */
export type CacheMode = 'invalidate' | 'write-through';

/** Profile fields the seeds' `create_or_update_profile` accepts. */
export interface ProfileInput {
  userId: string;
  email?: string | null;
  firstName?: string | null;
  subscriptionTier?: string | null;
  storyPreferences?: string[] | null;
  totalStories?: number | null;
  currentStreak?: number | null;
  familyModeEnabled?: boolean | null;
}

/** A Supabase `profiles` row, as far as Klaviyo sync needs it. */
export interface ProfileRow {
  id: string;
  email: string;
  first_name?: string | null;
  subscription_tier?: string | null;
  story_preferences?: string[] | null;
  total_stories?: number | null;
  current_streak?: number | null;
  family_mode_enabled?: boolean | null;
}

export type ProfileMetrics = Record<string, unknown> & {
  subscription_tier?: string;
  story_preferences?: string[];
  total_stories?: number;
  current_streak?: number;
  family_mode_enabled?: boolean;
};

const consoleLogger: Logger = { warn: (m) => process.stderr.write(`[klaviyo] ${m}\n`) };

export class KlaviyoService {
  readonly instrumentation: Instrumentation;
  readonly breaker: CircuitBreaker;
  readonly baseUrl: string;
  private readonly apis?: KlaviyoApis;
  private readonly clock: Clock;
  private readonly rng: Rng;
  private readonly policy: RetryPolicy;
  private readonly logger: Logger;
  private warned = false;
  private sink?: JobSink;
  private readonly gate = new RateGate();
  private seq = 0;

  constructor(private readonly options: KlaviyoServiceOptions) {
    this.clock = options.clock;
    this.rng = options.rng.fork('klaviyo-retry');
    this.policy = options.retryPolicy ?? SEED_RETRY_POLICY;
    this.instrumentation = options.instrumentation ?? new Instrumentation();
    this.breaker = options.breaker ?? new CircuitBreaker(options.clock);
    this.logger = options.logger ?? consoleLogger;
    this.baseUrl = (options.baseUrl ?? 'https://a.klaviyo.com').replace(/\/+$/, '');
    if (options.apiKey)
      this.apis =
        options.apis ??
        createKlaviyoApis(options.apiKey, this.baseUrl, options.requestTimeoutMs, options.adapter);
  }

  get enabled(): boolean {
    return this.apis !== undefined;
  }

  /** Route tracking through a sink (the outbox) instead of delivering inline. */
  useSink(sink: JobSink | undefined): void {
    this.sink = sink;
  }

  // ---- the seeds' API -------------------------------------------------------------------------

  async trackEvent(
    eventName: string,
    userId: string,
    properties: Record<string, unknown> = {},
    email?: string | null,
    options: { uniqueId?: string; time?: number } = {},
  ): Promise<boolean> {
    if (!this.checkEnabled(`event '${eventName}' not tracked`)) return false;
    const { properties: clean, removed } = stripChildData(properties);
    if (removed.length > 0) this.logger.warn(`dropped child data from '${eventName}': ${removed.join(', ')}`);
    const at = options.time ?? this.clock.now();
    const job: EventJob = {
      kind: 'event',
      name: eventName,
      userId,
      ...(email ? { email } : {}),
      properties: clean,
      time: new Date(at).toISOString(),
      // Without a caller-supplied id, the event's identity is who, what, when and the payload; the
      // sequence number separates two identical actions in the same millisecond.
      uniqueId: options.uniqueId ?? stableId(eventName, userId, at, JSON.stringify(clean), this.seq++),
    };
    return this.submit(job);
  }

  trackSignedUp(userId: string, signupMethod = 'email', email?: string | null): Promise<boolean> {
    return this.trackEvent(EVENT.signedUp, userId, { signup_method: signupMethod }, email, {
      uniqueId: stableId('signed_up', userId),
    });
  }

  trackStoryGenerated(input: {
    userId: string;
    email?: string | null;
    storyId?: string;
    theme: string;
    storyLength: number;
    generationTimeSeconds: number;
    numScenes: number;
    userMood?: string | null;
  }): Promise<boolean> {
    return this.trackEvent(
      EVENT.storyGenerated,
      input.userId,
      {
        theme: input.theme,
        story_length: input.storyLength,
        generation_time_seconds: input.generationTimeSeconds,
        num_scenes: input.numScenes,
        // No user_mood: it is the child's mood (seeds: "Child's mood selection") and child data stays
        // in Supabase (stories.user_mood). `userMood` is still accepted so callers need not change.
      },
      input.email,
      input.storyId ? { uniqueId: stableId('story_generated', input.storyId) } : {},
    );
  }

  trackSubscriptionCreated(input: {
    userId: string;
    email?: string | null;
    tier: string;
    previousTier?: string | null;
    stripeSubscriptionId?: string | null;
  }): Promise<boolean> {
    return this.trackEvent(
      EVENT.subscriptionCreated,
      input.userId,
      {
        subscription_tier: input.tier,
        previous_tier: input.previousTier ?? null,
        stripe_subscription_id: input.stripeSubscriptionId ?? null,
      },
      input.email,
      input.stripeSubscriptionId
        ? { uniqueId: stableId('subscription_created', input.stripeSubscriptionId) }
        : {},
    );
  }

  trackSubscriptionCancelled(input: {
    userId: string;
    email?: string | null;
    tier: string;
    reason?: string | null;
    subscriptionId?: string;
  }): Promise<boolean> {
    return this.trackEvent(
      EVENT.subscriptionCancelled,
      input.userId,
      { subscription_tier: input.tier, cancellation_reason: input.reason ?? null },
      input.email,
      input.subscriptionId ? { uniqueId: stableId('subscription_cancelled', input.subscriptionId) } : {},
    );
  }

  /** A story was listened to the end. Only the story's own facts: who listened stays in Supabase. */
  trackStoryCompleted(input: {
    userId: string;
    email?: string | null;
    storyId: string;
    theme: string;
    listenedSeconds: number;
    adaptive: boolean;
  }): Promise<boolean> {
    return this.trackEvent(
      EVENT.storyCompleted,
      input.userId,
      {
        story_id: input.storyId,
        theme: input.theme,
        listened_seconds: input.listenedSeconds,
        adaptive: input.adaptive,
      },
      input.email,
      { uniqueId: stableId('story_completed', input.storyId) },
    );
  }

  trackProfileUpdated(userId: string, updatedFields: string[], email?: string | null): Promise<boolean> {
    return this.trackEvent(EVENT.profileUpdated, userId, { updated_fields: updatedFields }, email);
  }

  /** Upsert (profile-import) keyed by email and external_id = user id; only given fields are sent. */
  async createOrUpdateProfile(input: ProfileInput): Promise<boolean> {
    if (!this.checkEnabled(`profile ${input.userId} not synced`)) return false;
    const props: Record<string, unknown> = {
      subscription_tier: input.subscriptionTier ?? undefined,
      story_preferences: input.storyPreferences ?? undefined,
      total_stories: input.totalStories ?? undefined,
      current_streak: input.currentStreak ?? undefined,
      family_mode_enabled: input.familyModeEnabled ?? undefined,
      user_id: input.userId,
      last_synced_at: new Date(this.clock.now()).toISOString(),
    };
    const job: ProfileJob = {
      kind: 'profile',
      userId: input.userId,
      ...(input.email ? { email: input.email } : {}),
      ...(input.firstName ? { firstName: input.firstName } : {}),
      properties: stripChildData(props).properties,
    };
    await this.profileWritten(job);
    return this.submit(job);
  }

  /** Sync a full `profiles` row (seeds: `sync_full_profile_from_supabase`). */
  async syncFullProfileFromSupabase(userId: string, row?: ProfileRow): Promise<boolean> {
    if (!this.checkEnabled(`profile ${userId} not synced`)) return false;
    let profile = row;
    if (!profile) {
      if (!this.options.supabase)
        throw new Error('syncFullProfileFromSupabase needs a Supabase client (pass `supabase`).');
      const { data, error } = await this.options.supabase
        .from('profiles')
        .select('*')
        .eq('id', userId)
        .maybeSingle();
      if (error) {
        this.logger.warn(`could not read profile ${userId} from Supabase: ${error.message}`);
        return false;
      }
      if (!data) return false;
      profile = data as ProfileRow;
    }
    return this.createOrUpdateProfile(profileInputFromRow(profile));
  }

  /** The profile's custom properties from Klaviyo (cached), or null when unknown/unavailable. */
  async getProfileMetrics(userId: string): Promise<ProfileMetrics | null> {
    if (!this.checkEnabled('profile metrics unavailable')) return null;
    const load = async () => {
      const value = await this.fetchProfileMetrics(userId);
      return { value, apiCalls: 1 };
    };
    if (!this.options.cache) return (await load()).value;
    // Only cache real answers: a failed read must not hide the profile for a whole TTL.
    const { value } = await this.options.cache.getOrLoad<ProfileMetrics | null>(metricsKey(userId), load, {
      cacheIf: (v) => v !== null,
    });
    return value;
  }

  // ---- delivery -------------------------------------------------------------------------------

  /**
   * Deliver one job now: breaker check, retry policy, instrumentation. Never throws. When the breaker
   * is open (or opens during the retries) the result is `blocked`: the job should wait, not count.
   */
  async deliver(job: KlaviyoJob, via: 'outbox' | 'direct' = 'direct'): Promise<DeliveryResult> {
    const apis = this.apis;
    if (!apis) return { ok: false, attempts: 0, reason: 'disabled' };
    const operation = job.kind === 'event' ? 'create_event' : 'create_or_update_profile';
    let rate: RateInfo | undefined;
    const result = await this.call(operation, via, async () => {
      rate = await (job.kind === 'event' ? sendEvent(apis, job) : sendProfile(apis, job));
    });
    // A cached read taken before this (late, outbox) write landed is stale now.
    if (result.ok && job.kind === 'profile') await this.profileWritten(job);
    return { ...result, rate };
  }

  /**
   * Deliver jobs of one kind in one bulk request: events through bulk_create_events, profile syncs
   * through a profile import job, polled until it completes (see bulk.ts). Never throws. `ok` means
   * Klaviyo took the batch; `itemFailures` lists the profiles an accepted import still refused.
   */
  async deliverBatch(jobs: readonly KlaviyoJob[]): Promise<BatchDeliveryResult> {
    const apis = this.apis;
    if (!apis) return { ok: false, attempts: 0, reason: 'disabled' };
    if (jobs.length === 0) return { ok: true, attempts: 0 };
    let rate: RateInfo | undefined;
    if (jobs[0]!.kind === 'event') {
      const result = await this.call(
        'bulk_create_events',
        'outbox',
        async () => {
          rate = await sendEventBatch(apis, jobs as EventJob[]);
        },
        this.policy,
        jobs.length,
      );
      return { ...result, rate };
    }
    const profiles = jobs as ProfileJob[];
    let jobId = '';
    const started = await this.call(
      'bulk_import_profiles',
      'outbox',
      async () => {
        const r = await startProfileImport(apis, profiles);
        jobId = r.jobId;
        rate = r.rate;
      },
      this.policy,
      profiles.length,
    );
    if (!started.ok) return { ...started, rate };
    for (let poll = 0; poll < IMPORT_MAX_POLLS; poll++) {
      await this.clock.sleep(IMPORT_POLL_MS);
      let state = { done: false } as ImportState;
      const read = await this.call('get_bulk_import_profiles_job', 'outbox', async () => {
        state = await readImportJob(apis, jobId);
      });
      // Unknown fate: the outbox sends the batch again (an import of the same data is harmless).
      if (!read.ok) return { ...read, rate };
      if (!state.done) continue;
      let itemFailures = new Map<number, string>();
      if (state.failedCount > 0) {
        const errors = await this.call('get_bulk_import_profiles_job_import_errors', 'outbox', async () => {
          itemFailures = await readImportErrors(apis, jobId);
        });
        if (!errors.ok) return { ...errors, rate };
      }
      for (const [i, job] of profiles.entries()) if (!itemFailures.has(i)) await this.profileWritten(job);
      return { ok: true, attempts: started.attempts, rate, itemFailures };
    }
    return {
      ok: false,
      attempts: started.attempts,
      reason: 'exhausted',
      failure: {
        retriable: true,
        message: `import job ${jobId} still running after ${IMPORT_MAX_POLLS} polls`,
      },
      rate,
    };
  }

  /**
   * A profile sync was taken (or queued): drop the user's cached reads, or with `write-through` store
   * the synced properties as the cached profile (merged over what was cached; a partial sync with
   * nothing cached only drops, since it does not know the rest of the profile).
   */
  private async profileWritten(job: ProfileJob): Promise<void> {
    const cache = this.options.cache;
    if (!cache) return;
    if (this.options.cacheMode !== 'write-through') {
      await cache.invalidate(...cacheKeys.allFor(job.userId));
      return;
    }
    await cache.invalidate(cacheKeys.recommendations(job.userId));
    const full = PROFILE_PROPERTIES.every((p) => p in job.properties);
    await cache.update<ProfileMetrics>(metricsKey(job.userId), (cached) =>
      cached || full ? { ...(cached ?? {}), ...job.properties } : undefined,
    );
  }

  private async fetchProfileMetrics(userId: string): Promise<ProfileMetrics | null> {
    const apis = this.apis!;
    let found: ProfileMetrics | null = null;
    const result = await this.call(
      'get_profiles',
      'direct',
      async () => {
        const res = await apis.profiles.getProfiles({
          filter: `equals(external_id,${JSON.stringify(userId)})`,
          pageSize: 1,
        } as Parameters<ProfilesApi['getProfiles']>[0]);
        // No `data` array is a broken answer, not "no such profile" (which is `data: []`).
        if (!Array.isArray(res.body?.data))
          throw new UnexpectedResponseError(res.response.status, 'a `data` array');
        const first = res.body.data[0];
        found = first ? ((first.attributes?.properties ?? {}) as ProfileMetrics) : null;
        return rateInfo(res.response.headers);
      },
      this.options.readRetryPolicy ?? READ_RETRY_POLICY,
    );
    return result.ok ? found : null;
  }

  /**
   * One Klaviyo call under a retry policy and the breaker, recorded in the instrumentation. `fn` may
   * return the answer's rate-limit headers: they feed the rate gate, which lets a read on the request
   * path (`direct`, `get_…`) skip the call while Klaviyo has said its bucket is empty.
   */
  private async call(
    operation: string,
    via: 'outbox' | 'direct',
    fn: () => Promise<RateInfo | undefined | void>,
    policy: RetryPolicy = this.policy,
    items = 1,
  ): Promise<DeliveryResult> {
    const gatedOp = via === 'direct' && operation.startsWith('get_');
    const gated = gatedOp ? this.gate.closedFor(operation, this.clock.now()) : 0;
    if (gated > 0) {
      this.instrumentation.recordSkip(operation);
      return {
        ok: false,
        attempts: 0,
        reason: 'deferred',
        failure: {
          retriable: true,
          retryAfterMs: gated,
          message: `not sent: Klaviyo's ${operation} rate limit is used up for ${gated} ms more`,
        },
      };
    }
    if (!this.breaker.tryAcquire()) {
      return { ok: false, attempts: 0, reason: 'blocked' };
    }
    // The breaker epoch each attempt went out in: a failure that outlived an opening is not news.
    let epoch = this.breaker.epoch;
    const attempt = async () => {
      epoch = this.breaker.epoch;
      this.gate.observe(operation, this.clock.now(), (await fn()) ?? undefined);
    };
    const startedAt = this.clock.now();
    if (gatedOp) this.gate.begin(operation);
    const outcome = await withRetry(attempt, {
      clock: this.clock,
      rng: this.rng,
      policy,
      // Stop retrying as soon as the breaker opens: the outbox keeps the job for later.
      canAttempt: () => this.breaker.state === 'closed',
      onSuccess: () => this.breaker.recordSuccess(),
      onFailure: (f) => {
        if (f.status === 429)
          this.gate.observe(operation, this.clock.now(), undefined, f.retryAfterMs ?? 1000);
        if (f.retriable) this.breaker.recordFailure(epoch);
        else if (f.status !== undefined)
          this.breaker.recordSuccess(); // Klaviyo answered: it is up.
        else this.breaker.release();
      },
    }).finally(() => {
      if (gatedOp) this.gate.end(operation);
    });
    const attempts = outcome.attempts.length;
    const last = outcome.attempts[attempts - 1];
    const throttledAttempts = outcome.attempts.filter((a) => a.failure?.status === 429).length;
    this.instrumentation.recordCall({
      operation,
      via,
      attempts,
      outcome: outcome.ok ? 'success' : 'failure',
      lastStatus: outcome.ok ? undefined : outcome.failure.status,
      failedOnce: outcome.attempts.some((a) => a.failure !== undefined),
      items,
      throttledAttempts,
      totalMs: this.clock.now() - startedAt,
      lastAttemptMs: last?.durationMs ?? 0,
      realMs: outcome.realMs,
      at: startedAt,
    });
    if (outcome.ok) return { ok: true, attempts, throttledAttempts };
    return { ok: false, attempts, reason: outcome.reason, failure: outcome.failure, throttledAttempts };
  }

  private async submit(job: KlaviyoJob): Promise<boolean> {
    if (this.sink) {
      this.sink.enqueue(job);
      return true;
    }
    const result = await this.deliver(job, 'direct');
    if (!result.ok) {
      this.logger.warn(
        `${job.kind === 'event' ? `event '${job.name}'` : 'profile sync'} for ${job.userId} failed after ` +
          `${result.attempts} attempt(s): ${result.reason}${result.failure ? ` (${result.failure.message})` : ''}`,
      );
    }
    return result.ok;
  }

  private checkEnabled(what: string): boolean {
    if (this.enabled) return true;
    if (!this.warned) {
      this.warned = true;
      this.logger.warn(
        `Klaviyo disabled (KLAVIYO_API_KEY is not set) - ${what}; further calls are skipped silently. ` +
          'Set KLAVIYO_API_KEY (any pk_… key works against `dreamflow-sim mock klaviyo`).',
      );
    }
    return false;
  }
}

type ProfilesApi = KlaviyoApis['profiles'];

export const metricsKey = cacheKeys.metrics;

export function profileInputFromRow(row: ProfileRow): ProfileInput {
  return {
    userId: row.id,
    email: row.email,
    firstName: row.first_name ?? null,
    subscriptionTier: row.subscription_tier ?? 'free',
    storyPreferences: row.story_preferences ?? [],
    totalStories: row.total_stories ?? 0,
    currentStreak: row.current_streak ?? 0,
    familyModeEnabled: Boolean(row.family_mode_enabled),
  };
}

async function sendEvent(apis: KlaviyoApis, job: EventJob): Promise<RateInfo | undefined> {
  const { response } = await apis.events.createEvent({
    data: {
      type: 'event',
      attributes: {
        ...eventAttributes(job),
        profile: { data: { type: 'profile', attributes: eventProfile(job) } },
      },
    },
  } as unknown as Parameters<KlaviyoApis['events']['createEvent']>[0]);
  // Klaviyo accepts an event with 202 and an empty body; the SDK returns any other 2xx as a success,
  // including a 200 whose body it could not parse, so check it here.
  if (response.status !== 202)
    throw new UnexpectedResponseError(response.status, 'the 202 of an accepted event');
  return rateInfo(response.headers);
}

async function sendProfile(apis: KlaviyoApis, job: ProfileJob): Promise<RateInfo | undefined> {
  const res = await apis.profiles.createOrUpdateProfile({
    data: { type: 'profile', attributes: profileAttributes(job) },
  } as Parameters<KlaviyoApis['profiles']['createOrUpdateProfile']>[0]);
  if (!res.body?.data?.id) throw new UnexpectedResponseError(res.response.status, 'the upserted profile');
  return rateInfo(res.response.headers);
}
