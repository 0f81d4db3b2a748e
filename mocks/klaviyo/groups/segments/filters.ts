/**
 * The filters of segment conditions, compiled once when a segment is saved: value filters (string,
 * numeric, boolean, list, existence: `valueFilter`), date filters on profile properties (`dateFilter`)
 * and metric timeframes (`timeframe`). Each context accepts the filter kinds the spec lists for it
 * (PROPERTY_FILTERS, METRIC_PROPERTY_FILTERS, MEASUREMENT_FILTERS); any other type, operator or value
 * is refused with a 400 pointing at it, never evaluated as false.
 *
 * Choices the spec leaves open: string comparisons (`regex` included) ignore case, as the seeds' string
 * segments always have; dates compare as UTC instants (`calendar-month` 1 = January; anniversaries fall on
 * the same UTC month, day and time in a later year); a missing or unparseable date matches no date filter;
 * list filters other than `not-*` need an actual list.
 */
import { invalidBody } from '../../jsonapi/errors.ts';
import { parseDatetime } from '../../jsonapi/filter.ts';

type Check = (v: unknown) => boolean;
/** A compiled date filter: does the date (ms, NaN when unset) match at `now`? */
export type DateCheck = (ms: number, now: number) => boolean;
/** A timeframe as [from, to) in ms at `now`. */
export type Window = (now: number) => [number, number];

const UNIT_MS = { hour: 3_600_000, day: 86_400_000, week: 604_800_000 } as const;
const OPEN = Number.MAX_SAFE_INTEGER;
const NUMERIC: Record<string, (a: number, b: number) => boolean> = {
  equals: (a, b) => a === b,
  'not-equals': (a, b) => a !== b,
  'greater-than': (a, b) => a > b,
  'greater-than-or-equal': (a, b) => a >= b,
  'less-than': (a, b) => a < b,
  'less-than-or-equal': (a, b) => a <= b,
};
const TEXT: Record<string, (a: string, w: string) => boolean> = {
  equals: (a, w) => a === w,
  contains: (a, w) => a.includes(w),
  'starts-with': (a, w) => a.startsWith(w),
  'ends-with': (a, w) => a.endsWith(w),
};

const unset = (v: unknown) => v === undefined || v === null || v === '';
const lower = (v: unknown) => String(v ?? '').toLowerCase();
const strings = (w: unknown) => (Array.isArray(w) && w.every((x) => typeof x === 'string') ? w : undefined);
const has = (v: unknown[], w: string) => v.some((x) => String(x) === w);

interface Kind {
  type: string;
  ops: readonly string[];
  /** `not-x` / `nregex` / `not-set` are the negation of `x` / `regex` / `is-set`. */
  negatable?: boolean;
  /** The test for a base operator and the filter's value; undefined when the value does not fit. */
  compile(op: string, want: unknown): Check | undefined;
}

const KINDS = {
  string: {
    type: 'string',
    ops: [...Object.keys(TEXT).flatMap((o) => [o, `not-${o}`]), 'regex', 'nregex'],
    negatable: true,
    compile(op, want) {
      if (want !== null && typeof want !== 'string') return undefined;
      if (op !== 'regex') {
        const w = lower(want);
        return (v) => !unset(v) && TEXT[op]!(lower(v), w);
      }
      try {
        const re = new RegExp(String(want ?? ''), 'i');
        return (v) => !unset(v) && re.test(String(v));
      } catch {
        return undefined;
      }
    },
  },
  'string-in': {
    type: 'string',
    ops: ['in', 'not-in'],
    negatable: true,
    compile(_op, want) {
      const set = strings(want) && new Set(strings(want)!.map(lower));
      return set && ((v) => !unset(v) && set.has(lower(v)));
    },
  },
  numeric: {
    type: 'numeric',
    ops: Object.keys(NUMERIC),
    compile(op, want) {
      if (typeof want !== 'number') return undefined;
      return (v) => !unset(v) && Number.isFinite(Number(v)) && NUMERIC[op]!(Number(v), want);
    },
  },
  boolean: {
    type: 'boolean',
    ops: ['equals'],
    compile: (_op, want) =>
      typeof want === 'boolean' ? (v) => v === want || String(v) === String(want) : undefined,
  },
  'list-contains': {
    type: 'list',
    ops: ['contains', 'not-contains'],
    negatable: true,
    compile: (_op, want) => (v) =>
      Array.isArray(v) && v.some((x) => x === want || String(x) === String(want)),
  },
  'list-length': {
    type: 'list',
    ops: Object.keys(NUMERIC)
      .filter((o) => o !== 'not-equals')
      .map((o) => `length-${o}`),
    compile(op, want) {
      const cmp = NUMERIC[op.slice('length-'.length)]!;
      return Number.isInteger(want) ? (v) => Array.isArray(v) && cmp(v.length, want as number) : undefined;
    },
  },
  'list-set': {
    type: 'list',
    ops: ['contains-all', 'contains-any', 'not-contains-all', 'not-contains-any'],
    negatable: true,
    compile(op, want) {
      const ws = strings(want);
      if (!ws) return undefined;
      return op === 'contains-all'
        ? (v) => Array.isArray(v) && ws.every((w) => has(v, w))
        : (v) => Array.isArray(v) && ws.some((w) => has(v, w));
    },
  },
  'list-substring': {
    type: 'list',
    ops: ['contains-substring', 'not-contains-substring'],
    negatable: true,
    compile(_op, want) {
      if (want !== null && typeof want !== 'string') return undefined;
      const w = lower(want);
      return (v) => Array.isArray(v) && v.some((x) => lower(x).includes(w));
    },
  },
  existence: {
    type: 'existence',
    ops: ['is-set', 'not-set'],
    negatable: true,
    compile: () => (v) => !unset(v),
  },
} satisfies Record<string, Kind>;

