/**
 * Flows API: create from a definition, read (one, many), change the status, delete; a flow's actions
 * and an action's messages (and their relationship ids), one action, one message; the flows a list,
 * segment or metric triggers.
 */
import { z } from 'zod';
import { type Ctx, type Handler, parseBody, reply } from '../../core/context.ts';
import type { ListResult } from '../../core/store.ts';
import { invalidParam, requireSameId } from '../../jsonapi/errors.ts';
import {
  compileFilter,
  compileFilterWithBooleans,
  type FieldSpec,
  parseFilter,
} from '../../jsonapi/filter.ts';
import { collectionQuery, pageLinks } from '../../jsonapi/pagination.ts';
import { fieldsParam, listParam } from '../../jsonapi/query.ts';
import { Included, type ResourceObject } from '../../jsonapi/serialize.ts';
import { requireList } from '../lists/model.ts';
import { requireMetric } from '../metrics/model.ts';
import { requireSegment } from '../segments/model.ts';
import {
  ACTION_FIELDS,
  actionResource,
  type DefinitionInput,
  FLOW_FIELDS,
  type FlowView,
  flowResource,
  MESSAGE_FIELDS,
  messageResource,
  prepareDefinition,
  requireAction,
  requireFlow,
  requireFlowMessage,
  STATUSES,
  templateIdOf,
} from './model.ts';
import { type FlowRow, FlowsRepo } from './repo.ts';

const createSchema = z.object({
  data: z.object({
    type: z.literal('flow'),
    attributes: z.object({
      name: z.string().min(1),
      definition: z.object({
        triggers: z.array(z.object({ type: z.string() }).passthrough()),
        profile_filter: z
          .object({ condition_groups: z.array(z.unknown()) })
          .nullable()
          .optional(),
        actions: z.array(z.object({ type: z.string() }).passthrough()),
        entry_action_id: z.string().min(1),
        reentry_criteria: z
          .object({ duration: z.number().int().min(0), unit: z.enum(['day', 'hour', 'week', 'alltime']) })
          .nullable()
          .optional(),
      }),
    }),
  }),
});

const updateSchema = z.object({
  data: z.object({
    type: z.literal('flow'),
    id: z.string(),
    attributes: z.object({ status: z.enum(STATUSES) }),
  }),
});

const DATE_OPS = ['equals', 'greater-or-equal', 'greater-than', 'less-or-equal', 'less-than'];
const FLOW_FILTERS: Record<string, FieldSpec> = {
  id: { column: 'id', type: 'string', ops: ['any'] },
  name: { column: 'name', type: 'string', ops: ['contains', 'ends-with', 'equals', 'starts-with'] },
  status: { column: 'status', type: 'string', ops: ['equals'] },
  created: { column: 'created', type: 'datetime', ops: DATE_OPS },
  updated: { column: 'updated', type: 'datetime', ops: DATE_OPS },
  trigger_type: { column: 'trigger_type', type: 'string', ops: ['equals'] },
};
const FLOW_SORTS: Record<string, string> = {
  created: 'created',
  id: 'id',
  name: 'name',
  status: 'status',
  trigger_type: 'trigger_type',
  updated: 'updated',
};
const ACTION_FILTERS: Record<string, FieldSpec> = {
  id: { column: 'id', type: 'string', ops: ['any'] },
  action_type: { column: 'type', type: 'string', ops: ['any', 'equals'] },
  status: { column: 'status', type: 'string', ops: ['equals'] },
  created: { column: 'created', type: 'datetime', ops: DATE_OPS },
  updated: { column: 'updated', type: 'datetime', ops: DATE_OPS },
};
const ACTION_SORTS: Record<string, string> = {
  action_type: 'type',
  created: 'created',
  id: 'id',
  status: 'status',
  updated: 'updated',
};
const MESSAGE_FILTERS: Record<string, FieldSpec> = {
  id: { column: 'id', type: 'string', ops: ['any'] },
  name: FLOW_FILTERS.name!,
  created: { column: 'created', type: 'datetime', ops: DATE_OPS },
  updated: { column: 'updated', type: 'datetime', ops: DATE_OPS },
};
const MESSAGE_SORTS: Record<string, string> = {
  created: 'created',
  id: 'id',
  name: 'name',
  updated: 'updated',
};
const PAGE = { def: 50, max: 50 };

