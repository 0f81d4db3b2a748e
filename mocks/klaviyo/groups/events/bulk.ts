/**
 * bulk_create_events (`POST /api/event-bulk-create-jobs`): a batch of profiles, each with its events.
 * Answered 202 with no body, as Klaviyo does (there is no job to read). What can be checked at once is:
 * the shape (create_event's own schema, so the two cannot drift), at most 1,000 events, each `time`,
 * the profile identifiers and a profile `id` that must exist: any problem is a 400 pointing into the
 * batch and nothing is written. JOB_DELAY_MS later on the mock's clock each event is recorded with
 * create_event's rule (`recordEvent`: profile found or created, metric created on first use, dedup);
 * an event that then fails (its profile was deleted meanwhile) is dropped, the others land.
 */
import { z } from 'zod';
import { type Handler, parseBody } from '../../core/context.ts';
import { invalidBody, KlaviyoError } from '../../jsonapi/errors.ts';
import { JOB_DELAY_MS } from '../profile-jobs/handlers.ts';
import { normaliseIdentifiers } from '../profiles/model.ts';
import { ProfilesRepo } from '../profiles/repo.ts';
import { createSchema, type EventAttributes, eventTime, recordEvent } from './handlers.ts';

/** Events per request (spec: "Accepts up to 1,000 events per request"). */
export const MAX_BULK_EVENTS = 1000;

const eventAttributes = createSchema.shape.data.shape.attributes;
const bulkSchema = z.object({
  data: z.object({
    type: z.literal('event-bulk-create-job'),
    attributes: z.object({
      'events-bulk-create': z.object({
        data: z
          .array(
            z.object({
              type: z.literal('event-bulk-create'),
              attributes: z.object({
                backfill: z.boolean().nullable().optional(),
                profile: eventAttributes.shape.profile,
                events: z.object({
                  data: z
                    .array(
                      z.object({
                        type: z.literal('event'),
                        attributes: eventAttributes.omit({ profile: true }),
                      }),
                    )
                    .min(1),
                }),
              }),
            }),
          )
          .min(1),
      }),
    }),
  }),
});

const BASE = '/data/attributes/events-bulk-create/data';

export const bulkCreateEvents: Handler = (ctx) => {
  const body = parseBody(ctx, bulkSchema);
  const batch = body.data.attributes['events-bulk-create'].data;
  const total = batch.reduce((n, b) => n + b.attributes.events.data.length, 0);
  if (total > MAX_BULK_EVENTS) {
    throw invalidBody(BASE, `At most ${MAX_BULK_EVENTS} events per request; got ${total}. Split the batch.`);
  }
  const now = ctx.clock.now();
  const accepted: { a: EventAttributes; time: number; pointer: string }[] = [];
  batch.forEach((entry, i) => {
    const profile = entry.attributes.profile;
    const pointer = `${BASE}/${i}/attributes/profile/data`;
    normaliseIdentifiers(profile.data.attributes, `${pointer}/attributes`);
    const pid = profile.data.id;
    if (pid && ctx.store.repo(ProfilesRepo).seqOf(ctx.account, pid) === undefined) {
      throw invalidBody(`${pointer}/id`, `A profile with id ${pid} does not exist.`);
    }
    entry.attributes.events.data.forEach((ev, j) => {
      const time = eventTime(
        ev.attributes.time,
        now,
        `${BASE}/${i}/attributes/events/data/${j}/attributes/time`,
      );
      accepted.push({ a: { ...ev.attributes, profile }, time, pointer });
    });
  });
  ctx.scheduler.schedule(JOB_DELAY_MS, {
    run: () => {
      // Events keep the time they were sent with (or acceptance time); profiles they touch are stamped now.
      const at = ctx.clock.now();
      for (const { a, time, pointer } of accepted) {
        try {
          recordEvent(ctx, a, time, at, pointer);
        } catch (err) {
          if (!(err instanceof KlaviyoError)) throw err;
        }
      }
    },
  });
  return { status: 202, headers: {}, body: null };
};
