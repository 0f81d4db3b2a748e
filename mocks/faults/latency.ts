/**
 * Latency distributions. Each sample draws from the injector's latency stream only, so changing a
 * latency setting never shifts which requests get errors.
 */
import type { Rng } from '../../lib/prng.ts';
import type { LatencySpec, RetryAfterSpec } from './schema.ts';

/** z-score of the 99th percentile of the standard normal distribution. */
const Z99 = 2.3263478740408408;

/** One latency sample in whole ms (>= 0, capped at `maxMs`). */
export function sampleLatency(spec: LatencySpec, rng: Rng): number {
  let value: number;
  switch (spec.kind) {
    case 'fixed':
      value = spec.ms!;
      break;
    case 'uniform':
      value = spec.min! + rng.next() * (spec.max! - spec.min!);
      break;
    case 'normal':
      value = rng.normal(spec.mean!, spec.stdDev!);
      break;
    case 'lognormal': {
      // Median m and p99 q fix the log-normal: mu = ln m, sigma = ln(q / m) / z99.
      const mu = Math.log(spec.median!);
      const sigma = Math.log(spec.p99! / spec.median!) / Z99;
      value = Math.exp(rng.normal(mu, sigma));
      break;
    }
  }
  if (spec.jitterMs) value += (rng.next() * 2 - 1) * spec.jitterMs;
  value = Math.max(0, value);
  if (spec.maxMs !== undefined) value = Math.min(value, spec.maxMs);
  return Math.round(value);
}

export function sampleRetryAfter(spec: RetryAfterSpec | undefined, rng: Rng): number | undefined {
  if (spec === undefined) return undefined;
  return typeof spec === 'number' ? spec : rng.int(spec.min, spec.max);
}
