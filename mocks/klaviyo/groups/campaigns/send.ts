/**
 * Sending a campaign on the mock's clock, through the shared scheduler:
 *
 *   send job accepted ─▶ Scheduled (job `queued`) ── send time ─▶ Sending (job `processing`):
 *   every recipient gets a Received Email event ── DELIVERY_MS ─▶ Sent (job `complete`)
 *
 * The send time is PREPARE_MS after the job for `immediate`, the strategy's `datetime` (or `date`,
 * at 00:00 UTC) otherwise, never earlier than PREPARE_MS from now. Recipients are taken when sending
 * starts (model.ts `recipients`), less, with smart sending on, anyone who received an email in the
 * 16 hours before. Then each recipient's opens, clicks and unsubscribes are planned by engagement.ts
 * and recorded as events at their own times as the clock reaches them.
 */
import { createRng, hashString, type Rng } from '../../../../lib/prng.ts';
import type { Ctx } from '../../core/context.ts';
import { EventsRepo } from '../events/repo.ts';
import { resolveMetric } from '../metrics/model.ts';
import { MetricsRepo } from '../metrics/repo.ts';
import type { ProfileRow } from '../profiles/repo.ts';
import { unsubscribe } from '../subscriptions/model.ts';
import { profileContext } from '../templates/model.ts';
import { renderTemplate } from '../templates/render.ts';
import { type EngagementKind, planEngagement } from './engagement.ts';
import { recipients } from './model.ts';
import { type CampaignRow, CampaignsRepo, type MessageRow } from './repo.ts';

/** From the send job to the first email (Klaviyo prepares the audience first). */
export const PREPARE_MS = 1000;
/** How long a send stays `Sending` before it reads `Sent`. */
export const DELIVERY_MS = 60_000;
/** From an estimation job to its count. */
export const ESTIMATE_MS = 1000;
/** Klaviyo's default smart-sending window: no second email within 16 hours. */
export const SMART_SENDING_MS = 16 * 3_600_000;

/** The metrics Klaviyo records on email recipients. */
export const EMAIL_METRICS: Record<'received' | EngagementKind, string> = {
  received: 'Received Email',
  open: 'Opened Email',
  click: 'Clicked Email',
  unsubscribe: 'Unsubscribed',
};
/** The integration the mock files email metrics under (Klaviyo's own). */
const SERVICE = 'klaviyo';

const jobKey = (ctx: Ctx, kind: string, id: string) =>
  `campaign-${kind}:${ctx.store.acct(ctx.account)}:${id}`;

function sendTimeOf(strategy: { method: string; datetime?: string; date?: string }, now: number): number {
  const earliest = now + PREPARE_MS;
  const wanted =
    strategy.datetime !== undefined
      ? Date.parse(strategy.datetime)
      : strategy.date !== undefined
        ? Date.parse(`${strategy.date}T00:00:00Z`)
        : earliest;
  return Math.max(earliest, Number.isNaN(wanted) ? earliest : wanted);
}

function save(ctx: Ctx, c: CampaignRow): void {
  c.updated = ctx.clock.now();
  ctx.store.repo(CampaignsRepo).update(c);
}

/** Accept a send job: Scheduled now, delivered at the send time. */
export function queueSend(ctx: Ctx, c: CampaignRow): void {
  const now = ctx.clock.now();
  const at = sendTimeOf(JSON.parse(c.send_strategy), now);
  Object.assign(c, { status: 'Scheduled', scheduled_at: now, send_time: at, send_job: 'queued' });
  save(ctx, c);
  const id = c.id;
  ctx.scheduler.schedule(at - now, {
    key: jobKey(ctx, 'send', id),
    run: () => ctx.store.transaction(() => deliver(ctx, id, at)),
  });
}

