/**
 * Flow rules: checking a definition (the trigger and action types the mock runs; anything else is a 400
 * pointing at it), swapping `temporary_id`s for real ids, and the resources as Klaviyo serialises them
 * (flow, flow action, flow message).
 */
import type { Ctx } from '../../core/context.ts';
import { invalidBody, notFound } from '../../jsonapi/errors.ts';
import { isoTime, pickFields, type ResourceObject, relationship } from '../../jsonapi/serialize.ts';
import { ListsRepo } from '../lists/repo.ts';
import { MetricsRepo } from '../metrics/repo.ts';
import { compileConditions } from '../segments/model.ts';
import { SegmentsRepo } from '../segments/repo.ts';
import { TemplatesRepo } from '../templates/repo.ts';
import { type ActionRow, type FlowMessageRow, type FlowRow, FlowsRepo } from './repo.ts';

/** The sparse fieldsets accepted (`id` is allowed and always shown; dotted sub-fields are not emulated). */
export const FLOW_FIELDS = [
  'id',
  'name',
  'status',
  'archived',
  'created',
  'updated',
  'trigger_type',
] as const;
export const ACTION_FIELDS = ['id', 'created', 'updated', 'definition'] as const;
export const MESSAGE_FIELDS = ['id', 'channel', 'created', 'updated', 'definition'] as const;
export const STATUSES = ['draft', 'manual', 'live'] as const;

/** The trigger types the mock runs, with the `trigger_type` Klaviyo shows for them. */
const TRIGGERS: Record<string, string> = {
  metric: 'Metric',
  list: 'Added to List',
  // Klaviyo's trigger_type enum has no segment value; segment flows are grouped with list ones here.
  segment: 'Added to List',
};
export const ACTION_TYPES = ['time-delay', 'send-email', 'conditional-split', 'update-profile'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];
const DELAY_UNITS: Record<string, number> = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 };
const ACTION_STATUSES = ['disabled', 'draft', 'live', 'manual'];

export interface ActionInput {
  id?: string | null;
  temporary_id?: string | null;
  type: string;
  links?: Record<string, string | null> | null;
  data?: Record<string, unknown> | null;
}

export interface DefinitionInput {
  triggers: { type: string; id?: string | null; trigger_filter?: unknown }[];
  profile_filter?: { condition_groups: unknown[] } | null;
  actions: ActionInput[];
  entry_action_id: string;
  reentry_criteria?: { duration: number; unit: string } | null;
}

export function requireFlow(ctx: Ctx, id: string): FlowRow {
  const row = ctx.store.repo(FlowsRepo).byId(ctx.account, id);
  if (!row) throw notFound(`A flow with id ${id} does not exist.`);
  return row;
}

export function requireAction(ctx: Ctx, id: string): ActionRow {
  const row = ctx.store.repo(FlowsRepo).actionById(ctx.account, id);
  if (!row) throw notFound(`A flow action with id ${id} does not exist.`);
  return row;
}

export function requireFlowMessage(ctx: Ctx, id: string): FlowMessageRow {
  const row = ctx.store.repo(FlowsRepo).messageById(ctx.account, id);
  if (!row) throw notFound(`A flow message with id ${id} does not exist.`);
  return row;
}

