/**
 * Catalog bulk jobs: create, update and delete jobs for items, variants and categories (nine job
 * types, one implementation). A request is checked whole at once (shape, at most 100 resources: 400
 * with a pointer into it) and answered 202 `queued`; JOB_DELAY_MS later on the mock's clock the job
 * applies the single-object rule (model.ts) to each resource in turn. A resource that breaks a rule
 * (its id exists already, names nothing, links to an unknown object) becomes one entry in the job's
 * `errors` with a pointer to it; the others land. `relationships.<items|variants|categories>` lists
 * the ids written.
 */
import { z } from 'zod';
import { type Ctx, type Handler, parseBody, reply } from '../../core/context.ts';
import { invalidBody, KlaviyoError, notFound } from '../../jsonapi/errors.ts';
import { compileFilter, type FieldSpec, parseFilter } from '../../jsonapi/filter.ts';
import { pageLinks, readCursor } from '../../jsonapi/pagination.ts';
import { fieldsParam, listParam } from '../../jsonapi/query.ts';
import { Included, isoTime, pickFields, type ResourceObject, relationship } from '../../jsonapi/serialize.ts';
import {
  completeJob,
  JOB_DELAY_MS,
  JOB_PROGRESS_FIELDS,
  jobError,
  jobProgress,
} from '../profile-jobs/handlers.ts';
import type { Kind } from './kinds.ts';
import {
  catalogResource,
  createObject,
  createResource,
  deleteObject,
  requireObject,
  updateObject,
  updateResource,
} from './model.ts';
import { type CatalogJobRow, CatalogRepo } from './repo.ts';

export type JobOp = 'create' | 'update' | 'delete';

/** Resources per job request (spec: "Accepts up to 100 … per request"). */
export const MAX_PER_JOB = 100;
const EXPIRES_MS = 7 * 86_400_000;
const JOB_FIELDS = [...JOB_PROGRESS_FIELDS, 'errors'] as const;

/** `items`, `variants`, `categories`: the attribute the resources sit under, and the relationship. */
function plural(kind: Kind): string {
  return kind.path.replace('catalog-', '');
}

export function jobType(kind: Kind, op: JobOp): string {
  return `${kind.type}-bulk-${op}-job`;
}

function resourceSchema(kind: Kind, op: JobOp) {
  if (op === 'create') return createResource(kind);
  if (op === 'update') return updateResource(kind);
  return z.object({ type: z.literal(kind.type), id: z.string().min(1) });
}

function jobResource(ctx: Ctx, kind: Kind, op: JobOp, row: CatalogJobRow, fields: string[] | null) {
  const origin = ctx.req.url.origin;
  const base = `/api/${kind.type}-bulk-${op}-jobs/${row.id}`;
  const name = plural(kind);
  const ids = JSON.parse(row.ids) as string[];
  return {
    type: row.type,
    id: row.id,
    attributes: pickFields(
      {
        ...jobProgress(row),
        failed_count: row.failed,
        errors: JSON.parse(row.errors),
        expires_at: isoTime(row.created + EXPIRES_MS),
      },
      fields,
    ),
    relationships: {
      [name]: relationship(
        origin,
        base,
        name,
        ids.map((id) => ({ type: kind.type, id })),
      ),
    },
    links: { self: `${origin}${base}/` },
  } satisfies ResourceObject;
}

/** Apply each resource of the job with the single-object rules; collect one error per failure. */
function runJob(ctx: Ctx, kind: Kind, op: JobOp, type: string, id: string): void {
  const repo = ctx.store.repo(CatalogRepo);
  const job = repo.jobById(ctx.account, type, id);
  if (job?.status !== 'queued') return;
  const resources = JSON.parse(job.payload) as Record<string, unknown>[];
  const schema = resourceSchema(kind, op);
  const errors: unknown[] = [];
  const written: string[] = [];
  resources.forEach((raw, i) => {
    const pointer = `/data/attributes/${plural(kind)}/data/${i}`;
    const input = schema.parse(raw) as never;
    try {
      const done = ctx.store.transaction(() => {
        if (op === 'create') return createObject(ctx, kind, input, pointer).id;
        const row = requireObject(ctx, kind, (input as { id: string }).id);
        if (op === 'update') return updateObject(ctx, kind, row, input, pointer).id;
        deleteObject(ctx, row);
        return row.id;
      });
      written.push(done);
    } catch (err) {
      if (!(err instanceof KlaviyoError)) throw err;
      errors.push({ id: ctx.ids.uuid(), ...jobError(err, pointer) });
    }
  });
  completeJob(job, written.length, errors, ctx.clock.now());
  job.ids = JSON.stringify(written);
  repo.saveJob(job);
}