/**
 * `fields[flow]` and, on create_flow and get_flow only (the spec gives the other flow endpoints
 * neither), `additional-fields[flow]=definition`; elsewhere it is ignored like get_lists' profile_count.
 */
function view(ctx: Ctx, withDefinition: boolean): FlowView {
  const fields = fieldsParam(ctx.req, 'flow', withDefinition ? [...FLOW_FIELDS, 'definition'] : FLOW_FIELDS);
  const additional =
    withDefinition && listParam(ctx.req, 'additional-fields[flow]', ['definition']).length > 0;
  return { fields, definition: additional || (fields?.includes('definition') ?? false) };
}

function single(status: number, data: ResourceObject, included?: Included) {
  const doc: Record<string, unknown> = { data, links: { self: data.links.self } };
  if (included) doc.included = included.list();
  return reply(status, doc);
}

/** `include=flow-actions` (tags: always none). */
function flowIncludes(ctx: Ctx, rows: FlowRow[]): Included | undefined {
  const include = listParam(ctx.req, 'include', ['flow-actions', 'tags']);
  const fields = fieldsParam(ctx.req, 'flow-action', ACTION_FIELDS);
  fieldsParam(ctx.req, 'tag', ['name']);
  if (include.length === 0) return undefined;
  const out = new Included();
  if (include.includes('flow-actions')) {
    const repo = ctx.store.repo(FlowsRepo);
    for (const f of rows) for (const a of repo.actionsOf(f)) out.add(actionResource(ctx, a, fields));
  }
  return out;
}

export const createFlow: Handler = (ctx) => {
  const v = view(ctx, true);
  const a = parseBody(ctx, createSchema).data.attributes;
  const prepared = prepareDefinition(ctx, a.definition as DefinitionInput, '/data/attributes/definition');
  const now = ctx.clock.now();
  const repo = ctx.store.repo(FlowsRepo);
  const row = ctx.store.transaction(() => {
    const flow = repo.insert({
      account: ctx.account,
      id: ctx.ids.shortId(),
      name: a.name,
      status: 'draft',
      archived: 0,
      trigger_type: prepared.trigger.type,
      trigger_kind: prepared.trigger.kind,
      trigger_id: prepared.trigger.id,
      triggers: JSON.stringify(prepared.triggers),
      profile_filter: prepared.profileFilter === null ? null : JSON.stringify(prepared.profileFilter),
      entry_action: prepared.entry,
      reentry: prepared.reentry === null ? null : JSON.stringify(prepared.reentry),
      created: now,
      updated: now,
    });
    for (const p of prepared.actions) {
      const action = repo.insertAction({
        account: ctx.account,
        id: p.id,
        flow: flow.seq,
        type: p.type,
        status: p.status,
        links: JSON.stringify(p.links),
        data: JSON.stringify(p.data),
        created: now,
        updated: now,
      });
      if (p.message) {
        repo.insertMessage({
          account: ctx.account,
          id: p.message.id,
          action: action.seq,
          flow: flow.seq,
          name: p.message.name,
          channel: 'email',
          definition: JSON.stringify(p.message.definition),
          created: now,
          updated: now,
        });
      }
    }
    return flow;
  });
  return single(201, flowResource(ctx, row, v));
};

export const getFlow: Handler = (ctx) => {
  const v = view(ctx, true);
  const row = requireFlow(ctx, ctx.params.id!);
  return single(200, flowResource(ctx, row, v), flowIncludes(ctx, [row]));
};

export const getFlows: Handler = (ctx) => {
  const v = view(ctx, false);
  const text = ctx.req.query.get('filter');
  // `archived` is a boolean column (the mock never archives a flow).
  const filter = compileFilterWithBooleans(
    text ? parseFilter(text) : [],
    FLOW_FILTERS,
    { archived: 'archived' },
    'flow',
  );
  const page = ctx.store
    .repo(FlowsRepo)
    .list(collectionQuery(ctx.req, ctx.account, filter, FLOW_SORTS, PAGE));
  const included = flowIncludes(ctx, page.rows);
  const doc: Record<string, unknown> = {
    data: page.rows.map((r) => flowResource(ctx, r, v)),
    links: pageLinks(ctx.req, page),
  };
  if (included) doc.included = included.list();
  return reply(200, doc);
};

