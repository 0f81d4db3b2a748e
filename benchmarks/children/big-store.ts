/**
 * Child-process probe: fills a Klaviyo store with P profiles and E events through the store's bulk path
 * (one transaction per chunk of prepared-statement inserts), then reports
 *  - build rate (events/s), RSS after the build (target: 100k profiles + 1M events <= 512 MB),
 *  - ms per metric aggregate over the whole set (target <= 200 ms).
 * A separate process so that a million rows never inflate the parent's heap or skew its other figures.
 *
 * Usage: big-store.ts <profiles> <events> <aggregateRepeats>
 */
import { performance } from 'node:perf_hooks';
import type { EventsRepo as Events } from '../../mocks/klaviyo/groups/events/repo.ts';
import type { MetricsRepo as Metrics } from '../../mocks/klaviyo/groups/metrics/repo.ts';
import type { ProfilesRepo as Profiles } from '../../mocks/klaviyo/groups/profiles/repo.ts';
import type { KlaviyoCore as Core } from '../../mocks/klaviyo/provider.ts';
import { exitWithParent, serveParent } from '../lib/child.ts';
import { importOptional } from '../lib/optional.ts';

const ACCOUNT = 'bench-account';
const START = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const DAYS = 30;
const METRICS = [
  { id: 'MET_STORY', name: 'Story Generated', share: 0.8 },
  { id: 'MET_SIGNUP', name: 'Signed Up', share: 0.1 },
  { id: 'MET_SUB', name: 'Subscription Created', share: 0.1 },
];
const THEMES = ['space', 'dragons', 'ocean', 'forest', 'dinosaurs', 'princesses'];

