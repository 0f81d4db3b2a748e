import { describe, expect, it } from 'vitest';
import { fastCheckEvent } from './fast-check.ts';
import { createSchema } from './handlers.ts';

type Json = Record<string, unknown>;

/** A valid body as the SDK sends it; `patch` edits a fresh copy. */
function body(
  patch: (b: Json & { data: Json & { attributes: Json & Record<string, Json> } }) => void = () => {},
) {
  const b = {
    data: {
      type: 'event',
      attributes: {
        properties: { theme: 'space', n: 3 },
        time: '2026-01-01T00:00:00Z',
        value: 1,
        unique_id: 'evt-1',
        metric: { data: { type: 'metric', attributes: { name: 'Story Generated' } } },
        profile: { data: { type: 'profile', attributes: { email: 'a@b.io', external_id: 'u-1' } } },
      },
    },
  };
  patch(b as never);
  return b;
}
const profileAttrs = (b: { data: { attributes: Record<string, Json> } }) =>
  (b.data.attributes.profile!.data as Json).attributes as Json;

const CASES: [string, unknown][] = [
  ['common body', body()],
  [
    'minimal body',
    body((b) => {
      const a = b.data.attributes;
      for (const k of ['time', 'value', 'unique_id']) delete a[k];
    }),
  ],
  [
    'nulls where nullable',
    body((b) => {
      Object.assign(b.data.attributes, {
        time: null,
        value: null,
        value_currency: null,
        unique_id: null,
        backfill: null,
      });
      Object.assign(profileAttrs(b), { phone_number: null, anonymous_id: null });
    }),
  ],
  [
    'every scalar field',
    body((b) => {
      Object.assign(b.data.attributes, { value_currency: 'USD', backfill: true });
      (b.data.attributes.metric!.data as Json).attributes = { name: 'M', service: 'web' };
      (b.data.attributes.profile!.data as Json).id = null;
      Object.assign(profileAttrs(b), {
        first_name: 'A',
        last_name: 'B',
        organization: 'O',
        locale: 'en',
        title: 't',
        image: 'i',
        _kx: 'k',
        anonymous_id: 'x',
        phone_number: '+12345678901',
      });
    }),
  ],
  [
    'profile id only',
    body((b) => {
      (b.data.attributes.profile!.data as Json).id = '01ABC';
      (b.data.attributes.profile!.data as Json).attributes = {};
    }),
  ],
  [
    'empty properties',
    body((b) => {
      b.data.attributes.properties = {};
    }),
  ],
  [
    'profile location (zod only)',
    body((b) => {
      profileAttrs(b).location = { city: 'X' };
    }),
  ],
  [
    'profile properties (zod only)',
    body((b) => {
      profileAttrs(b).properties = { a: 1 };
    }),
  ],
  [
    'profile meta (zod only)',
    body((b) => {
      profileAttrs(b).meta = { patch_properties: { unset: 'a' } };
    }),
  ],
  [
    'profile data meta (zod only)',
    body((b) => {
      (b.data.attributes.profile!.data as Json).meta = null;
    }),
  ],
  ['unknown top-level key (zod strips)', { ...body(), extra: 1 }],
  [
    'unknown attribute key (zod strips)',
    body((b) => {
      b.data.attributes.surprise = {};
    }),
  ],
  [
    'unknown metric attribute (zod strips)',
    body((b) => {
      ((b.data.attributes.metric!.data as Json).attributes as Json).x = 1;
    }),
  ],
  [
    '__proto__ property',
    JSON.parse(
      '{"data":{"type":"event","attributes":{"properties":{"__proto__":{"a":1}},"metric":{"data":{"type":"metric","attributes":{"name":"M"}}},"profile":{"data":{"type":"profile","attributes":{"email":"a@b.io"}}}}}}',
    ),
  ],
  // Invalid: both must reject.
  [
    'unknown profile attribute',
    body((b) => {
      profileAttrs(b).nickname = 'n';
    }),
  ],
  [
    'wrong type',
    body((b) => {
      b.data.type = 'events';
    }),
  ],
  [
    'wrong metric type',
    body((b) => {
      (b.data.attributes.metric!.data as Json).type = 'event';
    }),
  ],
  [
    'wrong profile type',
    body((b) => {
      (b.data.attributes.profile!.data as Json).type = 'profiles';
    }),
  ],
  [
    'empty metric name',
    body((b) => {
      (b.data.attributes.metric!.data as Json).attributes = { name: '' };
    }),
  ],
  [
    'numeric metric name',
    body((b) => {
      (b.data.attributes.metric!.data as Json).attributes = { name: 5 };
    }),
  ],
  [
    'missing metric',
    body((b) => {
      delete b.data.attributes.metric;
    }),
  ],
  [
    'missing profile',
    body((b) => {
      delete b.data.attributes.profile;
    }),
  ],
  [
    'missing properties',
    body((b) => {
      delete b.data.attributes.properties;
    }),
  ],
  [
    'array properties',
    body((b) => {
      b.data.attributes.properties = [] as never;
    }),
  ],
  [
    'null properties',
    body((b) => {
      b.data.attributes.properties = null as never;
    }),
  ],
  [
    'string value',
    body((b) => {
      b.data.attributes.value = '1' as never;
    }),
  ],
  ['infinite value', JSON.parse(JSON.stringify(body()).replace('"value":1', '"value":1e400'))],
  [
    'numeric time',
    body((b) => {
      b.data.attributes.time = 5 as never;
    }),
  ],
  [
    'string backfill',
    body((b) => {
      b.data.attributes.backfill = 'yes' as never;
    }),
  ],
  [
    'numeric email',
    body((b) => {
      profileAttrs(b).email = 5;
    }),
  ],
  [
    'numeric profile id',
    body((b) => {
      (b.data.attributes.profile!.data as Json).id = 5;
    }),
  ],
  [
    'missing profile attributes',
    body((b) => {
      delete (b.data.attributes.profile!.data as Json).attributes;
    }),
  ],
  ['data array', { data: [body().data] }],
  ['no data', {}],
  ['null body', null],
  ['string body', 'event'],
];

describe('fastCheckEvent', () => {
  it.each(CASES)('%s: accepts only what zod accepts, with the same result', (_name, json) => {
    const fast = fastCheckEvent(json);
    const zod = createSchema.safeParse(json);
    if (fast !== undefined) {
      expect(zod.success).toBe(true);
      expect(fast).toEqual(zod.data);
    }
    if (!zod.success) expect(fast).toBeUndefined();
  });

  it('takes the fast path for the bodies the SDK and benchmarks send', () => {
    for (const [name, json] of CASES.slice(0, 6)) expect(fastCheckEvent(json), name).toBeDefined();
  });
});