/** Klaviyo: "update_flow … changes all actions too": every action with a status takes the flow's. */
export const updateFlow: Handler = (ctx) => {
  const v = view(ctx, false);
  const body = parseBody(ctx, updateSchema).data;
  requireSameId(body.id, ctx.params.id);
  const row = requireFlow(ctx, ctx.params.id!);
  const repo = ctx.store.repo(FlowsRepo);
  const now = ctx.clock.now();
  const status = body.attributes.status;
  ctx.store.transaction(() => {
    repo.setStatus(row, status, now);
    for (const a of repo.actionsOf(row)) {
      if (a.status === null) continue;
      a.status = status;
      a.data = JSON.stringify({ ...JSON.parse(a.data ?? '{}'), status });
      a.updated = now;
      repo.updateAction(a);
    }
  });
  return single(200, flowResource(ctx, row, v));
};

export const deleteFlow: Handler = (ctx) => {
  const row = requireFlow(ctx, ctx.params.id!);
  ctx.store.transaction(() => ctx.store.repo(FlowsRepo).delete(row));
  return { status: 204, headers: {}, body: null };
};

function scopedPage<T extends { id: string }>(
  ctx: Ctx,
  scope: { column: string; seq: number },
  filters: Record<string, FieldSpec>,
  sorts: Record<string, string>,
  resource: string,
  list: (q: ReturnType<typeof collectionQuery>) => ListResult<T>,
): ListResult<T> {
  const text = ctx.req.query.get('filter');
  const compiled = text ? compileFilter(parseFilter(text), filters, resource) : { where: [], params: [] };
  const filter = {
    where: [`${scope.column} = ?`, ...compiled.where],
    params: [scope.seq, ...compiled.params],
  };
  return list(collectionQuery(ctx.req, ctx.account, filter, sorts, PAGE));
}

function actionsPage(ctx: Ctx) {
  const flow = requireFlow(ctx, ctx.params.id!);
  const repo = ctx.store.repo(FlowsRepo);
  return scopedPage(
    ctx,
    { column: 'flow', seq: flow.seq },
    ACTION_FILTERS,
    ACTION_SORTS,
    'flow-action',
    (q) => repo.listActions(q),
  );
}

function messagesPage(ctx: Ctx) {
  const action = requireAction(ctx, ctx.params.id!);
  const repo = ctx.store.repo(FlowsRepo);
  return scopedPage(
    ctx,
    { column: 'action', seq: action.seq },
    MESSAGE_FILTERS,
    MESSAGE_SORTS,
    'flow-message',
    (q) => repo.listMessages(q),
  );
}

const ids = (type: string, page: ListResult<{ id: string; seq: number }>, ctx: Ctx) =>
  reply(200, { data: page.rows.map((r) => ({ type, id: r.id })), links: pageLinks(ctx.req, page) });

export const getActionsForFlow: Handler = (ctx) => {
  const fields = fieldsParam(ctx.req, 'flow-action', ACTION_FIELDS);
  const page = actionsPage(ctx);
  return reply(200, {
    data: page.rows.map((a) => actionResource(ctx, a, fields)),
    links: pageLinks(ctx.req, page),
  });
};

export const getActionIdsForFlow: Handler = (ctx) => ids('flow-action', actionsPage(ctx), ctx);

export const getFlowAction: Handler = (ctx) => {
  const fields = fieldsParam(ctx.req, 'flow-action', ACTION_FIELDS);
  const include = listParam(ctx.req, 'include', ['flow', 'flow-messages']);
  const flowView: FlowView = { fields: fieldsParam(ctx.req, 'flow', FLOW_FIELDS), definition: false };
  const messageFields = fieldsParam(ctx.req, 'flow-message', MESSAGE_FIELDS);
  const action = requireAction(ctx, ctx.params.id!);
  const repo = ctx.store.repo(FlowsRepo);
  let included: Included | undefined;
  if (include.length) {
    included = new Included();
    if (include.includes('flow')) included.add(flowResource(ctx, repo.bySeq(action.flow)!, flowView));
    if (include.includes('flow-messages'))
      for (const m of repo.messagesOf(action)) included.add(messageResource(ctx, m, messageFields));
  }
  return single(200, actionResource(ctx, action, fields), included);
};

