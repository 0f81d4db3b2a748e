/**
 * Bulk profile import jobs (bulk_import_profiles and its reads). A job is accepted with 202 and
 * `queued`; it runs on the scheduler PROCESSING_MS later on the mock's clock, upserting each profile
 * with create_or_update_profile's rule, collecting one import error per profile that fails (the rest
 * still land), and adding the profiles to the lists named in `relationships.lists`.
 */
import { z } from 'zod';
import { type Ctx, type Handler, parseBody, reply } from '../../core/context.ts';
import { errorTitle, invalidBody, KlaviyoError, notFound } from '../../jsonapi/errors.ts';
import { compileFilter, type FieldSpec, parseFilter } from '../../jsonapi/filter.ts';
import { pageLinks, readCursor } from '../../jsonapi/pagination.ts';
import { fieldsParam, listParam, pageSizeParam } from '../../jsonapi/query.ts';
import { isoTime, pickFields, type ResourceObject, relationship } from '../../jsonapi/serialize.ts';
import { LIST_FIELDS, listResource } from '../lists/model.ts';
import { ListsRepo } from '../lists/repo.ts';
import {
  DEFAULT_VIEW,
  normaliseIdentifiers,
  PROFILE_FIELDS,
  profileResource,
  upsertProfile,
  upsertSchema,
} from '../profiles/model.ts';
import { ProfilesRepo } from '../profiles/repo.ts';
import { type ImportJobRow, ProfileJobsRepo } from './repo.ts';

export const MAX_PROFILES_PER_JOB = 10_000;
/** How long after acceptance a job runs (Klaviyo gives no figure; jobs there take seconds to minutes). */
export const JOB_DELAY_MS = 1000;
/** The `fields[…-job]` values every bulk job type shares. */
export const JOB_PROGRESS_FIELDS = [
  'status',
  'created_at',
  'total_count',
  'completed_count',
  'failed_count',
  'completed_at',
  'expires_at',
] as const;
const JOB_FIELDS = [...JOB_PROGRESS_FIELDS, 'started_at'] as const;
const EXPIRES_MS = 7 * 86_400_000;
const POINTER = '/data/attributes/profiles/data';

const createSchema = z.object({
  data: z.object({
    type: z.literal('profile-bulk-import-job'),
    attributes: z.object({ profiles: z.object({ data: z.array(z.unknown()).min(1) }) }),
    relationships: z
      .object({
        lists: z.object({ data: z.array(z.object({ type: z.literal('list'), id: z.string() })) }).optional(),
      })
      .nullable()
      .optional(),
  }),
});

/** The progress attributes every bulk job resource shares (import, suppression). */
export function jobProgress(row: {
  status: string;
  created: number;
  total: number;
  completed: number;
  completed_at: number | null;
}): Record<string, unknown> {
  return {
    status: row.status,
    created_at: isoTime(row.created),
    total_count: row.total,
    completed_count: row.completed,
    completed_at: isoTime(row.completed_at),
  };
}

function jobResource(ctx: Ctx, row: ImportJobRow, fields: string[] | null): ResourceObject {
  const origin = ctx.req.url.origin;
  const base = `/api/profile-bulk-import-jobs/${row.id}`;
  return {
    type: 'profile-bulk-import-job',
    id: row.id,
    attributes: pickFields(
      {
        ...jobProgress(row),
        failed_count: row.failed,
        expires_at: isoTime(row.created + EXPIRES_MS),
        started_at: isoTime(row.started),
      },
      fields,
    ),
    relationships: {
      lists: relationship(origin, base, 'lists'),
      profiles: relationship(origin, base, 'profiles'),
      'import-errors': relationship(origin, base, 'import-errors'),
    },
    links: { self: `${origin}${base}/` },
  };
}

/** A failed resource of a bulk job as the job reports it (APIJobErrorPayload without its id). */
export function jobError(err: KlaviyoError, pointer: string) {
  return {
    code: err.code,
    title: errorTitle(err.code, err.status),
    detail: err.detail,
    source: { pointer: err.extra.source?.pointer ?? pointer },
  };
}

