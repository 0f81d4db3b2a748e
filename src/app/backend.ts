/**
 * The Dream Flow backend's business logic (seeds: FastAPI `main.py`), transport-free: the Express app
 * and the harness's in-process mode both call this object. Supabase is the system of record (through
 * supabase-js); Klaviyo gets events and profile properties through `KlaviyoService`, which — with the
 * outbox attached — never makes a request wait for Klaviyo.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import type { z } from 'zod';
import type { Clock } from '../../lib/clock.ts';
import type { Rng } from '../../lib/prng.ts';
import type { Cache } from '../integration/cache.ts';
import { uuidFromRng } from '../integration/ids.ts';
import type { Instrumentation } from '../integration/instrumentation.ts';
import { EVENT_NAMES } from '../integration/klaviyo/events.ts';
import { type KlaviyoService, type ProfileRow, profileInputFromRow } from '../integration/klaviyo/service.ts';
import type { KlaviyoMcpAdapter } from '../integration/mcp.ts';
import type { Outbox } from '../integration/outbox/worker.ts';
import { scoreChurnRisk } from '../integration/personalization/churn.ts';
import { RecommendationEngine } from '../integration/personalization/recommendations.ts';
import { segmentsFor } from '../integration/personalization/segments.ts';
import { type AdaptiveSettings, planStory } from '../integration/personalization/story-plan.ts';
import type { StoryGenerator } from '../integration/story-generator.ts';
import type {
  CancelInput,
  CompletionInput,
  CompletionResult,
  DreamFlowApi,
  ProfileUpdateInput,
  ProfileUpdateResult,
  RecommendationsResult,
  SignupInput,
  SignupResult,
  StoryInput,
  StoryResult,
  SubscribeInput,
  SubscribeResult,
} from './contract.ts';
import { DreamFlowError, fromZodError } from './errors.ts';
import { KeyedMutex } from './keyed-mutex.ts';
import {
  CancelSchema,
  CompletionSchema,
  ProfileUpdateSchema,
  RecommendationsSchema,
  SignupSchema,
  StorySchema,
  SubscribeSchema,
} from './schemas.ts';
import { TokenCache } from './token-cache.ts';

export interface DreamFlowBackendDeps {
  /** Service-role client: tables. */
  supabase: SupabaseClient;
  /** Anon client for sign-up and token checks (default: `supabase`). */
  supabaseAuth?: SupabaseClient;
  klaviyo: KlaviyoService;
  outbox?: Outbox;
  cache?: Cache;
  mcp: KlaviyoMcpAdapter;
  clock: Clock;
  rng: Rng;
  storyGenerator: StoryGenerator;
  instrumentation?: Instrumentation;
  /** How long a verified access token is trusted without asking Supabase again (default 60 s; 0 = never). */
  tokenCacheMs?: number;
  /** The adaptive story engine on the story path (default off: every story plain). */
  adaptive?: AdaptiveSettings;
}

export interface DreamFlowBackend extends DreamFlowApi {
  /** The user id a Supabase access token belongs to (401 when invalid). */
  userFromToken(token: string): Promise<string>;
  klaviyoIntegrationStatus(): Record<string, unknown>;
  mcpStatus(): Record<string, unknown>;
  health(): Promise<Record<string, unknown>>;
  /** Segments and churn risk for one user, from Supabase data. */
  insights(userId: string): Promise<Record<string, unknown>>;
}

interface FullProfileRow extends ProfileRow {
  last_story_at: string | null;
}

const DAY = 86_400_000;

