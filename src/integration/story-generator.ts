/**
 * A deterministic, offline stand-in for the AI story service. The same input gives the same story
 * (the text is drawn from an Rng forked by the input), and the generation latency — configurable, with
 * seeded jitter — is slept on the injected Clock, so a VirtualClock run costs no wall time.
 * The child's name may appear in the story text: the text stays in Supabase, never goes to Klaviyo.
 */
import type { Clock } from '../../lib/clock.ts';
import type { Rng } from '../../lib/prng.ts';
import type { StoryAdaptation } from './personalization/adaptive.ts';

export interface StoryRequest {
  theme: string;
  prompt: string;
  numScenes: number;
  mood?: string | null;
  childName?: string | null;
  adaptation?: StoryAdaptation;
}

export interface GeneratedStory {
  text: string;
  scenes: string[];
  /** Clock time the generation took, ms. */
  generationTimeMs: number;
}

export interface StoryLatency {
  /** Fixed cost per story, ms (default 900). */
  baseMs: number;
  /** Extra per scene (illustration), ms (default 250). */
  perSceneMs: number;
  /** Uniform jitter half-width as a fraction (default 0.2). */
  jitterRatio: number;
}

export const DEFAULT_STORY_LATENCY: StoryLatency = { baseMs: 900, perSceneMs: 250, jitterRatio: 0.2 };

const OPENINGS = [
  'Once upon a time, when the stars were just waking up,',
  'Far away, past the hills that hum at night,',
  'On a quiet evening, as the moon tiptoed into the sky,',
  'In a cozy corner of the world,',
];
const MIDDLES = [
  'found a path that glowed softly with every step',
  'met a new friend who knew a secret song',
  'discovered that kindness makes the brightest light',
  'followed a gentle breeze to a hidden garden',
  'counted the waves until they sounded like a lullaby',
];
const ENDINGS = [
  'and drifted into the sweetest dreams.',
  'and snuggled in, warm and safe, until morning.',
  'and whispered goodnight to the friendly stars.',
];

export class StoryGenerator {
  private readonly latency: StoryLatency;

  constructor(
    private readonly clock: Clock,
    private readonly rng: Rng,
    latency: Partial<StoryLatency> = {},
  ) {
    this.latency = { ...DEFAULT_STORY_LATENCY, ...latency };
  }

  async generate(req: StoryRequest): Promise<GeneratedStory> {
    const started = this.clock.now();
    const r = this.rng.fork(
      JSON.stringify([req.theme, req.prompt, req.numScenes, req.mood ?? '', req.childName ?? '']),
    );
    const hero = req.childName?.trim() || 'a little dreamer';
    const tone = req.adaptation?.tone ? ` The story felt ${req.adaptation.tone}.` : '';
    const sentencesPerScene = req.adaptation?.sentencesPerScene ?? 2;
    const scenes: string[] = [];
    for (let i = 0; i < req.numScenes; i++) {
      const parts = [
        `${i === 0 ? r.pick(OPENINGS) : 'Then'} ${hero} ${r.pick(MIDDLES)} in the ${req.theme}.`,
      ];
      for (let s = 1; s < sentencesPerScene; s++)
        parts.push(`It was just like ${req.prompt.toLowerCase()}, ${r.pick(MIDDLES)}.`);
      scenes.push(parts.join(' '));
    }
    scenes.push(`At last ${hero} yawned ${r.pick(ENDINGS)}${tone}`);
    const planned = this.latency.baseMs + this.latency.perSceneMs * req.numScenes;
    const jitter = 1 + this.latency.jitterRatio * (2 * r.next() - 1);
    const latencyMs = Math.max(0, Math.round(planned * jitter));
    if (latencyMs > 0) await this.clock.sleep(latencyMs);
    return { text: scenes.join('\n\n'), scenes, generationTimeMs: this.clock.now() - started };
  }
}
