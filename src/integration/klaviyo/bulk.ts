/**
 * Klaviyo's bulk endpoints for the outbox's batches, on the official SDK:
 * - events: `bulkCreateEvents` (bulk_create_events, up to 1,000 events a request, 202 with no body);
 *   each event keeps its `unique_id`, so a batch sent twice (a retry after a lost answer, a restart)
 *   is stored once, as single calls are;
 * - profile syncs: `bulkImportProfiles` (bulk_import_profiles, up to 10,000 profiles). A 202 only
 *   queues the job, so the batch counts as delivered once the job reports `complete`; its import errors
 *   name the profiles that failed, and only those fail (`itemFailures`), the rest are delivered.
 *
 * The service polls the job on the Clock (every `IMPORT_POLL_MS`, at most `IMPORT_MAX_POLLS` times);
 * a job still running then, or a poll that fails, fails the whole batch and the outbox retries it:
 * profile imports are upserts of the same data, so sending again is safe.
 */
import { UnexpectedResponseError } from '../retry.ts';
import type { EventJob, ProfileJob } from './events.ts';
import type { KlaviyoApis } from './sdk.ts';

/** Spec: "Accepts up to 1,000 events per request". */
export const MAX_EVENTS_PER_BULK = 1000;
/** Spec: at most 10,000 profiles per import job (5 MB in all). */
export const MAX_PROFILES_PER_IMPORT = 10_000;
export const IMPORT_POLL_MS = 1000;
export const IMPORT_MAX_POLLS = 120;

/**
 * The rate-limit headers of a successful answer: `RateLimit-Remaining`, `RateLimit-Reset` and, when
 * sent, the quotas of `RateLimit-Limit` (`10, 10;w=1, 150;w=60`: 10 a second and 150 a minute).
 */
export interface RateInfo {
  remaining: number;
  resetMs: number;
  /** Each quota of `RateLimit-Limit`: `limit` calls per `windowMs`. */
  quotas?: { limit: number; windowMs: number }[];
}

export function rateInfo(headers: unknown): RateInfo | undefined {
  const h = (headers ?? {}) as Record<string, unknown>;
  const remaining = Number(h['ratelimit-remaining']);
  const reset = Number(h['ratelimit-reset']);
  if (!Number.isFinite(remaining) || !Number.isFinite(reset)) return undefined;
  const quotas = parseQuotas(h['ratelimit-limit']);
  return { remaining, resetMs: Math.max(0, reset) * 1000, ...(quotas.length ? { quotas } : {}) };
}

/** `10, 10;w=1, 150;w=60` → the entries with a window; a bare number (the current limit) is skipped. */
function parseQuotas(value: unknown): { limit: number; windowMs: number }[] {
  if (typeof value !== 'string') return [];
  const out: { limit: number; windowMs: number }[] = [];
  for (const part of value.split(',')) {
    const m = /^\s*(\d+)\s*;\s*w\s*=\s*(\d+)\s*$/.exec(part);
    if (m && Number(m[1]) > 0 && Number(m[2]) > 0)
      out.push({ limit: Number(m[1]), windowMs: Number(m[2]) * 1000 });
  }
  return out;
}

/**
 * The time one call's worth of the slowest per-second or per-minute quota takes to come back (150 a
 * minute: 400 ms): a client that spaces its calls this far apart never empties that bucket. A daily
 * quota is left out (150 a day would space calls 576 s apart whichever bucket ran low). Undefined
 * without such quotas.
 */
export function refillIntervalMs(rate: RateInfo | undefined): number | undefined {
  const quotas = rate?.quotas?.filter((q) => q.windowMs <= 60_000) ?? [];
  if (quotas.length === 0) return undefined;
  return Math.max(...quotas.map((q) => q.windowMs / q.limit));
}

type BulkEventsBody = Parameters<KlaviyoApis['events']['bulkCreateEvents']>[0];
type ImportBody = Parameters<KlaviyoApis['profiles']['bulkImportProfiles']>[0];

export function eventProfile(job: EventJob | ProfileJob) {
  return { ...(job.email ? { email: job.email } : {}), externalId: job.userId };
}

export function eventAttributes(job: EventJob) {
  return {
    properties: job.properties,
    time: new Date(job.time),
    uniqueId: job.uniqueId,
    metric: { data: { type: 'metric', attributes: { name: job.name } } },
  };
}

