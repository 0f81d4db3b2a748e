/** When each family starts, as an offset (ms of simulated time) from the start of the run. */
import type { Arrival } from './scenario-schema.ts';

export function arrivalOffsets(arrival: Arrival, users: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < users; i++) out.push(Math.round(offsetOf(arrival, i)));
  return out;
}

function offsetOf(arrival: Arrival, i: number): number {
  switch (arrival.type) {
    case 'all-at-once':
      return 0;
    case 'rate':
      return (i / arrival.per_second) * 1000;
    case 'ramp': {
      // Rate grows linearly from `from` to `to` per second over `over`, then stays at `to`.
      // Arrivals by time t (s): N(t) = from·t + (to − from)·t² / (2·T) for t ≤ T. Solve N(t) = i.
      const T = arrival.over / 1000;
      const a = (arrival.to - arrival.from) / (2 * T);
      const b = arrival.from;
      const atRampEnd = b * T + a * T * T;
      if (i <= atRampEnd) {
        const t = Math.abs(a) < 1e-12 ? i / b : (-b + Math.sqrt(b * b + 4 * a * i)) / (2 * a);
        return t * 1000;
      }
      return (T + (i - atRampEnd) / arrival.to) * 1000;
    }
  }
}
