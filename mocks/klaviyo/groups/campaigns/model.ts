/**
 * Campaign rules shared by the handlers, the send job and other groups (reporting reads messages
 * through the repo): the resources as Klaviyo serialises them, `requireCampaign` / `requireMessage`,
 * and who a campaign reaches.
 *
 * Recipients are the profiles in any included list or segment, minus those in any excluded one, minus
 * profiles that cannot receive email marketing (the subscriptions group's rule: no address, a
 * suppression, or unsubscribed), in profile creation order so a send is reproducible.
 */
import type { Ctx } from '../../core/context.ts';
import type { KlaviyoStore } from '../../core/store.ts';
import { invalidBody, notFound } from '../../jsonapi/errors.ts';
import { isoTime, pickFields, type ResourceObject, relationship } from '../../jsonapi/serialize.ts';
import { ListsRepo } from '../lists/repo.ts';
import { type ProfileRow, ProfilesRepo } from '../profiles/repo.ts';
import { SegmentsRepo } from '../segments/repo.ts';
import { emailConsent } from '../subscriptions/model.ts';
import { templateAttributes } from '../templates/model.ts';
import { type CampaignRow, CampaignsRepo, type MessageRow, type TemplateCopy } from './repo.ts';

export const CAMPAIGN_FIELDS = [
  'name',
  'status',
  'archived',
  'audiences',
  'send_options',
  'tracking_options',
  'send_strategy',
  'created_at',
  'scheduled_at',
  'updated_at',
  'send_time',
] as const;
export const MESSAGE_FIELDS = ['definition', 'send_times', 'created_at', 'updated_at'] as const;

export interface Audiences {
  included: string[];
  excluded?: string[] | null;
}

export function requireCampaign(ctx: Ctx, id: string): CampaignRow {
  const row = ctx.store.repo(CampaignsRepo).byId(ctx.account, id);
  if (!row) throw notFound(`A campaign with id ${id} does not exist.`);
  return row;
}

export function requireMessage(ctx: Ctx, id: string): MessageRow {
  const row = ctx.store.repo(CampaignsRepo).messageById(ctx.account, id);
  if (!row) throw notFound(`A campaign message with id ${id} does not exist.`);
  return row;
}

/** The campaign a message belongs to (always there: messages go with their campaign). */
export function campaignOf(ctx: Ctx, message: MessageRow): CampaignRow {
  return ctx.store.repo(CampaignsRepo).bySeq(message.campaign)!;
}

/** Every audience id must be a list or segment of the account; a 400 points at the first that is not. */
export function checkAudiences(ctx: Ctx, audiences: Audiences, pointer: string): void {
  const lists = ctx.store.repo(ListsRepo);
  const segments = ctx.store.repo(SegmentsRepo);
  for (const key of ['included', 'excluded'] as const) {
    (audiences[key] ?? []).forEach((id, i) => {
      if (!lists.byId(ctx.account, id) && !segments.byId(ctx.account, id)) {
        throw invalidBody(`${pointer}/${key}/${i}`, `${id} is not a list or segment in this account.`);
      }
    });
  }
}

function memberSeqs(store: KlaviyoStore, account: string | number, ids: readonly string[]): Set<number> {
  const lists = store.repo(ListsRepo);
  const segments = store.repo(SegmentsRepo);
  const out = new Set<number>();
  for (const id of ids) {
    const list = lists.byId(account as string, id);
    if (list) for (const seq of lists.memberSeqs(list)) out.add(seq);
    const segment = list ? undefined : segments.byId(account, id);
    if (segment) for (const seq of segments.memberSeqs(segment)) out.add(seq);
  }
  return out;
}

/** Who the campaign reaches now, in profile creation order. */
export function recipients(store: KlaviyoStore, campaign: CampaignRow): ProfileRow[] {
  const audiences = JSON.parse(campaign.audiences) as Audiences;
  const excluded = memberSeqs(store, campaign.account, audiences.excluded ?? []);
  const profiles = store.repo(ProfilesRepo);
  const out: ProfileRow[] = [];
  const included = [...memberSeqs(store, campaign.account, audiences.included)].sort((a, b) => a - b);
  for (const seq of included) {
    if (excluded.has(seq)) continue;
    const p = profiles.bySeq(seq);
    if (p && emailConsent(store, p).canReceive) out.push(p);
  }
  return out;
}