export const getFlowForAction: Handler = (ctx) => {
  const v = view(ctx, false);
  const action = requireAction(ctx, ctx.params.id!);
  return single(200, flowResource(ctx, ctx.store.repo(FlowsRepo).bySeq(action.flow)!, v));
};

export const getFlowIdForAction: Handler = (ctx) => {
  const action = requireAction(ctx, ctx.params.id!);
  const flow = ctx.store.repo(FlowsRepo).bySeq(action.flow)!;
  return reply(200, { data: { type: 'flow', id: flow.id }, links: { self: `${ctx.req.url.href}` } });
};

export const getMessagesForAction: Handler = (ctx) => {
  const fields = fieldsParam(ctx.req, 'flow-message', MESSAGE_FIELDS);
  const page = messagesPage(ctx);
  return reply(200, {
    data: page.rows.map((m) => messageResource(ctx, m, fields)),
    links: pageLinks(ctx.req, page),
  });
};

export const getMessageIdsForAction: Handler = (ctx) => ids('flow-message', messagesPage(ctx), ctx);

export const getFlowMessage: Handler = (ctx) => {
  const fields = fieldsParam(ctx.req, 'flow-message', MESSAGE_FIELDS);
  const actionFields = fieldsParam(ctx.req, 'flow-action', ACTION_FIELDS);
  fieldsParam(ctx.req, 'template', [
    'amp',
    'created',
    'editor_type',
    'html',
    'id',
    'name',
    'text',
    'updated',
  ]);
  const include = listParam(ctx.req, 'include', ['flow-action', 'template']);
  if (include.includes('template')) {
    throw invalidParam(
      'include',
      'include=template is not emulated by this mock; read the template by its id.',
    );
  }
  const message = requireFlowMessage(ctx, ctx.params.id!);
  let included: Included | undefined;
  if (include.includes('flow-action')) {
    included = new Included();
    included.add(actionResource(ctx, ctx.store.repo(FlowsRepo).actionBySeq(message.action)!, actionFields));
  }
  return single(200, messageResource(ctx, message, fields), included);
};

export const getActionForMessage: Handler = (ctx) => {
  const fields = fieldsParam(ctx.req, 'flow-action', ACTION_FIELDS);
  const message = requireFlowMessage(ctx, ctx.params.id!);
  return single(200, actionResource(ctx, ctx.store.repo(FlowsRepo).actionBySeq(message.action)!, fields));
};

export const getActionIdForMessage: Handler = (ctx) => {
  const message = requireFlowMessage(ctx, ctx.params.id!);
  const action = ctx.store.repo(FlowsRepo).actionBySeq(message.action)!;
  return reply(200, { data: { type: 'flow-action', id: action.id }, links: { self: `${ctx.req.url.href}` } });
};

export const getTemplateIdForMessage: Handler = (ctx) => {
  const message = requireFlowMessage(ctx, ctx.params.id!);
  const id = templateIdOf(message);
  return reply(200, {
    data: id ? { type: 'template', id } : null,
    links: { self: `${ctx.req.url.href}` },
  });
};

/** get_flows_triggered_by_{list,segment,metric} and their relationship forms (no paging in the spec). */
function triggered(kind: 'list' | 'segment' | 'metric', idsOnly: boolean): Handler {
  const check = { list: requireList, segment: requireSegment, metric: requireMetric }[kind];
  return (ctx) => {
    const v = view(ctx, false);
    check(ctx, ctx.params.id!);
    const flows = ctx.store.repo(FlowsRepo).triggeredBy(ctx.account, kind, ctx.params.id!);
    const data = flows.map((f) => (idsOnly ? { type: 'flow', id: f.id } : flowResource(ctx, f, v)));
    return reply(200, { data, links: { self: `${ctx.req.url.href}` } });
  };
}

export const flowsTriggeredBy = {
  list: triggered('list', false),
  listIds: triggered('list', true),
  segment: triggered('segment', false),
  segmentIds: triggered('segment', true),
  metric: triggered('metric', false),
  metricIds: triggered('metric', true),
};