/** Stop pending work for a campaign (cancel, revert, delete). Engagement already planned goes on. */
export function stopSend(ctx: Ctx, c: CampaignRow): void {
  ctx.scheduler.cancel(jobKey(ctx, 'send', c.id));
  ctx.scheduler.cancel(jobKey(ctx, 'sent', c.id));
  ctx.scheduler.cancel(jobKey(ctx, 'estimate', c.id));
}

function smartSendingFilter(ctx: Ctx, c: CampaignRow, people: ProfileRow[], at: number): ProfileRow[] {
  const options = JSON.parse(c.send_options) as { use_smart_sending?: boolean };
  if (options.use_smart_sending === false) return people;
  const recent = recentlyEmailed(ctx, at);
  return people.filter((p) => !recent.has(p.seq));
}

/** Profiles (seqs) that received an email in the smart-sending window before `at`. */
export function recentlyEmailed(ctx: Pick<Ctx, 'store' | 'account'>, at: number): Set<number> {
  const metric = ctx.store.repo(MetricsRepo).byName(ctx.account, EMAIL_METRICS.received);
  if (!metric) return new Set();
  return new Set(
    ctx.store
      .repo(EventsRepo)
      .countsByProfile(ctx.account, metric.id, at - SMART_SENDING_MS, at)
      .keys(),
  );
}

function deliver(ctx: Ctx, id: string, at: number): void {
  const repo = ctx.store.repo(CampaignsRepo);
  const c = repo.byId(ctx.account, id);
  if (c?.status !== 'Scheduled') return;
  const people = smartSendingFilter(ctx, c, recipients(ctx.store, c), at);
  if (people.length === 0) {
    Object.assign(c, { status: 'Cancelled: No Recipients', send_job: 'cancelled' });
    save(ctx, c);
    return;
  }
  Object.assign(c, { status: 'Sending', send_job: 'processing' });
  save(ctx, c);
  const tracking = JSON.parse(c.tracking_options) as {
    is_tracking_opens?: boolean;
    is_tracking_clicks?: boolean;
  };
  for (const m of repo.messagesOf(c)) {
    sendEmails(ctx, {
      key: jobKey(ctx, 'engagement', m.id),
      at,
      // One stream per message, forked from the seeded PRNG by the message id (itself drawn from the
      // mock's seeded id generator), so the same seed and the same calls replay the same engagement.
      rng: createRng(hashString(`engagement:${m.id}`)),
      opens: tracking.is_tracking_opens !== false,
      clicks: tracking.is_tracking_clicks !== false,
      dedup: m.id,
      recipients: people.map((p) => ({ profile: p, props: emailProperties(c, m, p) })),
    });
  }
  ctx.scheduler.schedule(at + DELIVERY_MS - ctx.clock.now(), {
    key: jobKey(ctx, 'sent', id),
    run: () => {
      const done = repo.byId(ctx.account, id);
      if (done?.status !== 'Sending') return;
      Object.assign(done, { status: 'Sent', send_job: 'complete' });
      save(ctx, done);
    },
  });
}

interface Step {
  at: number;
  kind: EngagementKind;
  profile: ProfileRow;
  props: Record<string, unknown>;
  dedup: string;
}

/** What sending needs of a request's context (flows send from the scheduler, with their own ids). */
export type SendCtx = Pick<Ctx, 'account' | 'store' | 'ids' | 'clock' | 'scheduler'>;

export interface EmailSend {
  /** The scheduler key of the engagement that follows (one entry at a time per send). */
  key: string;
  at: number;
  /** Engagement draws, recipient by recipient in order. */
  rng: Rng;
  opens: boolean;
  clicks: boolean;
  /** Tells this send's events apart from other sends of the same message (dedup key). */
  dedup: string;
  recipients: { profile: ProfileRow; props: Record<string, unknown> }[];
}

/**
 * Deliver one email to each recipient at `at` (a Received Email event each), then plan their opens,
 * clicks and unsubscribes with the engagement model and record them as the clock reaches them.
 */
