/**
 * The Klaviyo MCP adapter (seeds: `klaviyo_mcp_adapter.py`) with the seeds' use cases: personalised
 * email content, campaign performance analysis, segment suggestions, recommendations.
 *
 * With `KLAVIYO_MCP_URL` unset it runs the seeds' fallback logic and says so (`mode: 'fallback'`). With
 * a URL it is a client of the official MCP SDK (`Client` over `StreamableHTTPClientTransport`) and maps
 * each use case onto the tools of Klaviyo's MCP server (`dreamflow-sim mock mcp` serves them offline):
 * - recommendations and email content: `get_profiles` by `external_id` → the profile's
 *   `story_preferences`, `current_streak`, `first_name`;
 * - campaign performance: `get_metrics` (a conversion metric) → `get_campaign_report`;
 * - segment suggestions: `get_segments` (the account's segments, matched to the seeds' definitions).
 * Any failure (server down, time-out, tool error) falls back per call and is counted; the next call
 * reconnects, so a server that comes back is used again.
 * Privacy: only the user id goes to the MCP server — never child names or ages, so the email content
 * deliberately does not personalise with a child's name (the seeds' example did).
 *
 * Known limitations: tool arguments follow the offline server's (Klaviyo publishes names, not
 * parameters); the request time-out is wall-clock (the SDK's), not the injectable clock's.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Clock } from '../../lib/clock.ts';
import { SEGMENTS } from './personalization/segments.ts';
import { recommendSimilarThemes } from './personalization/themes.ts';

export interface McpStatus {
  mode: 'mcp' | 'fallback';
  enabled: boolean;
  server_url: string | null;
  use_cases: string[];
  /** Use cases answered from MCP, answered by the fallback logic, and failed MCP attempts. */
  calls: { mcp: number; fallback: number; errors: number };
  /** MCP tool calls sent to a connected server, per Klaviyo tool name. */
  tool_calls: Record<string, number>;
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
  /** fetch for the HTTP transport (default global fetch). */
  fetch?: typeof fetch;
  /**
   * A transport other than Streamable HTTP to `url` (the harness links an in-process server); with it
   * the adapter is enabled even without a URL.
   */
  transport?: () => Transport;
  /** Per-request time-out, wall clock, ms (default 5000). */
  timeoutMs?: number;
}

/** The parts of a Klaviyo profile the use cases read. */
interface KlaviyoProfile {
  id: string;
  attributes: { first_name?: string | null; properties?: Record<string, unknown> };
}

/** Thrown inside a use case when MCP answered but had nothing to go on: the fallback answers instead. */
class NoData extends Error {}

export class KlaviyoMcpAdapter {
  private readonly url: string | null;
  private client: Promise<Client> | null = null;
  private counters = { mcp: 0, fallback: 0, errors: 0 };
  private toolCalls: Record<string, number> = {};
  private lastError: string | null = null;

  constructor(private readonly options: McpAdapterOptions) {
    this.url = options.url?.trim() ? options.url.trim() : null;
  }

  get enabled(): boolean {
    return this.url !== null || this.options.transport !== undefined;
  }

  get mode(): 'mcp' | 'fallback' {
    return this.enabled ? 'mcp' : 'fallback';
  }

