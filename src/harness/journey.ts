/**
 * The journey engine: walks one family through a scenario's steps against a `DreamFlowApi`.
 *
 * Every random choice comes from the family's own PRNG stream, and no choice depends on how fast a call
 * answered, so the same seed replays the same steps (and the same events) whatever the interleaving
 * with other families. Think times and bedtimes sleep on the injected clock.
 */

import type { Clock } from '../../lib/clock.ts';
import type { Rng } from '../../lib/prng.ts';
import type { DreamFlowApi, StoryAdaptationResult } from '../app/contract.ts';
import { type Persona, THEMES } from './personas.ts';
import type { Step, StepKind, Weights } from './scenario-schema.ts';
import type { SystemsLedger } from './systems/ledger.ts';
import type { EmailEngagement } from './systems/mock-reader.ts';
import { completionChance, SECONDS_PER_SENTENCE } from './systems/truth.ts';

export const DAY_MS = 86_400_000;

/** Klaviyo events the seeds' integration tracks for each successful backend call. */
export const EVENTS_PER_STEP: Partial<Record<StepKind, number>> = {
  signup: 1, // Signed Up
  story: 1, // Story Generated
  subscribe: 1, // Subscription Created
  cancel: 1, // Subscription Cancelled
  profile_edit: 1, // Profile Updated
};

/**
 * `completed`: every step ran, or the journey reached an open-ended `bedtime` (no `days`) and the run
 * ended while it waited for the next night, which is how such a journey is meant to end. `truncated`:
 * the end of the run cut it anywhere else (before its bedtimes, mid-night, inside a `bedtime` with
 * `days`), so it did less than the scenario describes.
 */
export type JourneyOutcome = 'completed' | 'truncated' | 'failed' | 'aborted';

export interface StepObservation {
  user: number;
  kind: StepKind;
  ok: boolean;
  /** Clock time the call took (virtual ms in-process). */
  latencyMs: number;
  /** Wall-clock ms, for throughput. */
  wallMs: number;
  error?: string;
}

export interface JourneyRecorder {
  step(obs: StepObservation): void;
  /** A step that the journey chose not to make (a cancel with nothing to cancel, a skipped bedtime). */
  skipped(user: number, kind: StepKind | 'bedtime_night', reason: string): void;
}

export interface JourneyContext {
  api: DreamFlowApi;
  clock: Clock;
  rng: Rng;
  persona: Persona;
  /** Clock time the scenario's simulated duration ends: journeys stop there. */
  endsAt: number;
  signal: AbortSignal;
  recorder: JourneyRecorder;
  /** Wall clock, for step wall times (performance.now by default). */
  wallNow?: () => number;
  /** Hidden truth and the inbox, for scenarios with a `lapse` step (systems/). */
  systems?: JourneySystems;
}

export interface JourneySystems {
  /** The family's hidden churn propensity, 0–1 (systems/truth.ts). */
  churnPropensity: number;
  /** Win-back emails the family's address got since `since` (absent: it never sees any). */
  inbox?(email: string, since: number): EmailEngagement;
  ledger: SystemsLedger;
}

export interface JourneyResult {
  user: number;
  outcome: JourneyOutcome;
  userId?: string;
  steps: number;
  failedSteps: number;
  /** Events the journey's successful steps should have produced. */
  eventsExpected: number;
  error?: string;
}

class StopJourney extends Error {
  constructor(
    readonly reason: 'duration' | 'finished' | 'aborted' | 'failed',
    message: string = reason,
  ) {
    super(message);
  }
}

interface JourneyState {
  userId?: string;
  /** The last story the app told, until a `listen` step hears it. */
  lastStory?: { id: string; at: number; numScenes: number; adaptation: StoryAdaptationResult };
  tier: 'free' | 'premium' | 'family';
  steps: number;
  failedSteps: number;
  eventsExpected: number;
}