export function sendEmails(ctx: SendCtx, send: EmailSend): void {
  const steps: Step[] = [];
  const config = ctx.store.repo(CampaignsRepo).engagement;
  for (const { profile, props } of send.recipients) {
    record(ctx, 'received', profile, send.at, props, send.dedup);
    for (const step of planEngagement(send.rng, config)) {
      if (step.kind === 'open' && !send.opens) continue;
      if (step.kind === 'click' && !send.clicks) continue;
      steps.push({ at: send.at + step.afterMs, kind: step.kind, profile, props, dedup: send.dedup });
    }
  }
  steps.sort((a, b) => a.at - b.at || a.profile.seq - b.profile.seq);
  runSteps(ctx, send.key, steps, 0);
}

/**
 * Record the steps that are due, then wait for the next one: one scheduler entry per message at a
 * time, however many recipients, so a large send does not flood the scheduler.
 */
function runSteps(ctx: SendCtx, key: string, steps: Step[], from: number): void {
  if (from >= steps.length) return;
  const due = steps[from]!.at;
  ctx.scheduler.schedule(due - ctx.clock.now(), {
    key,
    run: () => {
      const until = Math.max(due, ctx.clock.now());
      let i = from;
      ctx.store.transaction(() => {
        for (; i < steps.length && steps[i]!.at <= until; i++) applyStep(ctx, steps[i]!);
      });
      runSteps(ctx, key, steps, i);
    },
  });
}

function applyStep(ctx: SendCtx, step: Step): void {
  const props =
    step.kind === 'click'
      ? { ...step.props, URL: ctx.store.repo(CampaignsRepo).engagement.clickUrl }
      : step.props;
  record(ctx, step.kind, step.profile, step.at, props, step.dedup);
  if (step.kind === 'unsubscribe') {
    unsubscribe(ctx.store, step.profile, [{ channel: 'email_marketing' }], { now: step.at });
  }
}

/** The properties Klaviyo puts on email events: the campaign's name, the subject the recipient saw. */
function emailProperties(c: CampaignRow, m: MessageRow, p: ProfileRow): Record<string, unknown> {
  const content = (JSON.parse(m.definition) as { content?: { subject?: string } }).content;
  return { 'Campaign Name': c.name, Subject: renderSubject(content?.subject ?? '', p), $message: m.id };
}

/** A subject line as the recipient sees it. */
export function renderSubject(subject: string, p: ProfileRow): string {
  try {
    return renderTemplate(subject, profileContext(p));
  } catch {
    // Subjects are checked when saved; one that still fails is sent as written.
    return subject;
  }
}

function record(
  ctx: SendCtx,
  kind: keyof typeof EMAIL_METRICS,
  p: ProfileRow,
  at: number,
  properties: Record<string, unknown>,
  dedup: string,
): void {
  const metricId = resolveMetric(ctx, EMAIL_METRICS[kind], SERVICE);
  ctx.store.repo(EventsRepo).insert({
    account: ctx.account,
    id: ctx.ids.ulid(),
    metric_id: metricId,
    profile_id: p.id,
    profile_seq: p.seq,
    datetime: Math.floor(at / 1000) * 1000,
    value: null,
    // One event of each kind per recipient and send, whatever else happens that second.
    dedup: `u:${dedup}:${kind}`,
    properties: JSON.stringify(properties),
  });
}

/** Accept a recipient-estimation job: the count lands ESTIMATE_MS later. */
export function queueEstimate(ctx: Ctx, c: CampaignRow): void {
  c.estimation_job = 'queued';
  save(ctx, c);
  const id = c.id;
  ctx.scheduler.schedule(ESTIMATE_MS, {
    key: jobKey(ctx, 'estimate', id),
    run: () => {
      const row = ctx.store.repo(CampaignsRepo).byId(ctx.account, id);
      if (!row) return;
      Object.assign(row, { estimated_count: recipients(ctx.store, row).length, estimation_job: 'complete' });
      save(ctx, row);
    },
  });
}
