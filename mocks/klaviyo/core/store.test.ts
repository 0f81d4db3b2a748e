import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createRng } from '../../../lib/prng.ts';
import { EventsRepo } from '../groups/events/repo.ts';
import { GROUPS } from '../groups/index.ts';
import { MetricsRepo } from '../groups/metrics/repo.ts';
import { ProfilesRepo } from '../groups/profiles/repo.ts';
import { KlaviyoStore, type ListQuery } from './store.ts';

const open = (file?: string) =>
  new KlaviyoStore(
    file,
    GROUPS.flatMap((g) => g.repos),
  );

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

function seeded(store: KlaviyoStore, account: string, profiles: number) {
  for (let i = 0; i < profiles; i++) {
    store.repo(ProfilesRepo).insert({
      account,
      id: `P${account}${i}`,
      email: null,
      phone_number: null,
      external_id: null,
      attrs: '{}',
      properties: '{}',
      created: T0,
      updated: T0,
      last_event_date: null,
    });
  }
  for (const id of ['MA', 'MB']) {
    store.repo(MetricsRepo).insert({ account, id, name: id, service: 'api', created: T0, updated: T0 });
  }
}

function event(account: string, i: number, metric: string, profile: number, datetime: number, theme: string) {
  return {
    account,
    id: `E${account}${i}`,
    metric_id: metric,
    profile_id: `P${account}${profile}`,
    datetime,
    value: (i % 5) + 0.5,
    dedup: `u:${i}`,
    properties: JSON.stringify({ theme }),
  };
}

const eventsByMetric = (account: string, metric: string): Omit<ListQuery, 'table'> => ({
  account,
  where: ['metric_id = ?'],
  params: [metric],
  sortExpr: 'datetime',
  desc: false,
  cursor: null,
  limit: 200,
});

