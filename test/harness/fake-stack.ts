/**
 * A stand-in SimulationStack for unit tests of the runner and the reports: an in-memory Dream Flow API on
 * a VirtualClock whose "Klaviyo calls" take a seeded, fixed-shape latency. Scenario-level behaviour is
 * tested against the real stack in scenarios.test.ts; this only keeps the engine's tests fast and focused.
 */

import { VirtualClock } from '../../lib/clock.ts';
import { createRng } from '../../lib/prng.ts';
import type { DreamFlowApi } from '../../src/app/contract.ts';
import { summariseLabels } from '../../src/harness/fault-log.ts';
import { type KlaviyoCallRecord, tallyCalls } from '../../src/harness/metrics.ts';
import type { SimulationStack, StackOptions } from '../../src/harness/stack.ts';

export function createFakeStack(
  options: StackOptions & { failEvery?: number },
): SimulationStack & { events: string[] } {
  const clock = new VirtualClock();
  const rng = createRng(options.seed).fork('fake-stack');
  const calls: KlaviyoCallRecord[] = [];
  const events: string[] = [];
  const faults: string[] = [];
  let n = 0;
  let users = 0;
  let cacheHits = 0;
  let cacheMisses = 0;
  const seen = new Set<string>();

  const track = async (name: string, category: KlaviyoCallRecord['category'] = 'event') => {
    n++;
    const fail = options.failEvery !== undefined && n % options.failEvery === 0;
    const latency = 60 + rng.int(0, 40);
    await clock.sleep(latency);
    if (fail) faults.push('error:503');
    calls.push({
      operation: category === 'event' ? 'create_event' : 'create_or_update_profile',
      category,
      attempts: fail ? 2 : 1,
      outcome: 'success',
      latencyMs: fail ? latency + 1000 : latency,
      failedAttempts: fail ? 1 : 0,
    });
    if (category === 'event') events.push(name);
  };

  const api: DreamFlowApi = {
    async signup(input) {
      if (seen.has(input.email)) throw new Error('user_already_exists');
      seen.add(input.email);
      const user_id = `user-${++users}`;
      await track('Signed Up');
      await track('profile', 'profile_sync');
      return { user_id, access_token: 'token' };
    },
    async generateStory(input) {
      await track('Story Generated');
      return {
        story_id: `s-${n}`,
        story_text: `A story about ${input.theme}`,
        num_scenes: input.num_scenes,
        generation_time_ms: 1,
        adaptation: {
          ab_arm: null,
          adaptive: false,
          shared: false,
          sentences_per_scene: 2,
          time_of_day: 'bedtime',
          theme_used: input.theme,
        },
      };
    },
    async completeStory(input) {
      if (input.completed) await track('Story Completed');
      return {
        story_id: input.story_id,
        completed: input.completed,
        listened_seconds: input.listened_seconds,
      };
    },
    async subscribe(input) {
      await track('Subscription Created');
      return { subscription_id: `sub-${n}`, tier: input.tier, previous_tier: 'free' };
    },
    async cancelSubscription() {
      await track('Subscription Cancelled');
      return { status: 'cancelled' };
    },
    async updateProfile(input) {
      await track('Profile Updated');
      return { updated_fields: Object.keys(input).filter((k) => k !== 'user_id') };
    },
    async recommendations(userId) {
      if (seen.has(`rec:${userId}`)) cacheHits++;
      else {
        cacheMisses++;
        seen.add(`rec:${userId}`);
      }
      return { themes: ['Space'], source: 'fallback' };
    },
  };

  return {
    mode: 'inprocess',
    api,
    clock,
    events,
    calls: () => tallyCalls(calls, { throttled: 0, retryAfterPairs: [] }),
    cache: () => ({ hits: cacheHits, misses: cacheMisses, savedCalls: cacheHits }),
    outbox: () => ({ tracked: events.length, delivered: events.length, pending: 0, deadLettered: 0 }),
    flush: async () => {},
    eventsStored: async () => events.length,
    faults: () => summariseLabels(faults),
    close: async () => {},
  };
}