export async function runJourney(steps: readonly Step[], ctx: JourneyContext): Promise<JourneyResult> {
  const state: JourneyState = { tier: 'free', steps: 0, failedSteps: 0, eventsExpected: 0 };
  const base = { user: ctx.persona.index };
  try {
    await runSteps(steps, ctx, state);
    return { ...base, outcome: 'completed', ...counts(state) };
  } catch (err) {
    if (err instanceof StopJourney && err.reason === 'finished') {
      return { ...base, outcome: 'completed', ...counts(state) };
    }
    if (err instanceof StopJourney && err.reason === 'duration') {
      return { ...base, outcome: 'truncated', ...counts(state) };
    }
    if (ctx.signal.aborted || (err instanceof StopJourney && err.reason === 'aborted')) {
      return { ...base, outcome: 'aborted', ...counts(state) };
    }
    return { ...base, outcome: 'failed', ...counts(state), error: (err as Error).message };
  }
}

function counts(s: JourneyState) {
  return { userId: s.userId, steps: s.steps, failedSteps: s.failedSteps, eventsExpected: s.eventsExpected };
}

async function runSteps(steps: readonly Step[], ctx: JourneyContext, state: JourneyState): Promise<void> {
  for (const step of steps) {
    if (ctx.signal.aborted) throw new StopJourney('aborted');
    await runStep(step, ctx, state);
  }
}

async function runStep(step: Step, ctx: JourneyContext, state: JourneyState): Promise<void> {
  const { rng, persona } = ctx;
  switch (step.kind) {
    case 'think':
      return sleepUntil(ctx, ctx.clock.now() + rng.int(step.min, step.max));
    case 'repeat': {
      const times = rng.int(step.times.min, step.times.max);
      for (let i = 0; i < times; i++) await runSteps(step.steps, ctx, state);
      return;
    }
    case 'branch':
      return runSteps(rng.chance(step.probability) ? step.then : step.else, ctx, state);
    case 'bedtime':
      return runBedtimes(step, ctx, state);
    case 'signup': {
      const method = step.methods ? rng.weighted(step.methods) : persona.signupMethod;
      await call(ctx, state, 'signup', async () => {
        const res = await ctx.api.signup({
          email: persona.parent.email,
          password: persona.parent.password,
          first_name: persona.parent.first_name,
          signup_method: method as 'email' | 'google' | 'apple',
          children: step.withChildren ? persona.children : undefined,
        });
        state.userId = res.user_id;
      });
      return;
    }
    case 'story': {
      const user_id = requireUser(state, step.kind);
      const theme = rng.weighted(step.themes ?? preferenceWeights(persona));
      const mood = rng.weighted(step.moods ?? persona.moods);
      const num_scenes = rng.int(step.scenes.min, step.scenes.max);
      // The prompt never names a child: prompts are free text that could travel further than Supabase.
      const prompt = `A ${mood} bedtime story: ${theme.toLowerCase()}, ${num_scenes} scenes`;
      const at = ctx.clock.now();
      await call(ctx, state, 'story', async () => {
        const res = await ctx.api.generateStory({ user_id, theme, mood, prompt, num_scenes });
        state.lastStory = { id: res.story_id, at, numScenes: num_scenes, adaptation: res.adaptation };
      });
      return;
    }
    case 'listen':
      return listen(ctx, state);
    case 'subscribe': {
      const user_id = requireUser(state, step.kind);
      const tier = rng.weighted(step.tiers) as JourneyState['tier'];
      if (tier === state.tier) {
        ctx.recorder.skipped(persona.index, 'subscribe', `already on ${tier}`);
        return;
      }
      const ok = await call(ctx, state, 'subscribe', () => ctx.api.subscribe({ user_id, tier }));
      if (ok) state.tier = tier;
      return;
    }
    case 'cancel': {
      const user_id = requireUser(state, step.kind);
      const reason = rng.weighted(step.reasons);
      if (state.tier === 'free') {
        ctx.recorder.skipped(persona.index, 'cancel', 'no paid subscription');
        return;
      }
      const ok = await call(ctx, state, 'cancel', () => ctx.api.cancelSubscription({ user_id, reason }));
      if (ok) state.tier = 'free';
      return;
    }
    case 'profile_edit': {
      const user_id = requireUser(state, step.kind);
      const fields: Record<string, unknown> = {};
      for (const field of step.fields) {
        if (field === 'story_preferences') fields.story_preferences = pickThemes(rng);
        else if (field === 'first_name')
          fields.first_name = `${persona.parent.first_name}${rng.pick(['', ' J.', ' M.'])}`;
        else if (field === 'insights_opt_in') fields.insights_opt_in = rng.chance(0.7);
        else fields.family_mode_enabled = persona.children.length > 1 ? rng.chance(0.8) : rng.chance(0.1);
      }
      await call(ctx, state, 'profile_edit', () => ctx.api.updateProfile({ user_id, ...fields }));
      return;
    }
    case 'recommendations': {
      const user_id = requireUser(state, step.kind);
      await call(ctx, state, 'recommendations', () => ctx.api.recommendations(user_id));
      return;
    }
    case 'lapse':
      return runLapse(step, ctx, state);
  }
}