  status(): McpStatus {
    return {
      mode: this.mode,
      enabled: this.enabled,
      server_url: this.url ?? (this.options.transport ? 'in-process' : null),
      use_cases: [...MCP_USE_CASES],
      calls: { ...this.counters },
      tool_calls: { ...this.toolCalls },
      last_error: this.lastError,
      message: this.enabled
        ? `MCP client configured for ${this.url ?? 'an in-process server'}; each call falls back to local logic on error.`
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
    const remote = await this.viaMcp('generate_personalized_email_content', async () => {
      const props = (await this.profile(input.userId)).attributes.properties ?? {};
      const prefs = stringList(props.story_preferences);
      if (prefs.length === 0) throw new NoData('no story_preferences on the Klaviyo profile');
      return emailContent(input.campaignGoal, prefs, input.daysSinceLastStory, {
        current_streak: props.current_streak ?? null,
        subscription_tier: props.subscription_tier ?? null,
      });
    });
    if (remote) return { ...remote, source: 'mcp' };
    const themes = input.favoriteThemes?.length ? input.favoriteThemes : ['Ocean Adventure'];
    return { ...emailContent(input.campaignGoal, themes, input.daysSinceLastStory), source: 'fallback' };
  }

  async analyzeCampaignPerformance(input: {
    campaignId: string;
    timeframeDays?: number;
  }): Promise<Record<string, unknown>> {
    const timeframeDays = input.timeframeDays ?? 30;
    const remote = await this.viaMcp('analyze_campaign_performance', async () => {
      const metrics = (await this.tool('get_metrics', {})) as {
        data: { id: string; attributes: { name: string } }[];
      };
      // Klaviyo requires a conversion metric; Dream Flow converts on a subscription, else any metric.
      const conversion = metrics.data.find((m) => /subscription/i.test(m.attributes.name)) ?? metrics.data[0];
      if (!conversion) throw new NoData('the account has no metrics yet');
      const report = (await this.tool('get_campaign_report', {
        campaign_id: input.campaignId,
        timeframe: timeframeKey(timeframeDays),
        conversion_metric_id: conversion.id,
        statistics: ['recipients', 'opens', 'open_rate', 'clicks', 'click_rate', 'conversions'],
      })) as { data: { attributes: { results: { statistics: Record<string, number> }[] } } };
      const results = report.data.attributes.results;
      const stats = results[0]?.statistics ?? {};
      return {
        campaign_id: input.campaignId,
        timeframe_days: timeframeDays,
        conversion_metric: conversion.attributes.name,
        results,
        insights: results.length
          ? [`open rate ${pct(stats.open_rate)}, click rate ${pct(stats.click_rate)}`]
          : [],
        recommendations:
          (stats.open_rate ?? 0) < 0.3
            ? ['Open rate is under 30 %: test subject lines that name the family’s favourite theme.']
            : [],
      };
    });
    if (remote) return { ...remote, source: 'mcp' };
    return {
      campaign_id: input.campaignId,
      timeframe_days: timeframeDays,
      insights: [],
      recommendations: ['Connect a Klaviyo MCP server (KLAVIYO_MCP_URL) for campaign analytics.'],
      source: 'fallback',
    };
  }

  async suggestSegments(input: { goal: string }): Promise<{
    segments: { name: string; definition: string; klaviyo_id?: string | null }[];
    source: string;
  }> {
    const wanted = segmentsForGoal(input.goal);
    const remote = await this.viaMcp('suggest_segments', async () => {
      const existing = (await this.tool('get_segments', {})) as {
        data: { id: string; attributes: { name: string } }[];
      };
      const byName = new Map(existing.data.map((s) => [s.attributes.name, s.id]));
      return {
        segments: wanted.map((s) => ({
          name: s.name,
          definition: s.rule,
          klaviyo_id: byName.get(s.name) ?? null,
        })),
      };
    });
    if (remote) return { ...remote, source: 'mcp' };
    return { segments: wanted.map((s) => ({ name: s.name, definition: s.rule })), source: 'fallback' };
  }

  /** Recommendations from the MCP server; null when MCP is disabled, fails or knows nothing (callers fall back). */
  async getPersonalizedRecommendations(input: {
    userId: string;
    recommendationType?: string;
    favoriteThemes?: string[];
  }): Promise<string[] | null> {
    return this.viaMcp('get_personalized_recommendations', async () => {
      const prefs = stringList((await this.profile(input.userId)).attributes.properties?.story_preferences);
      if (prefs.length === 0) throw new NoData('no story_preferences on the Klaviyo profile');
      return recommendSimilarThemes(prefs);
    });
  }

  /** Local recommendations, exposed for callers that want the fallback explicitly. */
  fallbackRecommendations(favoriteThemes: string[]): string[] {
    return recommendSimilarThemes(favoriteThemes);
  }

  /** Close the MCP connection (a stateless HTTP server holds none; an in-process one does). */
  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client) await client.then((c) => c.close()).catch(() => {});
  }

  /**
   * Run one use case over MCP: its answer, or null (counted) when MCP is disabled, fails or has no data,
   * in which case the caller's fallback answers.
   */
  private async viaMcp<T>(useCase: string, run: () => Promise<T>): Promise<T | null> {
    if (!this.enabled) {
      this.counters.fallback++;
      return null;
    }
    try {
      const value = await run();
      this.counters.mcp++;
      return value;
    } catch (err) {
      this.counters.fallback++;
      if (!(err instanceof NoData)) {
        this.counters.errors++;
        // A dead connection is not reused: the next call connects afresh.
        if (!(err instanceof ToolError)) void this.close();
      }
      this.lastError = `${useCase}: ${(err as Error).message}`;
      return null;
    }
  }

  private async profile(userId: string): Promise<KlaviyoProfile> {
    const page = (await this.tool('get_profiles', {
      filter: `equals(external_id,${JSON.stringify(userId)})`,
      page_size: 1,
      fields: ['first_name', 'external_id', 'properties'],
    })) as { data: KlaviyoProfile[] };
    if (!page.data[0]) throw new NoData(`no Klaviyo profile with external_id ${userId}`);
    return page.data[0];
  }

  private tool(name: string, args: Record<string, unknown>): Promise<unknown> {
    return this.callTool(name, args);
  }

  /** MCP `tools/call` through the official client; returns `structuredContent`, else the text parsed as JSON. */
  async callTool(name: string, args: Record<string, unknown>): Promise<unknown> {
    const client = await this.connect();
    // Counted once connected: a server that is down received no call.
    this.toolCalls[name] = (this.toolCalls[name] ?? 0) + 1;
    const result = await client.callTool({ name, arguments: args }, undefined, {
      timeout: this.options.timeoutMs ?? 5_000,
    });
    const content = (result.content ?? []) as { type: string; text?: string }[];
    if (result.isError) throw new ToolError(content[0]?.text ?? `${name} reported an error`);
    if (result.structuredContent !== undefined) return result.structuredContent;
    const text = content.find((c) => c.type === 'text')?.text;
    if (text === undefined) throw new ToolError(`${name} returned no content`);
    return JSON.parse(text);
  }

  private connect(): Promise<Client> {
    if (!this.client) {
      const attempt = (async () => {
        const transport =
          this.options.transport?.() ??
          new StreamableHTTPClientTransport(new URL(this.url!), {
            fetch: this.options.fetch,
          });
        const client = new Client({ name: 'dreamflow-sim', version: '0.1.0' });
        await client.connect(transport, { timeout: this.options.timeoutMs ?? 5_000 });
        return client;
      })();
      this.client = attempt;
      // A failed connection is forgotten, so the next call tries again.
      attempt.catch(() => {
        if (this.client === attempt) this.client = null;
      });
    }
    return this.client;
  }
}

