/**
 * Consent rules, shared by the bulk jobs (handlers.ts), profiles (`additional-fields[profile]=
 * subscriptions`) and segments (`profile-marketing-consent` conditions):
 * - subscribing sets the channel SUBSCRIBED and, for email, lifts UNSUBSCRIBE, SPAM_COMPLAINT and
 *   USER_SUPPRESSED suppressions (not HARD_BOUNCE or INVALID_EMAIL) and the list's own suppression;
 * - unsubscribing email globally sets UNSUBSCRIBED plus an UNSUBSCRIBE suppression; with a list the
 *   profile is a member of, it leaves that list with a list suppression and keeps its global consent;
 * - suppressing adds USER_SUPPRESSED (consent untouched); unsuppressing lifts USER_SUPPRESSED only;
 * - a profile can receive email marketing when it has an address and no global suppression (never
 *   subscribed counts as reachable, as in Klaviyo); SMS and push need SUBSCRIBED (SMS also a number).
 */
import type { KlaviyoStore } from '../../core/store.ts';
import { isoTime } from '../../jsonapi/serialize.ts';
import { ListsRepo } from '../lists/repo.ts';
import type { ProfileRow } from '../profiles/repo.ts';
import {
  type Channel,
  type Consent,
  type ConsentRow,
  SubscriptionsRepo,
  type SuppressionReason,
} from './repo.ts';

/** What `method` reads after a change made through these endpoints. */
export const API_METHOD = 'API';
/** Suppressions a subscribe lifts (the spec's SPAM_REPORT is the response enum's SPAM_COMPLAINT). */
const LIFTED_BY_SUBSCRIBE: readonly SuppressionReason[] = [
  'UNSUBSCRIBE',
  'SPAM_COMPLAINT',
  'USER_SUPPRESSED',
];
const LIFTED_BY_UNSUPPRESS: readonly SuppressionReason[] = ['USER_SUPPRESSED'];

export interface ConsentChange {
  channel: Channel;
  /** When consent was collected (historical imports); default now. */
  consentedAt?: number | null;
}

export interface ChangeOptions {
  now: number;
  /** `custom_source` of a subscribe, shown as `custom_method_detail`. */
  customSource?: string | null;
  /** The list of `relationships.list`, when given. */
  listId?: string | null;
}

const acctOf = (store: KlaviyoStore, p: ProfileRow) => store.acct(p.account);

function record(
  store: KlaviyoStore,
  p: ProfileRow,
  change: ConsentChange,
  consent: Consent,
  opts: ChangeOptions,
): void {
  store.repo(SubscriptionsRepo).setConsent({
    profile: p.seq,
    channel: change.channel,
    account: acctOf(store, p),
    consent,
    consent_timestamp: change.consentedAt ?? opts.now,
    last_updated: opts.now,
    method: API_METHOD,
    method_detail: null,
    custom_method_detail: opts.customSource ?? null,
  });
}

/** A subscribe or unsubscribe applied to one profile (what the jobs run per profile). */
export type ApplyConsent = (
  store: KlaviyoStore,
  p: ProfileRow,
  changes: readonly ConsentChange[],
  opts: ChangeOptions,
) => void;

/** bulk_subscribe_profiles for one profile: consent, suppressions lifted, list joined. */
export const subscribe: ApplyConsent = (store, p, changes, opts) => {
  const repo = store.repo(SubscriptionsRepo);
  const account = acctOf(store, p);
  for (const c of changes) record(store, p, c, 'SUBSCRIBED', opts);
  if (changes.some((c) => c.channel === 'email_marketing')) {
    repo.unsuppress(account, p.seq, LIFTED_BY_SUBSCRIBE);
    if (opts.listId) repo.liftListSuppression(account, p.seq, opts.listId);
  }
  if (opts.listId) {
    const lists = store.repo(ListsRepo);
    const list = lists.byId(p.account, opts.listId);
    if (list) lists.addMembers(list, [p.seq], opts.now);
  }
};

/**
 * bulk_unsubscribe_profiles for one profile. With a list it belongs to, email marketing is withdrawn
 * from that list only (removed, list suppression); otherwise, or for other channels, globally.
 */
