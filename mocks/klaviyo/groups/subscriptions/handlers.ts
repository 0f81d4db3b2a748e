/**
 * Subscription and suppression bulk jobs. Bodies are checked when sent (400 with `source.pointer`);
 * the work runs on the scheduler, on the mock's clock:
 * - bulk_subscribe_profiles / bulk_unsubscribe_profiles answer 202 with no body (Klaviyo gives them no
 *   job to read) and apply JOB_DELAY_MS later, finding or creating each profile by id, email or phone;
 * - bulk_suppress_profiles / bulk_unsuppress_profiles answer 202 with a job that reads `queued`, then
 *   `processing` JOB_DELAY_MS later, then `complete` another JOB_DELAY_MS later, when the suppressions
 *   change; `completed_count` counts the profiles changed, `skipped_count` the ones with nothing to do.
 */
import { z } from 'zod';
import { type Ctx, type Handler, parseBody, reply } from '../../core/context.ts';
import { invalidBody, KlaviyoError, notFound } from '../../jsonapi/errors.ts';
import { compileFilter, type FieldSpec, parseDatetime, parseFilter } from '../../jsonapi/filter.ts';
import { pageLinks, readCursor } from '../../jsonapi/pagination.ts';
import { fieldsParam, sortParam } from '../../jsonapi/query.ts';
import { pickFields, type ResourceObject } from '../../jsonapi/serialize.ts';
import { ListsRepo } from '../lists/repo.ts';
import { JOB_DELAY_MS, jobProgress } from '../profile-jobs/handlers.ts';
import { findByIdentifiers, normaliseIdentifiers, upsertProfile } from '../profiles/model.ts';
import { ProfilesRepo } from '../profiles/repo.ts';
import { SegmentsRepo } from '../segments/repo.ts';
import {
  type ApplyConsent,
  type ChangeOptions,
  type ConsentChange,
  subscribe,
  suppress,
  unsubscribe,
  unsuppress,
} from './model.ts';
import { type Channel, SubscriptionsRepo, type SuppressionJobKind, type SuppressionJobRow } from './repo.ts';

export const MAX_SUBSCRIBE = 1000;
export const MAX_UNSUBSCRIBE = 100;
export const MAX_SUPPRESS = 100;
const PROFILES = '/data/attributes/profiles/data';

// --- subscribe / unsubscribe ------------------------------------------------------------------

const relationshipTo = <T extends string>(type: T) =>
  z.object({ data: z.object({ type: z.literal(type), id: z.string().min(1) }) });

/** The `subscriptions` object of either job: each channel's consent is the one literal the job sets. */
function channelsSchema<C extends 'SUBSCRIBED' | 'UNSUBSCRIBED'>(consent: C) {
  const one = z.object({ consent: z.literal(consent), consented_at: z.string().nullable().optional() });
  return z.object({
    email: z
      .object({ marketing: one.nullable().optional(), open_tracking: one.nullable().optional() })
      .nullable()
      .optional(),
    sms: z
      .object({ marketing: one.nullable().optional(), transactional: one.nullable().optional() })
      .nullable()
      .optional(),
    whatsapp: z.record(z.string(), z.unknown()).nullable().optional(),
    push: z
      .object({ marketing: one.nullable().optional(), tokens: z.array(z.unknown()).nullable().optional() })
      .nullable()
      .optional(),
  });
}

function consentJobSchema<T extends string, C extends 'SUBSCRIBED' | 'UNSUBSCRIBED'>(type: T, consent: C) {
  const profile = z.object({
    type: z.literal('profile'),
    id: z.string().nullable().optional(),
    attributes: z.strictObject({
      email: z.string().nullable().optional(),
      phone_number: z.string().nullable().optional(),
      age_gated_date_of_birth: z.string().nullable().optional(),
      subscriptions: channelsSchema(consent),
    }),
  });
  return z.object({
    data: z.object({
      type: z.literal(type),
      attributes: z.object({
        custom_source: z.string().nullable().optional(),
        historical_import: z.boolean().nullable().optional(),
        profiles: z.object({ data: z.array(profile).min(1) }),
      }),
      relationships: z
        .object({ list: relationshipTo('list').optional() })
        .nullable()
        .optional(),
    }),
  });
}

