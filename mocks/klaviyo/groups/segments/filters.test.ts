/**
 * Segment filters through the official SDK over real HTTP, on the mock's virtual clock: date filters on
 * profile attributes and custom ISO dates, metric_filters on event properties ("Story Completed where
 * theme equals 'space' at least 3 times in the last 30 days"), membership following new profiles,
 * events and the clock, and the 400s for filters the mock does not evaluate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../lib/clock.ts';
import { eventBody, profileBody, sdkError, startChecked } from '../../../../test/klaviyo/helpers.ts';
import {
  type Apis,
  and,
  apis,
  memberEmails,
  num,
  prop,
  segmentBody,
} from '../../../../test/klaviyo/segment-helpers.ts';
import { useKlaviyoContract } from '../../../../test/support/klaviyo-contract.ts';
import { PROCESSING_MS } from './model.ts';

const contract = useKlaviyoContract();
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const date = (operator: string, extra: Record<string, unknown> = {}) => ({
  type: 'date',
  operator,
  ...extra,
});
const attr = (property: string, filter: Record<string, unknown>) => ({
  type: 'profile-property',
  property,
  filter,
});

/** A profile-metric condition: `measurement` of `metricId`'s events in the last 30 days passing `filters`. */
function metric(
  metricId: string,
  filters: { property: string; filter: Record<string, unknown> }[],
  measurementFilter: Record<string, unknown> = num('greater-than-or-equal', 1),
  measurement = 'count',
) {
  return {
    type: 'profile-metric',
    metric_id: metricId,
    measurement,
    measurement_filter: measurementFilter,
    timeframe_filter: date('in-the-last', { quantity: 30, unit: 'day' }),
    metric_filters: filters,
  };
}
const str = (operator: string, value: unknown) => ({ type: 'string', operator, value });
const list = (operator: string, value: unknown) => ({ type: 'list', operator, value });

