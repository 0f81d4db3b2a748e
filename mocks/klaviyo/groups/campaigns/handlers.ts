/**
 * Campaigns API, the campaign itself: create (with its email message), read (one, many: the spec's
 * required `messages.channel` filter), update and delete (drafts only, as Klaviyo refuses to edit a
 * scheduled or sent campaign), clone.
 */
import type { z } from 'zod';
import { type Ctx, type Handler, parseBody, reply } from '../../core/context.ts';
import { invalidBody, invalidParam, requireSameId } from '../../jsonapi/errors.ts';
import { compileFilterWithBooleans, type FieldSpec, parseFilter } from '../../jsonapi/filter.ts';
import { collectionQuery, pageLinks } from '../../jsonapi/pagination.ts';
import { fieldsParam, listParam } from '../../jsonapi/query.ts';
import { Included } from '../../jsonapi/serialize.ts';
import { checkTemplate, TemplateSyntaxError } from '../templates/render.ts';
import {
  CAMPAIGN_FIELDS,
  campaignResource,
  checkAudiences,
  MESSAGE_FIELDS,
  messageResource,
  requireCampaign,
} from './model.ts';
import { type CampaignRow, CampaignsRepo } from './repo.ts';
import {
  cloneSchema,
  createSchema,
  type EmailDefinition,
  type sendOptionsSchema,
  type trackingOptionsSchema,
  updateSchema,
} from './schemas.ts';
import { stopSend } from './send.ts';

const DATE_OPS = ['greater-or-equal', 'greater-than', 'less-or-equal', 'less-than'];
const CAMPAIGN_FILTERS: Record<string, FieldSpec> = {
  id: { column: 'id', type: 'string', ops: ['any'] },
  name: { column: 'name', type: 'string', ops: ['contains'] },
  status: { column: 'status', type: 'string', ops: ['any', 'equals'] },
  created_at: { column: 'created', type: 'datetime', ops: DATE_OPS },
  scheduled_at: { column: 'scheduled_at', type: 'datetime', ops: DATE_OPS },
  updated_at: { column: 'updated', type: 'datetime', ops: DATE_OPS },
};
const SORTS: Record<string, string> = {
  created_at: 'created',
  id: 'id',
  name: 'name',
  scheduled_at: 'scheduled_at',
  updated_at: 'updated',
};
const CHANNELS = ['email', 'sms', 'mobile_push'];

/** A new or cloned campaign: a draft nobody has sent, estimated or archived. */
const UNSENT = {
  status: 'Draft',
  archived: 0,
  scheduled_at: null,
  send_time: null,
  send_job: null,
  estimation_job: null,
  estimated_count: null,
} as const;

/** Defaults Klaviyo fills in for an email campaign. */
function sendOptions(input: z.infer<typeof sendOptionsSchema> | null | undefined) {
  return { use_smart_sending: input?.use_smart_sending ?? true };
}
function trackingOptions(input: z.infer<typeof trackingOptionsSchema> | null | undefined) {
  const out: Record<string, unknown> = {
    add_tracking_params: input?.add_tracking_params ?? false,
    is_tracking_clicks: input?.is_tracking_clicks ?? true,
    is_tracking_opens: input?.is_tracking_opens ?? true,
  };
  if (input?.custom_tracking_params) out.custom_tracking_params = input.custom_tracking_params;
  return out;
}

/** The subject is rendered per recipient; one that could never render is refused now. */
export function checkSubject(def: Partial<EmailDefinition>, pointer: string): void {
  const subject = def.content?.subject;
  if (!subject) return;
  try {
    checkTemplate(subject);
  } catch (err) {
    if (!(err instanceof TemplateSyntaxError)) throw err;
    throw invalidBody(`${pointer}/content/subject`, `The subject does not compile: ${err.message}`);
  }
}

export function requireDraft(c: CampaignRow, what: string): void {
  if (c.status !== 'Draft') {
    throw invalidBody('/data', `Campaign ${c.id} is ${c.status}: only a Draft campaign can be ${what}.`);
  }
}

function single(ctx: Ctx, status: number, row: CampaignRow, included?: Included) {
  const data = campaignResource(ctx, row, fieldsParam(ctx.req, 'campaign', CAMPAIGN_FIELDS));
  const doc: Record<string, unknown> = { data, links: { self: data.links.self } };
  if (included) doc.included = included.list();
  return reply(status, doc);
}

/** `include=campaign-messages,tags` for one campaign or a page of them. */
function includes(ctx: Ctx, rows: CampaignRow[]): Included | undefined {
  const include = listParam(ctx.req, 'include', ['campaign-messages', 'tags']);
  const messageFields = fieldsParam(ctx.req, 'campaign-message', MESSAGE_FIELDS);
  fieldsParam(ctx.req, 'tag', ['name']);
  if (include.length === 0) return undefined;
  const out = new Included();
  if (include.includes('campaign-messages')) {
    const repo = ctx.store.repo(CampaignsRepo);
    for (const c of rows) for (const m of repo.messagesOf(c)) out.add(messageResource(ctx, m, messageFields));
  }
  return out;
}

