/**
 * The scenario file format (YAML in `scenarios/`), validated with zod.
 *
 * Journey steps are one-key objects in the Artillery style (`- story: {themes: {...}}`); a step with no
 * options may be written as a bare name (`- signup`). Steps are checked one by one, so an error points
 * at the exact step and field (`journey[3].branch.then[0].story.themes`) instead of a wall of union
 * alternatives.
 */
import { z } from 'zod';
import { knownKeys, unknownKeyMessage, unknownValueMessage } from '../../lib/config-errors.ts';
import { ADAPTIVE_MODES } from '../integration/personalization/story-plan.ts';
import { parseClockTime, parseDuration } from './duration.ts';
import { MCP_MODES } from './mcp-figures.ts';
import { jobsSchema } from './systems/schema.ts';
import { k6ThresholdLines, parseThreshold } from './thresholds.ts';

const DURATION_HINT = 'a duration like 250ms, 30s, 5m, 1h or 14d';

/** A duration string or number of ms, turned into ms. */
export const durationSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected ${DURATION_HINT}, got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return ms;
});

/** `{a: 3, b: 1}` weights, or a list of equally likely names. */
const weightsSchema = z
  .union([z.array(z.string().min(1)).min(1), z.record(z.string().min(1), z.number().nonnegative())])
  .transform((value, ctx) => {
    const weights: Record<string, number> = Array.isArray(value)
      ? Object.fromEntries(value.map((k) => [k, 1]))
      : value;
    if (!Object.values(weights).some((w) => w > 0)) {
      ctx.addIssue({ code: 'custom', message: 'expected at least one positive weight' });
      return z.NEVER;
    }
    return weights;
  });

/** An integer, or an inclusive `[min, max]` range. */
const intRangeSchema = z
  .union([
    z.number().int().nonnegative(),
    z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
  ])
  .transform((v, ctx) => {
    const [min, max] = Array.isArray(v) ? v : [v, v];
    if (min > max) {
      ctx.addIssue({ code: 'custom', message: `expected [min, max] with min <= max, got [${min}, ${max}]` });
      return z.NEVER;
    }
    return { min, max };
  });

const probabilitySchema = z
  .number()
  .min(0, 'expected a probability between 0 and 1')
  .max(1, 'expected a probability between 0 and 1');
const tierSchema = z.enum(['free', 'premium', 'family']);

export type Weights = Record<string, number>;
export interface IntRange {
  min: number;
  max: number;
}

export type Step =
  | { kind: 'signup'; methods?: Weights; withChildren: boolean }
  | { kind: 'story'; themes?: Weights; moods?: Weights; scenes: IntRange }
  | { kind: 'think'; min: number; max: number }
  | { kind: 'repeat'; times: IntRange; steps: Step[] }
  | { kind: 'bedtime'; days?: number; skipProbability: number; jitter: number; steps: Step[] }
  | { kind: 'branch'; probability: number; then: Step[]; else: Step[] }
  | { kind: 'subscribe'; tiers: Weights }
  | { kind: 'cancel'; reasons: Weights }
  | {
      kind: 'profile_edit';
      fields: ('first_name' | 'story_preferences' | 'family_mode_enabled' | 'insights_opt_in')[];
    }
  | { kind: 'recommendations' }
  | { kind: 'listen' }
  | {
      kind: 'lapse';
      checkEvery: number;
      comeBack: { received: number; opened: number; clicked: number };
      onLapse: Step[];
      /** The YAML's `then`: what a family that comes back does. */
      returnSteps: Step[];
    };

export type StepKind = Step['kind'];

