/**
 * Ground-truth reads of the Klaviyo mock's store, for the harness only (never the integration): what
 * emails a family received and what it did with them, and how many events the integration itself
 * tracked (the mock's own email events — Received, Opened, Clicked Email, Unsubscribed — are Klaviyo's,
 * not Dream Flow's, so they stay out of the conservation check). Runs due scheduler work first, as the
 * mock's admin reads do, so sends and engagement the clock has reached are there.
 */
import type { KlaviyoCore } from '../../../mocks/klaviyo/provider.ts';
import type { MockService } from '../../../mocks/shared/service.ts';

export const EMAIL_METRIC_NAMES = {
  received: 'Received Email',
  opened: 'Opened Email',
  clicked: 'Clicked Email',
  unsubscribed: 'Unsubscribed',
} as const;

export interface EmailEngagement {
  received: number;
  opened: number;
  clicked: number;
}

function coreOf(service: MockService): KlaviyoCore {
  const core = service.core as KlaviyoCore;
  core.scheduler.runDue();
  return core;
}

/** Emails of campaigns whose name starts with `campaignPrefix` a profile got at or after `since`. */
export function emailEngagement(
  service: MockService,
  email: string,
  since: number,
  campaignPrefix = '',
): EmailEngagement {
  const rows = coreOf(service)
    .store.db.prepare(
      `SELECT m.name AS name, count(*) AS n FROM events e
         JOIN profiles p ON p.seq = e.profile
         JOIN metrics m ON m.id = e.metric_id AND m.account = e.account
       WHERE p.email = ? AND e.datetime >= ? AND m.name IN (?, ?, ?)
         AND coalesce(json_extract(e.properties, '$."Campaign Name"'), '') LIKE ?
       GROUP BY m.name`,
    )
    .all(
      email.toLowerCase(),
      since,
      EMAIL_METRIC_NAMES.received,
      EMAIL_METRIC_NAMES.opened,
      EMAIL_METRIC_NAMES.clicked,
      `${campaignPrefix}%`,
    ) as { name: string; n: number }[];
  const count = (name: string) => rows.find((r) => r.name === name)?.n ?? 0;
  return {
    received: count(EMAIL_METRIC_NAMES.received),
    opened: count(EMAIL_METRIC_NAMES.opened),
    clicked: count(EMAIL_METRIC_NAMES.clicked),
  };
}

/** Emails with a given metric (Received Email, …): the recipients' addresses, one per event. */
export function emailRecipients(service: MockService, metric: string, campaignPrefix = ''): string[] {
  return (
    coreOf(service)
      .store.db.prepare(
        `SELECT p.email AS email FROM events e
           JOIN profiles p ON p.seq = e.profile
           JOIN metrics m ON m.id = e.metric_id AND m.account = e.account
         WHERE m.name = ? AND coalesce(json_extract(e.properties, '$."Campaign Name"'), '') LIKE ?
         ORDER BY e.seq`,
      )
      .all(metric, `${campaignPrefix}%`) as { email: string }[]
  ).map((r) => r.email);
}

/** Events in the mock other than Klaviyo's own email metrics: what the integration tracked. */
export function integrationEventCount(service: MockService): number {
  const row = coreOf(service)
    .store.db.prepare(
      `SELECT count(*) AS n FROM events e JOIN metrics m ON m.id = e.metric_id AND m.account = e.account
       WHERE m.name NOT IN (?, ?, ?, ?)`,
    )
    .get(...Object.values(EMAIL_METRIC_NAMES)) as { n: number };
  return row.n;
}

/** The catalog as the mock holds it: item ids with their titles and category ids. */
export function catalogSnapshot(service: MockService): Map<string, { title: string; categories: string[] }> {
  const db = coreOf(service).store.db;
  const items = db
    .prepare(`SELECT seq, id, title FROM catalog_objects WHERE kind = 'item' ORDER BY id`)
    .all() as { seq: number; id: string; title: string }[];
  const links = db
    .prepare(
      `SELECT l.item AS item, c.id AS category FROM catalog_links l JOIN catalog_objects c ON c.seq = l.category`,
    )
    .all() as { item: number; category: string }[];
  return new Map(
    items.map((i) => [
      i.id,
      {
        title: i.title,
        categories: links
          .filter((l) => l.item === i.seq)
          .map((l) => l.category)
          .sort(),
      },
    ]),
  );
}
