/**
 * Live flows running on the mock's clock, through the shared scheduler:
 *
 *   trigger (an event of the flow's metric recorded for a profile, or the profile added to the flow's
 *   list: the store's change feed) ─▶ the profile enters at that instant ─▶ actions walked in order:
 *   time-delay waits on the scheduler, conditional-split picks next_if_true / next_if_false by its
 *   profile filter (the segments group's condition evaluation), update-profile sets or unsets custom
 *   properties, send-email records Received Email (then seeded engagement, campaigns' model) for a
 *   profile that can receive email marketing.
 *
 * Before each action the flow must still be live (a flow set back to draft or manual stops the
 * profiles in it, a deleted one too) and the profile must still pass the flow's profile filter.
 * An action whose own status is not `live` is passed over without effect. Runs hold their state in
 * scheduler closures: a restart drops profiles waiting in a delay (see the provider's limits).
 */
import { createRng, hashString } from '../../../../lib/prng.ts';
import type { Change, KlaviyoStore } from '../../core/store.ts';
import { IdFactory } from '../../ids.ts';
import { recentlyEmailed, renderSubject, type SendCtx, sendEmails } from '../campaigns/send.ts';
import { EventsRepo } from '../events/repo.ts';
import { applyAttributes } from '../profiles/model.ts';
import { type ProfileRow, ProfilesRepo } from '../profiles/repo.ts';
import { accountLookups, compileConditions } from '../segments/model.ts';
import { emailConsent } from '../subscriptions/model.ts';
import { profileContext } from '../templates/model.ts';
import { renderTemplate } from '../templates/render.ts';
import { TemplatesRepo } from '../templates/repo.ts';
import { delayMs, templateIdOf } from './model.ts';
import { type ActionRow, type FlowRow, FlowsRepo } from './repo.ts';

/** Bound on actions walked without a delay, so a definition whose links loop cannot spin. */
const MAX_HOPS = 100;

interface Run {
  ctx: SendCtx;
  flow: number;
  profile: number;
}

/** The change feed: start the live flows a new event or list membership triggers. */
export function onChange(store: KlaviyoStore, change: Change): void {
  if ((change.kind !== 'event' && change.kind !== 'list') || change.ref === undefined) return;
  const repo = store.repo(FlowsRepo);
  const scheduler = store.scheduler;
  if (!scheduler || !repo.hasLive(change.account)) return;
  let flows: FlowRow[];
  if (change.kind === 'event') {
    const event = store.repo(EventsRepo).byId(change.account as unknown as string, change.ref);
    if (!event) return;
    flows = repo.triggeredBy(change.account, 'metric', event.metric_id);
  } else {
    flows = repo.triggeredBy(change.account, 'list', change.ref);
  }
  const at = scheduler.now();
  for (const flow of flows) {
    if (flow.status !== 'live') continue;
    // Entered now; walked when the scheduler next runs (before the next request), as of `at`.
    scheduler.schedule(0, {
      run: () => store.transaction(() => enter(store, flow.seq, change.profile, at)),
    });
  }
}

function enter(store: KlaviyoStore, flowSeq: number, profile: number, at: number): void {
  const repo = store.repo(FlowsRepo);
  const flow = repo.bySeq(flowSeq);
  if (flow?.status !== 'live' || !store.scheduler) return;
  // Ids of what this run records come from a stream of its own, forked by the flow (a seeded id),
  // the profile and the instant: the same seed and calls replay the same ids.
  const rng = createRng(hashString(`flow-run:${flow.id}:${profile}:${at}`));
  const ctx: SendCtx = {
    account: repo.label(flow.account),
    store,
    ids: new IdFactory(rng, store.scheduler.clock),
    clock: store.scheduler.clock,
    scheduler: store.scheduler,
  };
  walk({ ctx, flow: flowSeq, profile }, flow.entry_action, at);
}

function walk(run: Run, first: string | null, at: number): void {
  const { store, scheduler } = run.ctx;
  const repo = store.repo(FlowsRepo);
  let next = first;
  for (let hops = 0; next !== null && hops < MAX_HOPS; hops++) {
    const flow = repo.bySeq(run.flow);
    const action = repo.actionById(run.ctx.account, next);
    const profile = store.repo(ProfilesRepo).bySeq(run.profile);
    if (flow?.status !== 'live' || action?.flow !== flow.seq || !profile) return;
    if (flow.profile_filter && !passes(run, flow.profile_filter, profile, at)) return;
    const links = JSON.parse(action.links ?? '{}') as Record<string, string | null>;
    const data = JSON.parse(action.data ?? '{}') as Record<string, unknown>;
    const live = action.status === 'live';
    switch (action.type) {
      case 'time-delay': {
        const due = at + delayMs(data);
        const after = links.next ?? null;
        scheduler.schedule(due - scheduler.now(), {
          run: () => store.transaction(() => walk(run, after, due)),
        });
        return;
      }
      case 'conditional-split':
        next =
          (passes(run, data.profile_filter, profile, at) ? links.next_if_true : links.next_if_false) ?? null;
        continue;
      case 'update-profile':
        if (live) updateProfile(run, data, profile, at);
        break;
      case 'send-email':
        if (live) sendEmail(run, flow, action, profile, at);
        break;
    }
    next = links.next ?? null;
  }
}

function passes(run: Run, filter: unknown, profile: ProfileRow, at: number): boolean {
  const parsed = typeof filter === 'string' ? JSON.parse(filter) : filter;
  const account = run.ctx.store.acct(run.ctx.account);
  return compileConditions(parsed, '/definition')(profile, accountLookups(run.ctx.store, account, at));
}

function updateProfile(run: Run, data: Record<string, unknown>, profile: ProfileRow, at: number): void {
  const properties: Record<string, unknown> = {};
  const unset: string[] = [];
  for (const op of data.profile_operations as Record<string, unknown>[]) {
    const key = op.property_key as string;
    if (op.operator === 'delete') unset.push(key);
    else properties[key] = op.property_value;
  }
  const meta = unset.length ? { patch_properties: { unset } } : undefined;
  if (applyAttributes(profile, { properties }, meta, at)) run.ctx.store.repo(ProfilesRepo).update(profile);
}

function sendEmail(run: Run, flow: FlowRow, action: ActionRow, profile: ProfileRow, at: number): void {
  const { ctx } = run;
  const message = ctx.store.repo(FlowsRepo).messagesOf(action)[0];
  if (!message || !emailConsent(ctx.store, profile).canReceive) return;
  const email = JSON.parse(message.definition) as { subject_line?: string; smart_sending_enabled?: boolean };
  if (email.smart_sending_enabled !== false && recentlyEmailed(ctx, at).has(profile.seq)) return;
  const templateId = templateIdOf(message);
  const template = templateId ? ctx.store.repo(TemplatesRepo).byId(ctx.account, templateId) : undefined;
  try {
    // The mock delivers nothing; rendering shows that the email could be made for this profile.
    if (template) renderTemplate(template.html, profileContext(profile));
  } catch {
    return;
  }
  sendEmails(ctx, {
    key: `flow-engagement:${ctx.store.acct(ctx.account)}:${message.id}:${profile.seq}:${at}`,
    at,
    rng: createRng(hashString(`engagement:${message.id}:${profile.id}:${at}`)),
    opens: true,
    clicks: true,
    dedup: `${message.id}:${at}`,
    recipients: [
      {
        profile,
        props: {
          $flow: flow.id,
          $message: message.id,
          'Campaign Name': message.name,
          Subject: renderSubject(email.subject_line ?? '', profile),
        },
      },
    ],
  });
}