/** How long a time-delay action waits, ms. */
export function delayMs(data: Record<string, unknown>): number {
  return (data.value as number) * DELAY_UNITS[(data.unit as string) ?? 'days']!;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The trigger: exactly one, of a type the mock runs, naming a metric / list / segment of the account. */
function checkTrigger(ctx: Ctx, def: DefinitionInput, base: string): { kind: string; id: string } {
  if (!Array.isArray(def.triggers) || def.triggers.length !== 1) {
    throw invalidBody(`${base}/triggers`, 'A flow definition takes exactly one trigger.');
  }
  const t = def.triggers[0]!;
  const at = `${base}/triggers/0`;
  if (!isObject(t) || !(String(t.type) in TRIGGERS)) {
    throw invalidBody(
      `${at}/type`,
      `Trigger type '${String(t?.type)}' is not emulated by this mock; emulated: ${Object.keys(TRIGGERS).join(', ')}.`,
    );
  }
  if (typeof t.id !== 'string' || t.id === '')
    throw invalidBody(`${at}/id`, `A ${t.type} trigger needs an id.`);
  if (t.trigger_filter != null) {
    throw invalidBody(`${at}/trigger_filter`, 'Trigger filters are not emulated by this mock.');
  }
  const exists =
    t.type === 'metric'
      ? ctx.store.repo(MetricsRepo).byId(ctx.account, t.id)
      : t.type === 'list'
        ? ctx.store.repo(ListsRepo).byId(ctx.account, t.id)
        : ctx.store.repo(SegmentsRepo).byId(ctx.account, t.id);
  if (!exists) throw invalidBody(`${at}/id`, `A ${t.type} with id ${t.id} does not exist.`);
  return { kind: t.type, id: t.id };
}

function checkDelay(data: Record<string, unknown>, at: string): Record<string, unknown> {
  const unit = data.unit ?? 'days';
  if (typeof unit !== 'string' || !(unit in DELAY_UNITS))
    throw invalidBody(`${at}/unit`, 'unit must be one of days, hours, minutes.');
  if (!Number.isInteger(data.value) || (data.value as number) < 0)
    throw invalidBody(`${at}/value`, 'value must be a non-negative integer.');
  for (const key of ['secondary_value', 'delay_until_time', 'delay_until_weekdays']) {
    if (data[key] != null) throw invalidBody(`${at}/${key}`, `${key} is not emulated by this mock.`);
  }
  return { ...data, unit, timezone: data.timezone ?? 'profile' };
}

const PROPERTY_TYPES: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  boolean: (v) => typeof v === 'boolean',
  numeric: (v) => typeof v === 'number',
  date: (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)),
};

function checkOperations(data: Record<string, unknown>, at: string): void {
  const ops = data.profile_operations;
  if (!Array.isArray(ops) || ops.length === 0)
    throw invalidBody(`${at}/profile_operations`, 'profile_operations needs at least one operation.');
  ops.forEach((op, i) => {
    const here = `${at}/profile_operations/${i}`;
    if (!isObject(op) || typeof op.property_key !== 'string' || op.property_key === '')
      throw invalidBody(`${here}/property_key`, 'property_key is required.');
    if (op.operator === 'delete') return;
    if (op.operator !== 'create' && op.operator !== 'update')
      throw invalidBody(`${here}/operator`, 'operator must be create, update or delete.');
    const check = PROPERTY_TYPES[String(op.property_type)];
    if (!check) {
      throw invalidBody(
        `${here}/property_type`,
        `property_type '${String(op.property_type)}' is not emulated by this mock; emulated: ${Object.keys(PROPERTY_TYPES).join(', ')}.`,
      );
    }
    if (!check(op.property_value))
      throw invalidBody(`${here}/property_value`, `property_value is not a ${op.property_type}.`);
  });
}

function checkStatus(data: Record<string, unknown>, at: string): string {
  const status = data.status ?? 'draft';
  if (typeof status !== 'string' || !ACTION_STATUSES.includes(status))
    throw invalidBody(`${at}/status`, `status must be one of ${ACTION_STATUSES.join(', ')}.`);
  return status;
}

function checkEmail(ctx: Ctx, data: Record<string, unknown>, at: string): Record<string, unknown> {
  const message = data.message;
  if (!isObject(message)) throw invalidBody(`${at}/message`, 'A send-email action needs a message.');
  const template = message.template_id;
  if (typeof template !== 'string' || !ctx.store.repo(TemplatesRepo).byId(ctx.account, template))
    throw invalidBody(`${at}/message/template_id`, `A template with id ${String(template)} does not exist.`);
  return message;
}

export interface PreparedAction {
  id: string;
  type: ActionType;
  status: string | null;
  links: Record<string, string | null> | null;
  data: Record<string, unknown>;
  /** send-email: the message to create. */
  message?: { id: string; name: string; definition: Record<string, unknown> };
}

