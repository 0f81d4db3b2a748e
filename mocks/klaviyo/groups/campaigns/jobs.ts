/**
 * Campaigns API, the jobs: send (202; the job id is the campaign id), read the send job, cancel or
 * revert it; recipient estimation jobs and the estimate. The work itself is in send.ts.
 */
import { type Ctx, type Handler, parseBody, reply } from '../../core/context.ts';
import { invalidBody, notFound, requireSameId } from '../../jsonapi/errors.ts';
import { recipients, requireCampaign } from './model.ts';
import { type CampaignRow, CampaignsRepo, type JobStatus } from './repo.ts';
import { cancelSendSchema, estimationJobSchema, sendJobSchema } from './schemas.ts';
import { queueEstimate, queueSend, stopSend } from './send.ts';

function job(ctx: Ctx, status: number, type: string, path: string, id: string, state: JobStatus) {
  const self = `${ctx.req.url.origin}${path}/${id}/`;
  return reply(status, {
    data: { type, id, attributes: { status: state }, links: { self } },
    links: { self },
  });
}

const sendJob = (ctx: Ctx, status: number, c: CampaignRow) =>
  job(ctx, status, 'campaign-send-job', '/api/campaign-send-jobs', c.id, c.send_job!);

export const sendCampaign: Handler = (ctx) => {
  const body = parseBody(ctx, sendJobSchema).data;
  const c = requireCampaign(ctx, body.id);
  if (c.status !== 'Draft') {
    throw invalidBody('/data/id', `Campaign ${c.id} is ${c.status}; only a Draft campaign can be sent.`);
  }
  const missing = ctx.store
    .repo(CampaignsRepo)
    .messagesOf(c)
    .find((m) => m.template === null);
  if (missing) {
    throw invalidBody(
      '/data/id',
      `Campaign message ${missing.id} has no template; assign one with POST /api/campaign-message-assign-template first.`,
    );
  }
  queueSend(ctx, c);
  return sendJob(ctx, 202, c);
};

function requireSendJob(ctx: Ctx, id: string): CampaignRow {
  const c = ctx.store.repo(CampaignsRepo).byId(ctx.account, id);
  if (!c?.send_job) throw notFound(`A campaign send job with id ${id} does not exist.`);
  return c;
}

export const getCampaignSendJob: Handler = (ctx) => sendJob(ctx, 200, requireSendJob(ctx, ctx.params.id!));

/** cancel: the campaign is cancelled for good; revert: a scheduled campaign goes back to Draft. */
export const cancelCampaignSend: Handler = (ctx) => {
  const body = parseBody(ctx, cancelSendSchema).data;
  requireSameId(body.id, ctx.params.id);
  const c = requireSendJob(ctx, ctx.params.id!);
  const action = body.attributes.action;
  const allowed = action === 'revert' ? ['Scheduled'] : ['Scheduled', 'Sending'];
  if (!allowed.includes(c.status)) {
    throw invalidBody(
      '/data/attributes/action',
      `Cannot ${action} campaign ${c.id}: it is ${c.status} (${action} needs ${allowed.join(' or ')}).`,
    );
  }
  stopSend(ctx, c);
  Object.assign(c, { send_job: 'cancelled', updated: ctx.clock.now() });
  if (action === 'cancel') c.status = 'Cancelled';
  else Object.assign(c, { status: 'Draft', scheduled_at: null, send_time: null });
  ctx.store.repo(CampaignsRepo).update(c);
  return { status: 204, headers: {}, body: null };
};

export const refreshRecipientEstimation: Handler = (ctx) => {
  const body = parseBody(ctx, estimationJobSchema).data;
  const c = requireCampaign(ctx, body.id);
  queueEstimate(ctx, c);
  return estimationJob(ctx, 202, c);
};

const estimationJob = (ctx: Ctx, status: number, c: CampaignRow) =>
  job(
    ctx,
    status,
    'campaign-recipient-estimation-job',
    '/api/campaign-recipient-estimation-jobs',
    c.id,
    c.estimation_job!,
  );

export const getRecipientEstimationJob: Handler = (ctx) => {
  const c = ctx.store.repo(CampaignsRepo).byId(ctx.account, ctx.params.id!);
  if (!c?.estimation_job)
    throw notFound(`A recipient estimation job with id ${ctx.params.id} does not exist.`);
  return estimationJob(ctx, 200, c);
};

/** The last completed estimate; before any job has run, counted now (Klaviyo always has one). */
export const getRecipientEstimation: Handler = (ctx) => {
  const c = requireCampaign(ctx, ctx.params.id!);
  const count = c.estimated_count ?? recipients(ctx.store, c).length;
  const self = `${ctx.req.url.origin}/api/campaign-recipient-estimations/${c.id}/`;
  return reply(200, {
    data: {
      type: 'campaign-recipient-estimation',
      id: c.id,
      attributes: { estimated_recipient_count: count },
      links: { self },
    },
    links: { self },
  });
};
