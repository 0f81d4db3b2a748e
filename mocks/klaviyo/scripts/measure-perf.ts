/**
 * Measures the Klaviyo mock's big-store figures (issue 7 targets) in one process, for before/after
 * comparisons while tuning the store. Not a test and not the benchmark suite (benchmarks/ owns that):
 * a quick, repeatable probe for whoever changes store.ts.
 *
 *   node --expose-gc --import tsx mocks/klaviyo/scripts/measure-perf.ts [profiles=100000] [events=1000000]
 *
 * Loads P profiles and E events through the store's bulk path (one transaction per chunk), then prints:
 * build time, RSS (target <= 512 MB), `POST /api/metric-aggregates` through the core (count + sum_value
 * + unique, daily over 30 days, target <= 200 ms) in UTC, a fixed-offset zone and a DST zone,
 * `GET /api/events?filter=equals(metric_id,…)` for a busy and a rare metric, and the query plans.
 * Every timing is the median of 5 runs, as wall time and as this process's CPU time.
 */
import { performance } from 'node:perf_hooks';
import { createMockRequest } from '../../shared/http.ts';
import { EventsRepo } from '../groups/events/repo.ts';
import { MetricsRepo } from '../groups/metrics/repo.ts';
import { ProfilesRepo } from '../groups/profiles/repo.ts';
import { KlaviyoCore } from '../provider.ts';

const PROFILES = Math.min(Number(process.argv[2] ?? 100_000), 1_000_000);
const EVENTS = Math.min(Number(process.argv[3] ?? 1_000_000), 5_000_000);
const RUNS = 5;
const KEY = 'pk_measure';
const START = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const DAYS = 30;
// Same mix as benchmarks/children/big-store.ts, plus a rare metric (10 events) to expose full walks.
const METRICS = ['MET_STORY', 'MET_SIGNUP', 'MET_SUB', 'MET_RARE'];
const THEMES = ['space', 'dragons', 'ocean', 'forest', 'dinosaurs', 'princesses'];
const HEADERS = {
  authorization: `Klaviyo-API-Key ${KEY}`,
  revision: '2026-07-15',
  'content-type': 'application/vnd.api+json',
};

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function timeIt(fn: () => void): string {
  fn(); // warm-up: prepares statements and tz formatters
  const ms: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    fn();
    ms.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  // CPU time too: on a busy shared machine wall time includes waiting for a core, CPU time does not.
  return `median ${median(ms).toFixed(1)} ms, CPU ${median(cpu).toFixed(1)} ms (runs ${ms.map((m) => m.toFixed(0)).join(', ')})`;
}

const core = new KlaviyoCore({
  rateLimits: false,
  clock: { now: () => START + DAYS * DAY, sleep: async () => {} },
});
const store = core.store;
const profiles = store.repo(ProfilesRepo);
const metrics = store.repo(MetricsRepo);
const eventsRepo = store.repo(EventsRepo);
const account = core.accountOf(
  createMockRequest({ method: 'GET', url: 'http://x/api/events', headers: HEADERS }),
)!;
const rssBefore = process.memoryUsage().rss;