// The option schemas for each step kind; nested step lists are validated by `stepsSchema` (lazy).
export const stepOptionSchemas = {
  signup: z
    .strictObject({
      /** Signup method weights; the persona's own method when absent. */
      methods: weightsSchema.optional(),
      /** Send the family's children with the signup (they stay in Supabase, never reach Klaviyo). */
      with_children: z.boolean().default(true),
    })
    .default({ with_children: true })
    .transform((o) => ({ kind: 'signup' as const, methods: o.methods, withChildren: o.with_children })),
  story: z
    .strictObject({
      themes: weightsSchema.optional(),
      moods: weightsSchema.optional(),
      scenes: intRangeSchema.default({ min: 3, max: 6 }),
    })
    .default({ scenes: { min: 3, max: 6 } })
    .transform((o) => ({ kind: 'story' as const, ...o })),
  // Not a z.union: a union reports a bare "Invalid input"; this says what a think time looks like.
  think: z.unknown().transform((v, ctx) => {
    const bad = (message: string, path: PropertyKey[] = []) => {
      ctx.addIssue({ code: 'custom', message, path });
      return z.NEVER;
    };
    if (typeof v === 'string' || typeof v === 'number') {
      const ms = parseDuration(v);
      return ms === undefined
        ? bad(`expected ${DURATION_HINT} or {min, max}, got ${JSON.stringify(v)}`)
        : { kind: 'think' as const, min: ms, max: ms };
    }
    if (!v || typeof v !== 'object' || Array.isArray(v))
      return bad(`expected ${DURATION_HINT} or {min, max}`);
    const o = v as Record<string, unknown>;
    const extra = Object.keys(o).filter((k) => k !== 'min' && k !== 'max');
    if (extra.length)
      return bad(`unknown field(s) ${extra.map((k) => `"${k}"`).join(', ')}; expected min and max`);
    const min = parseDuration(o.min as string);
    const max = parseDuration(o.max as string);
    if (min === undefined) return bad(`expected ${DURATION_HINT}, got ${JSON.stringify(o.min)}`, ['min']);
    if (max === undefined) return bad(`expected ${DURATION_HINT}, got ${JSON.stringify(o.max)}`, ['max']);
    if (min > max) return bad('expected min <= max');
    return { kind: 'think' as const, min, max };
  }),
  repeat: z
    .strictObject({ times: intRangeSchema, steps: z.lazy(() => stepsSchema) })
    .transform((o) => ({ kind: 'repeat' as const, ...o })),
  bedtime: z
    .strictObject({
      days: z.number().int().positive().optional(),
      skip_probability: probabilitySchema.default(0),
      jitter: durationSchema.default(20 * 60_000),
      steps: z.lazy(() => stepsSchema),
    })
    .transform((o) => ({
      kind: 'bedtime' as const,
      days: o.days,
      skipProbability: o.skip_probability,
      jitter: o.jitter,
      steps: o.steps,
    })),
  branch: z
    .strictObject({
      probability: probabilitySchema,
      // biome-ignore lint/suspicious/noThenProperty: `then`/`else` is the scenario language's branch syntax.
      then: z.lazy(() => stepsSchema),
      else: z.lazy(() => stepsSchema).default([]),
    })
    .transform((o) => ({ kind: 'branch' as const, ...o })),
  subscribe: z
    .strictObject({
      tier: tierSchema.optional(),
      tiers: z.partialRecord(tierSchema, z.number().nonnegative()).optional(),
    })
    .default({})
    .transform((o) => ({ kind: 'subscribe' as const, tiers: o.tiers ?? { [o.tier ?? 'premium']: 1 } })),
  cancel: z
    .strictObject({ reasons: weightsSchema.default({ too_expensive: 1 }) })
    .default({ reasons: { too_expensive: 1 } })
    .transform((o) => ({ kind: 'cancel' as const, ...o })),
  profile_edit: z
    .strictObject({
      fields: z
        .array(z.enum(['first_name', 'story_preferences', 'family_mode_enabled', 'insights_opt_in']))
        .min(1)
        .default(['story_preferences']),
    })
    .default({ fields: ['story_preferences'] })
    .transform((o) => ({ kind: 'profile_edit' as const, ...o })),
  recommendations: z
    .union([z.strictObject({}), z.null()])
    .default({})
    .transform(() => ({ kind: 'recommendations' as const })),
  /**
   * The children listen to the family's last story: their hidden listening preferences (personas.ts,
   * systems/truth.ts) decide whether they finish it, and the journey reports it to the app
   * (`POST /api/v1/stories/{id}/completion`). Skipped when there is no story to listen to.
   */
  listen: z
    .union([z.strictObject({}), z.null()])
    .default({})
    .transform(() => ({ kind: 'listen' as const })),
  /**
   * The family's hidden churn propensity (src/harness/systems/truth.ts) decides whether it lapses here.
   * One that stays goes on with the next step; one that lapses runs `on_lapse` (say, a cancel), stops
   * reading and checks its inbox every `check_every`; a win-back email brings it back with the chance
   * `come_back` gives for what it did with the email, and it then runs `then` and ends its journey.
   */
  lapse: z
    .strictObject({
      check_every: durationSchema.default(86_400_000),
      come_back: z
        .strictObject({
          received: probabilitySchema.default(0.05),
          opened: probabilitySchema.default(0.3),
          clicked: probabilitySchema.default(0.6),
        })
        .default({ received: 0.05, opened: 0.3, clicked: 0.6 }),
      on_lapse: z.lazy(() => stepsSchema).default([]),
      // biome-ignore lint/suspicious/noThenProperty: `then` is the scenario language's continuation syntax.
      then: z.lazy(() => stepsSchema).default([]),
    })
    .default({
      check_every: 86_400_000,
      come_back: { received: 0.05, opened: 0.3, clicked: 0.6 },
      on_lapse: [],
      // biome-ignore lint/suspicious/noThenProperty: `then` is the scenario language's continuation syntax.
      then: [],
    })
    .transform((o) => ({
      kind: 'lapse' as const,
      checkEvery: o.check_every,
      comeBack: o.come_back,
      onLapse: o.on_lapse,
      returnSteps: o.then,
    })),
} satisfies Record<StepKind, z.ZodType>;

const STEP_NAMES = Object.keys(stepOptionSchemas) as StepKind[];