describe('segment filters over HTTP', () => {
  const T0 = Date.UTC(2026, 5, 1);
  const clock = new VirtualClock(T0);
  let server: Awaited<ReturnType<typeof startChecked>>;
  beforeAll(async () => {
    server = await startChecked(contract, { clock });
  });
  afterAll(async () => {
    await server.close();
  });

  /** Save each definition as a segment; after processing, map name → members' emails. */
  async function saveAll(api: Apis, defs: Record<string, Record<string, unknown>>) {
    const ids: Record<string, string> = {};
    for (const [name, definition] of Object.entries(defs)) {
      const r = await api.segments.createSegment(segmentBody({ name, definition: and(definition) }));
      expect(r.response.status).toBe(201);
      ids[name] = r.response.data.data.id;
    }
    clock.advance(PROCESSING_MS);
    return ids;
  }
  async function membership(api: Apis, ids: Record<string, string>) {
    const out: Record<string, string[]> = {};
    for (const [name, id] of Object.entries(ids)) out[name] = await memberEmails(api, id);
    return out;
  }

  it('evaluates date filters on created, updated, last_event_date and custom ISO dates', async () => {
    const api = apis('pk_segfilters_dates', server.url);
    const old = (
      await api.profiles.createProfile(
        profileBody({
          email: 'old@df.test',
          properties: { birthday: '1990-06-05', signup: '2026-05-25T00:00:00Z', trial_ends: '2027-01-01' },
        }),
      )
    ).response.data.data.id;
    clock.advance(40 * DAY); // 2026-07-11
    const now = clock.now();
    await api.profiles.createProfile(
      profileBody({
        email: 'new@df.test',
        properties: { birthday: '1985-07-11', signup: 'not a date', trial_ends: iso(now + DAY) },
      }),
    );
    const ids = await saveAll(api, {
      recent: attr('created', date('in-the-last', { quantity: 7, unit: 'day' })),
      veterans: attr('created', date('at-least', { quantity: 30, unit: 'day' })),
      before: attr('created', date('before', { date: iso(T0 + DAY) })),
      betweenStatic: attr('created', date('between-static', { start: iso(T0 + DAY), end: iso(now + DAY) })),
      touched: attr('updated', date('in-the-last', { quantity: 1, unit: 'hour' })),
      active: attr('last_event_date', date('in-the-last', { quantity: 1, unit: 'day' })),
      trialEnding: prop('trial_ends', date('in-the-next', { quantity: 3, unit: 'day' })),
      signedUpWeeksAgo: prop('signup', date('between', { start: 10, end: 60, unit: 'day' })),
      juneBirthday: prop('birthday', date('calendar-month', { value: 6 })),
      recentBirthday: prop('birthday', date('anniversary-last', { quantity: 40, unit: 'day' })),
      birthdayToday: prop('birthday', date('anniversary')),
      birthdayMonth: prop('birthday', date('anniversary-month')),
    });
    expect(await membership(api, ids)).toEqual({
      recent: ['new@df.test'],
      veterans: ['old@df.test'],
      before: ['old@df.test'],
      betweenStatic: ['new@df.test'],
      touched: ['new@df.test'],
      active: [],
      trialEnding: ['new@df.test'],
      signedUpWeeksAgo: ['old@df.test'],
      juneBirthday: ['old@df.test'],
      // new's birthday is today, which is in the last 40 days too.
      recentBirthday: ['new@df.test', 'old@df.test'],
      birthdayToday: ['new@df.test'],
      birthdayMonth: ['new@df.test'],
    });

    // Two days on, old's trial is extended to end tomorrow and new reads a story: the windows moved
    // with the clock and both writes show on the next evaluation.
    clock.advance(2 * DAY);
    await api.profiles.updateProfile(old, {
      data: { type: 'profile', id: old, attributes: { properties: { trial_ends: iso(clock.now() + DAY) } } },
    } as any);
    await api.events.createEvent(
      eventBody('Story Completed', { email: 'new@df.test' }, { time: iso(clock.now()) }),
    );
    expect((await api.segments.getSegment(ids.active!)).response.data.data.attributes.is_processing).toBe(
      true,
    );
    clock.advance(PROCESSING_MS);
    expect(await membership(api, ids)).toMatchObject({
      recent: ['new@df.test'],
      // Only old was updated in the last hour; new's event does not touch its `updated`.
      touched: ['old@df.test'],
      active: ['new@df.test'],
      trialEnding: ['old@df.test'],
      birthdayToday: [],
      birthdayMonth: ['new@df.test'],
    });
  });

  it('narrows metric conditions with metric_filters on event properties and follows new events', async () => {
    const api = apis('pk_segfilters_metric', server.url);
    let n = 0;
    const complete = (email: string, properties: Record<string, unknown>, value?: number) => {
      clock.advance(1000);
      return api.events.createEvent(
        eventBody(
          'Story Completed',
          { email },
          { time: iso(clock.now()), unique_id: `e${++n}`, ...(value === undefined ? {} : { value }) },
          properties,
        ),
      );
    };
    const r1 = 'r1@df.test';
    const r2 = 'r2@df.test';
    await complete(r1, {
      theme: 'space',
      duration_minutes: 12,
      completed_fully: true,
      tags: ['dragons', 'moon'],
    });
    await complete(r1, { theme: 'Space', duration_minutes: 5, completed_fully: true, rating: 5 });
    await complete(r1, { theme: 'space', duration_minutes: 8, completed_fully: false });
    await complete(r2, { theme: 'space', duration_minutes: 4, tags: ['ocean'] }, 4);
    await complete(r2, { theme: 'space', duration_minutes: 3 }, 4);
    await complete(r2, { theme: 'ocean', duration_minutes: 6 }, 4);
    await complete(r2, { theme: 'ocean', duration_minutes: 7 }, 4);
    const metricId = (await api.metrics.getMetrics()).response.data.data[0].id;
    const m = (filters: Parameters<typeof metric>[1], ...rest: [Record<string, unknown>?, string?]) =>
      metric(metricId, filters, ...rest);
    const theme = (filter: Record<string, unknown>) => ({ property: 'theme', filter });
    const tags = (filter: Record<string, unknown>) => ({ property: 'tags', filter });
    const ids = await saveAll(api, {
      spaceFans: m([theme(str('equals', 'space'))], num('greater-than-or-equal', 3)),
      notSpace: m([theme(str('not-equals', 'space'))]),
      spaceAnded: m([theme(str('starts-with', 'sp')), theme(str('contains', 'AC'))], num('equals', 3)),
      oceanRegex: m([theme(str('regex', '^oc'))]),
      themeIn: m([theme({ type: 'string', operator: 'in', value: ['Ocean', 'jungle'] })]),
      longStories: m([{ property: 'duration_minutes', filter: num('greater-than', 10) }]),
      completionists: m(
        [{ property: 'completed_fully', filter: { type: 'boolean', operator: 'equals', value: true } }],
        num('greater-than-or-equal', 2),
      ),
      rated: m([{ property: 'rating', filter: { type: 'existence', operator: 'is-set' } }]),
      dragons: m([tags(list('contains-any', ['dragons', 'unicorns']))]),
      allTags: m([tags(list('contains-all', ['dragons', 'moon']))]),
      untagged: m([tags(list('not-contains-any', ['dragons']))], num('greater-than-or-equal', 3)),
      manyTags: m([tags(list('length-greater-than-or-equal', 2))]),
      dragonish: m([tags(list('contains-substring', 'drag'))]),
      valuable: m([{ property: '$value', filter: num('greater-than', 3) }]),
      oceanSpend: m([theme(str('equals', 'ocean'))], num('greater-than-or-equal', 8), 'sum'),
    });
    expect(await membership(api, ids)).toEqual({
      spaceFans: [r1],
      notSpace: [r2],
      spaceAnded: [r1],
      oceanRegex: [r2],
      themeIn: [r2],
      longStories: [r1],
      completionists: [r1],
      rated: [r1],
      dragons: [r1],
      allTags: [r1],
      untagged: [r2],
      manyTags: [r1],
      dragonish: [r1],
      valuable: [r2],
      oceanSpend: [r2],
    });

    // r2's third space story, a long one: r2 joins on the next evaluation.
    await complete(r2, { theme: 'space', duration_minutes: 15 });
    expect((await api.segments.getSegment(ids.spaceFans!)).response.data.data.attributes.is_processing).toBe(
      true,
    );
    expect(await memberEmails(api, ids.spaceFans!)).toEqual([r1]);
    clock.advance(PROCESSING_MS);
    expect(await memberEmails(api, ids.spaceFans!)).toEqual([r1, r2]);
    expect(await memberEmails(api, ids.longStories!)).toEqual([r1, r2]);

    // 31 days on, nothing is in the last 30 days any more (a new profile triggers the evaluation).
    clock.advance(31 * DAY);
    await api.profiles.createProfile(profileBody({ email: 'late@df.test' }));
    clock.advance(PROCESSING_MS);
    expect(await memberEmails(api, ids.spaceFans!)).toEqual([]);
    expect(await memberEmails(api, ids.oceanSpend!)).toEqual([]);
  });

  it('refuses filters it does not evaluate with 400 naming the pointer', async () => {
    const api = apis('pk_segfilters_bad', server.url);
    await api.events.createEvent(eventBody('Story Completed', { email: 'x@df.test' }));
    const metricId = (await api.metrics.getMetrics()).response.data.data[0].id;
    const at = '/data/attributes/definition/condition_groups/0/conditions/0';
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [
        metric(metricId, [{ property: 'theme', filter: str('sounds-like', 'space') }]),
        `${at}/metric_filters/0/filter/operator`,
        /sounds-like/,
      ],
      [
        metric(metricId, [{ property: 'theme', filter: date('in-the-last', { quantity: 1, unit: 'day' }) }]),
        `${at}/metric_filters/0/filter/type`,
        /date/,
      ],
      [
        metric(metricId, [{ property: '', filter: str('equals', 'x') }]),
        `${at}/metric_filters/0/property`,
        /property/,
      ],
      [
        { ...metric(metricId, []), timeframe_filter: date('anniversary-last', { quantity: 1, unit: 'day' }) },
        `${at}/timeframe_filter`,
        /not emulated/,
      ],
      [attr('created', date('someday')), `${at}/filter`, /not emulated/],
      [attr('created', str('equals', '2026')), `${at}/filter/type`, /is a date/],
      [prop('birthday', date('calendar-month', { value: 13 })), `${at}/filter`, /calendar-month/],
      [
        attr('phone_number', { type: 'string', operator: 'phone-country-code-in', value: ['US'] }),
        `${at}/filter/operator`,
        /phone-country-code-in/,
      ],
    ];
    for (const [condition, pointer, detail] of cases) {
      const bad = await sdkError(
        api.segments.createSegment(segmentBody({ name: 'Bad', definition: and(condition) })),
      );
      expect(bad.status).toBe(400);
      expect(bad.data.errors[0].source.pointer).toBe(pointer);
      expect(bad.data.errors[0].detail).toMatch(detail);
    }
    expect((await api.segments.getSegments()).response.data.data).toEqual([]);
  });
});