let t = performance.now();
const CHUNK = 20_000;
for (let lo = 0; lo < PROFILES; lo += CHUNK) {
  store.transaction(() => {
    for (let i = lo; i < Math.min(PROFILES, lo + CHUNK); i++) {
      profiles.insert({
        account,
        id: `01PROF${String(i).padStart(20, '0')}`,
        email: `parent.${i}@bench.dreamflow.test`,
        phone_number: null,
        external_id: `user-${i}`,
        attrs: `{"first_name":"Parent ${i}"}`,
        properties: `{"subscription_tier":"${i % 3 === 0 ? 'premium' : 'free'}","total_stories":${i % 50}}`,
        created: START,
        updated: START,
        last_event_date: null,
      });
    }
  });
}
store.transaction(() => {
  for (const id of METRICS)
    metrics.insert({ account, id, name: id, service: 'api', created: START, updated: START });
});
for (let lo = 0; lo < EVENTS; lo += CHUNK) {
  store.transaction(() => {
    for (let i = lo; i < Math.min(EVENTS, lo + CHUNK); i++) {
      const r = (i * 2654435761) % 1000;
      const metric =
        i % 100_000 === 0 ? 'MET_RARE' : r < 800 ? 'MET_STORY' : r < 900 ? 'MET_SIGNUP' : 'MET_SUB';
      const profile = (i * 7919) % Math.max(1, PROFILES);
      eventsRepo.insert({
        account,
        id: `01EVT${String(i).padStart(21, '0')}`,
        metric_id: metric,
        profile_id: `01PROF${String(profile).padStart(20, '0')}`,
        datetime: START + Math.floor(((i * 104729) % (DAYS * DAY)) / 1000) * 1000,
        value: (i % 7) + 1,
        dedup: `u:evt-${i}`,
        properties: `{"theme":"${THEMES[i % THEMES.length]}","num_scenes":${(i % 6) + 3}}`,
      });
    }
  });
}
const buildMs = performance.now() - t;
global.gc?.();
const { rss, heapTotal } = process.memoryUsage();
const pages = Number(store.db.pragma('page_count', { simple: true }));
const pageSize = Number(store.db.pragma('page_size', { simple: true }));
console.log(`store: ${PROFILES} profiles + ${EVENTS} events built in ${(buildMs / 1000).toFixed(1)} s`);
console.log(
  `RSS: ${mb(rss)} (before build ${mb(rssBefore)}, SQLite pages ${mb(pages * pageSize)}, V8 heap ${mb(heapTotal)})${global.gc ? '' : ' [run with --expose-gc for a settled figure]'}`,
);

function aggregate(timezone: string, measurements: string[], interval = 'day'): () => void {
  const body = JSON.stringify({
    data: {
      type: 'metric-aggregate',
      attributes: {
        metric_id: 'MET_STORY',
        measurements,
        interval,
        timezone,
        filter: ['greater-or-equal(datetime,2026-01-01T00:00:00)', 'less-than(datetime,2026-01-31T00:00:00)'],
      },
    },
  });
  return () => {
    const res = core.handle(
      createMockRequest({ method: 'POST', url: 'http://x/api/metric-aggregates', headers: HEADERS, body }),
    );
    if (!('status' in res) || res.status !== 200) throw new Error(`aggregate failed: ${JSON.stringify(res)}`);
  };
}

for (const [label, fn] of [
  ['aggregate count+sum, day, UTC', aggregate('UTC', ['count', 'sum_value'])],
  ['aggregate count+sum+unique, day, UTC', aggregate('UTC', ['count', 'sum_value', 'unique'])],
  [
    'aggregate count+sum+unique, day, Asia/Kolkata',
    aggregate('Asia/Kolkata', ['count', 'sum_value', 'unique']),
  ],
  [
    'aggregate count+sum+unique, day, America/New_York',
    aggregate('America/New_York', ['count', 'sum_value', 'unique']),
  ],
  ['aggregate count+sum+unique, hour, UTC', aggregate('UTC', ['count', 'sum_value', 'unique'], 'hour')],
  [
    'aggregate count+sum+unique, month, Europe/Paris',
    aggregate('Europe/Paris', ['count', 'sum_value', 'unique'], 'month'),
  ],
] as const) {
  console.log(`${label}: ${timeIt(fn)}`);
}

function events(metric: string): () => void {
  const url = `http://x/api/events?filter=${encodeURIComponent(`equals(metric_id,"${metric}")`)}`;
  return () => {
    const res = core.handle(createMockRequest({ method: 'GET', url, headers: HEADERS }));
    if (!('status' in res) || res.status !== 200)
      throw new Error(`get events failed: ${JSON.stringify(res)}`);
  };
}
console.log(`GET events metric_id=MET_STORY (busy): ${timeIt(events('MET_STORY'))}`);
console.log(`GET events metric_id=MET_RARE (10 events): ${timeIt(events('MET_RARE'))}`);

const plan = (sql: string, ...params: unknown[]) =>
  (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
    .map((r) => r.detail)
    .join(' | ');
console.log(
  'plan get_events by metric:',
  plan(
    'SELECT * FROM events WHERE account = ? AND metric_id = ? ORDER BY datetime ASC, seq ASC LIMIT 201',
    account,
    'MET_RARE',
  ),
);
t = performance.now();
global.gc?.();
console.log(`final RSS: ${mb(process.memoryUsage().rss)}`);
core.close();