export function createDreamFlowBackend(deps: DreamFlowBackendDeps): DreamFlowBackend {
  const { supabase: db, klaviyo, clock, storyGenerator, mcp } = deps;
  const auth = deps.supabaseAuth ?? deps.supabase;
  const rng = deps.rng.fork('backend');
  const locks = new KeyedMutex();
  const tokens = new TokenCache(clock, { ttlMs: deps.tokenCacheMs });
  const engine = new RecommendationEngine({ clock, klaviyo, mcp, cache: deps.cache });
  const adaptive: AdaptiveSettings = deps.adaptive ?? { mode: 'off', salt: '' };
  const iso = () => new Date(clock.now()).toISOString();

  function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
    const r = schema.safeParse(input);
    if (!r.success) throw fromZodError(r.error);
    return r.data;
  }

  function dbError(what: string, error: { message: string; code?: string }): DreamFlowError {
    return new DreamFlowError(
      502,
      'supabase_error',
      `Supabase ${what} failed: ${error.message}${error.code ? ` (${error.code})` : ''}`,
    );
  }

  /** `embed`: related rows to read in the same request (PostgREST resource embedding), e.g. children. */
  async function loadProfile(userId: string, embed?: string): Promise<FullProfileRow> {
    const { data, error } = await db
      .from('profiles')
      .select(embed ? `*, ${embed}` : '*')
      .eq('id', userId)
      .maybeSingle();
    if (error) throw dbError('profile read', error);
    if (!data)
      throw new DreamFlowError(
        404,
        'user_not_found',
        `No Dream Flow user ${userId}; sign up first.`,
        'user_id',
      );
    return data as unknown as FullProfileRow;
  }

  async function updateProfile(userId: string, patch: Record<string, unknown>): Promise<FullProfileRow> {
    const { data, error } = await db
      .from('profiles')
      .update({ ...patch, updated_at: iso() })
      .eq('id', userId)
      .select('*')
      .single();
    if (error) throw dbError('profile update', error);
    return data as FullProfileRow;
  }

  /** Seeds' sync strategy: after every change, push the whole profile to Klaviyo (non-blocking). */
  function syncProfile(row: FullProfileRow): Promise<boolean> {
    return klaviyo.createOrUpdateProfile(profileInputFromRow(row));
  }

  const backend: DreamFlowBackend = {
    async signup(input: SignupInput): Promise<SignupResult> {
      const body = parse(SignupSchema, input);
      const { data, error } = await auth.auth.signUp({
        email: body.email,
        password: body.password,
        options: { data: body.first_name ? { first_name: body.first_name } : {} },
      });
      if (error) {
        const code = (error as { code?: string }).code ?? '';
        if (code === 'user_already_exists' || /already/i.test(error.message)) {
          throw new DreamFlowError(
            409,
            'user_already_exists',
            `An account for ${body.email} already exists.`,
            'email',
          );
        }
        if (code === 'weak_password')
          throw new DreamFlowError(400, 'invalid_request', `password: ${error.message}`, 'password');
        throw new DreamFlowError(502, 'supabase_error', `Supabase sign-up failed: ${error.message}`);
      }
      const userId = data.user?.id;
      let token = data.session?.access_token;
      if (!userId) throw new DreamFlowError(502, 'supabase_error', 'Supabase sign-up returned no user.');
      if (!token) {
        const signin = await auth.auth.signInWithPassword({ email: body.email, password: body.password });
        if (signin.error || !signin.data.session) {
          throw new DreamFlowError(
            502,
            'supabase_error',
            `Sign-in after sign-up failed: ${signin.error?.message ?? 'no session'}`,
          );
        }
        token = signin.data.session.access_token;
      }
      const children = body.children ?? [];
      const row = {
        id: userId,
        email: body.email,
        first_name: body.first_name ?? null,
        subscription_tier: 'free',
        story_preferences: [],
        total_stories: 0,
        current_streak: 0,
        // Seeds: "multi-child account flag".
        family_mode_enabled: children.length > 1,
      };
      const inserted = await db.from('profiles').insert(row).select('*').single();
      if (inserted.error) throw dbError('profile insert', inserted.error);
      if (children.length > 0) {
        const rows = children.map((c) => ({
          id: uuidFromRng(rng),
          parent_id: userId,
          name: c.name,
          age_band: c.age_band,
        }));
        const kids = await db.from('children').insert(rows);
        if (kids.error) throw dbError('children insert', kids.error);
      }
      // Seeds' order: the event, then the profile. Child names never leave Supabase.
      await klaviyo.trackSignedUp(userId, body.signup_method ?? 'email', body.email);
      await syncProfile(inserted.data as FullProfileRow);
      return { user_id: userId, access_token: token };
    },

    async generateStory(input: StoryInput): Promise<StoryResult> {
      const body = parse(StorySchema, input);
      return locks.run(body.user_id, async () => {
        // The children come with the profile: one round trip to Supabase instead of two.
        const { children: kids, ...profile } = (await loadProfile(
          body.user_id,
          'children(id, name, age_band)',
        )) as FullProfileRow & { children?: { id: string; name: string; age_band: string | null }[] };
        const children = kids ?? [];
        const child = body.child_id ? children.find((c) => c.id === body.child_id) : undefined;
        if (body.child_id && !child) {
          throw new DreamFlowError(
            404,
            'child_not_found',
            `No child ${body.child_id} on this account.`,
            'child_id',
          );
        }
        const plan = await planStory(adaptive, klaviyo, {
          userId: body.user_id,
          now: clock.now(),
          mood: body.mood,
          theme: body.theme,
          children,
          child,
        });
        const story = await storyGenerator.generate({
          theme: plan.theme,
          prompt: body.prompt,
          numScenes: body.num_scenes,
          mood: body.mood,
          childName: plan.childName,
          adaptation: plan.adaptation,
        });
        const storyId = uuidFromRng(rng);
        const now = clock.now();
        const given = {
          ab_arm: plan.arm,
          adaptive: plan.adaptive,
          shared: plan.shared,
          sentences_per_scene: plan.adaptation.sentencesPerScene,
          time_of_day: plan.adaptation.timeOfDay,
          theme_used: plan.theme,
        };
        const ins = await db.from('stories').insert({
          id: storyId,
          user_id: body.user_id,
          child_id: child?.id ?? null,
          theme: body.theme,
          prompt: body.prompt,
          story_text: story.text,
          num_scenes: body.num_scenes,
          user_mood: body.mood,
          generation_time_ms: story.generationTimeMs,
          created_at: new Date(now).toISOString(),
          ...given,
        });
        if (ins.error) throw dbError('story insert', ins.error);
        const prefs = [
          body.theme,
          ...(profile.story_preferences ?? []).filter((t) => t !== body.theme),
        ].slice(0, 5);
        const updated = await updateProfile(body.user_id, {
          total_stories: (profile.total_stories ?? 0) + 1,
          current_streak: nextStreak(profile.last_story_at, profile.current_streak ?? 0, now),
          last_story_at: new Date(now).toISOString(),
          story_preferences: prefs,
        });
        await klaviyo.trackStoryGenerated({
          userId: body.user_id,
          email: profile.email,
          storyId,
          theme: body.theme,
          storyLength: story.text.length,
          generationTimeSeconds: story.generationTimeMs / 1000,
          numScenes: body.num_scenes,
          userMood: body.mood,
        });
        await syncProfile(updated);
        return {
          story_id: storyId,
          story_text: story.text,
          num_scenes: body.num_scenes,
          generation_time_ms: story.generationTimeMs,
          adaptation: given,
        };
      });
    },

    async completeStory(input: CompletionInput): Promise<CompletionResult> {
      const body = parse(CompletionSchema, input);
      return locks.run(body.user_id, async () => {
        const profile = await loadProfile(body.user_id);
        const found = await db
          .from('stories')
          .select('id, theme, theme_used, adaptive, completed, listened_seconds')
          .eq('id', body.story_id)
          .eq('user_id', body.user_id)
          .maybeSingle();
        if (found.error) throw dbError('story read', found.error);
        const row = found.data as {
          theme: string;
          theme_used: string | null;
          adaptive: boolean;
          completed: boolean | null;
          listened_seconds: number | null;
        } | null;
        if (!row)
          throw new DreamFlowError(
            404,
            'story_not_found',
            `No story ${body.story_id} on this account; send the story_id POST /api/v1/story returned.`,
            'story_id',
          );
        const result = {
          story_id: body.story_id,
          completed: body.completed,
          listened_seconds: body.listened_seconds,
        };
        if (row.completed !== null) {
          // A retried report is answered again; a different one would rewrite what was measured.
          if (row.completed === body.completed && row.listened_seconds === body.listened_seconds)
            return result;
          throw new DreamFlowError(
            409,
            'completion_already_recorded',
            `Story ${body.story_id} already has a completion report (completed: ${row.completed}, listened_seconds: ${row.listened_seconds}); a story is reported once.`,
            'story_id',
          );
        }
        const upd = await db
          .from('stories')
          .update({
            completed: body.completed,
            listened_seconds: body.listened_seconds,
            completion_reported_at: iso(),
          })
          .eq('id', body.story_id);
        if (upd.error) throw dbError('story update', upd.error);
        if (body.completed)
          await klaviyo.trackStoryCompleted({
            userId: body.user_id,
            email: profile.email,
            storyId: body.story_id,
            theme: row.theme_used ?? row.theme,
            listenedSeconds: body.listened_seconds,
            adaptive: row.adaptive,
          });
        return result;
      });
    },

    async subscribe(input: SubscribeInput): Promise<SubscribeResult> {
      const body = parse(SubscribeSchema, input);
      return locks.run(body.user_id, async () => {
        const profile = await loadProfile(body.user_id);
        const previousTier = profile.subscription_tier ?? 'free';
        if (previousTier === body.tier) {
          throw new DreamFlowError(
            409,
            'already_on_tier',
            `User is already on the ${body.tier} plan.`,
            'tier',
          );
        }
        const replaced = await db
          .from('subscriptions')
          .update({ status: 'replaced' })
          .eq('user_id', body.user_id)
          .eq('status', 'active');
        if (replaced.error) throw dbError('subscription update', replaced.error);
        const subscriptionId = uuidFromRng(rng);
        const stripeId = `sub_${uuidFromRng(rng).replace(/-/g, '').slice(0, 24)}`;
        const ins = await db.from('subscriptions').insert({
          id: subscriptionId,
          user_id: body.user_id,
          tier: body.tier,
          previous_tier: previousTier,
          status: 'active',
          stripe_subscription_id: stripeId,
          created_at: iso(),
        });
        if (ins.error) throw dbError('subscription insert', ins.error);
        const updated = await updateProfile(body.user_id, { subscription_tier: body.tier });
        await klaviyo.trackSubscriptionCreated({
          userId: body.user_id,
          email: profile.email,
          tier: body.tier,
          previousTier,
          stripeSubscriptionId: stripeId,
        });
        await syncProfile(updated);
        return { subscription_id: subscriptionId, tier: body.tier, previous_tier: previousTier };
      });
    },

    async cancelSubscription(input: CancelInput): Promise<{ status: string }> {
      const body = parse(CancelSchema, input);
      return locks.run(body.user_id, async () => {
        const profile = await loadProfile(body.user_id);
        const active = await db
          .from('subscriptions')
          .select('*')
          .eq('user_id', body.user_id)
          .eq('status', 'active')
          .order('created_at', { ascending: false })
          .limit(1);
        if (active.error) throw dbError('subscription read', active.error);
        const sub = active.data?.[0] as { id: string; tier: string } | undefined;
        if (!sub)
          throw new DreamFlowError(
            409,
            'no_active_subscription',
            'This user has no active subscription to cancel.',
            'user_id',
          );
        const upd = await db
          .from('subscriptions')
          .update({ status: 'cancelled', cancellation_reason: body.reason, cancelled_at: iso() })
          .eq('id', sub.id);
        if (upd.error) throw dbError('subscription update', upd.error);
        const updated = await updateProfile(body.user_id, { subscription_tier: 'free' });
        await klaviyo.trackSubscriptionCancelled({
          userId: body.user_id,
          email: profile.email,
          tier: sub.tier,
          reason: body.reason,
          subscriptionId: sub.id,
        });
        await syncProfile(updated);
        return { status: 'cancelled' };
      });
    },

    async updateProfile(input: ProfileUpdateInput): Promise<ProfileUpdateResult> {
      const body = parse(ProfileUpdateSchema, input);
      const { user_id: userId, ...fields } = body;
      const updatedFields = Object.keys(fields).filter(
        (k) => (fields as Record<string, unknown>)[k] !== undefined,
      );
      if (updatedFields.length === 0) {
        throw new DreamFlowError(
          400,
          'invalid_request',
          '(body): nothing to update; send at least one of first_name, story_preferences, family_mode_enabled, insights_opt_in',
          '(body)',
        );
      }
      return locks.run(userId, async () => {
        const profile = await loadProfile(userId);
        const updated = await updateProfile(userId, fields);
        await klaviyo.trackProfileUpdated(userId, updatedFields, profile.email);
        await syncProfile(updated);
        return { updated_fields: updatedFields };
      });
    },

    async recommendations(userId: string): Promise<RecommendationsResult> {
      const { user_id } = parse(RecommendationsSchema, { user_id: userId });
      const profile = await loadProfile(user_id);
      return engine.recommend(user_id, { storyPreferences: profile.story_preferences ?? [] });
    },

    async insights(input: string) {
      // Same rule as recommendations: a non-UUID is a 400 naming user_id, not a Supabase 502.
      const { user_id: userId } = parse(RecommendationsSchema, { user_id: input });
      const profile = await loadProfile(userId);
      return {
        user_id: userId,
        segments: segmentsFor(profile),
        churn_risk: scoreChurnRisk(profile, clock.now()),
      };
    },

    async userFromToken(token: string): Promise<string> {
      // supabase-js `getUser('')` falls back to the session the auth client holds after a sign-up,
      // i.e. it would answer with the last user who signed up. Only a real token may identify a user.
      if (!token.trim())
        throw new DreamFlowError(
          401,
          'invalid_token',
          'Bearer token is empty. Send the Supabase access token.',
        );
      const cached = tokens.get(token.trim());
      if (cached !== undefined) return cached;
      const { data, error } = await auth.auth.getUser(token.trim());
      if (error || !data.user) {
        throw new DreamFlowError(
          401,
          'invalid_token',
          `Bearer token rejected by Supabase: ${error?.message ?? 'no user'}. Sign in again.`,
        );
      }
      return tokens.put(token.trim(), data.user.id);
    },

    klaviyoIntegrationStatus() {
      const summary = (deps.instrumentation ?? klaviyo.instrumentation).summary();
      return {
        status: klaviyo.enabled ? 'enabled' : 'disabled',
        base_url: klaviyo.baseUrl,
        delivery: deps.outbox ? 'outbox (non-blocking)' : 'inline',
        events_tracked: EVENT_NAMES,
        api_endpoints_used: ['POST /api/events', 'POST /api/profile-import', 'GET /api/profiles'],
        outbox: deps.outbox?.stats() ?? null,
        circuit_breaker: klaviyo.breaker.snapshot(),
        calls: summary.totals,
        cache: deps.cache?.stats() ?? summary.cache,
        message: klaviyo.enabled
          ? 'Klaviyo integration active.'
          : 'KLAVIYO_API_KEY is not set: tracking calls return false and the app keeps working.',
      };
    },

    mcpStatus() {
      return { ...mcp.status() };
    },

    async health() {
      return {
        status: 'ok',
        klaviyo: klaviyo.enabled ? 'enabled' : 'disabled',
        mcp: mcp.mode,
        outbox: deps.outbox ? deps.outbox.stats() : null,
        time: iso(),
      };
    },
  };
  return backend;
}

/** Same UTC day: unchanged (at least 1); the next day: +1; later or never: 1. */
export function nextStreak(lastStoryAt: string | null, streak: number, now: number): number {
  if (!lastStoryAt) return 1;
  const lastDay = Math.floor(Date.parse(lastStoryAt) / DAY);
  const today = Math.floor(now / DAY);
  if (today === lastDay) return Math.max(1, streak);
  if (today === lastDay + 1) return streak + 1;
  return 1;
}