/** One step: a bare step name or a one-key object `{<name>: options}`. */
export const stepSchema: z.ZodType<Step> = z.unknown().transform((raw, ctx) => {
  let name: string;
  let options: unknown;
  if (typeof raw === 'string') {
    name = raw;
    options = undefined;
  } else if (raw && typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 1) {
    [name, options] = Object.entries(raw)[0]!;
    if (options === null) options = undefined;
  } else {
    ctx.addIssue({
      code: 'custom',
      message: `expected a step: a name or a one-key object, one of ${STEP_NAMES.join(', ')}`,
    });
    return z.NEVER;
  }
  const schema = stepOptionSchemas[name as StepKind];
  if (!schema) {
    ctx.addIssue({
      code: 'custom',
      message: unknownValueMessage('step', name, STEP_NAMES),
    });
    return z.NEVER;
  }
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      // Re-raised as custom issues (the step's path is added), so unknown keys get their message here.
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          const message = unknownKeyMessage(key, knownKeys(schema, issue.path));
          ctx.addIssue({ code: 'custom', message, path: [name, ...issue.path, key] });
        }
      } else ctx.addIssue({ code: 'custom', message: issue.message, path: [name, ...issue.path] });
    }
    return z.NEVER;
  }
  return parsed.data as Step;
});

const stepsSchema: z.ZodType<Step[]> = z.array(stepSchema).min(1, 'expected at least one step');

const arrivalSchema = z
  .union(
    [
      z.literal('all-at-once'),
      z.strictObject({ type: z.literal('all-at-once') }),
      z.strictObject({ type: z.literal('rate'), per_second: z.number().positive() }),
      z.strictObject({
        type: z.literal('ramp'),
        from: z.number().nonnegative(),
        to: z.number().positive(),
        over: durationSchema,
      }),
    ],
    {
      error:
        'expected all-at-once, {type: rate, per_second: N} or {type: ramp, from: N, to: N, over: <duration>}',
    },
  )
  .transform((a) => (a === 'all-at-once' ? { type: 'all-at-once' as const } : a));

export type Arrival = z.output<typeof arrivalSchema>;

const thresholdSchema = z.string().superRefine((text, ctx) => {
  try {
    parseThreshold(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

const bedtimeWindowSchema = z
  .strictObject({ earliest: z.string(), latest: z.string() })
  .superRefine((w, ctx) => {
    for (const key of ['earliest', 'latest'] as const) {
      if (parseClockTime(w[key]) === undefined)
        ctx.addIssue({ code: 'custom', message: 'expected a time of day like 19:30', path: [key] });
    }
  });

/**
 * How the integration under test delivers to Klaviyo: through the outbox (non-blocking, the default)
 * or inline (the seeds' original blocking calls); with bulk calls when volume calls for it; with queued
 * profile syncs folded together; and what a profile sync does to the cache.
 */
export const integrationSchema = z.strictObject({
  delivery: z.enum(['outbox', 'inline']).default('outbox'),
  batching: z.boolean().default(true),
  coalesce_profile_syncs: z.boolean().default(true),
  cache: z.enum(['invalidate', 'write-through']).default('invalidate'),
  /**
   * The adaptive story engine on the app's story path: off (every story plain), on, or ab (half the
   * families, by a hash of their user id salted with the run's seed; src/integration/personalization/story-plan.ts).
   */
  adaptive: z
    .enum(ADAPTIVE_MODES, {
      message: 'expected off, on or ab (half the families adaptive, by a seeded hash of their user id)',
    })
    .default('off'),
});

export type IntegrationSettings = z.output<typeof integrationSchema>;
export const DEFAULT_INTEGRATION: IntegrationSettings = integrationSchema.parse({});

export const scenarioSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lower-case name like "bedtime-streaks"'),
  description: z.string().default(''),
  seed: z.number().int().nonnegative().default(1),
  users: z.number().int().min(1).max(100_000),
  arrival: arrivalSchema.default({ type: 'all-at-once' }),
  concurrency: z.number().int().min(1).max(10_000).optional(),
  duration: durationSchema.default(86_400_000),
  faults: z.string().min(1).default('ideal'),
  /** Klaviyo mock rate limits (the spec's per-operation tiers); on, as in the real API, by default. */
  rate_limits: z.boolean().default(true),
  /** The offline Klaviyo MCP server the adapter talks to: off (no KLAVIYO_MCP_URL), up, or down. */
  mcp: z.enum(MCP_MODES).default('off'),
  integration: integrationSchema.default(DEFAULT_INTEGRATION),
  /** Children per family, `n` or `[min, max]`. */
  children: intRangeSchema.default({ min: 1, max: 3 }),
  /** Families' bedtimes are drawn from this window. */
  bedtimes: bedtimeWindowSchema.default({ earliest: '18:30', latest: '21:00' }),
  journey: stepsSchema,
  /** Dream Flow's scheduled jobs, run on the simulated clock beside the journeys (systems/schema.ts). */
  jobs: jobsSchema.optional(),
  /** A list of threshold lines, or k6's map of metric → expressions (`{ event_tracking_latency: ['p(95)<200'] }`). */
  thresholds: z
    .union([
      z.array(thresholdSchema),
      z.record(z.string(), z.array(z.string())).transform(k6ThresholdLines).pipe(z.array(thresholdSchema)),
    ])
    .default([]),
});

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema> & {
  /** The file the scenario came from, when it came from one. */
  source?: string;
};
