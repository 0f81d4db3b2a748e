/**
 * The `jobs:` block of a scenario: Dream Flow's scheduled jobs, run by the harness on the simulated
 * clock beside the journeys (in-process runs only).
 *
 *   jobs:
 *     churn_winback: { at: [6d, 9d], threshold: 0.45 }   # score, segment, send the win-back
 *     parent_insights: { at: 7d, every: 7d }              # the weekly wellness email
 *
 * `at` is one offset or a list, from the start of the run; `every` repeats from the first.
 */
import { z } from 'zod';
import { parseDuration } from '../duration.ts';

// Its own duration schema (not scenario-schema's): that module imports this one.
const durationSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration like 30s, 5m, 1h or 7d, got ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  }
  return ms;
});

const timesSchema = z
  .strictObject({
    at: z.union([durationSchema, z.array(durationSchema).min(1)]),
    every: durationSchema.optional(),
  })
  .transform((o) => ({ at: Array.isArray(o.at) ? o.at : [o.at], every: o.every }));

export const jobsSchema = z.strictObject({
  churn_winback: z
    .intersection(
      timesSchema,
      z.object({
        /** Score at or above which a family is at risk (in the segment). */
        threshold: z.number().min(0).max(1).default(0.6),
      }),
    )
    .optional(),
  /** The weekly parent insights email (wellness figures) to opted-in parents. */
  parent_insights: timesSchema.optional(),
  /** Sync the story catalog to Klaviyo; run n syncs release n (catalog-sync.ts `catalogRelease`). */
  catalog_sync: timesSchema.optional(),
  /**
   * Register the app's webhook receiver with Klaviyo (first time only) and run it under seeded faults;
   * `unsubscribe_rate` sets the world's email unsubscribe rate (the mock's engagement model).
   */
  webhooks: z
    .intersection(
      timesSchema,
      z.object({
        fail_before: z.number().min(0).max(1).default(0.1),
        fail_after: z.number().min(0).max(1).default(0.1),
        unsubscribe_rate: z.number().min(0).max(1).default(0.02),
      }),
    )
    .optional(),
});

export type JobsConfig = z.output<typeof jobsSchema>;
export type JobKind = keyof JobsConfig;

/** Every (time offset, job) the config asks for within `duration`, in time order. */
export function jobSchedule(jobs: JobsConfig | undefined, duration: number): { at: number; kind: JobKind }[] {
  const out: { at: number; kind: JobKind }[] = [];
  for (const [kind, cfg] of Object.entries(jobs ?? {}) as [JobKind, { at: number[]; every?: number }][]) {
    if (!cfg) continue;
    const times = new Set(cfg.at);
    if (cfg.every) for (let t = Math.min(...cfg.at) + cfg.every; t < duration; t += cfg.every) times.add(t);
    for (const at of times) if (at < duration) out.push({ at, kind });
  }
  return out.sort((a, b) => a.at - b.at || a.kind.localeCompare(b.kind));
}