const subscribeSchema = consentJobSchema('profile-subscription-bulk-create-job', 'SUBSCRIBED');
const unsubscribeSchema = consentJobSchema('profile-subscription-bulk-delete-job', 'UNSUBSCRIBED');
type ConsentJobBody = z.infer<typeof subscribeSchema> | z.infer<typeof unsubscribeSchema>;
type ProfileItem = ConsentJobBody['data']['attributes']['profiles']['data'][number];

interface ConsentTarget {
  id: string | null;
  /** The identifiers the body gave (absent ones left out, so the upsert keeps what the profile has). */
  identifiers: { email?: string; phone_number?: string };
  changes: ConsentChange[];
}

/** The kept channels a profile's `subscriptions` names, with `consented_at` checked. */
function channelChanges(ctx: Ctx, item: ProfileItem, at: string, historical: boolean): ConsentChange[] {
  const s = item.attributes.subscriptions;
  const named: [Channel, { consented_at?: string | null } | null | undefined, string][] = [
    ['email_marketing', s.email?.marketing, 'email/marketing'],
    ['sms_marketing', s.sms?.marketing, 'sms/marketing'],
    ['sms_transactional', s.sms?.transactional, 'sms/transactional'],
    ['push_marketing', s.push?.marketing, 'push/marketing'],
  ];
  const changes: ConsentChange[] = [];
  for (const [channel, given, path] of named) {
    if (!given) continue;
    const pointer = `${at}/attributes/subscriptions/${path}/consented_at`;
    let consentedAt: number | null = null;
    if (typeof given.consented_at === 'string') {
      consentedAt = parseDatetime(given.consented_at);
      if (Number.isNaN(consentedAt))
        throw invalidBody(pointer, `'${given.consented_at}' is not an ISO 8601 date-time.`);
      if (consentedAt > ctx.clock.now()) throw invalidBody(pointer, 'consented_at must be in the past.');
    } else if (historical) {
      throw invalidBody(pointer, 'historical_import needs consented_at for every subscription.');
    }
    changes.push({ channel, consentedAt });
  }
  const any = changes.length > 0 || s.whatsapp || s.email?.open_tracking;
  if (!any) {
    throw invalidBody(
      `${at}/attributes/subscriptions`,
      'Name at least one channel, e.g. {"email": {"marketing": {"consent": "SUBSCRIBED"}}}.',
    );
  }
  return changes;
}

/** Check every profile of a subscribe / unsubscribe body now, so the job itself cannot fail on input. */
function consentTargets(ctx: Ctx, body: ConsentJobBody, max: number, verb: string): ConsentTarget[] {
  const items = body.data.attributes.profiles.data;
  if (items.length > max) {
    throw invalidBody(PROFILES, `At most ${max} profiles can be ${verb} per request; got ${items.length}.`);
  }
  const historical = body.data.attributes.historical_import === true;
  return items.map((item, i) => {
    const at = `${PROFILES}/${i}`;
    const attrs = { email: item.attributes.email, phone_number: item.attributes.phone_number };
    normaliseIdentifiers(attrs, `${at}/attributes`);
    const id = item.id ?? null;
    const known = id ? ctx.store.repo(ProfilesRepo).byId(ctx.account, id) : undefined;
    if (id && !known) throw invalidBody(`${at}/id`, `A profile with id ${id} does not exist.`);
    const email = attrs.email ?? known?.email ?? null;
    const phone = attrs.phone_number ?? known?.phone_number ?? null;
    if (!id && email === null && phone === null) {
      throw invalidBody(`${at}/attributes`, 'Either email or phone_number is required.');
    }
    const changes = channelChanges(ctx, item, at, historical);
    if (changes.some((c) => c.channel === 'email_marketing') && email === null)
      throw invalidBody(`${at}/attributes/email`, 'The email channel needs an email address.');
    if (changes.some((c) => c.channel.startsWith('sms_')) && phone === null)
      throw invalidBody(`${at}/attributes/phone_number`, 'The SMS channel needs a phone_number.');
    const identifiers: ConsentTarget['identifiers'] = {};
    if (attrs.email) identifiers.email = attrs.email;
    if (attrs.phone_number) identifiers.phone_number = attrs.phone_number;
    return { id, identifiers, changes };
  });
}