export const createCampaign: Handler = (ctx) => {
  const a = parseBody(ctx, createSchema).data.attributes;
  checkAudiences(ctx, a.audiences, '/data/attributes/audiences');
  a['campaign-messages'].data.forEach((m, i) => {
    const pointer = `/data/attributes/campaign-messages/data/${i}/attributes/definition`;
    checkSubject(m.attributes.definition, pointer);
  });
  const now = ctx.clock.now();
  const repo = ctx.store.repo(CampaignsRepo);
  const row = ctx.store.transaction(() => {
    const c = repo.insert({
      account: ctx.account,
      id: ctx.ids.ulid(),
      name: a.name,
      ...UNSENT,
      channel: 'email',
      audiences: JSON.stringify({ included: a.audiences.included, excluded: a.audiences.excluded ?? [] }),
      send_strategy: JSON.stringify(a.send_strategy ?? { method: 'immediate' }),
      send_options: JSON.stringify(sendOptions(a.send_options)),
      tracking_options: JSON.stringify(trackingOptions(a.tracking_options)),
      created: now,
      updated: now,
    });
    for (const m of a['campaign-messages'].data) {
      repo.insertMessage({
        account: ctx.account,
        id: ctx.ids.ulid(),
        campaign: c.seq,
        definition: JSON.stringify(m.attributes.definition),
        template: null,
        created: now,
        updated: now,
      });
    }
    return c;
  });
  return single(ctx, 201, row);
};

export const getCampaign: Handler = (ctx) => {
  const row = requireCampaign(ctx, ctx.params.id!);
  return single(ctx, 200, row, includes(ctx, [row]));
};

/** Pull out the required channel condition, then compile the rest (`archived` is a boolean). */
function campaignFilter(text: string | null): { where: string[]; params: unknown[] } {
  const conditions = text ? parseFilter(text) : [];
  const channel = conditions.find((c) => c.field === 'messages.channel');
  const value = channel?.value?.value;
  if (channel?.op !== 'equals' || typeof value !== 'string' || !CHANNELS.includes(value)) {
    throw invalidParam(
      'filter',
      `get_campaigns needs a channel filter: equals(messages.channel,'email') (or 'sms', 'mobile_push').`,
    );
  }
  const compiled = compileFilterWithBooleans(
    conditions.filter((c) => c !== channel),
    CAMPAIGN_FILTERS,
    { archived: 'archived' },
    'campaign',
  );
  return { where: ['channel = ?', ...compiled.where], params: [value, ...compiled.params] };
}

export const getCampaigns: Handler = (ctx) => {
  const filter = campaignFilter(ctx.req.query.get('filter'));
  const page = ctx.store
    .repo(CampaignsRepo)
    .list(collectionQuery(ctx.req, ctx.account, filter, SORTS, { def: 100, max: 100 }));
  const fields = fieldsParam(ctx.req, 'campaign', CAMPAIGN_FIELDS);
  const included = includes(ctx, page.rows);
  const doc: Record<string, unknown> = {
    data: page.rows.map((r) => campaignResource(ctx, r, fields)),
    links: pageLinks(ctx.req, page),
  };
  if (included) doc.included = included.list();
  return reply(200, doc);
};

export const updateCampaign: Handler = (ctx) => {
  const body = parseBody(ctx, updateSchema);
  requireSameId(body.data.id, ctx.params.id);
  const row = requireCampaign(ctx, ctx.params.id!);
  requireDraft(row, 'updated');
  const a = body.data.attributes;
  if (a.audiences) {
    checkAudiences(ctx, a.audiences, '/data/attributes/audiences');
    row.audiences = JSON.stringify({ included: a.audiences.included, excluded: a.audiences.excluded ?? [] });
  }
  if (a.name) row.name = a.name;
  if (a.send_strategy) row.send_strategy = JSON.stringify(a.send_strategy);
  if (a.send_options) row.send_options = JSON.stringify(sendOptions(a.send_options));
  if (a.tracking_options) row.tracking_options = JSON.stringify(trackingOptions(a.tracking_options));
  row.updated = ctx.clock.now();
  ctx.store.repo(CampaignsRepo).update(row);
  return single(ctx, 200, row);
};

export const deleteCampaign: Handler = (ctx) => {
  const row = requireCampaign(ctx, ctx.params.id!);
  if (row.status === 'Sending') {
    throw invalidBody('/data', `Campaign ${row.id} is sending; cancel the send job before deleting it.`);
  }
  stopSend(ctx, row);
  ctx.store.transaction(() => ctx.store.repo(CampaignsRepo).delete(row));
  return { status: 204, headers: {}, body: null };
};

export const cloneCampaign: Handler = (ctx) => {
  const body = parseBody(ctx, cloneSchema).data;
  const source = requireCampaign(ctx, body.id);
  const repo = ctx.store.repo(CampaignsRepo);
  const now = ctx.clock.now();
  const row = ctx.store.transaction(() => {
    const { seq: _seq, ...rest } = source;
    const c = repo.insert({
      ...rest,
      account: ctx.account,
      id: ctx.ids.ulid(),
      // Klaviyo names an unnamed clone after its source.
      name: body.attributes?.new_name ?? `${source.name} (Clone)`,
      ...UNSENT,
      created: now,
      updated: now,
    });
    for (const m of repo.messagesOf(source)) {
      // The clone's messages get their own copies of the templates, under new ids.
      const template = m.template
        ? JSON.stringify({ ...JSON.parse(m.template), id: ctx.ids.shortId() })
        : null;
      repo.insertMessage({
        ...m,
        account: ctx.account,
        id: ctx.ids.ulid(),
        campaign: c.seq,
        template,
        created: now,
        updated: now,
      });
    }
    return c;
  });
  return single(ctx, 201, row);
};