export type FilterKind = keyof typeof KINDS;

/** ProfilePropertyCondition's non-date filters (phone-country-code-in is not emulated). */
export const PROPERTY_FILTERS: readonly FilterKind[] = [
  'string',
  'string-in',
  'numeric',
  'boolean',
  'list-contains',
  'list-length',
  'existence',
];
/** ProfileMetricPropertyFilter's filters. */
export const METRIC_PROPERTY_FILTERS: readonly FilterKind[] = [
  'string',
  'string-in',
  'existence',
  'list-set',
  'list-length',
  'list-substring',
  'boolean',
  'numeric',
];
export const MEASUREMENT_FILTERS: readonly FilterKind[] = ['numeric'];

function negation(op: string): [string, boolean] {
  if (op === 'nregex') return ['regex', true];
  if (op === 'not-set') return ['is-set', true];
  if (op.startsWith('not-')) return [op.slice(4), true];
  return [op, false];
}

/** A value filter as a test of one value; `allowed` are the kinds this context accepts. */
export function valueFilter(
  f: Record<string, unknown> | undefined,
  at: string,
  allowed: readonly FilterKind[],
): Check {
  const types = [...new Set(allowed.map((k) => KINDS[k].type))];
  if (!types.includes(String(f?.type))) {
    throw invalidBody(
      `${at}/type`,
      `Filter type '${String(f?.type)}' is not one this mock evaluates here; use ${types.join(', ')}.`,
    );
  }
  const op = String(f!.operator);
  const kinds = allowed.filter((k) => KINDS[k].type === f!.type);
  const kind = kinds.find((k) => KINDS[k].ops.includes(op));
  if (!kind) {
    const ops = kinds.flatMap((k) => KINDS[k].ops);
    throw invalidBody(
      `${at}/operator`,
      `Operator '${op}' is not one this mock evaluates for a ${String(f!.type)} filter here; use ${ops.join(', ')}.`,
    );
  }
  const k: Kind = KINDS[kind];
  const [base, negated] = k.negatable ? negation(op) : [op, false];
  const test = k.compile(base, f!.value);
  if (!test) {
    throw invalidBody(
      at,
      `Filter ${JSON.stringify(f)} has a value that does not fit its operator (see the spec's ${kind} filter).`,
    );
  }
  return negated ? (v) => !test(v) : test;
}

