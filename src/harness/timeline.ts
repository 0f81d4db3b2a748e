/**
 * What happened when, over the run's simulated time: fixed-width buckets of counts (Klaviyo calls and
 * attempts, error answers by class, injected faults, retries, outbox deliveries, journey steps) and the
 * outbox backlog sampled at each bucket's end on the run's clock.
 *
 * Memory is bounded whatever the number of families: the width is chosen from the scenario's duration
 * (60–120 buckets over it), and when the final flush runs on past MAX_BUCKETS the recorder doubles the
 * width and folds pairs of buckets. A `Timeline` is plain arrays (structured-clone and JSON safe), so
 * it crosses worker threads with a shard's outcome and lands in report.json; `mergeTimelines` adds
 * shards bucket by bucket.
 */
import type { Clock } from '../../lib/clock.ts';
import type { JourneyRecorder } from './journey.ts';

/** Per-bucket counts: each adds up what happened inside its bucket. */
export const TIMELINE_COUNTS = [
  /** Klaviyo calls started (the integration's calls, retries folded in). */
  'calls',
  /** HTTP attempts that reached the Klaviyo mock. */
  'attempts',
  /** Klaviyo answers by class: 429, 5xx, network fault or time-out (no answer). */
  'throttled',
  'serverErrors',
  'networkErrors',
  /** Fault decisions that injected an error, a network fault or an outage (both mocks; not latency). */
  'faults',
  /** Attempts after the first, counted at the call's start. */
  'retries',
  /** Outbox jobs delivered (the outbox's delivered counter, differenced between samples). */
  'delivered',
  /** Journey steps that succeeded / failed. */
  'steps',
  'stepsFailed',
] as const;
export type TimelineCount = (typeof TIMELINE_COUNTS)[number];

export interface Timeline {
  /** Width of one bucket, simulated ms; bucket i covers [i·bucketMs, (i+1)·bucketMs) from the run's start. */
  bucketMs: number;
  /** The scenario's simulated duration, ms: buckets from here on are the final outbox flush. */
  durationMs: number;
  counts: Record<TimelineCount, number[]>;
  /** Outbox jobs pending at each bucket's end (the last sample carried forward through unsampled buckets). */
  backlog: number[];
}

/** Past this many buckets (the flush outlasting the scenario) the recorder doubles its width. */
export const MAX_BUCKETS = 240;

const S = 1000;
const M = 60 * S;
const H = 60 * M;
/** Bucket widths a person reads easily; consecutive ones at most 2× apart, so 60–120 buckets always fit. */
const NICE_WIDTHS = [
  100,
  200,
  250,
  500,
  S,
  2 * S,
  3 * S,
  5 * S,
  10 * S,
  15 * S,
  20 * S,
  30 * S,
  M,
  2 * M,
  3 * M,
  5 * M,
  10 * M,
  15 * M,
  20 * M,
  30 * M,
  H,
  2 * H,
  3 * H,
  4 * H,
  6 * H,
  12 * H,
  24 * H,
];

/** The narrowest readable width that covers `durationMs` in at most 120 buckets (so at least 60). */
export function timelineBucketMs(durationMs: number): number {
  const target = Math.max(1, durationMs) / 120;
  const nice = NICE_WIDTHS.find((w) => w >= target);
  if (nice !== undefined) return nice;
  let w = NICE_WIDTHS[NICE_WIDTHS.length - 1]!;
  while (w < target) w *= 2;
  return w;
}

const zeros = (n: number) => new Array<number>(n).fill(0);

function emptyCounts(n: number): Record<TimelineCount, number[]> {
  return Object.fromEntries(TIMELINE_COUNTS.map((k) => [k, zeros(n)])) as Record<TimelineCount, number[]>;
}

/** Halve the resolution: counts of each pair add up, the backlog is the later bucket's (its end's) sample. */
function coarsen(t: Timeline): Timeline {
  const n = Math.ceil(t.backlog.length / 2);
  const counts = emptyCounts(n);
  for (const k of TIMELINE_COUNTS)
    for (let i = 0; i < n; i++) counts[k][i] = (t.counts[k][2 * i] ?? 0) + (t.counts[k][2 * i + 1] ?? 0);
  const backlog = Array.from({ length: n }, (_, i) => t.backlog[2 * i + 1] ?? t.backlog[2 * i]!);
  return { bucketMs: t.bucketMs * 2, durationMs: t.durationMs, counts, backlog };
}

/** Lengthen to `n` buckets: counts with zeros, the backlog with its last sample (the outbox still holds it). */
function pad(t: Timeline, n: number): Timeline {
  const extra = n - t.backlog.length;
  if (extra <= 0) return t;
  const last = t.backlog[t.backlog.length - 1] ?? 0;
  const counts = emptyCounts(0);
  for (const k of TIMELINE_COUNTS) counts[k] = [...t.counts[k], ...zeros(extra)];
  return { ...t, counts, backlog: [...t.backlog, ...new Array<number>(extra).fill(last)] };
}

/**
 * Two timelines as one: counts add bucket by bucket, and so does the backlog (each shard has its own
 * outbox). A finer timeline is coarsened to the other's width first; both must come from the same
 * base width (the same scenario duration), which shards of one run always do.
 */
