/**
 * Campaigns API, the messages: read and update a message, assign a template (the message keeps its
 * own copy: later edits or deletion of the template do not reach it), and the message ↔ campaign ↔
 * template relationships.
 */
import { type Ctx, type Handler, parseBody, reply } from '../../core/context.ts';
import { requireSameId } from '../../jsonapi/errors.ts';
import { fieldsParam, listParam } from '../../jsonapi/query.ts';
import { Included } from '../../jsonapi/serialize.ts';
import { requireTemplate } from '../templates/model.ts';
import { checkSubject, requireDraft } from './handlers.ts';
import {
  CAMPAIGN_FIELDS,
  campaignOf,
  campaignResource,
  flatMessageResource,
  MESSAGE_FIELDS,
  messageResource,
  requireCampaign,
  requireMessage,
  templateCopyResource,
} from './model.ts';
import { CampaignsRepo, type TemplateCopy } from './repo.ts';
import { assignTemplateSchema, messageUpdateSchema } from './schemas.ts';

const TEMPLATE_FIELDS = ['name', 'editor_type', 'html', 'text', 'amp', 'created', 'updated'];
const selfLink = (ctx: Ctx) => ({ self: `${ctx.req.url.origin}${ctx.req.path}` });
const copyOf = (template: string | null) => (template ? (JSON.parse(template) as TemplateCopy) : null);

export const getCampaignMessage: Handler = (ctx) => {
  const include = listParam(ctx.req, 'include', ['campaign', 'image', 'template']);
  const fields = fieldsParam(ctx.req, 'campaign-message', MESSAGE_FIELDS);
  const campaignFields = fieldsParam(ctx.req, 'campaign', CAMPAIGN_FIELDS);
  const templateFields = fieldsParam(ctx.req, 'template', TEMPLATE_FIELDS);
  fieldsParam(ctx.req, 'image', ['format', 'hidden', 'image_url', 'name', 'size', 'updated_at']);
  const row = requireMessage(ctx, ctx.params.id!);
  const data = messageResource(ctx, row, fields);
  const doc: Record<string, unknown> = { data, links: { self: data.links.self } };
  if (include.length) {
    const included = new Included();
    if (include.includes('campaign'))
      included.add(campaignResource(ctx, campaignOf(ctx, row), campaignFields));
    const copy = copyOf(row.template);
    if (include.includes('template') && copy) included.add(templateCopyResource(ctx, copy, templateFields));
    doc.included = included.list();
  }
  return reply(200, doc);
};

export const updateCampaignMessage: Handler = (ctx) => {
  const fields = fieldsParam(ctx.req, 'campaign-message', MESSAGE_FIELDS);
  const body = parseBody(ctx, messageUpdateSchema);
  requireSameId(body.data.id, ctx.params.id);
  const row = requireMessage(ctx, ctx.params.id!);
  requireDraft(campaignOf(ctx, row), 'edited');
  const def = body.data.attributes.definition;
  if (def) {
    checkSubject(def, '/data/attributes/definition');
    const old = JSON.parse(row.definition) as { label?: string; content?: Record<string, unknown> };
    row.definition = JSON.stringify({
      ...old,
      channel: 'email',
      ...(def.label !== undefined ? { label: def.label } : {}),
      content: { ...old.content, ...def.content },
    });
  }
  row.updated = ctx.clock.now();
  ctx.store.repo(CampaignsRepo).updateMessage(row);
  const data = messageResource(ctx, row, fields);
  return reply(200, { data, links: { self: data.links.self } });
};

export const assignTemplate: Handler = (ctx) => {
  const body = parseBody(ctx, assignTemplateSchema).data;
  const row = requireMessage(ctx, body.id);
  requireDraft(campaignOf(ctx, row), 'given a template');
  const template = requireTemplate(ctx, body.relationships.template.data.id);
  const now = ctx.clock.now();
  const copy: TemplateCopy = {
    id: ctx.ids.shortId(),
    name: template.name,
    editor_type: template.editor_type,
    html: template.html,
    text: template.text,
    amp: template.amp,
    created: now,
    updated: now,
  };
  row.template = JSON.stringify(copy);
  row.updated = now;
  ctx.store.repo(CampaignsRepo).updateMessage(row);
  const data = flatMessageResource(ctx, row);
  return reply(200, { data, links: { self: data.links.self } });
};

export const getTemplateForMessage: Handler = (ctx) => {
  const fields = fieldsParam(ctx.req, 'template', TEMPLATE_FIELDS);
  const copy = copyOf(requireMessage(ctx, ctx.params.id!).template);
  return reply(200, { data: copy ? templateCopyResource(ctx, copy, fields) : null, links: selfLink(ctx) });
};

export const getTemplateIdForMessage: Handler = (ctx) => {
  const copy = copyOf(requireMessage(ctx, ctx.params.id!).template);
  return reply(200, { data: copy ? { type: 'template', id: copy.id } : null, links: selfLink(ctx) });
};

export const getCampaignForMessage: Handler = (ctx) => {
  const fields = fieldsParam(ctx.req, 'campaign', CAMPAIGN_FIELDS);
  const campaign = campaignOf(ctx, requireMessage(ctx, ctx.params.id!));
  return reply(200, { data: campaignResource(ctx, campaign, fields), links: selfLink(ctx) });
};

export const getCampaignIdForMessage: Handler = (ctx) => {
  const campaign = campaignOf(ctx, requireMessage(ctx, ctx.params.id!));
  return reply(200, { data: { type: 'campaign', id: campaign.id }, links: selfLink(ctx) });
};

export const getMessagesForCampaign: Handler = (ctx) => {
  const fields = fieldsParam(ctx.req, 'campaign-message', MESSAGE_FIELDS);
  fieldsParam(ctx.req, 'campaign', CAMPAIGN_FIELDS);
  fieldsParam(ctx.req, 'template', TEMPLATE_FIELDS);
  fieldsParam(ctx.req, 'image', ['format', 'hidden', 'image_url', 'name', 'size', 'updated_at']);
  const include = listParam(ctx.req, 'include', ['campaign', 'image', 'template']);
  const rows = ctx.store.repo(CampaignsRepo).messagesOf(requireCampaign(ctx, ctx.params.id!));
  const doc: Record<string, unknown> = {
    data: rows.map((m) => messageResource(ctx, m, fields)),
    links: selfLink(ctx),
  };
  if (include.length) doc.included = [];
  return reply(200, doc);
};

export const getMessageIdsForCampaign: Handler = (ctx) => {
  const rows = ctx.store.repo(CampaignsRepo).messagesOf(requireCampaign(ctx, ctx.params.id!));
  return reply(200, {
    data: rows.map((m) => ({ type: 'campaign-message', id: m.id })),
    links: selfLink(ctx),
  });
};
