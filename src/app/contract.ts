/**
 * The Dream Flow backend's operations, as a typed interface. The Express app (`dreamflow-sim app`)
 * serves exactly these over HTTP; the harness calls them in-process or over HTTP through one of two
 * clients that both implement `DreamFlowApi`. Shapes follow issue 5's endpoint list.
 */

export interface SignupInput {
  email: string;
  password: string;
  first_name?: string;
  signup_method?: 'email' | 'google' | 'apple';
  children?: { name: string; age_band: string }[];
}
export interface SignupResult {
  user_id: string;
  access_token: string;
}

export interface StoryInput {
  user_id: string;
  theme: string;
  prompt: string;
  num_scenes: number;
  mood: string;
  child_id?: string;
}
export interface StoryResult {
  story_id: string;
  story_text: string;
  num_scenes: number;
  generation_time_ms: number;
  /** What the story was given (also on its `stories` row): see src/integration/personalization/story-plan.ts. */
  adaptation: StoryAdaptationResult;
}
export interface StoryAdaptationResult {
  /** The family's arm when the app runs the adaptive A/B; null otherwise. */
  ab_arm: 'adaptive' | 'plain' | null;
  /** The adaptive engine's plan shaped the story. */
  adaptive: boolean;
  /** One story for all the children (sibling coordination). */
  shared: boolean;
  sentences_per_scene: number;
  time_of_day: string;
  theme_used: string;
}

/** After listening: did the child finish the story? (`POST /api/v1/stories/{story_id}/completion`) */
export interface CompletionInput {
  user_id: string;
  story_id: string;
  completed: boolean;
  listened_seconds: number;
}
export interface CompletionResult {
  story_id: string;
  completed: boolean;
  listened_seconds: number;
}

export interface SubscribeInput {
  user_id: string;
  tier: 'free' | 'premium' | 'family';
}
export interface SubscribeResult {
  subscription_id: string;
  tier: string;
  previous_tier: string | null;
}

export interface CancelInput {
  user_id: string;
  reason: string;
}

export interface ProfileUpdateInput {
  user_id: string;
  first_name?: string;
  story_preferences?: string[];
  family_mode_enabled?: boolean;
  insights_opt_in?: boolean;
  [field: string]: unknown;
}
export interface ProfileUpdateResult {
  updated_fields: string[];
}

export interface RecommendationsResult {
  themes: string[];
  /** Where the recommendation came from: `mcp`, `klaviyo`, `fallback`, or `cache`-served of one of those. */
  source: string;
}

export interface DreamFlowApi {
  signup(input: SignupInput): Promise<SignupResult>;
  generateStory(input: StoryInput): Promise<StoryResult>;
  subscribe(input: SubscribeInput): Promise<SubscribeResult>;
  cancelSubscription(input: CancelInput): Promise<{ status: string }>;
  updateProfile(input: ProfileUpdateInput): Promise<ProfileUpdateResult>;
  recommendations(userId: string): Promise<RecommendationsResult>;
  completeStory(input: CompletionInput): Promise<CompletionResult>;
}