function requireListIn(
  ctx: Ctx,
  body: { data: { relationships?: { list?: { data: { id: string } } } | null } },
) {
  const id = body.data.relationships?.list?.data.id;
  if (id && !ctx.store.repo(ListsRepo).byId(ctx.account, id)) {
    throw invalidBody('/data/relationships/list/data/id', `A list with id ${id} does not exist.`);
  }
  return id ?? null;
}

/** Accept a subscribe / unsubscribe: 202 now, the consent changes JOB_DELAY_MS later. */
function consentJob(
  schema: typeof subscribeSchema | typeof unsubscribeSchema,
  max: number,
  verb: string,
  apply: ApplyConsent,
): Handler {
  return (ctx) => {
    const body = parseBody(ctx, schema as typeof subscribeSchema);
    const targets = consentTargets(ctx, body, max, verb);
    const listId = requireListIn(ctx, body);
    const customSource = body.data.attributes.custom_source ?? null;
    ctx.scheduler.schedule(JOB_DELAY_MS, {
      run: () => {
        const opts: ChangeOptions = { now: ctx.clock.now(), customSource, listId };
        for (const t of targets) {
          try {
            ctx.store.transaction(() => {
              const { row } = upsertProfile(ctx, t.id, { ...t.identifiers }, undefined);
              apply(ctx.store, row, t.changes, opts);
            });
          } catch (err) {
            // A profile whose identifiers now belong to two profiles is left alone; the rest go through.
            if (!(err instanceof KlaviyoError)) throw err;
          }
        }
      },
    });
    return { status: 202, headers: {}, body: null };
  };
}

export const bulkSubscribeProfiles = consentJob(subscribeSchema, MAX_SUBSCRIBE, 'subscribed', subscribe);
export const bulkUnsubscribeProfiles = consentJob(
  unsubscribeSchema,
  MAX_UNSUBSCRIBE,
  'unsubscribed',
  unsubscribe,
);

// --- suppress / unsuppress --------------------------------------------------------------------

const JOB_TYPES: Record<SuppressionJobKind, string> = {
  suppress: 'profile-suppression-bulk-create-job',
  unsuppress: 'profile-suppression-bulk-delete-job',
};
const JOB_FIELDS = [
  'status',
  'created_at',
  'total_count',
  'completed_count',
  'completed_at',
  'skipped_count',
] as const;

function suppressionSchema(type: string) {
  return z.object({
    data: z.object({
      type: z.literal(type),
      attributes: z.object({
        profiles: z
          .object({
            data: z.array(
              z.object({ type: z.literal('profile'), attributes: z.object({ email: z.string() }) }),
            ),
          })
          .nullable()
          .optional(),
      }),
      relationships: z
        .object({ list: relationshipTo('list').optional(), segment: relationshipTo('segment').optional() })
        .nullable()
        .optional(),
    }),
  });
}

const SUPPRESSION_SCHEMAS = {
  suppress: suppressionSchema(JOB_TYPES.suppress),
  unsuppress: suppressionSchema(JOB_TYPES.unsuppress),
};

