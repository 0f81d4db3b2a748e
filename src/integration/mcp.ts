/**
 * The Klaviyo MCP adapter (seeds: `klaviyo_mcp_adapter.py`) with the seeds' use cases: personalised
 * email content, campaign performance analysis, segment suggestions, recommendations.
 *
 * With `KLAVIYO_MCP_URL` unset it runs the seeds' fallback logic and says so (`mode: 'fallback'`). With
 * a URL it speaks MCP's JSON-RPC over HTTP (streamable-HTTP transport: `initialize`, then `tools/call`,
 * answers as JSON or a single SSE `message`), and falls back per call on any error.
 * Privacy: only the user id, email and goal go to the MCP server — never child names or ages, so the
 * fallback email deliberately does not personalise with a child's name (the seeds' example did).
 */
import type { Clock } from '../../lib/clock.ts';
import { SEGMENTS } from './personalization/segments.ts';
import { recommendSimilarThemes } from './personalization/themes.ts';

export interface McpStatus {
  mode: 'mcp' | 'fallback';
  enabled: boolean;
  server_url: string | null;
  use_cases: string[];
  calls: { mcp: number; fallback: number; errors: number };
  last_error: string | null;
  message: string;
}

export interface EmailContent {
  subject: string;
  preview_text: string;
  body_html: string;
  personalization_data: Record<string, unknown>;
  source: 'mcp' | 'fallback';
}

export const MCP_USE_CASES = [
  'generate_personalized_email_content',
  'analyze_campaign_performance',
  'suggest_segments',
  'get_personalized_recommendations',
] as const;

export interface McpAdapterOptions {
  url?: string;
  clock: Clock;
  fetch?: typeof fetch;
  /** Per-request time-out, wall clock, ms (default 5000). */
  timeoutMs?: number;
}

export class KlaviyoMcpAdapter {
  private readonly url: string | null;
  private readonly fetchImpl: typeof fetch;
  private sessionId: string | null = null;
  private initialized = false;
  private nextId = 1;
  private counters = { mcp: 0, fallback: 0, errors: 0 };
  private lastError: string | null = null;

  constructor(private readonly options: McpAdapterOptions) {
    this.url = options.url?.trim() ? options.url.trim() : null;
    this.fetchImpl = options.fetch ?? fetch;
  }

  get enabled(): boolean {
    return this.url !== null;
  }

  get mode(): 'mcp' | 'fallback' {
    return this.enabled ? 'mcp' : 'fallback';
  }

  status(): McpStatus {
    return {
      mode: this.mode,
      enabled: this.enabled,
      server_url: this.url,
      use_cases: [...MCP_USE_CASES],
      calls: { ...this.counters },
      last_error: this.lastError,
      message: this.enabled
        ? `MCP client configured for ${this.url}; each call falls back to local logic on error.`
        : 'KLAVIYO_MCP_URL is not set: MCP disabled, using fallback logic (set it to an MCP server URL to enable).',
    };
  }

  async generatePersonalizedEmailContent(input: {
    userId: string;
    email?: string | null;
    campaignGoal: string;
    tone?: string;
    favoriteThemes?: string[];
    daysSinceLastStory?: number | null;
  }): Promise<EmailContent> {
    const remote = await this.tryTool<Omit<EmailContent, 'source'>>('generate_personalized_email_content', {
      user_id: input.userId,
      email: input.email ?? undefined,
      campaign_goal: input.campaignGoal,
      tone: input.tone ?? 'friendly',
    });
    if (remote) return { ...remote, source: 'mcp' };
    const themes = input.favoriteThemes?.length ? input.favoriteThemes : ['Ocean Adventure'];
    const since = input.daysSinceLastStory;
    return {
      subject:
        since && since > 2
          ? `Bedtime stories miss you! Your ${themes[0]} is waiting`
          : `Tonight's ${themes[0]} story is ready`,
      preview_text: `Your favorite ${themes.slice(0, 2).join(' and ')} stories are waiting...`,
      body_html: `<p>Keep the bedtime routine going with a new ${themes[0]} story tonight.</p>`,
      personalization_data: {
        favorite_themes: themes,
        last_story_date: since === null || since === undefined ? null : `${since} days ago`,
        campaign_goal: input.campaignGoal,
      },
      source: 'fallback',
    };
  }

