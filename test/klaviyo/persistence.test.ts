/** A file-backed mock keeps its state across a restart and never re-issues ids. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startKlaviyoServer } from '../../mocks/klaviyo/index.ts';
import { eventBody, profileBody, sdk, sdkError } from './helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'klaviyo-mock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('survives a restart with --db FILE (WAL)', async () => {
  const dbFile = path.join(dir, 'klaviyo.sqlite');
  const first = await startKlaviyoServer({ dbFile, seed: 7 });
  let id: string;
  try {
    const api = sdk('pk_persist', first.url);
    id = (await api.profiles.createProfile(profileBody({ email: 'keep@example.com', properties: { n: 1 } })))
      .response.data.data.id;
    await api.events.createEvent(eventBody('Kept', { email: 'keep@example.com' }, { unique_id: 'u1' }));
  } finally {
    await first.close();
  }
  const second = await startKlaviyoServer({ dbFile, seed: 7 });
  try {
    const api = sdk('pk_persist', second.url);
    const got = await api.profiles.getProfile(id);
    expect(got.response.data.data.attributes.properties).toEqual({ n: 1 });
    expect(
      (await sdkError(api.profiles.createProfile(profileBody({ email: 'keep@example.com' })))).status,
    ).toBe(409);
    // Dedup state persisted too.
    await api.events.createEvent(eventBody('Kept', { email: 'keep@example.com' }, { unique_id: 'u1' }));
    expect((await api.events.getEvents()).response.data.data).toHaveLength(1);
    // Same seed, new generation: the next id differs from the first run's.
    const fresh = (await api.profiles.createProfile(profileBody({ email: 'new@example.com' }))).response.data
      .data.id;
    expect(fresh).not.toBe(id);
    // Another account sees nothing.
    expect((await sdk('pk_other', second.url).profiles.getProfiles()).response.data.data).toEqual([]);
  } finally {
    await second.close();
  }
});