export interface PreparedFlow {
  trigger: { kind: string; id: string; type: string };
  triggers: unknown[];
  profileFilter: unknown;
  entry: string;
  reentry: unknown;
  actions: PreparedAction[];
}

/** Check a create_flow definition and give every action (and email message) its real id. */
export function prepareDefinition(ctx: Ctx, def: DefinitionInput, base: string): PreparedFlow {
  const trigger = checkTrigger(ctx, def, base);
  if (def.profile_filter != null) compileConditions(def.profile_filter, `${base}/profile_filter`);
  if (!Array.isArray(def.actions) || def.actions.length === 0)
    throw invalidBody(`${base}/actions`, 'A flow definition needs at least one action.');
  const real = new Map<string, string>();
  def.actions.forEach((a, i) => {
    const at = `${base}/actions/${i}`;
    if (!isObject(a)) throw invalidBody(at, 'An action is an object.');
    if (a.id != null) throw invalidBody(`${at}/id`, 'New actions take a temporary_id, not an id.');
    if (typeof a.temporary_id !== 'string' || a.temporary_id === '')
      throw invalidBody(`${at}/temporary_id`, 'Every action needs a temporary_id.');
    if (real.has(a.temporary_id))
      throw invalidBody(`${at}/temporary_id`, `temporary_id ${a.temporary_id} is used twice.`);
    if (!(ACTION_TYPES as readonly string[]).includes(a.type)) {
      throw invalidBody(
        `${at}/type`,
        `Action type '${String(a.type)}' is not emulated by this mock; emulated: ${ACTION_TYPES.join(', ')}.`,
      );
    }
    real.set(a.temporary_id, ctx.ids.shortId());
  });
  const link = (value: unknown, at: string): string | null => {
    if (value == null) return null;
    const id = real.get(String(value));
    if (!id)
      throw invalidBody(at, `${String(value)} is not the temporary_id of an action in this definition.`);
    return id;
  };
  const actions = def.actions.map((a, i): PreparedAction => {
    const at = `${base}/actions/${i}`;
    const type = a.type as ActionType;
    const data = isObject(a.data) ? a.data : {};
    const keys = type === 'conditional-split' ? ['next_if_true', 'next_if_false'] : ['next'];
    const links = Object.fromEntries(keys.map((k) => [k, link(a.links?.[k], `${at}/links/${k}`)]));
    const out: PreparedAction = { id: real.get(a.temporary_id!)!, type, status: null, links, data };
    if (type === 'time-delay') out.data = checkDelay(data, `${at}/data`);
    if (type === 'conditional-split') {
      if (!isObject(data.profile_filter))
        throw invalidBody(`${at}/data/profile_filter`, 'A conditional split needs a profile_filter.');
      compileConditions(data.profile_filter, `${at}/data/profile_filter`);
    }
    if (type === 'update-profile') {
      checkOperations(data, `${at}/data`);
      out.status = checkStatus(data, `${at}/data`);
    }
    if (type === 'send-email') {
      const message = checkEmail(ctx, data, `${at}/data`);
      out.status = checkStatus(data, `${at}/data`);
      const id = ctx.ids.ulid();
      const name = typeof message.name === 'string' ? message.name : `Email #${i + 1}`;
      const definition = { ...message, id, name };
      out.message = { id, name, definition };
      out.data = { ...data, message: definition };
    }
    if (out.status !== null) out.data = { ...out.data, status: out.status };
    return out;
  });
  const entry = link(def.entry_action_id, `${base}/entry_action_id`);
  if (!entry) throw invalidBody(`${base}/entry_action_id`, 'entry_action_id is required.');
  return {
    trigger: { ...trigger, type: TRIGGERS[trigger.kind]! },
    triggers: def.triggers,
    profileFilter: def.profile_filter ?? null,
    entry,
    reentry: def.reentry_criteria ?? null,
    actions,
  };
}