async function main(): Promise<void> {
  exitWithParent();
  const profiles = Math.min(Number(process.argv[2] ?? 100_000), 1_000_000);
  const events = Math.min(Number(process.argv[3] ?? 1_000_000), 5_000_000);
  const repeats = Math.min(Math.max(1, Number(process.argv[4] ?? 10)), 100);
  const { KlaviyoCore } = await importOptional<{ KlaviyoCore: typeof Core }>('mocks/klaviyo/provider.ts');
  const { ProfilesRepo } = await importOptional<{ ProfilesRepo: typeof Profiles }>(
    'mocks/klaviyo/groups/profiles/repo.ts',
  );
  const { MetricsRepo } = await importOptional<{ MetricsRepo: typeof Metrics }>(
    'mocks/klaviyo/groups/metrics/repo.ts',
  );
  const { EventsRepo } = await importOptional<{ EventsRepo: typeof Events }>(
    'mocks/klaviyo/groups/events/repo.ts',
  );
  const store = new KlaviyoCore({ rateLimits: false }).store;
  const profileRepo = store.repo(ProfilesRepo);
  const metricRepo = store.repo(MetricsRepo);
  const eventRepo = store.repo(EventsRepo);
  const rssBefore = process.memoryUsage().rss;

  const t0 = performance.now();
  const CHUNK = 20_000;
  // profiles.seq by index: passed as `profile_seq` on the events so the bulk path skips the id lookup.
  const seqs = new Int32Array(profiles);
  // Profiles: attrs/properties JSON as the profile-import endpoint stores them.
  for (let lo = 0; lo < profiles; lo += CHUNK) {
    store.transaction(() => {
      for (let i = lo; i < Math.min(profiles, lo + CHUNK); i++) {
        seqs[i] = profileRepo.insert({
          account: ACCOUNT,
          id: `01PROF${String(i).padStart(20, '0')}`,
          email: `parent.${i}@bench.dreamflow.test`,
          phone_number: null,
          external_id: `user-${i}`,
          attrs: `{"first_name":"Parent ${i}"}`,
          properties: `{"subscription_tier":"${i % 3 === 0 ? 'premium' : 'free'}","total_stories":${i % 50},"current_streak":${i % 14}}`,
          created: START,
          updated: START,
          last_event_date: null,
        }).seq;
      }
    });
  }
  const tProfiles = performance.now();
  store.transaction(() => {
    for (const m of METRICS)
      metricRepo.insert({
        account: ACCOUNT,
        id: m.id,
        name: m.name,
        service: 'api',
        created: START,
        updated: START,
      });
  });
  for (let lo = 0; lo < events; lo += CHUNK) {
    store.transaction(() => {
      for (let i = lo; i < Math.min(events, lo + CHUNK); i++) {
        const r = (i * 2654435761) % 1000;
        const metric = r < 800 ? METRICS[0]! : r < 900 ? METRICS[1]! : METRICS[2]!;
        const profile = (i * 7919) % Math.max(1, profiles);
        // Spread over 30 days, truncated to the second as the store does.
        const datetime = START + Math.floor(((i * 104729) % (DAYS * DAY)) / 1000) * 1000;
        eventRepo.insert({
          account: ACCOUNT,
          id: `01EVT${String(i).padStart(21, '0')}`,
          metric_id: metric.id,
          profile_id: `01PROF${String(profile).padStart(20, '0')}`,
          profile_seq: seqs[profile],
          datetime,
          value: (i % 7) + 1,
          dedup: `u:evt-${i}`,
          properties: `{"theme":"${THEMES[i % THEMES.length]}","num_scenes":${(i % 6) + 3}}`,
        });
      }
    });
  }
  const tEvents = performance.now();
  global.gc?.();
  const rssAfterBuild = process.memoryUsage().rss;
  // SQLite's own footprint: with :memory: every page lives in RAM, so this is most of the RSS growth.
  const pages = Number(store.db.pragma('page_count', { simple: true }));
  const pageSize = Number(store.db.pragma('page_size', { simple: true }));

  // The aggregate Dream Flow's dashboards ask for: count, sum_value and unique profiles per day over the
  // whole 30-day range for the busiest metric (800k of the 1M events).
  const daily: [number, number][] = Array.from({ length: DAYS }, (_, d) => [
    START + d * DAY,
    START + (d + 1) * DAY,
  ]);
  const timings: number[] = [];
  let rows = 0;
  // CPU time next to wall time: on a shared machine the wall figure includes waiting for a core.
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < repeats; i++) {
    const a = performance.now();
    rows = eventRepo.aggregate(ACCOUNT, METRICS[0]!.id, daily, [], true).length;
    timings.push(performance.now() - a);
  }
  const cpu = process.cpuUsage(cpu0);
  const aggUniqueDailyCpuMs = (cpu.user + cpu.system) / 1000 / repeats;
  const countOnly: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const a = performance.now();
    eventRepo.aggregate(ACCOUNT, METRICS[1]!.id, daily, [], false);
    countOnly.push(performance.now() - a);
  }
  const byTheme: number[] = [];
  for (let i = 0; i < Math.min(repeats, 3); i++) {
    const a = performance.now();
    eventRepo.aggregate(ACCOUNT, METRICS[0]!.id, [[START, START + DAYS * DAY]], ['theme'], false);
    byTheme.push(performance.now() - a);
  }
  const peakRss = Math.max(process.memoryUsage().rss, rssAfterBuild);
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? Number.NaN;
  process.send?.({
    profiles,
    events,
    buildProfilesMs: tProfiles - t0,
    buildEventsMs: tEvents - tProfiles,
    eventsPerSec: events / ((tEvents - tProfiles) / 1000),
    rssBeforeMb: rssBefore / 2 ** 20,
    rssAfterBuildMb: rssAfterBuild / 2 ** 20,
    peakRssMb: peakRss / 2 ** 20,
    dbSizeMb: (pages * pageSize) / 2 ** 20,
    aggUniqueDailyMs: median(timings),
    aggUniqueDailyCpuMs,
    aggCountDailyMs: median(countOnly),
    aggByThemeMs: median(byTheme),
    aggRows: rows,
  });
  serveParent({}, () => store.close());
}

main().catch((err: Error) => {
  process.send?.({ error: `big-store probe failed: ${err.message}` });
});