export function campaignResource(ctx: Ctx, row: CampaignRow, fields: string[] | null): ResourceObject {
  const origin = ctx.req.url.origin;
  const base = `/api/campaigns/${row.id}`;
  const messages = ctx.store.repo(CampaignsRepo).messagesOf(row);
  const attributes = {
    name: row.name,
    status: row.status,
    archived: row.archived === 1,
    audiences: JSON.parse(row.audiences),
    send_options: JSON.parse(row.send_options),
    tracking_options: JSON.parse(row.tracking_options),
    send_strategy: JSON.parse(row.send_strategy),
    created_at: isoTime(row.created),
    scheduled_at: isoTime(row.scheduled_at),
    updated_at: isoTime(row.updated),
    send_time: isoTime(row.send_time),
  };
  return {
    type: 'campaign',
    id: row.id,
    attributes: pickFields(attributes, fields),
    relationships: {
      'campaign-messages': relationship(
        origin,
        base,
        'campaign-messages',
        messages.map((m) => ({ type: 'campaign-message', id: m.id })),
      ),
      tags: relationship(origin, base, 'tags', []),
    },
    links: { self: `${origin}${base}/` },
  };
}

function messageRelationships(ctx: Ctx, row: MessageRow): Record<string, unknown> {
  const origin = ctx.req.url.origin;
  const base = `/api/campaign-messages/${row.id}`;
  const copy = row.template ? (JSON.parse(row.template) as TemplateCopy) : null;
  return {
    campaign: relationship(origin, base, 'campaign', { type: 'campaign', id: campaignOf(ctx, row).id }),
    template: relationship(origin, base, 'template', copy ? { type: 'template', id: copy.id } : undefined),
    image: relationship(origin, base, 'image'),
  };
}

function sendTimes(campaign: CampaignRow): { datetime: string; is_local: boolean }[] {
  return campaign.send_time === null ? [] : [{ datetime: isoTime(campaign.send_time)!, is_local: false }];
}

export function messageResource(ctx: Ctx, row: MessageRow, fields: string[] | null): ResourceObject {
  const attributes = {
    definition: JSON.parse(row.definition),
    send_times: sendTimes(campaignOf(ctx, row)),
    created_at: isoTime(row.created),
    updated_at: isoTime(row.updated),
  };
  return {
    type: 'campaign-message',
    id: row.id,
    attributes: pickFields(attributes, fields),
    relationships: messageRelationships(ctx, row),
    links: { self: `${ctx.req.url.origin}/api/campaign-messages/${row.id}/` },
  };
}

/**
 * The older flat message shape (`label`, `channel`, `content`) that assign-template still answers
 * with (the spec's PostCampaignMessageResponse).
 */
export function flatMessageResource(ctx: Ctx, row: MessageRow): ResourceObject {
  const def = JSON.parse(row.definition) as { channel: string; label?: string; content?: unknown };
  const { image: _image, ...relationships } = messageRelationships(ctx, row);
  return {
    type: 'campaign-message',
    id: row.id,
    attributes: {
      label: def.label ?? '',
      channel: def.channel,
      content: def.content ?? {},
      send_times: sendTimes(campaignOf(ctx, row)),
      created_at: isoTime(row.created),
      updated_at: isoTime(row.updated),
    },
    relationships,
    links: { self: `${ctx.req.url.origin}/api/campaign-messages/${row.id}/` },
  };
}

/** The message's own copy of its template, as a template resource. */
export function templateCopyResource(ctx: Ctx, copy: TemplateCopy, fields: string[] | null): ResourceObject {
  return {
    type: 'template',
    id: copy.id,
    attributes: pickFields(templateAttributes(copy), fields),
    links: { self: `${ctx.req.url.origin}/api/templates/${copy.id}/` },
  };
}
