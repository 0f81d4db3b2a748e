/**
 * Demo data: seeded Dream Flow families (a parent profile, 1–4 children, their stories and subscription
 * history), generated with @faker-js/faker seeded from `seed`, so the same seed gives the same families.
 * Each parent also gets a confirmed auth user with the same id and the password DEMO_PASSWORD, so
 * `signInWithPassword` works for seeded accounts. Re-running with the same seed adds nothing new.
 */
import { en, Faker } from '@faker-js/faker';
import type { Clock } from '../../lib/clock.ts';
import { systemClock } from '../../lib/clock.ts';
import { hashPassword } from './gotrue/password.ts';
import type { Db } from './store/db.ts';

export const DEMO_PASSWORD = 'dreamflow-demo';
export const STORY_THEMES = [
  'space',
  'dragons',
  'ocean',
  'forest',
  'dinosaurs',
  'friendship',
  'magic',
  'bedtime',
  'animals',
  'superheroes',
] as const;
const MOODS = ['calm', 'excited', 'sleepy', 'curious', 'anxious', 'happy'] as const;
const AGE_BANDS = ['0-2', '3-5', '6-8', '9-12'] as const;
const CANCEL_REASONS = ['too_expensive', 'not_using', 'child_outgrew', 'technical_issues', 'other'] as const;

export interface SeedOptions {
  families?: number;
  seed?: number;
  clock?: Clock;
}

export interface SeedCounts {
  profiles: number;
  children: number;
  stories: number;
  subscriptions: number;
  auth_users: number;
}

const DAY = 86_400_000;

export function seedDemoFamilies(db: Db, options: SeedOptions = {}): SeedCounts {
  const families = options.families ?? 10;
  if (!Number.isInteger(families) || families < 0 || families > 100_000) {
    throw new Error(`families must be a whole number from 0 to 100000, got ${families}`);
  }
  const faker = new Faker({ locale: [en] });
  faker.seed(options.seed ?? 1);
  const now = (options.clock ?? systemClock).now();
  const iso = (ms: number) => new Date(ms).toISOString();
  // One hash for every demo parent: scrypt is deliberately slow and the password is public anyway.
  const passwordHash = hashPassword(DEMO_PASSWORD);
  const counts: SeedCounts = { profiles: 0, children: 0, stories: 0, subscriptions: 0, auth_users: 0 };

  const insert = (table: string, row: Record<string, unknown>) => {
    const cols = Object.keys(row);
    const sql = `INSERT OR IGNORE INTO "${table}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
    return db.prepare(sql).run(...Object.values(row)).changes;
  };

  db.transaction(() => {
    for (let i = 0; i < families; i++) {
      const id = faker.string.uuid();
      const first = faker.person.firstName();
      const last = faker.person.lastName();
      const email = `${slug(first)}.${slug(last)}.${options.seed ?? 1}-${i}@example.com`;
      const tier = faker.helpers.weightedArrayElement([
        { weight: 6, value: 'free' },
        { weight: 3, value: 'premium' },
        { weight: 1, value: 'family' },
      ]);
      const joined = now - faker.number.int({ min: 5, max: 365 }) * DAY;
      const kids = faker.number.int({ min: 1, max: tier === 'family' ? 4 : 2 });
      const storyCount = faker.number.int({ min: 0, max: tier === 'free' ? 12 : 40 });
      const storyTimes = Array.from({ length: storyCount }, () =>
        faker.number.int({ min: joined, max: now }),
      ).sort((a, b) => a - b);
      const lastStory = storyTimes.at(-1);

      counts.auth_users += insert('auth_users', {
        id,
        email,
        encrypted_password: passwordHash,
        user_metadata: JSON.stringify({ first_name: first }),
        email_confirmed_at: iso(joined),
        created_at: iso(joined),
        updated_at: iso(joined),
      });
      counts.profiles += insert('profiles', {
        id,
        email,
        first_name: first,
        subscription_tier: tier,
        story_preferences: JSON.stringify(faker.helpers.arrayElements(STORY_THEMES, { min: 1, max: 3 })),
        total_stories: storyCount,
        current_streak:
          lastStory !== undefined && now - lastStory < 2 * DAY ? faker.number.int({ min: 1, max: 14 }) : 0,
        last_story_at: lastStory === undefined ? null : iso(lastStory),
        family_mode_enabled: tier === 'family' || (kids > 1 && faker.datatype.boolean()) ? 1 : 0,
        created_at: iso(joined),
        updated_at: iso(lastStory ?? joined),
      });

      const childIds: string[] = [];
      for (let c = 0; c < kids; c++) {
        const childId = faker.string.uuid();
        childIds.push(childId);
        counts.children += insert('children', {
          id: childId,
          parent_id: id,
          name: faker.person.firstName(),
          age_band: faker.helpers.arrayElement(AGE_BANDS),
          created_at: iso(joined),
        });
      }

      for (const at of storyTimes) {
        const theme = faker.helpers.arrayElement(STORY_THEMES);
        counts.stories += insert('stories', {
          id: faker.string.uuid(),
          user_id: id,
          child_id: faker.helpers.arrayElement(childIds),
          theme,
          prompt: `A ${theme} story about ${faker.animal.type()}s and ${faker.word.noun()}`,
          story_text: faker.lorem.paragraphs({ min: 2, max: 4 }),
          num_scenes: faker.number.int({ min: 3, max: 8 }),
          user_mood: faker.helpers.arrayElement(MOODS),
          generation_time_ms: faker.number.int({ min: 800, max: 6000 }),
          created_at: iso(at),
        });
      }

      if (tier !== 'free') {
        counts.subscriptions += insert('subscriptions', {
          id: faker.string.uuid(),
          user_id: id,
          tier,
          previous_tier: 'free',
          status: 'active',
          stripe_subscription_id: `sub_${faker.string.alphanumeric(14)}`,
          created_at: iso(faker.number.int({ min: joined, max: now })),
        });
      } else if (faker.number.int({ min: 1, max: 5 }) === 1) {
        // A lapsed subscriber: upgraded once, then cancelled.
        const started = faker.number.int({ min: joined, max: now });
        counts.subscriptions += insert('subscriptions', {
          id: faker.string.uuid(),
          user_id: id,
          tier: 'premium',
          previous_tier: 'free',
          status: 'cancelled',
          stripe_subscription_id: `sub_${faker.string.alphanumeric(14)}`,
          cancellation_reason: faker.helpers.arrayElement(CANCEL_REASONS),
          created_at: iso(started),
          cancelled_at: iso(faker.number.int({ min: started, max: now })),
        });
      }
    }
  })();
  return counts;
}

function slug(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase();
}