/** Mark a bulk job complete with its counts and errors; the request it carried is dropped. */
export function completeJob(
  job: {
    status: string;
    completed: number;
    failed: number;
    completed_at: number | null;
    payload: string;
    errors: string;
  },
  completed: number,
  errors: unknown[],
  now: number,
): void {
  job.status = 'complete';
  job.completed = completed;
  job.failed = errors.length;
  job.completed_at = now;
  job.payload = '[]';
  job.errors = JSON.stringify(errors);
}

/** Run a job: every profile upserted on its own (one bad profile does not fail the rest). */
function runJob(ctx: Ctx, jobId: string): void {
  const jobs = ctx.store.repo(ProfileJobsRepo);
  const job = jobs.byId(ctx.account, jobId);
  if (job?.status !== 'queued') return;
  job.status = 'processing';
  job.started = ctx.clock.now();
  const items = JSON.parse(job.payload) as unknown[];
  const listIds = JSON.parse(job.lists) as string[];
  const errors: unknown[] = [];
  const written: string[] = [];
  const seqs: number[] = [];
  items.forEach((item, i) => {
    const parsed = upsertSchema.shape.data.safeParse(item);
    try {
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw invalidBody(`${POINTER}/${i}/${issue.path.join('/')}`, issue.message);
      }
      const attrs = parsed.data.attributes;
      normaliseIdentifiers(attrs, `${POINTER}/${i}/attributes`);
      const { row } = ctx.store.transaction(() =>
        upsertProfile(ctx, parsed.data.id ?? null, attrs, parsed.data.meta),
      );
      written.push(row.id);
      seqs.push(row.seq);
    } catch (err) {
      if (!(err instanceof KlaviyoError)) throw err;
      errors.push({ ...jobError(err, `${POINTER}/${i}`), original_payload: item });
    }
  });
  const lists = ctx.store.repo(ListsRepo);
  for (const id of listIds) {
    const list = lists.byId(ctx.account, id);
    if (list) ctx.store.transaction(() => lists.addMembers(list, seqs, ctx.clock.now()));
  }
  completeJob(job, written.length, errors, ctx.clock.now());
  job.profiles = JSON.stringify(written);
  jobs.save(job);
}

export const bulkImportProfiles: Handler = (ctx) => {
  const body = parseBody(ctx, createSchema);
  const profiles = body.data.attributes.profiles.data;
  if (profiles.length > MAX_PROFILES_PER_JOB) {
    throw invalidBody(
      POINTER,
      `At most ${MAX_PROFILES_PER_JOB} profiles per job; got ${profiles.length}. Split the import.`,
    );
  }
  const listIds = body.data.relationships?.lists?.data.map((l) => l.id) ?? [];
  listIds.forEach((id, i) => {
    if (!ctx.store.repo(ListsRepo).byId(ctx.account, id)) {
      throw invalidBody(`/data/relationships/lists/data/${i}/id`, `A list with id ${id} does not exist.`);
    }
  });
  const now = ctx.clock.now();
  const job = ctx.store.repo(ProfileJobsRepo).insert({
    account: ctx.account,
    id: ctx.ids.ulid(),
    status: 'queued',
    total: profiles.length,
    completed: 0,
    failed: 0,
    created: now,
    started: null,
    completed_at: null,
    payload: JSON.stringify(profiles),
    lists: JSON.stringify(listIds),
    errors: '[]',
    profiles: '[]',
  });
  ctx.scheduler.schedule(JOB_DELAY_MS, { run: () => runJob(ctx, job.id) });
  const data = jobResource(ctx, job, null);
  return reply(202, { data, links: { self: data.links.self } });
};

function requireJob(ctx: Ctx): ImportJobRow {
  const id = ctx.params.job_id ?? ctx.params.id!;
  const row = ctx.store.repo(ProfileJobsRepo).byId(ctx.account, id);
  if (!row) throw notFound(`A profile bulk import job with id ${id} does not exist.`);
  return row;
}