export function createJobHandler(kind: Kind, op: JobOp): Handler {
  const type = jobType(kind, op);
  const name = plural(kind);
  const schema = z.object({
    data: z.object({
      type: z.literal(type),
      attributes: z.object({ [name]: z.object({ data: z.array(resourceSchema(kind, op)).min(1) }) }),
    }),
  });
  return (ctx) => {
    const body = parseBody(ctx, schema);
    const resources = (body.data.attributes as Record<string, { data: unknown[] }>)[name]!.data;
    if (resources.length > MAX_PER_JOB) {
      throw invalidBody(
        `/data/attributes/${name}/data`,
        `At most ${MAX_PER_JOB} ${name} per job; got ${resources.length}. Split the request.`,
      );
    }
    const job = ctx.store.repo(CatalogRepo).insertJob({
      account: ctx.account,
      id: ctx.ids.ulid(),
      type,
      status: 'queued',
      total: resources.length,
      completed: 0,
      failed: 0,
      created: ctx.clock.now(),
      completed_at: null,
      payload: JSON.stringify(resources),
      errors: '[]',
      ids: '[]',
    });
    ctx.scheduler.schedule(JOB_DELAY_MS, { run: () => runJob(ctx, kind, op, type, job.id) });
    const data = jobResource(ctx, kind, op, job, null);
    return reply(202, { data, links: { self: data.links.self } });
  };
}

export function getJobHandler(kind: Kind, op: JobOp): Handler {
  const type = jobType(kind, op);
  const name = plural(kind);
  return (ctx) => {
    const fields = fieldsParam(ctx.req, type, JOB_FIELDS);
    // Create and update jobs take `include` (the objects they wrote); delete jobs refuse it, as in the spec.
    const include = listParam(ctx.req, 'include', op === 'delete' ? [] : [name]);
    const row = ctx.store.repo(CatalogRepo).jobById(ctx.account, type, ctx.params.job_id!);
    if (!row) throw notFound(`A ${type} with id ${ctx.params.job_id} does not exist.`);
    const data = jobResource(ctx, kind, op, row, fields);
    const doc: Record<string, unknown> = { data, links: { self: data.links.self } };
    if (include.length) {
      const out = new Included();
      const objFields = fieldsParam(ctx.req, kind.type, kind.fields);
      for (const id of JSON.parse(row.ids) as string[]) {
        const obj = ctx.store.repo(CatalogRepo).byId(ctx.account, kind.name, id);
        if (obj) out.add(catalogResource(ctx.req.url.origin, kind, obj, objFields));
      }
      doc.included = out.list();
    }
    return reply(200, doc);
  };
}

const JOB_FILTERS: Record<string, FieldSpec> = {
  status: { column: 'status', type: 'string', ops: ['equals'] },
};

export function listJobsHandler(kind: Kind, op: JobOp): Handler {
  const type = jobType(kind, op);
  return (ctx) => {
    const fields = fieldsParam(ctx.req, type, JOB_FIELDS);
    const text = ctx.req.query.get('filter');
    const filter = text ? compileFilter(parseFilter(text), JOB_FILTERS, type) : { where: [], params: [] };
    const page = ctx.store.repo(CatalogRepo).listJobs({
      account: ctx.account,
      where: ['type = ?', ...filter.where],
      params: [type, ...filter.params],
      sortExpr: 'created',
      desc: false,
      cursor: readCursor(ctx.req),
      // These lists take no page[size]; Klaviyo pages them by 100.
      limit: 100,
    });
    return reply(200, {
      data: page.rows.map((r) => jobResource(ctx, kind, op, r, fields)),
      links: pageLinks(ctx.req, page),
    });
  };
}