/** The server answered, with an error of the tool's (a bad argument, a Klaviyo 4xx): the connection is fine. */
class ToolError extends Error {}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function pct(v: number | undefined): string {
  return v === undefined ? 'n/a' : `${(v * 100).toFixed(1)} %`;
}

/** Klaviyo's named timeframes; a number of days maps to the smallest one that covers it. */
function timeframeKey(days: number): string {
  if (days <= 7) return 'last_7_days';
  if (days <= 30) return 'last_30_days';
  if (days <= 90) return 'last_90_days';
  return 'last_365_days';
}

function segmentsForGoal(goal: string) {
  const wanted = /premium|upgrade|conversion/i.test(goal)
    ? ['Upgrade Candidates', 'High Engagement']
    : /churn|retention|win.?back/i.test(goal)
      ? ['Churn Risk']
      : SEGMENTS.map((s) => s.name);
  return SEGMENTS.filter((s) => wanted.includes(s.name));
}

/** The seeds' email, from the favourite themes (Klaviyo's, over MCP; the caller's, in the fallback). */
function emailContent(
  campaignGoal: string,
  themes: string[],
  since: number | null | undefined,
  extra: Record<string, unknown> = {},
): Omit<EmailContent, 'source'> {
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
      campaign_goal: campaignGoal,
      ...extra,
    },
  };
}