  async analyzeCampaignPerformance(input: {
    campaignId: string;
    timeframeDays?: number;
  }): Promise<Record<string, unknown>> {
    const remote = await this.tryTool<Record<string, unknown>>('analyze_campaign_performance', {
      campaign_id: input.campaignId,
      timeframe_days: input.timeframeDays ?? 30,
    });
    if (remote) return { ...remote, source: 'mcp' };
    return {
      campaign_id: input.campaignId,
      timeframe_days: input.timeframeDays ?? 30,
      insights: [],
      recommendations: ['Connect a Klaviyo MCP server (KLAVIYO_MCP_URL) for campaign analytics.'],
      source: 'fallback',
    };
  }

  async suggestSegments(input: {
    goal: string;
  }): Promise<{ segments: { name: string; definition: string }[]; source: string }> {
    const remote = await this.tryTool<{ segments: { name: string; definition: string }[] }>(
      'suggest_segments',
      {
        goal: input.goal,
      },
    );
    if (remote) return { ...remote, source: 'mcp' };
    const wanted = /premium|upgrade|conversion/i.test(input.goal)
      ? ['Upgrade Candidates', 'High Engagement']
      : /churn|retention|win.?back/i.test(input.goal)
        ? ['Churn Risk']
        : SEGMENTS.map((s) => s.name);
    return {
      segments: SEGMENTS.filter((s) => wanted.includes(s.name)).map((s) => ({
        name: s.name,
        definition: s.rule,
      })),
      source: 'fallback',
    };
  }

  /** Recommendations from the MCP server; null when MCP is disabled or fails (callers fall back). */
  async getPersonalizedRecommendations(input: {
    userId: string;
    recommendationType?: string;
    favoriteThemes?: string[];
  }): Promise<string[] | null> {
    const remote = await this.tryTool<{ themes?: string[]; recommendations?: string[] }>(
      'get_personalized_recommendations',
      { user_id: input.userId, recommendation_type: input.recommendationType ?? 'story_themes' },
    );
    const themes = remote?.themes ?? remote?.recommendations;
    if (Array.isArray(themes) && themes.length > 0) return themes.map(String);
    return null;
  }

  /** Local recommendations, exposed for callers that want the fallback explicitly. */
  fallbackRecommendations(favoriteThemes: string[]): string[] {
    return recommendSimilarThemes(favoriteThemes);
  }

  private async tryTool<T>(name: string, args: Record<string, unknown>): Promise<T | null> {
    if (!this.url) {
      this.counters.fallback++;
      return null;
    }
    try {
      const result = await this.callTool(name, args);
      this.counters.mcp++;
      return result as T;
    } catch (err) {
      this.counters.errors++;
      this.counters.fallback++;
      this.lastError = `${name}: ${(err as Error).message}`;
      return null;
    }
  }

  /** MCP `tools/call`; returns `structuredContent`, or the first text content parsed as JSON. */
  async callTool(name: string, args: Record<string, unknown>): Promise<unknown> {
    if (!this.initialized) {
      await this.rpc('initialize', {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'dreamflow-sim', version: '0.1.0' },
      });
      await this.rpc('notifications/initialized', undefined, true);
      this.initialized = true;
    }
    const result = (await this.rpc('tools/call', { name, arguments: args })) as {
      isError?: boolean;
      structuredContent?: unknown;
      content?: { type: string; text?: string }[];
    };
    if (result?.isError) throw new Error(result.content?.[0]?.text ?? 'tool reported an error');
    if (result?.structuredContent !== undefined) return result.structuredContent;
    const text = result?.content?.find((c) => c.type === 'text')?.text;
    if (text === undefined) throw new Error('tool returned no content');
    return JSON.parse(text);
  }

  private async rpc(method: string, params: unknown, notification = false): Promise<unknown> {
    const body: Record<string, unknown> = { jsonrpc: '2.0', method };
    if (params !== undefined) body.params = params;
    if (!notification) body.id = this.nextId++;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    if (this.sessionId) headers['mcp-session-id'] = this.sessionId;
    const res = await this.fetchImpl(this.url!, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
    });
    const sid = res.headers.get('mcp-session-id');
    if (sid) this.sessionId = sid;
    if (notification) return undefined;
    if (!res.ok) throw new Error(`MCP server answered HTTP ${res.status}`);
    const text = await res.text();
    const json = (res.headers.get('content-type') ?? '').includes('text/event-stream')
      ? parseSse(text)
      : JSON.parse(text);
    const msg = json as { result?: unknown; error?: { code: number; message: string } };
    if (msg.error) throw new Error(`MCP error ${msg.error.code}: ${msg.error.message}`);
    return msg.result;
  }
}

function parseSse(text: string): unknown {
  const data = text
    .split(/\r?\n/)
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).trim());
  const last = data.filter((d) => d).pop();
  if (!last) throw new Error('empty SSE answer from MCP server');
  return JSON.parse(last);
}
