/**
 * Request validation (zod): every 400 names the field that was wrong. One rule across routes: every body
 * schema is strict, so an unknown field is a 400 naming it (issue 11).
 */
import { z } from 'zod';

const userId = z
  .string()
  .uuid('must be a user id (uuid); or send the Supabase access token as a bearer token');
const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const SignupSchema = z
  .object({
    email: z.string().trim().email('must be an email address'),
    password: z.string().min(6, 'must be at least 6 characters'),
    first_name: text(100).optional(),
    signup_method: z.enum(['email', 'google', 'apple']).optional(),
    children: z
      .array(z.object({ name: text(100), age_band: text(20) }))
      .max(10, 'at most 10 children')
      .optional(),
  })
  .strict();

export const StorySchema = z
  .object({
    user_id: userId,
    theme: text(100),
    prompt: text(2000),
    num_scenes: z
      .number()
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(12, 'must be at most 12'),
    mood: text(50),
    child_id: z.string().uuid('must be a child id (uuid)').optional(),
  })
  .strict();

export const SubscribeSchema = z
  .object({
    user_id: userId,
    tier: z.enum(['premium', 'family'], {
      message: "must be 'premium' or 'family' (cancel to go back to free)",
    }),
  })
  .strict();

export const CancelSchema = z
  .object({
    user_id: userId,
    reason: text(500),
  })
  .strict();

/** Fields a user may edit; anything else is rejected by name. */
export const ProfileUpdateSchema = z
  .object({
    user_id: userId,
    first_name: text(100).optional(),
    story_preferences: z.array(text(100)).max(10, 'at most 10 themes').optional(),
    family_mode_enabled: z.boolean().optional(),
    /** The weekly parent insights email (src/integration/systems/parent-insights.ts). */
    insights_opt_in: z.boolean().optional(),
  })
  .strict();

/** A story's completion report; `story_id` comes from the route's path. */
export const CompletionSchema = z
  .object({
    user_id: userId,
    story_id: z.string().uuid('must be a story id (uuid), the story_id POST /api/v1/story returned'),
    completed: z.boolean(),
    listened_seconds: z
      .number()
      .int('must be an integer')
      .min(0, 'must be at least 0')
      .max(86_400, 'must be at most 86400 (one day)'),
  })
  .strict();

export const RecommendationsSchema = z.object({ user_id: userId });