/** Relative and static windows: what a metric timeframe and a profile date filter share. */
function dateWindow(f: Record<string, unknown>, at: string): Window | undefined {
  const unit = UNIT_MS[f.unit as keyof typeof UNIT_MS];
  const q = f.quantity as number;
  const relative = unit !== undefined && Number.isInteger(q) && q > 0;
  const date = (v: unknown, name: string) => {
    const ms = typeof v === 'string' ? parseDatetime(v) : Number.NaN;
    if (Number.isNaN(ms)) throw invalidBody(`${at}/${name}`, `'${String(v)}' is not an ISO 8601 date.`);
    return ms;
  };
  switch (f.operator) {
    case 'in-the-last':
      return relative ? (now) => [now - q * unit, now + 1] : undefined;
    case 'at-least':
      return relative ? (now) => [-OPEN, now - q * unit] : undefined;
    case 'in-the-next':
      return relative ? (now) => [now, now + q * unit + 1] : undefined;
    case 'between': {
      const [s, e] = [f.start as number, f.end as number];
      if (!unit || !Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e < s) return undefined;
      return (now) => [now - e * unit, now - s * unit + 1];
    }
    case 'after': {
      const d = date(f.date, 'date');
      return () => [d, OPEN];
    }
    case 'before': {
      const d = date(f.date, 'date');
      return () => [-OPEN, d];
    }
    case 'between-static': {
      const lo = date(f.start, 'start');
      const hi = date(f.end, 'end');
      return () => [lo, hi];
    }
  }
  return undefined;
}

const refuseDate = (f: unknown, at: string, ops: string) =>
  invalidBody(
    at,
    `Date filter ${JSON.stringify(f)} is not emulated here: use ${ops} (with quantity/unit as the spec lists).`,
  );

/** A metric condition's timeframe as [from, to) in ms on the mock's clock. */
export function timeframe(f: Record<string, unknown> | undefined, at: string): Window {
  const w = f?.operator === 'alltime' ? () => [-OPEN, OPEN] as [number, number] : f && dateWindow(f, at);
  if (w && f?.type === 'date') return w;
  throw refuseDate(
    f,
    at,
    'alltime, in-the-last, at-least, in-the-next, between, after, before or between-static',
  );
}

/** Is there an anniversary of `ms` (a later year, same UTC month/day/time) in [lo, hi)? */
function anniversaryIn(ms: number, lo: number, hi: number): boolean {
  const d = new Date(ms);
  const first = Math.max(d.getUTCFullYear() + 1, new Date(lo).getUTCFullYear());
  const last = new Date(hi).getUTCFullYear();
  // A range spanning more than two calendar years holds the whole of year first + 1.
  if (last - first > 2) return true;
  for (let y = first; y <= last; y++) {
    const a = Date.UTC(
      y,
      d.getUTCMonth(),
      d.getUTCDate(),
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
    );
    if (a >= lo && a < hi) return true;
  }
  return false;
}

const sameMonth = (a: Date, b: Date) => a.getUTCMonth() === b.getUTCMonth();
const earlierYear = (a: Date, b: Date) => a.getUTCFullYear() < b.getUTCFullYear();

/** A profile property's date filter: every date operator ProfilePropertyCondition lists. */
export function dateFilter(f: Record<string, unknown>, at: string): DateCheck {
  const unit = UNIT_MS[f.unit as keyof typeof UNIT_MS];
  const q = f.quantity as number;
  let check: DateCheck | undefined;
  switch (f.operator) {
    case 'anniversary-last':
    case 'anniversary-next': {
      if (!unit || !Number.isInteger(q) || q <= 0) break;
      const span = q * unit;
      check =
        f.operator === 'anniversary-last'
          ? (ms, now) => anniversaryIn(ms, now - span, now + 1)
          : (ms, now) => anniversaryIn(ms, now, now + span + 1);
      break;
    }
    case 'anniversary':
    case 'anniversary-month': {
      const day = f.operator === 'anniversary';
      check = (ms, now) => {
        const [d, n] = [new Date(ms), new Date(now)];
        return earlierYear(d, n) && sameMonth(d, n) && (!day || d.getUTCDate() === n.getUTCDate());
      };
      break;
    }
    case 'calendar-month': {
      const m = f.value as number;
      if (Number.isInteger(m) && m >= 1 && m <= 12) check = (ms) => new Date(ms).getUTCMonth() + 1 === m;
      break;
    }
    default: {
      const w = dateWindow(f, at);
      if (w)
        check = (ms, now) => {
          const [lo, hi] = w(now);
          return ms >= lo && ms < hi;
        };
    }
  }
  if (!check) {
    throw refuseDate(
      f,
      at,
      'after, before, between-static, in-the-last, at-least, in-the-next, between, anniversary-last, anniversary-next, anniversary, anniversary-month or calendar-month (1-12)',
    );
  }
  const inner = check;
  return (ms, now) => !Number.isNaN(ms) && inner(ms, now);
}