function jobResource(ctx: Ctx, row: SuppressionJobRow, fields: string[] | null): ResourceObject {
  const self = `${ctx.req.url.origin}/api/${JOB_TYPES[row.kind]}s/${row.id}/`;
  return {
    type: JOB_TYPES[row.kind],
    id: row.id,
    attributes: pickFields({ ...jobProgress(row), skipped_count: row.skipped }, fields),
    relationships: {
      lists: { data: row.list_id ? [{ type: 'list', id: row.list_id }] : [] },
      segments: { data: row.segment_id ? [{ type: 'segment', id: row.segment_id }] : [] },
    },
    links: { self },
  };
}

/** The emails a suppression job acts on: the body's, or every current member's of the list / segment. */
function suppressionTargets(
  ctx: Ctx,
  body: z.infer<(typeof SUPPRESSION_SCHEMAS)['suppress']>,
): { targets: (string | null)[]; listId: string | null; segmentId: string | null } {
  const given = body.data.attributes.profiles?.data;
  const listId = body.data.relationships?.list?.data.id ?? null;
  const segmentId = body.data.relationships?.segment?.data.id ?? null;
  if ([given, listId, segmentId].filter((x) => x !== undefined && x !== null).length !== 1) {
    throw invalidBody(
      '/data/attributes/profiles',
      'Give exactly one of attributes.profiles, relationships.list or relationships.segment.',
    );
  }
  if (given) {
    if (given.length === 0) throw invalidBody(PROFILES, 'Name at least one profile.');
    if (given.length > MAX_SUPPRESS)
      throw invalidBody(
        PROFILES,
        `At most ${MAX_SUPPRESS} email addresses per request; got ${given.length}.`,
      );
    const targets = given.map((p, i) => {
      const attrs = { email: p.attributes.email };
      normaliseIdentifiers(attrs, `${PROFILES}/${i}/attributes`);
      return attrs.email;
    });
    return { targets, listId, segmentId };
  }
  let seqs: Iterable<number>;
  if (listId) {
    const list = ctx.store.repo(ListsRepo).byId(ctx.account, listId);
    if (!list)
      throw invalidBody('/data/relationships/list/data/id', `A list with id ${listId} does not exist.`);
    seqs = ctx.store.repo(ListsRepo).memberSeqs(list);
  } else {
    const segment = ctx.store.repo(SegmentsRepo).byId(ctx.account, segmentId!);
    if (!segment)
      throw invalidBody(
        '/data/relationships/segment/data/id',
        `A segment with id ${segmentId} does not exist.`,
      );
    seqs = ctx.store.repo(SegmentsRepo).memberSeqs(segment);
  }
  const profiles = ctx.store.repo(ProfilesRepo);
  const targets = [...seqs].map((seq) => profiles.bySeq(seq)?.email ?? null);
  return { targets, listId, segmentId };
}

/** One email of a suppression job; true when it changed a profile. */
function applySuppression(ctx: Ctx, kind: SuppressionJobKind, email: string, now: number): boolean {
  if (kind === 'unsuppress') {
    const p = findByIdentifiers(ctx, { email });
    return p ? unsuppress(ctx.store, p) : false;
  }
  // Suppressing an unknown address creates its profile, suppressed (the spec's body description).
  const { row } = upsertProfile(ctx, null, { email }, undefined);
  return suppress(ctx.store, row, now);
}

/** queued → processing → complete, one step per JOB_DELAY_MS; the changes land with `complete`. */
function advanceJob(ctx: Ctx, kind: SuppressionJobKind, id: string): void {
  const repo = ctx.store.repo(SubscriptionsRepo);
  const job = repo.job(ctx.account, kind, id);
  if (!job) return;
  if (job.status === 'queued') {
    job.status = 'processing';
    repo.saveJob(job);
    // Due one step after this one on the job's own timeline, however far the clock jumped.
    ctx.scheduler.schedule(job.created + 2 * JOB_DELAY_MS - ctx.clock.now(), {
      run: () => advanceJob(ctx, kind, id),
    });
    return;
  }
  if (job.status !== 'processing') return;
  const now = ctx.clock.now();
  ctx.store.transaction(() => {
    for (const email of JSON.parse(job.targets) as (string | null)[]) {
      if (email !== null && applySuppression(ctx, kind, email, now)) job.completed++;
      else job.skipped++;
    }
    job.status = 'complete';
    job.completed_at = now;
    job.targets = '[]';
    repo.saveJob(job);
  });
}

