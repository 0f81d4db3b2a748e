/** Events, metrics and metric aggregates over HTTP with the official SDK, on a virtual clock. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../lib/clock.ts';
import { contractChecked, eventBody, profileBody, sdk, sdkError, startChecked } from './helpers.ts';

const contract = contractChecked();
const clock = new VirtualClock(Date.UTC(2026, 2, 10, 12, 0, 0));
let server: Awaited<ReturnType<typeof startChecked>>;
let api: ReturnType<typeof sdk>;

beforeAll(async () => {
  server = await startChecked(contract, { clock });
  api = sdk('pk_events', server.url);
});
afterAll(async () => {
  await server.close();
});

async function allEvents(filter?: string) {
  const r = await api.events.getEvents({ filter, pageSize: 1000 });
  return r.response.data.data as any[];
}

describe('POST /api/events', () => {
  it('answers 202 with an empty body, creates the metric on first use and the profile from its email', async () => {
    const r = await api.events.createEvent(
      eventBody('Story Generated', { email: 'kid@example.com' }, { value: 4.5 }, { theme: 'space' }),
    );
    expect(r.response.status).toBe(202);
    expect(r.response.data).toBe('');
    const metrics = (await api.metrics.getMetrics()).response.data.data;
    expect(metrics.map((m: any) => m.attributes.name)).toEqual(['Story Generated']);
    expect(metrics[0].id).toMatch(/^[A-Za-z0-9]{6}$/);
    expect(metrics[0].attributes.integration.name).toBe('API');
    const profiles = (await api.profiles.getProfiles({ filter: 'equals(email,"kid@example.com")' })).response
      .data.data;
    expect(profiles).toHaveLength(1);
    const events = await allEvents(`equals(profile_id,"${profiles[0].id}")`);
    expect(events).toHaveLength(1);
    expect(events[0].attributes.event_properties).toEqual({ theme: 'space', $value: 4.5 });
    // `time` defaults to the clock's now, truncated to the second.
    expect(events[0].attributes.datetime).toBe('2026-03-10T12:00:00+00:00');
    expect(events[0].attributes.timestamp).toBe(Date.UTC(2026, 2, 10, 12) / 1000);
    expect(events[0].relationships.metric.data).toEqual({ type: 'metric', id: metrics[0].id });
    const again = await api.profiles.getProfile(profiles[0].id);
    expect(again.response.data.data.attributes.last_event_date).toBe('2026-03-10T12:00:00+00:00');
  });

  it('resolves the profile by external_id, phone_number and id, and reuses the metric', async () => {
    const p = await api.profiles.createProfile(
      profileBody({ external_id: 'ev-ext', phone_number: '+15005550100' }),
    );
    const id = p.response.data.data.id;
    const before = (await allEvents(`equals(profile_id,"${id}")`)).length;
    clock.advance(1000);
    await api.events.createEvent(eventBody('Story Generated', { external_id: 'ev-ext' }));
    clock.advance(1000);
    await api.events.createEvent(eventBody('Story Generated', { phone_number: '+15005550100' }));
    clock.advance(1000);
    await api.events.createEvent({
      data: {
        type: 'event',
        attributes: {
          properties: {},
          metric: { data: { type: 'metric', attributes: { name: 'Story Generated' } } },
          profile: { data: { type: 'profile', id, attributes: {} } },
        },
      },
    } as any);
    expect((await allEvents(`equals(profile_id,"${id}")`)).length).toBe(before + 3);
    expect((await api.metrics.getMetrics()).response.data.data).toHaveLength(1);
  });

  it('deduplicates unique_id per profile and metric (accepted 202, stored once)', async () => {
    const body = eventBody('Subscription Started', { email: 'dedup@example.com' }, { unique_id: 'order-1' });
    const first = await api.events.createEvent(body);
    clock.advance(5000);
    const second = await api.events.createEvent(body);
    expect([first.response.status, second.response.status]).toEqual([202, 202]);
    // Same unique_id for another profile or metric is a different event.
    await api.events.createEvent(
      eventBody('Subscription Started', { email: 'dedup2@example.com' }, { unique_id: 'order-1' }),
    );
    await api.events.createEvent(
      eventBody('Subscription Renewed', { email: 'dedup@example.com' }, { unique_id: 'order-1' }),
    );
    const metrics = (await api.metrics.getMetrics()).response.data.data as any[];
    const started = metrics.find((m) => m.attributes.name === 'Subscription Started');
    const events = await allEvents(`equals(metric_id,"${started.id}")`);
    expect(events).toHaveLength(2);
    expect(events[0].attributes.event_properties.$event_id).toBe('order-1');
  });

  it('without unique_id keeps one event per profile, metric and second (Klaviyo default)', async () => {
    const body = eventBody('Tap', { email: 'second@example.com' });
    await api.events.createEvent(body);
    await api.events.createEvent(body);
    clock.advance(1000);
    await api.events.createEvent(body);
    const tap = ((await api.metrics.getMetrics()).response.data.data as any[]).find(
      (m) => m.attributes.name === 'Tap',
    );
    expect(await allEvents(`equals(metric_id,"${tap.id}")`)).toHaveLength(2);
  });

  it('rejects invalid bodies with source.pointer', async () => {
    const noMetric = await sdkError(api.events.createEvent(eventBody('', { email: 'x@example.com' })));
    expect(noMetric.status).toBe(400);
    expect(noMetric.data.errors[0].source.pointer).toBe('/data/attributes/metric/data/attributes/name');
    const noProfile = await sdkError(api.events.createEvent(eventBody('M', {})));
    expect(noProfile.data.errors[0].source.pointer).toBe('/data/attributes/profile/data/attributes');
    const badEmail = await sdkError(api.events.createEvent(eventBody('M', { email: 'nope' })));
    expect(badEmail.data.errors[0].source.pointer).toBe('/data/attributes/profile/data/attributes/email');
  });
});

describe('GET /api/events', () => {
  const key = 'pk_event_reads';
  let reads: ReturnType<typeof sdk>;
  let metricId: string;
  const base = Date.UTC(2026, 0, 1);

  beforeAll(async () => {
    reads = sdk(key, server.url);
    for (let i = 0; i < 5; i++) {
      await reads.events.createEvent(
        eventBody(
          'Story Read',
          { email: `r${i % 2}@example.com` },
          { time: new Date(base + i * 3600_000), value: i },
        ),
      );
    }
    metricId = (await reads.metrics.getMetrics()).response.data.data[0].id;
  });

  it('filters by datetime ranges with every comparison operator', async () => {
    const t = (h: number) => new Date(base + h * 3600_000).toISOString();
    const count = async (filter: string) =>
      (await reads.events.getEvents({ filter })).response.data.data.length;
    expect(await count(`greater-or-equal(datetime,${t(1)})`)).toBe(4);
    expect(await count(`greater-than(datetime,${t(1)})`)).toBe(3);
    expect(await count(`less-than(datetime,${t(1)})`)).toBe(1);
    expect(await count(`less-or-equal(datetime,${t(1)})`)).toBe(2);
    expect(
      await count(
        `and(greater-or-equal(datetime,${t(1)}),less-than(datetime,${t(3)}),equals(metric_id,"${metricId}"))`,
      ),
    ).toBe(2);
    expect(await count(`greater-or-equal(timestamp,${(base + 4 * 3600_000) / 1000})`)).toBe(1);
    expect(await count('has(profile)')).toBe(5);
  });

  it('sorts by -datetime and includes metric and profile', async () => {
    const r = await reads.events.getEvents({ sort: '-datetime', include: ['metric', 'profile'] });
    const doc = r.response.data;
    const times = doc.data.map((e: any) => e.attributes.datetime);
    expect(times).toEqual([...times].sort().reverse());
    expect(doc.included.filter((x: any) => x.type === 'metric')).toHaveLength(1);
    expect(
      doc.included
        .filter((x: any) => x.type === 'profile')
        .map((p: any) => p.attributes.email)
        .sort(),
    ).toEqual(['r0@example.com', 'r1@example.com']);
  });

  it('paginates events and supports fields[event]', async () => {
    const first = await reads.events.getEvents({ pageSize: 2, fieldsEvent: ['datetime'] });
    expect(Object.keys(first.response.data.data[0].attributes)).toEqual(['datetime']);
    const second = await reads.events.getEvents({ pageSize: 2, pageCursor: first.response.data.links.next });
    expect(second.response.data.data[0].attributes.timestamp).toBe((base + 2 * 3600_000) / 1000);
  });

  it('GET /api/events/{id} with include, and 404 for an unknown id', async () => {
    const one = (await reads.events.getEvents({ pageSize: 1 })).response.data.data[0];
    const r = await reads.events.getEvent(one.id, { include: ['metric'] });
    expect(r.response.data.data.id).toBe(one.id);
    expect(r.response.data.included[0].id).toBe(metricId);
    const e = await sdkError(reads.events.getEvent('01NOPE0000000000000000000Z'));
    expect(e.status).toBe(404);
  });

  it('GET /api/metrics/{id}, 404 for unknown, and filter on integration.name', async () => {
    const m = await reads.metrics.getMetric(metricId);
    expect(m.response.data.data.attributes.name).toBe('Story Read');
    expect((await sdkError(reads.metrics.getMetric('XXXXXX'))).status).toBe(404);
    const withFlows = await reads.metrics.getMetric(metricId, { include: ['flow-triggers'] });
    expect(withFlows.response.data.included).toEqual([]);
    const api = await reads.metrics.getMetrics({
      filter: 'equals(integration.name,"API")',
      include: ['flow-triggers'],
    });
    expect(api.response.data.data).toHaveLength(1);
    const other = await reads.metrics.getMetrics({ filter: 'equals(integration.name,"Shopify")' });
    expect(other.response.data.data).toHaveLength(0);
  });
});

describe('POST /api/metric-aggregates', () => {
  const key = 'pk_aggregates';
  let agg: ReturnType<typeof sdk>;
  let metricId: string;

  beforeAll(async () => {
    agg = sdk(key, server.url);
    // Day 1 (UTC): 3 events, 2 profiles, values 1+2+3. Day 2: 1 event, value 10. 23:30 UTC on day 2 is
    // already day 3 in Europe/Oslo (UTC+1).
    const at = [
      ['2026-02-01T08:00:00Z', 'a@agg.example', 1],
      ['2026-02-01T09:00:00Z', 'a@agg.example', 2],
      ['2026-02-01T10:00:00Z', 'b@agg.example', 3],
      ['2026-02-02T23:30:00Z', 'b@agg.example', 10],
    ] as const;
    for (const [time, email, value] of at) {
      await agg.events.createEvent(
        eventBody('Purchase', { email }, { time: new Date(time), value }, { $flow: email[0] }),
      );
    }
    metricId = (await agg.metrics.getMetrics()).response.data.data[0].id;
  });

  function query(attrs: Record<string, unknown>) {
    return agg.metrics.queryMetricAggregates({
      data: {
        type: 'metric-aggregate',
        attributes: {
          metricId,
          measurements: ['count', 'sum_value', 'unique'],
          interval: 'day',
          filter: [
            'greater-or-equal(datetime,2026-02-01T00:00:00)',
            'less-than(datetime,2026-02-04T00:00:00)',
          ],
          ...attrs,
        },
      },
    } as any);
  }

  it('counts, sums and counts unique profiles per day', async () => {
    const r = await query({});
    const attrs = r.response.data.data.attributes;
    expect(r.response.data.data.type).toBe('metric-aggregate');
    expect(attrs.dates).toEqual([
      '2026-02-01T00:00:00+00:00',
      '2026-02-02T00:00:00+00:00',
      '2026-02-03T00:00:00+00:00',
    ]);
    expect(attrs.data).toEqual([
      { dimensions: [], measurements: { count: [3, 1, 0], sum_value: [6, 10, 0], unique: [2, 1, 0] } },
    ]);
  });

  it('buckets in the requested time zone and by hour', async () => {
    const oslo = await query({ timezone: 'Europe/Oslo', measurements: ['count'] });
    expect(oslo.response.data.data.attributes.dates[0]).toBe('2026-02-01T00:00:00+01:00');
    expect(oslo.response.data.data.attributes.data[0].measurements.count).toEqual([3, 0, 1]);
    const hourly = await query({
      interval: 'hour',
      measurements: ['count'],
      filter: ['greater-or-equal(datetime,2026-02-01T08:00:00Z)', 'less-than(datetime,2026-02-01T11:00:00Z)'],
    });
    expect(hourly.response.data.data.attributes.data[0].measurements.count).toEqual([1, 1, 1]);
  });

  it('splits by an event property with `by`', async () => {
    const r = await query({ by: ['$flow'], measurements: ['count'] });
    const rows = r.response.data.data.attributes.data;
    expect(rows).toEqual(
      expect.arrayContaining([
        { dimensions: ['a'], measurements: { count: [2, 0, 0] } },
        { dimensions: ['b'], measurements: { count: [1, 1, 0] } },
      ]),
    );
  });

  it('requires the datetime range and a valid time zone', async () => {
    const noRange = await sdkError(query({ filter: ['greater-or-equal(datetime,2026-02-01T00:00:00)'] }));
    expect(noRange.status).toBe(400);
    expect(noRange.data.errors[0].source.pointer).toBe('/data/attributes/filter');
    const badTz = await sdkError(query({ timezone: 'Mars/Olympus' }));
    expect(badTz.data.errors[0].source.pointer).toBe('/data/attributes/timezone');
    const unknown = await sdkError(query({ metricId: 'ZZZZZZ' }));
    expect(unknown.status).toBe(404);
  });
});

it('validated every response against the spec', () => {
  expect(contract.validated).toBeGreaterThan(30);
});