export function mergeTimelines(a: Timeline, b: Timeline): Timeline {
  let [x, y] = a.bucketMs <= b.bucketMs ? [a, b] : [b, a];
  while (x.bucketMs < y.bucketMs) x = coarsen(x);
  if (x.bucketMs !== y.bucketMs)
    throw new Error(`cannot merge timelines of ${a.bucketMs} ms and ${b.bucketMs} ms buckets`);
  const n = Math.max(x.backlog.length, y.backlog.length);
  x = pad(x, n);
  y = pad(y, n);
  const counts = emptyCounts(n);
  for (const k of TIMELINE_COUNTS)
    for (let i = 0; i < n; i++) counts[k][i] = x.counts[k][i]! + y.counts[k][i]!;
  const merged: Timeline = {
    bucketMs: x.bucketMs,
    durationMs: Math.max(x.durationMs, y.durationMs),
    counts,
    backlog: x.backlog.map((v, i) => v + y.backlog[i]!),
  };
  return merged.backlog.length > MAX_BUCKETS ? coarsen(merged) : merged;
}

type OutboxCounts = { pending: number; delivered: number };

/** Records one run (or one shard) on its clock; `begin` sets time zero, events before it are ignored. */
export class TimelineRecorder {
  private origin: number | null = null;
  private bucketMs: number;
  private counts = emptyCounts(0);
  /** Pending jobs sampled at a bucket's end; holes (-1) are filled with the previous sample. */
  private backlog: number[] = [];
  private deliveredSoFar = 0;

  constructor(readonly durationMs: number) {
    this.bucketMs = timelineBucketMs(durationMs);
  }

  begin(at: number): void {
    this.origin = at;
  }

  /** The bucket `at` falls in, growing (and if need be coarsening) the arrays; null before `begin`. */
  private index(at: number, endInclusive = false): number | null {
    if (this.origin === null || at < this.origin) return null;
    const offset = at - this.origin;
    let i = endInclusive
      ? Math.max(0, Math.ceil(offset / this.bucketMs) - 1)
      : Math.floor(offset / this.bucketMs);
    while (i >= MAX_BUCKETS) {
      const c = coarsen(this.timeline());
      this.bucketMs = c.bucketMs;
      this.counts = c.counts;
      this.backlog = c.backlog;
      i = endInclusive
        ? Math.max(0, Math.ceil(offset / this.bucketMs) - 1)
        : Math.floor(offset / this.bucketMs);
    }
    while (this.backlog.length <= i) {
      for (const k of TIMELINE_COUNTS) this.counts[k].push(0);
      this.backlog.push(-1);
    }
    return i;
  }

  add(series: TimelineCount, at: number, n = 1): void {
    const i = this.index(at);
    if (i !== null && n !== 0) this.counts[series][i]! += n;
  }

  /** One HTTP exchange with the Klaviyo mock: `status` null for a network fault or time-out. */
  attempt(at: number, answeredAt: number, status: number | null): void {
    this.add('attempts', at);
    if (status === null) this.add('networkErrors', answeredAt);
    else if (status === 429) this.add('throttled', answeredAt);
    else if (status >= 500) this.add('serverErrors', answeredAt);
  }

  /** A fault decision (`error:503`, `network:reset`, `latency`, or null/`none`): latency is not a fault. */
  fault(at: number, label: string | null | undefined): void {
    if (label && label !== 'none' && label !== 'latency') this.add('faults', at);
  }

  /** One of the integration's calls, as it is recorded: it counts at `at`, with its retries. */
  call(at: number, attempts: number): void {
    this.add('calls', at);
    this.add('retries', at, Math.max(0, attempts - 1));
  }

  /** The outbox at `at` (a bucket's end): its backlog, and what it delivered since the last sample. */
  sampleOutbox(at: number, outbox: OutboxCounts): void {
    const i = this.index(at, true);
    if (i === null) return;
    this.backlog[i] = outbox.pending;
    this.counts.delivered[i]! += outbox.delivered - this.deliveredSoFar;
    this.deliveredSoFar = outbox.delivered;
  }

  /** A JourneyRecorder that also counts each step at the clock time it ended. */
  steps(inner: JourneyRecorder, clock: Clock): JourneyRecorder {
    return {
      step: (obs) => {
        inner.step(obs);
        this.add(obs.ok ? 'steps' : 'stepsFailed', clock.now());
      },
      skipped: (user, kind, reason) => inner.skipped(user, kind, reason),
    };
  }

  /**
   * Sample the outbox at every bucket end on `clock` until `stop()`, which takes a last sample. With a
   * virtual clock a sample costs no simulated time: it is one more sleeper, woken in (due, order) turn.
   */
  sampleOn(clock: Clock, read: () => OutboxCounts | Promise<OutboxCounts>): { stop(): Promise<void> } {
    let stopped = false;
    // One controller per sleep: a clock may leave its abort listener on a signal after the sleep ends.
    let sleeping = new AbortController();
    const loop = async () => {
      this.sampleOutbox(clock.now(), await read());
      while (!stopped && this.origin !== null) {
        const now = clock.now();
        const next = this.origin + (Math.floor((now - this.origin) / this.bucketMs) + 1) * this.bucketMs;
        sleeping = new AbortController();
        try {
          await clock.sleep(next - now, sleeping.signal);
        } catch {
          return;
        }
        if (!stopped) this.sampleOutbox(clock.now(), await read());
      }
    };
    const running = loop();
    return {
      stop: async () => {
        stopped = true;
        sleeping.abort();
        await running;
        this.sampleOutbox(clock.now(), await read());
      },
    };
  }

  /** The recording so far as plain data (backlog holes filled from the previous sample). */
  timeline(): Timeline {
    let last = 0;
    const backlog = this.backlog.map((v) => {
      if (v >= 0) last = v;
      return last;
    });
    const counts = emptyCounts(0);
    for (const k of TIMELINE_COUNTS) counts[k] = this.counts[k].slice();
    return { bucketMs: this.bucketMs, durationMs: this.durationMs, counts, backlog };
  }
}