export function profileAttributes(job: ProfileJob) {
  return {
    ...eventProfile(job),
    ...(job.firstName ? { firstName: job.firstName } : {}),
    properties: job.properties,
  };
}

/**
 * One request for up to 1,000 events: one entry per profile, carrying that profile's events in the
 * order given (the outbox passes a user's queued events together, oldest first).
 */
export async function sendEventBatch(
  apis: KlaviyoApis,
  jobs: readonly EventJob[],
): Promise<RateInfo | undefined> {
  const body = {
    data: {
      type: 'event-bulk-create-job',
      attributes: {
        eventsBulkCreate: {
          data: groupByProfile(jobs).map((group) => ({
            type: 'event-bulk-create',
            attributes: {
              profile: { data: { type: 'profile', attributes: eventProfile(group[0]!) } },
              events: { data: group.map((job) => ({ type: 'event', attributes: eventAttributes(job) })) },
            },
          })),
        },
      },
    },
  } as unknown as BulkEventsBody;
  const { response } = await apis.events.bulkCreateEvents(body);
  if (response.status !== 202)
    throw new UnexpectedResponseError(response.status, 'the 202 of an accepted event batch');
  return rateInfo(response.headers);
}

/** Events grouped by the profile they name (user id and email), first-seen order kept in and across groups. */
export function groupByProfile(jobs: readonly EventJob[]): EventJob[][] {
  const groups = new Map<string, EventJob[]>();
  for (const job of jobs) {
    const key = `${job.userId}\u0000${job.email ?? ''}`;
    const g = groups.get(key);
    if (g) g.push(job);
    else groups.set(key, [job]);
  }
  return [...groups.values()];
}

/** Queue an import job for the batch; returns its id (the caller polls `readImportJob`). */
export async function startProfileImport(
  apis: KlaviyoApis,
  jobs: readonly ProfileJob[],
): Promise<{ jobId: string; rate?: RateInfo }> {
  const body = {
    data: {
      type: 'profile-bulk-import-job',
      attributes: {
        profiles: { data: jobs.map((job) => ({ type: 'profile', attributes: profileAttributes(job) })) },
      },
    },
  } as unknown as ImportBody;
  const { response } = await apis.profiles.bulkImportProfiles(body);
  const jobId = (response.data as { data?: { id?: unknown } } | undefined)?.data?.id;
  if (response.status !== 202 || typeof jobId !== 'string')
    throw new UnexpectedResponseError(response.status, 'the 202 and id of a profile import job');
  return { jobId, rate: rateInfo(response.headers) };
}

/** Where a job stands: still running, or done with the batch indexes Klaviyo could not import. */
export type ImportState = { done: false } | { done: true; failedCount: number };

export async function readImportJob(apis: KlaviyoApis, jobId: string): Promise<ImportState> {
  const { response } = await apis.profiles.getBulkImportProfilesJob(jobId);
  const attrs = (response.data as { data?: { attributes?: { status?: unknown; failed_count?: unknown } } })
    ?.data?.attributes;
  if (typeof attrs?.status !== 'string')
    throw new UnexpectedResponseError(response.status, 'an import job status');
  if (attrs.status === 'cancelled') throw new Error(`profile import job ${jobId} was cancelled`);
  if (attrs.status !== 'complete') return { done: false };
  return { done: true, failedCount: Number(attrs.failed_count ?? 0) };
}

const BATCH_INDEX = /^\/data\/attributes\/profiles\/data\/(\d+)/;

/** The import errors of a job, by index in the batch (from each error's `source.pointer`). */
export async function readImportErrors(apis: KlaviyoApis, jobId: string): Promise<Map<number, string>> {
  const { response } = await apis.profiles.getErrorsForBulkImportProfilesJob(jobId);
  const out = new Map<number, string>();
  const errors = (response.data as { data?: ImportError[] } | undefined)?.data;
  if (!Array.isArray(errors))
    throw new UnexpectedResponseError(response.status, 'a `data` array of import errors');
  for (const e of errors) {
    const m = BATCH_INDEX.exec(e.attributes?.source?.pointer ?? '');
    if (m) out.set(Number(m[1]), e.attributes?.detail ?? e.attributes?.title ?? 'import error');
  }
  return out;
}

interface ImportError {
  attributes?: { detail?: string; title?: string; source?: { pointer?: string } };
}