function suppressionJob(kind: SuppressionJobKind): Handler {
  return (ctx) => {
    const fields = fieldsParam(ctx.req, JOB_TYPES[kind], JOB_FIELDS);
    const body = parseBody(ctx, SUPPRESSION_SCHEMAS[kind]);
    const { targets, listId, segmentId } = suppressionTargets(ctx, body);
    const job = ctx.store.repo(SubscriptionsRepo).insertJob({
      account: ctx.account,
      id: ctx.ids.ulid(),
      kind,
      status: 'queued',
      total: targets.length,
      completed: 0,
      skipped: 0,
      created: ctx.clock.now(),
      completed_at: null,
      targets: JSON.stringify(targets),
      list_id: listId,
      segment_id: segmentId,
    });
    ctx.scheduler.schedule(JOB_DELAY_MS, { run: () => advanceJob(ctx, kind, job.id) });
    const data = jobResource(ctx, job, fields);
    return reply(202, { data, links: { self: data.links.self } });
  };
}

function getJob(kind: SuppressionJobKind): Handler {
  return (ctx) => {
    const fields = fieldsParam(ctx.req, JOB_TYPES[kind], JOB_FIELDS);
    const id = ctx.params.job_id!;
    const row = ctx.store.repo(SubscriptionsRepo).job(ctx.account, kind, id);
    if (!row) throw notFound(`A ${JOB_TYPES[kind]} with id ${id} does not exist.`);
    const data = jobResource(ctx, row, fields);
    return reply(200, { data, links: { self: data.links.self } });
  };
}

/** The job list filters, from the spec (`equals` only). */
const JOB_FILTERS: Record<string, FieldSpec> = {
  status: { column: 'status', type: 'string', ops: ['equals'] },
  list_id: { column: 'list_id', type: 'string', ops: ['equals'] },
  segment_id: { column: 'segment_id', type: 'string', ops: ['equals'] },
};

function getJobs(kind: SuppressionJobKind): Handler {
  return (ctx) => {
    const fields = fieldsParam(ctx.req, JOB_TYPES[kind], JOB_FIELDS);
    const filterText = ctx.req.query.get('filter');
    const filter = filterText
      ? compileFilter(parseFilter(filterText), JOB_FILTERS, JOB_TYPES[kind])
      : { where: [], params: [] };
    const sort = sortParam(ctx.req, ['created']);
    const page = ctx.store.repo(SubscriptionsRepo).jobs(kind, {
      account: ctx.account,
      where: filter.where,
      params: filter.params,
      sortExpr: 'created',
      desc: sort?.desc ?? false,
      cursor: readCursor(ctx.req),
      // The spec gives these lists no page[size]; 20 a page, as Klaviyo's other job lists default to.
      limit: 20,
    });
    return reply(200, {
      data: page.rows.map((r) => jobResource(ctx, r, fields)),
      links: pageLinks(ctx.req, page),
    });
  };
}

export const bulkSuppressProfiles = suppressionJob('suppress');
export const bulkUnsuppressProfiles = suppressionJob('unsuppress');
export const getBulkSuppressProfilesJob = getJob('suppress');
export const getBulkUnsuppressProfilesJob = getJob('unsuppress');
export const getBulkSuppressProfilesJobs = getJobs('suppress');
export const getBulkUnsuppressProfilesJobs = getJobs('unsuppress');
