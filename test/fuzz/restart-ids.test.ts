/**
 * Issue 11: a restart with the same seed on the same --outbox-db must not redraw the ids already stored
 * (it answered 502 `stories_pkey` 23505 on nearly every story). The run counter in the outbox file forks
 * the id Rng for run 2, 3, …
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDreamFlowStack } from '../../src/app/stack.ts';
import { inProcessWorld } from '../e2e/world.ts';

const dir = mkdtempSync(join(tmpdir(), 'df-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ids across restarts on one outbox file', () => {
  it('a second run with the same seed stores new stories instead of colliding', async () => {
    const outboxPath = join(dir, 'outbox.sqlite');
    const world = await inProcessWorld({ outboxPath });
    const { user_id } = await world.api.signup({ email: 'restart@example.com', password: 'pass-word-1' });
    const story = { user_id, theme: 'Ocean', prompt: 'A dolphin', num_scenes: 2, mood: 'happy' };
    await world.api.generateStory(story);
    await world.stack.close(60_000);
    // Run 2: same seed, same outbox file, same Supabase data.
    const again = createDreamFlowStack({
      config: world.stack.config,
      supabase: world.stack.supabase,
      clock: world.clock,
      seed: 42,
      outboxPath,
      logger: { warn: () => {} },
    });
    try {
      await again.backend.generateStory(story);
      const { data } = await world.stack.supabase.db.from('stories').select('id').eq('user_id', user_id);
      expect(new Set(data?.map((r) => r.id)).size).toBe(2);
    } finally {
      await again.close(60_000);
      await world.close();
    }
  });
});