/**
 * The children hear the last story: the family's hidden listening preferences give the chance they
 * finish it (systems/truth.ts), one draw of the family's stream decides, and the app is told. A
 * finished story is a `Story Completed` event; an unfinished one is stored in Supabase only.
 */
async function listen(ctx: JourneyContext, state: JourneyState): Promise<void> {
  const user_id = requireUser(state, 'listen');
  const story = state.lastStory;
  state.lastStory = undefined;
  if (!story?.adaptation) {
    // An app from before adaptive stories does not say what a story was given: nothing to judge.
    ctx.recorder.skipped(
      ctx.persona.index,
      'listen',
      story ? 'the app did not describe the story' : 'no story to listen to',
    );
    return;
  }
  const a = story.adaptation;
  const heard = {
    at: story.at,
    numScenes: story.numScenes,
    sentencesPerScene: a.sentences_per_scene,
    shared: a.shared,
    theme: a.theme_used,
  };
  const completed = ctx.rng.chance(completionChance(ctx.persona.listening, ctx.persona.children, heard));
  // Scenes plus the closing line, at a narrator's pace; an unfinished story stops part way.
  const full = (story.numScenes * a.sentences_per_scene + 1) * SECONDS_PER_SENTENCE;
  const listened_seconds = completed ? full : Math.round(full * (0.1 + 0.8 * ctx.rng.next()));
  ctx.systems?.ledger.listened(ctx.persona.index, a, completed);
  const ok = await call(ctx, state, 'listen', () =>
    ctx.api.completeStory({ user_id, story_id: story.id, completed, listened_seconds }),
  );
  if (ok && completed) state.eventsExpected++; // Story Completed
}

/**
 * The family's hidden propensity decides whether it lapses; a lapsed family reads nothing and looks
 * at its inbox every `checkEvery`, deciding once per new win-back email whether to come back (then
 * runs `then` and ends). A lapsed family that never comes back ends its journey at the end of the run:
 * staying away is how its journey is meant to end, not a truncation.
 */
async function runLapse(step: Extract<Step, { kind: 'lapse' }>, ctx: JourneyContext, state: JourneyState) {
  const { persona, rng } = ctx;
  const sys = ctx.systems;
  const lapses = rng.chance(sys?.churnPropensity ?? 0);
  sys?.ledger.decided(persona.index, persona.parent.email, state.userId, lapses);
  if (!lapses) return;
  await runSteps(step.onLapse, ctx, state);
  const since = ctx.clock.now();
  let seen = 0;
  for (;;) {
    const at = ctx.clock.now() + step.checkEvery;
    if (at >= ctx.endsAt) throw new StopJourney('finished');
    await sleepUntil(ctx, at);
    const mail = sys?.inbox?.(persona.parent.email, since) ?? { received: 0, opened: 0, clicked: 0 };
    if (mail.received <= seen) continue;
    seen = mail.received;
    const p =
      mail.clicked > 0
        ? step.comeBack.clicked
        : mail.opened > 0
          ? step.comeBack.opened
          : step.comeBack.received;
    const back = rng.chance(p);
    sys?.ledger.looked(persona.index, mail, back);
    if (back) {
      await runSteps(step.returnSteps, ctx, state);
      throw new StopJourney('finished');
    }
  }
}

