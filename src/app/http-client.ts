/**
 * `DreamFlowApi` over HTTP, for the harness's http mode. Errors come back as `DreamFlowError`, exactly
 * as the in-process backend throws them.
 */
import type {
  CancelInput,
  CompletionInput,
  CompletionResult,
  DreamFlowApi,
  ProfileUpdateInput,
  ProfileUpdateResult,
  RecommendationsResult,
  SignupInput,
  SignupResult,
  StoryInput,
  StoryResult,
  SubscribeInput,
  SubscribeResult,
} from './contract.ts';
import { DreamFlowError } from './errors.ts';

export interface HttpClientOptions {
  fetch?: typeof fetch;
  /**
   * Sent as `Authorization: Bearer …` (a Supabase access token) on every call. Without it the client
   * uses the token its own `signup` received for the call's `user_id`, as an app holds its user's
   * session; the server requires one unless it runs with `--trust-user-id`.
   */
  accessToken?: string;
  /** Wall-clock time-out per request, ms (default 30000). */
  timeoutMs?: number;
}

export function createHttpDreamFlowClient(baseUrl: string, options: HttpClientOptions = {}): DreamFlowApi {
  const base = baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;

  // user_id → the access token its sign-up returned (one short string per family this client signed up).
  const sessions = new Map<string, string>();

  async function call<T>(method: string, path: string, body?: unknown, userId?: string): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const token = options.accessToken ?? (userId === undefined ? undefined : sessions.get(userId));
    if (token) headers.authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw new DreamFlowError(
        0,
        'network_error',
        `Could not reach the Dream Flow app at ${base}: ${(err as Error).message}`,
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // fall through with the raw text in the message
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
      throw new DreamFlowError(
        res.status,
        e?.code ?? 'http_error',
        e?.message ?? `HTTP ${res.status}: ${text.slice(0, 200)}`,
        e?.field,
      );
    }
    return json as T;
  }

  return {
    signup: async (input: SignupInput) => {
      const result = await call<SignupResult>('POST', '/api/v1/auth/signup', input);
      if (result?.user_id && result.access_token) sessions.set(result.user_id, result.access_token);
      return result;
    },
    generateStory: (input: StoryInput) => call<StoryResult>('POST', '/api/v1/story', input, input.user_id),
    subscribe: (input: SubscribeInput) =>
      call<SubscribeResult>('POST', '/api/v1/subscriptions', input, input.user_id),
    cancelSubscription: (input: CancelInput) =>
      call<{ status: string }>('POST', '/api/v1/subscriptions/cancel', input, input.user_id),
    updateProfile: (input: ProfileUpdateInput) =>
      call<ProfileUpdateResult>('PATCH', '/api/v1/profile', input, input.user_id),
    completeStory: ({ story_id, ...input }: CompletionInput) =>
      call<CompletionResult>(
        'POST',
        `/api/v1/stories/${encodeURIComponent(story_id)}/completion`,
        input,
        input.user_id,
      ),
    recommendations: (userId: string) =>
      call<RecommendationsResult>(
        'GET',
        `/api/v1/recommendations?user_id=${encodeURIComponent(userId)}`,
        undefined,
        userId,
      ),
  };
}