export const unsubscribe: ApplyConsent = (store, p, changes, opts) => {
  const repo = store.repo(SubscriptionsRepo);
  const lists = store.repo(ListsRepo);
  const list = opts.listId ? lists.byId(p.account, opts.listId) : undefined;
  const member = list !== undefined && lists.isMember(list.seq, p.seq);
  const account = acctOf(store, p);
  for (const c of changes) {
    if (c.channel === 'email_marketing' && member) {
      repo.suppressFromList(account, p.seq, list.id, 'UNSUBSCRIBE', opts.now);
      continue;
    }
    record(store, p, c, 'UNSUBSCRIBED', opts);
    if (c.channel === 'email_marketing') repo.suppress(account, p.seq, 'UNSUBSCRIBE', opts.now);
  }
  if (list) lists.removeMembers(list, [p.seq]);
};

/** bulk_suppress_profiles for one profile; false when it was already suppressed by a user. */
export function suppress(store: KlaviyoStore, p: ProfileRow, now: number): boolean {
  return store.repo(SubscriptionsRepo).suppress(acctOf(store, p), p.seq, 'USER_SUPPRESSED', now);
}

/** bulk_unsuppress_profiles for one profile: USER_SUPPRESSED only; false when there was none. */
export function unsuppress(store: KlaviyoStore, p: ProfileRow): boolean {
  return store.repo(SubscriptionsRepo).unsuppress(acctOf(store, p), p.seq, LIFTED_BY_UNSUPPRESS) > 0;
}

/** Email marketing consent and reachability, as segments' consent conditions read it. */
export function emailConsent(store: KlaviyoStore, p: ProfileRow): { consent: Consent; canReceive: boolean } {
  const repo = store.repo(SubscriptionsRepo);
  const consent = repo.consent(p.seq, 'email_marketing')?.consent ?? 'NEVER_SUBSCRIBED';
  return { consent, canReceive: canReceiveEmail(p, consent, repo.suppressions(p.seq).length) };
}

function canReceiveEmail(p: ProfileRow, consent: Consent, suppressions: number): boolean {
  return p.email !== null && suppressions === 0 && consent !== 'UNSUBSCRIBED';
}

/** The common part of a channel block: consent, when and how it was given. */
function channelBlock(row: ConsentRow | undefined, withMethod = true): Record<string, unknown> {
  const block: Record<string, unknown> = {
    consent: row?.consent ?? 'NEVER_SUBSCRIBED',
    consent_timestamp: isoTime(row?.consent_timestamp),
  };
  if (withMethod) {
    block.method = row?.method ?? null;
    block.method_detail = row?.method_detail ?? null;
    block.last_updated = isoTime(row?.last_updated);
  }
  return block;
}

/** `attributes.subscriptions` of a profile (the spec's `Subscriptions` schema). */
export function subscriptionsOf(store: KlaviyoStore, p: ProfileRow): Record<string, unknown> {
  const repo = store.repo(SubscriptionsRepo);
  const rows = repo.consents(p.seq);
  const email = rows.get('email_marketing');
  const suppression = repo.suppressions(p.seq);
  const subscribed = (c: Channel) => rows.get(c)?.consent === 'SUBSCRIBED';
  return {
    email: {
      marketing: {
        can_receive_email_marketing: canReceiveEmail(
          p,
          email?.consent ?? 'NEVER_SUBSCRIBED',
          suppression.length,
        ),
        ...channelBlock(email),
        custom_method_detail: email?.custom_method_detail ?? null,
        // Every subscription here is single opt-in (see the group's limitations).
        double_optin: email ? false : null,
        suppression: suppression.map((s) => ({ reason: s.reason, timestamp: isoTime(s.timestamp) })),
        list_suppressions: repo.listSuppressions(p.seq).map((s) => ({
          list_id: s.list_id,
          reason: s.reason,
          timestamp: isoTime(s.timestamp),
        })),
      },
    },
    sms: {
      marketing: {
        can_receive_sms_marketing: p.phone_number !== null && subscribed('sms_marketing'),
        ...channelBlock(rows.get('sms_marketing')),
      },
      transactional: {
        can_receive_sms_transactional: p.phone_number !== null && subscribed('sms_transactional'),
        ...channelBlock(rows.get('sms_transactional')),
      },
    },
    mobile_push: {
      marketing: {
        can_receive_push_marketing: subscribed('push_marketing'),
        ...channelBlock(rows.get('push_marketing'), false),
      },
    },
  };
}
