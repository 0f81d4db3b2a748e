/**
 * Webhooks API: create (201), get, get many, update (200), delete (204), and the topics. The secret
 * key is stored for signing and never shown (the response schema has no field for it).
 */
import { z } from 'zod';
import { type Ctx, type Handler, parseBody, reply } from '../../core/context.ts';
import { invalidBody, notFound } from '../../jsonapi/errors.ts';
import { selfLink } from '../../jsonapi/pagination.ts';
import { fieldsParam, listParam } from '../../jsonapi/query.ts';
import { isoTime, pickFields, type ResourceObject, relationship } from '../../jsonapi/serialize.ts';
import { type WebhookRow, WebhooksRepo } from './repo.ts';
import { endpointProblem } from './send.ts';
import { accountTopics } from './topics.ts';

const FIELDS = ['name', 'description', 'endpoint_url', 'enabled', 'created_at', 'updated_at'] as const;
const topicRefs = z.object({
  data: z.array(z.object({ type: z.literal('webhook-topic'), id: z.string().min(1) })).min(1),
});

const createSchema = z.object({
  data: z.object({
    type: z.literal('webhook'),
    attributes: z.object({
      name: z.string().min(1),
      description: z.string().nullable().optional(),
      endpoint_url: z.string(),
      secret_key: z.string().min(1),
    }),
    relationships: z.object({ 'webhook-topics': topicRefs }),
  }),
});

const updateSchema = z.object({
  data: z.object({
    type: z.literal('webhook'),
    id: z.string(),
    attributes: z.object({
      name: z.string().min(1).nullable().optional(),
      description: z.string().nullable().optional(),
      endpoint_url: z.string().nullable().optional(),
      secret_key: z.string().min(1).nullable().optional(),
      enabled: z.boolean().nullable().optional(),
    }),
    relationships: z.object({ 'webhook-topics': topicRefs.optional() }).nullable().optional(),
  }),
});

const TOPICS_POINTER = '/data/relationships/webhook-topics/data';

function checkEndpoint(url: string): void {
  const problem = endpointProblem(url);
  if (problem) throw invalidBody('/data/attributes/endpoint_url', problem);
}

/** Topic ids as sent, each one the account offers (400 naming the first that is not). */
function checkTopics(ctx: Ctx, refs: { id: string }[]): string[] {
  const known = new Set(accountTopics(ctx.store, ctx.account));
  refs.forEach((r, i) => {
    if (!known.has(r.id))
      throw invalidBody(
        `${TOPICS_POINTER}/${i}/id`,
        `'${r.id}' is not a webhook topic of this account; see GET /api/webhook-topics.`,
      );
  });
  return [...new Set(refs.map((r) => r.id))];
}

function topic(ctx: Ctx, id: string) {
  return { type: 'webhook-topic', id, links: { self: `${ctx.req.url.origin}/api/webhook-topics/${id}/` } };
}

function webhookResource(
  ctx: Ctx,
  row: WebhookRow,
  fields: string[] | null,
  withTopics: boolean,
): ResourceObject {
  const origin = ctx.req.url.origin;
  const base = `/api/webhooks/${row.id}`;
  const topics = JSON.parse(row.topics) as string[];
  return {
    type: 'webhook',
    id: row.id,
    attributes: pickFields(
      {
        name: row.name,
        description: row.description,
        endpoint_url: row.endpoint_url,
        enabled: row.enabled === 1,
        created_at: isoTime(row.created),
        updated_at: isoTime(row.updated),
      },
      fields,
    ),
    relationships: {
      'webhook-topics': relationship(
        origin,
        base,
        'webhook-topics',
        withTopics ? topics.map((id) => ({ type: 'webhook-topic', id })) : undefined,
      ),
    },
    links: { self: `${origin}${base}/` },
  };
}

/** `fields[webhook]`, `include=webhook-topics` and the `included` they call for. */
function view(ctx: Ctx) {
  fieldsParam(ctx.req, 'webhook-topic', []);
  const include = listParam(ctx.req, 'include', ['webhook-topics']).length > 0;
  return { fields: fieldsParam(ctx.req, 'webhook', FIELDS), include };
}

