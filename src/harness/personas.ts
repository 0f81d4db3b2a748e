/**
 * Seeded families. A private Faker instance (never the global one, which other code may reseed) gives
 * names and emails; the project PRNG gives every other choice. Same seed and index → same persona.
 *
 * Each family also has hidden listening preferences (`listening`, drawn in systems/truth.ts from its
 * own stream, so no other draw moved): a modelled chance that its children finish a story. Base 0.70 –
 * 0.90, lowered by a factor for each thing a story gets wrong for this family: long scenes after its
 * wind-down time (18:45 – 19:45) × (1 − 0.15…0.35), a theme that is not calm after wind-down
 * × (1 − 0.10…0.25), one child's story when there are several × (1 − 0.15…0.35), long scenes with a
 * child of 0–5 × (1 − 0.10…0.25). A `listen` step draws completion from it; the adaptive-stories A/B
 * measures the engine against it. It is a model, not evidence about real children (docs/harness.md).
 */
import { en, Faker } from '@faker-js/faker';
import { createRng, type Rng } from '../../lib/prng.ts';
import { parseClockTime } from './duration.ts';
import { type ListeningPreferences, listeningPreferences } from './systems/truth.ts';

export const THEMES = [
  'Ocean Adventure',
  'Space',
  'Enchanted Forest',
  'Dinosaurs',
  'Dragons',
  'Fairy Tale',
  'Underwater Kingdom',
  'Jungle Safari',
] as const;
export const MOODS = ['calm', 'excited', 'sleepy', 'curious', 'anxious', 'happy'] as const;
export const AGE_BANDS = ['0-2', '3-5', '6-8', '9-12'] as const;

export interface Child {
  name: string;
  age_band: string;
}

export interface Persona {
  index: number;
  parent: { first_name: string; last_name: string; email: string; password: string };
  children: Child[];
  /** Favourite themes, most liked first. */
  preferences: string[];
  /** Usual mood weights for this family's stories. */
  moods: Record<string, number>;
  /** Minutes after midnight (UTC, the simulation's zone) the family usually starts a bedtime story. */
  bedtimeMinutes: number;
  signupMethod: 'email' | 'google' | 'apple';
  /** Hidden: what makes this family's children finish a story (systems/truth.ts). */
  listening: ListeningPreferences;
}

export interface PersonaOptions {
  /** Bedtime window, `HH:MM`. */
  earliest?: string;
  latest?: string;
  /** Children per family, inclusive range. */
  children?: { min: number; max: number };
}

/**
 * Build `count` personas for a seed. Each persona draws from its own forked stream, so persona 7 is the
 * same whether 10 or 1,000 users are generated.
 */
export function createPersonas(seed: number, count: number, options: PersonaOptions = {}): Persona[] {
  return Array.from({ length: count }, (_, i) => createPersona(seed, i, options));
}

export function createPersona(seed: number, index: number, options: PersonaOptions = {}): Persona {
  const rng = createRng(seed).fork(`persona:${index}`);
  const faker = sharedFaker();
  faker.seed(rng.int(0, 2 ** 31 - 1));

  const first = faker.person.firstName();
  const last = faker.person.lastName();
  // The index in the local part keeps emails unique however the name draws fall.
  const email = `${slug(first)}.${slug(last)}.${index}@${faker.helpers.arrayElement(['example.com', 'example.org', 'example.net'])}`;
  const kids = options.children ?? { min: 1, max: 3 };
  const children = Array.from({ length: rng.int(kids.min, kids.max) }, () => ({
    name: faker.person.firstName(),
    age_band: rng.pick(AGE_BANDS),
  }));

  const earliest = parseClockTime(options.earliest ?? '18:30') ?? 18 * 60 + 30;
  const latest = parseClockTime(options.latest ?? '21:00') ?? 21 * 60;
  return {
    index,
    parent: {
      first_name: first,
      last_name: last,
      email,
      password: `pw-${rng.int(100000, 999999)}-${slug(last)}`,
    },
    children,
    preferences: shuffle(rng, [...THEMES]).slice(0, rng.int(2, 4)),
    moods: Object.fromEntries(MOODS.map((m) => [m, rng.int(1, 5)])),
    bedtimeMinutes: rng.int(earliest, Math.max(earliest, latest)),
    signupMethod: rng.weighted({ email: 6, google: 3, apple: 1 }),
    listening: listeningPreferences(seed, index),
  };
}

let faker: Faker | undefined;

/**
 * One private Faker, reseeded for every persona: a reseeded Faker draws exactly what a fresh one with
 * that seed would (its only state is the generator), and building one per family was a hot spot.
 */
function sharedFaker(): Faker {
  faker ??= new Faker({ locale: [en] });
  return faker;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '') || 'user';
}

function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