export const getBulkImportProfilesJob: Handler = (ctx) => {
  const data = jobResource(ctx, requireJob(ctx), fieldsParam(ctx.req, 'profile-bulk-import-job', JOB_FIELDS));
  return reply(200, { data, links: { self: data.links.self } });
};

const FILTERS: Record<string, FieldSpec> = {
  status: { column: 'status', type: 'string', ops: ['any', 'equals'] },
};

export const getBulkImportProfilesJobs: Handler = (ctx) => {
  const fields = fieldsParam(ctx.req, 'profile-bulk-import-job', JOB_FIELDS);
  const filterText = ctx.req.query.get('filter');
  const filter = filterText
    ? compileFilter(parseFilter(filterText), FILTERS, 'profile-bulk-import-job')
    : { where: [], params: [] };
  const page = ctx.store.repo(ProfileJobsRepo).list({
    account: ctx.account,
    where: filter.where,
    params: filter.params,
    sortExpr: 'created',
    desc: false,
    cursor: readCursor(ctx.req),
    limit: pageSizeParam(ctx.req, 20, 100),
  });
  return reply(200, {
    data: page.rows.map((r) => jobResource(ctx, r, fields)),
    links: pageLinks(ctx.req, page),
  });
};

export const getImportErrors: Handler = (ctx) => {
  const job = requireJob(ctx);
  const errors = JSON.parse(job.errors) as Record<string, unknown>[];
  return reply(200, {
    data: errors.map((e, i) => ({ type: 'import-error', id: `${job.id}-${i}`, attributes: e })),
    links: { self: `${ctx.req.url.origin}${ctx.req.path}` },
  });
};

export const getProfileIdsForImportJob: Handler = (ctx) => {
  const job = requireJob(ctx);
  const ids = (JSON.parse(job.profiles) as string[]).filter(
    (id) => ctx.store.repo(ProfilesRepo).seqOf(ctx.account, id) !== undefined,
  );
  return reply(200, {
    data: ids.map((id) => ({ type: 'profile', id })),
    links: { self: `${ctx.req.url.origin}${ctx.req.path}` },
  });
};

/** The lists a job adds its profiles to (as they are now: a list deleted since is left out). */
function jobLists(ctx: Ctx) {
  const job = requireJob(ctx);
  return ctx.store.repo(ListsRepo).byIds(ctx.account, JSON.parse(job.lists) as string[]);
}

export const getListsForImportJob: Handler = (ctx) => {
  const view = { fields: fieldsParam(ctx.req, 'list', LIST_FIELDS), profileCount: false, included: [] };
  return reply(200, {
    data: jobLists(ctx).map((row) => listResource(ctx, row, view)),
    links: { self: `${ctx.req.url.origin}${ctx.req.path}` },
  });
};

export const getListIdsForImportJob: Handler = (ctx) =>
  reply(200, {
    data: jobLists(ctx).map((row) => ({ type: 'list', id: row.id })),
    links: { self: `${ctx.req.url.origin}${ctx.req.path}` },
  });

/** The profiles a job wrote, in creation order, paged like get_profiles (at most 100 a page). */
export const getProfilesForImportJob: Handler = (ctx) => {
  const job = requireJob(ctx);
  const view = {
    ...DEFAULT_VIEW,
    fields: fieldsParam(ctx.req, 'profile', PROFILE_FIELDS),
    additional: listParam(ctx.req, 'additional-fields[profile]', ['subscriptions', 'predictive_analytics']),
  };
  const page = ctx.store.repo(ProfilesRepo).list({
    account: ctx.account,
    where: ['profiles.id IN (SELECT value FROM json_each(?))'],
    params: [job.profiles],
    sortExpr: 'profiles.seq',
    desc: false,
    cursor: readCursor(ctx.req),
    limit: pageSizeParam(ctx.req, 20, 100),
  });
  return reply(200, {
    data: page.rows.map((row) => profileResource(ctx, row, view)),
    links: pageLinks(ctx.req, page),
  });
};