/** One bedtime per simulated day, at the family's bedtime ± jitter, until the duration (or `days`) ends. */
async function runBedtimes(
  step: Extract<Step, { kind: 'bedtime' }>,
  ctx: JourneyContext,
  state: JourneyState,
) {
  const maxDays = step.days ?? Math.ceil((ctx.endsAt - ctx.clock.now()) / DAY_MS) + 1;
  let day = Math.floor(ctx.clock.now() / DAY_MS);
  for (let n = 0; n < maxDays && n < 3660; day++) {
    const jitter = ctx.rng.int(-step.jitter, step.jitter);
    const at = day * DAY_MS + ctx.persona.bedtimeMinutes * 60_000 + jitter;
    if (at < ctx.clock.now()) continue; // tonight's bedtime has passed: start tomorrow
    // An open-ended bedtime runs "until the run ends": the end arriving between nights is its natural
    // end, once it has had a night. One that gets no night at all, or a bedtime with `days` that cannot
    // fit them, is truncated like any other step.
    if (step.days === undefined && at >= ctx.endsAt) throw new StopJourney(n > 0 ? 'finished' : 'duration');
    n++;
    await sleepUntil(ctx, at);
    if (ctx.rng.chance(step.skipProbability)) {
      ctx.recorder.skipped(ctx.persona.index, 'bedtime_night', 'family skipped tonight');
      continue;
    }
    await runSteps(step.steps, ctx, state);
  }
}

async function sleepUntil(ctx: JourneyContext, at: number): Promise<void> {
  if (at >= ctx.endsAt) throw new StopJourney('duration');
  const ms = at - ctx.clock.now();
  if (ms <= 0) return;
  try {
    await abortableSleep(ctx.clock, ms, ctx.signal);
  } catch {
    throw new StopJourney('aborted');
  }
}

/**
 * Sleep on the clock, cut short by `signal`. Each sleep gets its own short-lived signal, and the
 * run-wide signal gets one listener in all (`sleepersOf`), which aborts every sleep still registered.
 * A listener per sleep on the shared signal made a 100k-family run quadratic: with every family
 * asleep, each `addEventListener` walked tens of thousands of listeners (60 % of its CPU).
 */
export async function abortableSleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw signal.reason ?? new Error('aborted');
  const local = new AbortController();
  const sleepers = sleepersOf(signal);
  sleepers.add(local);
  try {
    await clock.sleep(ms, local.signal);
  } finally {
    sleepers.delete(local);
  }
}

const SLEEPERS = new WeakMap<AbortSignal, Set<AbortController>>();

function sleepersOf(signal: AbortSignal): Set<AbortController> {
  let set = SLEEPERS.get(signal);
  if (!set) {
    const sleepers = new Set<AbortController>();
    signal.addEventListener(
      'abort',
      () => {
        for (const c of [...sleepers]) c.abort(signal.reason);
        sleepers.clear();
      },
      { once: true },
    );
    SLEEPERS.set(signal, sleepers);
    set = sleepers;
  }
  return set;
}

/** Make one backend call, record it; a failed signup ends the journey (nothing else can run without a user). */
async function call(
  ctx: JourneyContext,
  state: JourneyState,
  kind: StepKind,
  fn: () => Promise<unknown>,
): Promise<boolean> {
  const wallNow = ctx.wallNow ?? (() => performance.now());
  const started = ctx.clock.now();
  const wallStarted = wallNow();
  state.steps++;
  const record = (ok: boolean, error?: string) =>
    ctx.recorder.step({
      user: ctx.persona.index,
      kind,
      ok,
      latencyMs: ctx.clock.now() - started,
      wallMs: wallNow() - wallStarted,
      ...(error === undefined ? {} : { error }),
    });
  try {
    await fn();
    record(true);
    state.eventsExpected += EVENTS_PER_STEP[kind] ?? 0;
    return true;
  } catch (err) {
    state.failedSteps++;
    const message = (err as Error)?.message ?? String(err);
    record(false, message);
    if (ctx.signal.aborted) throw new StopJourney('aborted');
    if (kind === 'signup') throw new StopJourney('failed', `signup failed: ${message}`);
    return false;
  }
}

function requireUser(state: JourneyState, kind: StepKind): string {
  if (!state.userId)
    throw new StopJourney('failed', `step "${kind}" needs a user: put a signup step before it`);
  return state.userId;
}

/** Favourite themes weigh more; every theme stays possible so recommendations can move a family. */
function preferenceWeights(persona: Persona): Weights {
  const weights: Weights = Object.fromEntries(THEMES.map((t) => [t, 1]));
  persona.preferences.forEach((t, i) => {
    weights[t] = 8 - i * 2;
  });
  return weights;
}

function pickThemes(rng: Rng): string[] {
  const out = new Set<string>();
  const n = rng.int(1, 3);
  for (let i = 0; i < n * 3 && out.size < n; i++) out.add(rng.pick(THEMES));
  return [...out];
}
