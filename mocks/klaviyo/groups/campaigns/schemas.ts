/**
 * Request bodies of the campaigns API, from the spec's CampaignCreateQuery and friends. Only email
 * messages are emulated; an SMS or push definition is refused by `emailDefinition` with a 400 that says so.
 */
import { z } from 'zod';
import { parseDatetime } from '../../jsonapi/filter.ts';

const THROTTLE_PERCENTAGES = [1, 2, 5, 10, 11, 13, 14, 17, 20, 25, 33, 50];
const datetime = z.string().refine((s) => !Number.isNaN(parseDatetime(s)), 'must be an ISO 8601 date-time');

export const sendStrategySchema = z.discriminatedUnion('method', [
  z.object({
    method: z.literal('static'),
    datetime,
    options: z
      .object({ is_local: z.boolean(), send_past_recipients_immediately: z.boolean().nullable().optional() })
      .nullable()
      .optional(),
  }),
  z.object({
    method: z.literal('throttled'),
    datetime,
    throttle_percentage: z
      .number()
      .refine((n) => THROTTLE_PERCENTAGES.includes(n), `must be one of ${THROTTLE_PERCENTAGES.join(', ')}`),
  }),
  z.object({ method: z.literal('immediate') }),
  z.object({
    method: z.literal('smart_send_time'),
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'),
  }),
]);

export const audiencesSchema = z.object({
  included: z.array(z.string().min(1)).min(1, 'include at least one list or segment'),
  excluded: z.array(z.string().min(1)).nullable().optional(),
});

export const sendOptionsSchema = z.object({ use_smart_sending: z.boolean().nullable().optional() });

export const trackingOptionsSchema = z.object({
  add_tracking_params: z.boolean().nullable().optional(),
  custom_tracking_params: z
    .array(z.object({ type: z.enum(['dynamic', 'static']), value: z.string(), name: z.string() }))
    .nullable()
    .optional(),
  is_tracking_clicks: z.boolean().nullable().optional(),
  is_tracking_opens: z.boolean().nullable().optional(),
});

const text = z.string().nullable().optional();
export const emailContentSchema = z.object({
  subject: text,
  preview_text: text,
  from_email: text,
  from_label: text,
  reply_to_email: text,
  cc_email: text,
  bcc_email: text,
});

export const emailDefinition = z.object({
  channel: z.literal('email', {
    message: "only email campaigns are emulated by this mock (channel 'email')",
  }),
  label: z.string().nullable().optional(),
  content: emailContentSchema.nullable().optional(),
});
export type EmailDefinition = z.infer<typeof emailDefinition>;

export const createSchema = z.object({
  data: z.object({
    type: z.literal('campaign'),
    attributes: z.object({
      name: z.string().min(1),
      audiences: audiencesSchema,
      send_strategy: sendStrategySchema.nullable().optional(),
      send_options: sendOptionsSchema.nullable().optional(),
      tracking_options: trackingOptionsSchema.nullable().optional(),
      'campaign-messages': z.object({
        data: z
          .array(
            z.object({
              type: z.literal('campaign-message'),
              attributes: z.object({ definition: emailDefinition }),
            }),
          )
          .min(1),
      }),
    }),
  }),
});

export const updateSchema = z.object({
  data: z.object({
    type: z.literal('campaign'),
    id: z.string(),
    attributes: z.object({
      name: z.string().min(1).nullable().optional(),
      audiences: audiencesSchema.nullable().optional(),
      send_strategy: sendStrategySchema.nullable().optional(),
      send_options: sendOptionsSchema.nullable().optional(),
      tracking_options: trackingOptionsSchema.nullable().optional(),
    }),
  }),
});

export const cloneSchema = z.object({
  data: z.object({
    type: z.literal('campaign'),
    id: z.string().min(1),
    attributes: z.object({ new_name: z.string().min(1).nullable().optional() }).optional(),
  }),
});

export const messageUpdateSchema = z.object({
  data: z.object({
    type: z.literal('campaign-message'),
    id: z.string(),
    attributes: z.object({ definition: emailDefinition.partial({ channel: true }).nullable().optional() }),
  }),
});

export const assignTemplateSchema = z.object({
  data: z.object({
    type: z.literal('campaign-message'),
    id: z.string().min(1),
    relationships: z.object({
      template: z.object({ data: z.object({ type: z.literal('template'), id: z.string().min(1) }) }),
    }),
  }),
});

export const sendJobSchema = z.object({
  data: z.object({ type: z.literal('campaign-send-job'), id: z.string().min(1) }),
});

export const cancelSendSchema = z.object({
  data: z.object({
    type: z.literal('campaign-send-job'),
    id: z.string().min(1),
    attributes: z.object({ action: z.enum(['cancel', 'revert']) }),
  }),
});

export const estimationJobSchema = z.object({
  data: z.object({ type: z.literal('campaign-recipient-estimation-job'), id: z.string().min(1) }),
});
