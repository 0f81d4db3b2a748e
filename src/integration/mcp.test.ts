/**
 * The MCP adapter: fallback mode without KLAVIYO_MCP_URL; against the offline Klaviyo MCP server (over
 * Streamable HTTP on 127.0.0.1, answered by a Klaviyo mock holding a profile written with the SDK): the
 * use cases answered from Klaviyo's tools; and the fallback while the server is down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../lib/clock.ts';
import { startKlaviyoServer } from '../../mocks/klaviyo/index.ts';
import { inProcessCall } from '../../mocks/klaviyo/mcp/dispatch.ts';
import { type RunningMcpServer, startMcpHttpServer } from '../../mocks/klaviyo/mcp/http.ts';
import type { RunningServer } from '../../mocks/shared/listen.ts';
import type { MockService } from '../../mocks/shared/service.ts';
import { eventBody, profileBody, sdk } from '../../test/klaviyo/helpers.ts';
import { KlaviyoMcpAdapter } from './mcp.ts';
import { recommendSimilarThemes } from './personalization/themes.ts';

describe('KlaviyoMcpAdapter', () => {
  it('says it is in fallback mode and still answers every use case', async () => {
    const mcp = new KlaviyoMcpAdapter({ clock: new VirtualClock() });
    expect(mcp.status()).toMatchObject({ mode: 'fallback', enabled: false, server_url: null });
    const email = await mcp.generatePersonalizedEmailContent({
      userId: 'u',
      campaignGoal: 'encourage_bedtime_consistency',
      favoriteThemes: ['Ocean Adventure'],
      daysSinceLastStory: 7,
    });
    expect(email.source).toBe('fallback');
    expect(email.subject).toContain('Ocean Adventure');
    expect(JSON.stringify(email)).not.toMatch(/child_name/);
    expect(
      (await mcp.suggestSegments({ goal: 'increase_premium_conversions' })).segments.map((s) => s.name),
    ).toEqual(['High Engagement', 'Upgrade Candidates']);
    expect((await mcp.analyzeCampaignPerformance({ campaignId: 'c1' })).source).toBe('fallback');
    expect(await mcp.getPersonalizedRecommendations({ userId: 'u' })).toBeNull();
    expect(mcp.status().calls.fallback).toBe(4);
  });

  describe('against the offline Klaviyo MCP server (dreamflow-sim mock mcp)', () => {
    const KEY = 'pk_mcp_adapter_test';
    let klaviyo: RunningServer & { service: MockService };
    let mcpServer: RunningMcpServer;
    beforeAll(async () => {
      klaviyo = await startKlaviyoServer({ rateLimits: false });
      const { profiles } = sdk(KEY, klaviyo.url);
      await profiles.createProfile(
        profileBody({
          email: 'parent@example.com',
          external_id: 'user-1',
          properties: { story_preferences: ['Space Explorer'], current_streak: 3 },
        }),
      );
      // A subscription metric: the conversion metric campaign analysis asks Klaviyo to report on.
      await sdk(KEY, klaviyo.url).events.createEvent(
        eventBody('Subscription Created', { email: 'parent@example.com' }, {}, { tier: 'premium' }),
      );
      mcpServer = await startMcpHttpServer({ call: inProcessCall(klaviyo.service, KEY), port: 0 });
    });
    afterAll(async () => {
      await mcpServer?.close();
      await klaviyo?.close();
    });

    it('answers the seeds’ use cases from Klaviyo’s tools over the official MCP client', async () => {
      const mcp = new KlaviyoMcpAdapter({ url: mcpServer.mcpUrl, clock: new VirtualClock() });
      expect(mcp.mode).toBe('mcp');
      const themes = await mcp.getPersonalizedRecommendations({ userId: 'user-1' });
      expect(themes).toEqual(recommendSimilarThemes(['Space Explorer']));
      const email = await mcp.generatePersonalizedEmailContent({
        userId: 'user-1',
        campaignGoal: 'win_back',
      });
      expect(email).toMatchObject({
        source: 'mcp',
        personalization_data: { favorite_themes: ['Space Explorer'] },
      });
      const segs = await mcp.suggestSegments({ goal: 'reduce churn' });
      expect(segs).toMatchObject({ source: 'mcp', segments: [{ name: 'Churn Risk', klaviyo_id: null }] });
      const report = await mcp.analyzeCampaignPerformance({
        campaignId: 'NO_SUCH_CAMPAIGN',
        timeframeDays: 7,
      });
      expect(report).toMatchObject({
        source: 'mcp',
        conversion_metric: 'Subscription Created',
        results: [],
        timeframe_days: 7,
      });
      // A user Klaviyo does not know: MCP answered, but with nothing to go on, so the caller falls back.
      expect(await mcp.getPersonalizedRecommendations({ userId: 'nobody' })).toBeNull();
      expect(mcp.status()).toMatchObject({
        calls: { mcp: 4, fallback: 1, errors: 0 },
        tool_calls: { get_profiles: 3, get_segments: 1, get_metrics: 1, get_campaign_report: 1 },
      });
      await mcp.close();
    });

    it('falls back per call while the server is down, and uses it again once it is back', async () => {
      const down = await startMcpHttpServer({ call: inProcessCall(klaviyo.service, KEY), port: 0 });
      const port = down.port;
      await down.close();
      const mcp = new KlaviyoMcpAdapter({ url: `http://127.0.0.1:${port}/mcp`, clock: new VirtualClock() });
      expect(await mcp.getPersonalizedRecommendations({ userId: 'user-1' })).toBeNull();
      const email = await mcp.generatePersonalizedEmailContent({
        userId: 'user-1',
        campaignGoal: 'win_back',
        favoriteThemes: ['Ocean Adventure'],
      });
      expect(email.source).toBe('fallback');
      expect(mcp.status()).toMatchObject({ calls: { mcp: 0, fallback: 2, errors: 2 } });
      expect(mcp.status().last_error).toMatch(/generate_personalized_email_content/);
      const back = await startMcpHttpServer({ call: inProcessCall(klaviyo.service, KEY), port });
      try {
        expect(await mcp.getPersonalizedRecommendations({ userId: 'user-1' })).toEqual(
          recommendSimilarThemes(['Space Explorer']),
        );
        expect(mcp.status().calls.mcp).toBe(1);
      } finally {
        await mcp.close();
        await back.close();
      }
    });
  });
});
