/**
 * Latency recording on HDR histograms (3 significant digits, microsecond resolution so in-process
 * sub-millisecond calls still register), summarised as the report shows them.
 */
import * as hdr from 'hdr-histogram-js';

export interface LatencySummary {
  count: number;
  min: number | null;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  /** Percentile curve for charts: [percentile, ms]. */
  curve: [number, number][];
  /** Log-spaced histogram for charts: bucket upper bound (ms; null = above the last bound) and count. */
  buckets: { le: number | null; count: number }[];
}

const CURVE_POINTS = [0, 10, 25, 50, 75, 90, 95, 97.5, 99, 99.5, 99.9, 100];
const BUCKET_BOUNDS = [
  0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 75, 100, 150, 200, 300, 500, 1000, 2500, 5000, 10_000, 30_000,
  60_000,
];

/** A recorder in a form that crosses worker threads (structured-clone safe), for merging shards. */
export interface LatencySnapshot {
  /** The HDR histogram, `encodeIntoCompressedBase64`. */
  histogram: string;
  min: number | null;
  /** Exact largest value (ms); absent in snapshots written before it was kept. */
  max?: number | null;
  buckets: number[];
}

export class LatencyRecorder {
  private readonly histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  });
  // Exact extremes: HDR answers a percentile with the top of its bucket, which can sit above the
  // largest value recorded (p99 4,127 ms beside max 4,126 ms); percentiles are clamped to these.
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private readonly bucketCounts = new Array<number>(BUCKET_BOUNDS.length + 1).fill(0);

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    // Zero is a real answer on a virtual clock with no injected latency; HDR records it fine.
    this.histogram.recordValue(Math.round(ms * 1000));
    this.min = Math.min(this.min, ms);
    this.max = Math.max(this.max, ms);
    let i = 0;
    while (i < BUCKET_BOUNDS.length && ms > BUCKET_BOUNDS[i]!) i++;
    this.bucketCounts[i]!++;
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  snapshot(): LatencySnapshot {
    return {
      histogram: hdr.encodeIntoCompressedBase64(this.histogram),
      min: Number.isFinite(this.min) ? this.min : null,
      max: Number.isFinite(this.max) ? this.max : null,
      buckets: this.bucketCounts.slice(),
    };
  }

  /** Add another recorder's values (HDR histograms add exactly: merged percentiles are the true ones). */
  absorb(snapshot: LatencySnapshot): void {
    const other = hdr.decodeFromCompressedBase64(snapshot.histogram);
    if (other.totalCount > 0) this.histogram.add(other);
    const max = snapshot.max ?? (other.totalCount > 0 ? other.maxValue / 1000 : null);
    other.destroy();
    if (snapshot.min !== null) this.min = Math.min(this.min, snapshot.min);
    if (max !== null) this.max = Math.max(this.max, max);
    snapshot.buckets.forEach((n, i) => {
      this.bucketCounts[i] = (this.bucketCounts[i] ?? 0) + n;
    });
  }

  summary(): LatencySummary {
    const h = this.histogram;
    const n = h.totalCount;
    const min = Number.isFinite(this.min) ? this.min : h.minNonZeroValue / 1000;
    const max = Number.isFinite(this.max) ? this.max : h.maxValue / 1000;
    const at = (p: number) =>
      n === 0 ? null : round(Math.min(max, Math.max(min, h.getValueAtPercentile(p) / 1000)));
    return {
      count: n,
      min: n === 0 ? null : round(min),
      mean: n === 0 ? null : round(h.mean / 1000),
      p50: at(50),
      p90: at(90),
      p95: at(95),
      p99: at(99),
      max: n === 0 ? null : round(max),
      curve: n === 0 ? [] : CURVE_POINTS.map((p) => [p, at(p) ?? 0]),
      buckets: this.bucketCounts.map((count, i) => ({ le: BUCKET_BOUNDS[i] ?? null, count })),
    };
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