/** An action as the definition shows it: `{id, type, links, data}`. */
export function actionDefinition(a: ActionRow): Record<string, unknown> {
  const out: Record<string, unknown> = { id: a.id, type: a.type };
  if (a.links) out.links = JSON.parse(a.links);
  if (a.data) out.data = JSON.parse(a.data);
  return out;
}

export function flowDefinition(ctx: Ctx, row: FlowRow): Record<string, unknown> {
  return {
    triggers: JSON.parse(row.triggers),
    profile_filter: row.profile_filter ? JSON.parse(row.profile_filter) : null,
    actions: ctx.store.repo(FlowsRepo).actionsOf(row).map(actionDefinition),
    entry_action_id: row.entry_action,
    reentry_criteria: row.reentry ? JSON.parse(row.reentry) : null,
  };
}

export interface FlowView {
  fields: string[] | null;
  definition: boolean;
}

export function flowResource(ctx: Ctx, row: FlowRow, view: FlowView): ResourceObject {
  const origin = ctx.req.url.origin;
  const base = `/api/flows/${row.id}`;
  const attributes: Record<string, unknown> = {
    name: row.name,
    status: row.status,
    archived: row.archived === 1,
    created: isoTime(row.created),
    updated: isoTime(row.updated),
    trigger_type: row.trigger_type,
  };
  if (view.definition) attributes.definition = flowDefinition(ctx, row);
  const actions = ctx.store.repo(FlowsRepo).actionsOf(row);
  return {
    type: 'flow',
    id: row.id,
    attributes: pickFields(
      attributes,
      view.fields && view.definition ? [...view.fields, 'definition'] : view.fields,
    ),
    relationships: {
      'flow-actions': relationship(
        origin,
        base,
        'flow-actions',
        actions.map((a) => ({ type: 'flow-action', id: a.id })),
      ),
      tags: relationship(origin, base, 'tags', []),
    },
    links: { self: `${origin}${base}/` },
  };
}

export function actionResource(ctx: Ctx, row: ActionRow, fields: string[] | null): ResourceObject {
  const origin = ctx.req.url.origin;
  const base = `/api/flow-actions/${row.id}`;
  const repo = ctx.store.repo(FlowsRepo);
  const flow = repo.bySeq(row.flow)!;
  const attributes = {
    created: isoTime(row.created),
    updated: isoTime(row.updated),
    definition: actionDefinition(row),
  };
  return {
    type: 'flow-action',
    id: row.id,
    attributes: pickFields(attributes, fields),
    relationships: {
      flow: relationship(origin, base, 'flow', { type: 'flow', id: flow.id }),
      'flow-messages': relationship(
        origin,
        base,
        'flow-messages',
        repo.messagesOf(row).map((m) => ({ type: 'flow-message', id: m.id })),
      ),
    },
    links: { self: `${origin}${base}/` },
  };
}

export function templateIdOf(m: FlowMessageRow): string | null {
  const id = (JSON.parse(m.definition) as { template_id?: unknown }).template_id;
  return typeof id === 'string' ? id : null;
}

export function messageResource(ctx: Ctx, row: FlowMessageRow, fields: string[] | null): ResourceObject {
  const origin = ctx.req.url.origin;
  const base = `/api/flow-messages/${row.id}`;
  const action = ctx.store.repo(FlowsRepo).actionBySeq(row.action)!;
  const template = templateIdOf(row);
  const attributes = {
    channel: row.channel,
    created: isoTime(row.created),
    updated: isoTime(row.updated),
    definition: JSON.parse(row.definition),
  };
  return {
    type: 'flow-message',
    id: row.id,
    attributes: pickFields(attributes, fields),
    relationships: {
      'flow-action': relationship(origin, base, 'flow-action', { type: 'flow-action', id: action.id }),
      template: relationship(
        origin,
        base,
        'template',
        template ? { type: 'template', id: template } : undefined,
      ),
    },
    links: { self: `${origin}${base}/` },
  };
}
