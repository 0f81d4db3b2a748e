/**
 * create_back_in_stock_subscription: 202 with no body. The variant must exist (400 pointing at it);
 * the profile is found by id or identifiers, or created, with create_or_update_profile's rule; the
 * subscription (variant, profile, channels) is stored, a repeat replacing the channels. Nothing is
 * ever sent: the mock has no inventory changes that would trigger a notification.
 */
import { z } from 'zod';
import { type Handler, parseBody } from '../../core/context.ts';
import { invalidBody } from '../../jsonapi/errors.ts';
import { hasIdentifier, normaliseIdentifiers, upsertProfile } from '../profiles/model.ts';
import { VARIANT } from './kinds.ts';
import { CatalogRepo } from './repo.ts';

const nullable = z.string().nullable().optional();
const schema = z.object({
  data: z.object({
    type: z.literal('back-in-stock-subscription'),
    attributes: z.object({
      channels: z.array(z.enum(['EMAIL', 'PUSH', 'SMS', 'WHATSAPP'])).min(1),
      profile: z
        .object({
          data: z.object({
            type: z.literal('profile'),
            id: nullable,
            attributes: z.object({ email: nullable, phone_number: nullable, external_id: nullable }),
          }),
        })
        .nullable()
        .optional(),
    }),
    relationships: z.object({
      variant: z.object({ data: z.object({ type: z.literal(VARIANT.type), id: z.string().min(1) }) }),
    }),
  }),
});

const PROFILE = '/data/attributes/profile/data';

export const createBackInStockSubscription: Handler = (ctx) => {
  const body = parseBody(ctx, schema);
  const { attributes, relationships } = body.data;
  const variantId = relationships.variant.data.id;
  const variant = ctx.store.repo(CatalogRepo).byId(ctx.account, 'variant', variantId);
  if (!variant) {
    throw invalidBody(
      '/data/relationships/variant/data/id',
      `A catalog-variant with id ${variantId} does not exist.`,
    );
  }
  const profile = attributes.profile?.data;
  if (!profile || (!profile.id && !hasIdentifier(profile.attributes))) {
    throw invalidBody(PROFILE, 'The profile needs an id, email, phone_number or external_id.');
  }
  normaliseIdentifiers(profile.attributes, `${PROFILE}/attributes`);
  ctx.store.transaction(() => {
    const { row } = upsertProfile(ctx, profile.id ?? null, profile.attributes, undefined);
    ctx.store
      .repo(CatalogRepo)
      .subscribe(ctx.account, variant.seq, row.seq, attributes.channels, ctx.clock.now());
  });
  return { status: 202, headers: {}, body: null };
};