describe('KlaviyoStore', () => {
  let store: KlaviyoStore;
  let dir: string | undefined;
  afterEach(() => {
    store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('pages events of one metric straight off the (account, metric, datetime, seq) index', () => {
    store = open();
    seeded(store, 'acc', 1);
    const plan = store.repo(EventsRepo).explainList(eventsByMetric('acc', 'MA')).join(' | ');
    expect(plan).toContain('USING INDEX events_metric_time (account=? AND metric_id=?)');
    // The index order already is (datetime, seq): no sort step.
    expect(plan).not.toContain('TEMP B-TREE');
    const next = store
      .repo(EventsRepo)
      .explainList({ ...eventsByMetric('acc', 'MA'), cursor: { dir: 'n', key: T0, seq: 5 } });
    expect(next.join(' | ')).toContain(
      'USING INDEX events_metric_time (account=? AND metric_id=? AND datetime>?)',
    );
  });

  it('pages a profile timeline off the (profile, datetime) index', () => {
    store = open();
    seeded(store, 'acc', 1);
    const seq = store.repo(ProfilesRepo).seqOf('acc', 'Pacc0');
    const plan = store
      .repo(EventsRepo)
      .explainList({ ...eventsByMetric('acc', 'MA'), where: ['profile = ?'], params: [seq] });
    expect(plan.join(' | ')).toContain('USING INDEX events_profile_time (profile=?)');
  });

  it('reads events back with their profile id and scoped to their account', () => {
    store = open();
    seeded(store, 'a', 2);
    seeded(store, 'b', 2);
    store.repo(EventsRepo).insert(event('a', 1, 'MA', 1, T0, 'x'));
    store.repo(EventsRepo).insert(event('b', 2, 'MA', 0, T0, 'x'));
    expect(store.repo(EventsRepo).byId('a', 'Ea1')?.profile_id).toBe('Pa1');
    expect(store.repo(EventsRepo).byId('b', 'Ea1')).toBeUndefined();
    const page = store.repo(EventsRepo).list(eventsByMetric('b', 'MA'));
    expect(page.rows.map((r) => [r.id, r.profile_id])).toEqual([['Eb2', 'Pb0']]);
    expect(store.repo(EventsRepo).list(eventsByMetric('nobody', 'MA')).rows).toEqual([]);
    expect(() => store.repo(EventsRepo).insert(event('a', 3, 'MA', 99, T0, 'x'))).toThrow(
      /does not exist in this account/,
    );
    // last_event_date is the latest event, whatever order events arrive in; null with no events.
    store.repo(EventsRepo).insert(event('a', 4, 'MB', 1, T0 + 5000, 'x'));
    store.repo(EventsRepo).insert(event('a', 5, 'MA', 1, T0 + 2000, 'x'));
    expect(store.repo(ProfilesRepo).byId('a', 'Pa1')?.last_event_date).toBe(T0 + 5000);
    expect(store.repo(ProfilesRepo).byId('a', 'Pa0')?.last_event_date).toBeNull();
  });

  it('counts, sums and counts distinct profiles per bucket and property exactly', () => {
    store = open();
    seeded(store, 'acc', 40);
    seeded(store, 'other', 5);
    const rng = createRng(11);
    const events = Array.from({ length: 2000 }, (_, i) => ({
      metric: rng.int(0, 3) === 0 ? 'MB' : 'MA',
      profile: rng.int(0, 39),
      datetime: T0 + rng.int(0, 6 * HOUR - 1),
      theme: ['space', 'ocean', 'forest'][rng.int(0, 2)]!,
      value: (i % 5) + 0.5,
      i,
    }));
    store.transaction(() => {
      for (const e of events)
        store.repo(EventsRepo).insert(event('acc', e.i, e.metric, e.profile, e.datetime, e.theme));
      // Same metric id and times in another account: never counted.
      for (let i = 0; i < 50; i++)
        store.repo(EventsRepo).insert(event('other', 10_000 + i, 'MA', i % 5, T0 + i * 1000, 'space'));
    });
    const buckets: [number, number][] = Array.from({ length: 6 }, (_, h) => [
      T0 + h * HOUR,
      T0 + (h + 1) * HOUR,
    ]);

    const expected = new Map<string, { count: number; sum: number; profiles: Set<number> }>();
    for (const e of events) {
      if (e.metric !== 'MA') continue;
      const key = `${Math.floor((e.datetime - T0) / HOUR)}|${e.theme}`;
      const s = expected.get(key) ?? { count: 0, sum: 0, profiles: new Set<number>() };
      s.count++;
      s.sum += e.value;
      s.profiles.add(e.profile);
      expected.set(key, s);
    }
    const got = store.repo(EventsRepo).aggregate('acc', 'MA', buckets, ['theme'], true);
    expect(got.length).toBe(expected.size);
    for (const r of got) {
      const want = expected.get(`${r.bucket}|${r.dims[0]}`)!;
      expect({ count: r.count, sum: r.sum, unique: r.unique }).toEqual({
        count: want.count,
        sum: expect.closeTo(want.sum, 6),
        unique: want.profiles.size,
      });
    }

    const total = store.repo(EventsRepo).aggregate('acc', 'MA', [[T0, T0 + 6 * HOUR]], [], true);
    const all = events.filter((e) => e.metric === 'MA');
    expect(total).toEqual([
      {
        bucket: 0,
        dims: [],
        count: all.length,
        sum: expect.closeTo(
          all.reduce((a, e) => a + e.value, 0),
          6,
        ),
        unique: new Set(all.map((e) => e.profile)).size,
      },
    ]);
    // unique not asked for: zero, and the query still works outside a counting run.
    expect(store.repo(EventsRepo).aggregate('acc', 'MA', [[T0, T0 + 6 * HOUR]], [], false)[0]!.unique).toBe(
      0,
    );
  });

  it('finds a profile by identifiers in Klaviyo order: email, then external_id, then phone_number', () => {
    store = open();
    const add = (id: string, email: string | null, external_id: string | null, phone_number: string | null) =>
      store.repo(ProfilesRepo).insert({
        account: 'a',
        id,
        email,
        phone_number,
        external_id,
        attrs: '{}',
        properties: '{}',
        created: T0,
        updated: T0,
        last_event_date: null,
      });
    add('PE', 'e@x.io', null, null);
    add('PX', null, 'ext-1', null);
    add('PP', null, null, '+12345678901');
    const find = (e: string | null, x: string | null, p: string | null) =>
      store.repo(ProfilesRepo).byIdentifiers('a', e, x, p)?.id;
    expect(find('e@x.io', 'ext-1', '+12345678901')).toBe('PE');
    expect(find('nobody@x.io', 'ext-1', '+12345678901')).toBe('PX');
    expect(find(null, 'ext-2', '+12345678901')).toBe('PP');
    expect(find('nobody@x.io', 'ext-2', '+10000000000')).toBeUndefined();
    expect(find(null, null, null)).toBeUndefined();
    // Scoped to the account like every other read.
    expect(store.repo(ProfilesRepo).byIdentifiers('b', 'e@x.io', null, null)).toBeUndefined();
  });

  it('refuses a database file written in an older layout, saying how to fix it', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'klaviyo-store-'));
    const file = path.join(dir, 'old.sqlite');
    const old = new Database(file);
    old.exec('CREATE TABLE events (seq INTEGER PRIMARY KEY, account TEXT, profile_id TEXT)');
    old.close();
    expect(() => open(file)).toThrow(/older layout.*Delete the file or pass another --db path/);
    store = open(path.join(dir, 'fresh.sqlite'));
    store.close();
    store = open(path.join(dir, 'fresh.sqlite'));
    expect(store.counts().events).toBe(0);
  });
});
