/**
 * The MCP adapter: fallback mode without KLAVIYO_MCP_URL, and the JSON-RPC client against a tiny MCP
 * stand-in on 127.0.0.1 (initialize → tools/call, JSON and SSE answers), falling back on errors.
 */
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../lib/clock.ts';
import { listen, type RunningServer } from '../../mocks/shared/listen.ts';
import { KlaviyoMcpAdapter } from './mcp.ts';

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

  describe('against an MCP server', () => {
    let server: RunningServer;
    const seen: string[] = [];
    beforeAll(async () => {
      const app = express();
      app.use(express.json());
      app.post('/mcp', (req, res) => {
        const { method, id, params } = req.body as { method: string; id?: number; params?: { name: string } };
        seen.push(method);
        if (method === 'initialize') {
          res
            .set('mcp-session-id', 'sess-1')
            .json({ jsonrpc: '2.0', id, result: { protocolVersion: '2025-06-18', capabilities: {} } });
        } else if (method === 'notifications/initialized') {
          res.status(202).end();
        } else if (params?.name === 'get_personalized_recommendations') {
          expect(req.get('mcp-session-id')).toBe('sess-1');
          res
            .set('content-type', 'text/event-stream')
            .send(
              `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: JSON.stringify({ themes: ['Pirate Cove'] }) }] } })}\n\n`,
            );
        } else {
          res.json({ jsonrpc: '2.0', id, error: { code: -32601, message: 'unknown tool' } });
        }
      });
      server = await listen(app, { port: 0 });
    });
    afterAll(() => server.close());

    it('calls tools over JSON-RPC and falls back per call on errors', async () => {
      const mcp = new KlaviyoMcpAdapter({ url: `${server.url}/mcp`, clock: new VirtualClock() });
      expect(mcp.mode).toBe('mcp');
      expect(await mcp.getPersonalizedRecommendations({ userId: 'u' })).toEqual(['Pirate Cove']);
      expect(seen).toEqual(['initialize', 'notifications/initialized', 'tools/call']);
      const segs = await mcp.suggestSegments({ goal: 'reduce churn' });
      expect(segs.source).toBe('fallback');
      expect(mcp.status()).toMatchObject({
        calls: { mcp: 1, errors: 1 },
        last_error: expect.stringContaining('unknown tool'),
      });
    });
  });
});
