/**
 * Story recommendations (seeds: `get_story_recommendations`): MCP first, then the Klaviyo profile's
 * `story_preferences`, then a rule-based fallback (the user's own Supabase history, then the time of
 * day). Results are cached per user; fallback answers are not cached, so recovery shows immediately.
 */
import type { Clock } from '../../../lib/clock.ts';
import { type Cache, cacheKeys } from '../cache.ts';
import type { KlaviyoService } from '../klaviyo/service.ts';
import type { KlaviyoMcpAdapter } from '../mcp.ts';
import { adaptStory } from './adaptive.ts';
import { BEDTIME_THEMES, DAYTIME_THEMES, recommendSimilarThemes } from './themes.ts';

export type RecommendationSource = 'mcp' | 'klaviyo' | 'fallback';

export interface Recommendation {
  themes: string[];
  /** `mcp`, `klaviyo`, `fallback`, or `cache:<one of those>` when served from the cache. */
  source: string;
}

export interface RecommendationEngineOptions {
  clock: Clock;
  klaviyo: KlaviyoService;
  mcp: KlaviyoMcpAdapter;
  cache?: Cache;
  ttlMs?: number;
}

export class RecommendationEngine {
  constructor(private readonly options: RecommendationEngineOptions) {}

  async recommend(userId: string, local: { storyPreferences?: string[] } = {}): Promise<Recommendation> {
    const compute = async () => {
      const value = await this.compute(userId, local);
      return { value, apiCalls: value.source === 'fallback' ? 0 : 1 };
    };
    if (!this.options.cache) return compute().then((e) => e.value);
    const { value, hit } = await this.options.cache.getOrLoad<Recommendation>(
      cacheKeys.recommendations(userId),
      compute,
      { ttlMs: this.options.ttlMs, cacheIf: (v) => v.source !== 'fallback' },
    );
    return hit ? { themes: value.themes, source: `cache:${value.source}` } : value;
  }

  private async compute(userId: string, local: { storyPreferences?: string[] }): Promise<Recommendation> {
    const { mcp, klaviyo, clock } = this.options;
    if (mcp.enabled) {
      const themes = await mcp.getPersonalizedRecommendations({ userId, recommendationType: 'story_themes' });
      if (themes) return { themes, source: 'mcp' };
    }
    if (klaviyo.enabled) {
      const metrics = await klaviyo.getProfileMetrics(userId);
      const prefs = Array.isArray(metrics?.story_preferences) ? (metrics.story_preferences as string[]) : [];
      if (prefs.length > 0) return { themes: recommendSimilarThemes(prefs), source: 'klaviyo' };
    }
    if (local.storyPreferences && local.storyPreferences.length > 0) {
      return { themes: recommendSimilarThemes(local.storyPreferences), source: 'fallback' };
    }
    const { timeOfDay } = adaptStory({ now: clock.now() });
    const themes = timeOfDay === 'morning' || timeOfDay === 'afternoon' ? DAYTIME_THEMES : BEDTIME_THEMES;
    return { themes: [...themes], source: 'fallback' };
  }
}