function withIncluded(ctx: Ctx, rows: WebhookRow[], include: boolean) {
  if (!include) return {};
  const ids = new Set(rows.flatMap((r) => JSON.parse(r.topics) as string[]));
  return { included: [...ids].map((id) => topic(ctx, id)) };
}

function requireWebhook(ctx: Ctx): WebhookRow {
  const row = ctx.store.repo(WebhooksRepo).byId(ctx.account, ctx.params.id!);
  if (!row) throw notFound(`A webhook with id ${ctx.params.id} does not exist.`);
  return row;
}

export const createWebhook: Handler = (ctx) => {
  const { attributes: a, relationships } = parseBody(ctx, createSchema).data;
  checkEndpoint(a.endpoint_url);
  const topics = checkTopics(ctx, relationships['webhook-topics'].data);
  const now = ctx.clock.now();
  const row = ctx.store.repo(WebhooksRepo).insert({
    account: ctx.account,
    account_id: ctx.account,
    id: ctx.ids.ulid(),
    name: a.name,
    description: a.description ?? null,
    endpoint_url: a.endpoint_url,
    secret_key: a.secret_key,
    enabled: 1,
    topics: JSON.stringify(topics),
    created: now,
    updated: now,
  });
  const data = webhookResource(ctx, row, null, true);
  return reply(201, { data, links: { self: data.links.self } });
};

export const getWebhook: Handler = (ctx) => {
  const v = view(ctx);
  const row = requireWebhook(ctx);
  const data = webhookResource(ctx, row, v.fields, v.include);
  return reply(200, { data, links: { self: data.links.self }, ...withIncluded(ctx, [row], v.include) });
};

export const getWebhooks: Handler = (ctx) => {
  const v = view(ctx);
  const page = ctx.store.repo(WebhooksRepo).list({
    account: ctx.account,
    where: [],
    params: [],
    sortExpr: 'seq',
    desc: false,
    cursor: null,
    // get_webhooks is not paged (no page[cursor] in the spec); an account has few webhooks.
    limit: 10_000,
  });
  return reply(200, {
    data: page.rows.map((r) => webhookResource(ctx, r, v.fields, v.include)),
    links: { self: selfLink(ctx.req) },
    ...withIncluded(ctx, page.rows, v.include),
  });
};

export const updateWebhook: Handler = (ctx) => {
  const body = parseBody(ctx, updateSchema).data;
  if (body.id !== ctx.params.id) {
    throw invalidBody('/data/id', `The id in the body (${body.id}) must match the URL (${ctx.params.id}).`);
  }
  const row = requireWebhook(ctx);
  const a = body.attributes;
  if (a.endpoint_url != null) checkEndpoint(a.endpoint_url);
  const refs = body.relationships?.['webhook-topics']?.data;
  const updated: WebhookRow = {
    ...row,
    name: a.name ?? row.name,
    description: a.description === undefined ? row.description : a.description,
    endpoint_url: a.endpoint_url ?? row.endpoint_url,
    secret_key: a.secret_key ?? row.secret_key,
    enabled: a.enabled == null ? row.enabled : a.enabled ? 1 : 0,
    topics: refs ? JSON.stringify(checkTopics(ctx, refs)) : row.topics,
    updated: ctx.clock.now(),
  };
  ctx.store.repo(WebhooksRepo).update(updated);
  const data = webhookResource(ctx, updated, null, true);
  return reply(200, { data, links: { self: data.links.self } });
};

export const deleteWebhook: Handler = (ctx) => {
  ctx.store.repo(WebhooksRepo).delete(requireWebhook(ctx));
  return { status: 204, headers: {}, body: null };
};

export const getWebhookTopics: Handler = (ctx) => {
  fieldsParam(ctx.req, 'webhook-topic', []);
  const data = accountTopics(ctx.store, ctx.account).map((id) => topic(ctx, id));
  return reply(200, { data, links: { self: `${ctx.req.url.origin}${ctx.req.path}` } });
};

export const getWebhookTopic: Handler = (ctx) => {
  fieldsParam(ctx.req, 'webhook-topic', []);
  const id = ctx.params.id!;
  if (!accountTopics(ctx.store, ctx.account).includes(id)) {
    throw notFound(`A webhook topic with id ${id} does not exist in this account.`);
  }
  const data = topic(ctx, id);
  return reply(200, { data, links: data.links });
};
