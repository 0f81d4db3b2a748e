/**
 * `--users N` and `--duration D` applied to a scenario. A scenario file describes a shape: so many
 * families arriving at such a rate, so many journeys at once, for so long. Changing only the number of
 * families would keep the rate and the concurrency of the small run, and most journeys of a large one
 * would then wait for a free slot until the run ended (cut short: `journeys_truncated`). So arrival
 * rates and concurrency grow with the families, and every family gets the journey the file describes.
 */
import type { Arrival, Scenario } from './scenario-schema.ts';

export interface ScaleOptions {
  users?: number;
  /** Simulated duration in ms. */
  duration?: number;
}

export function scaleScenario<S extends Scenario>(scenario: S, options: ScaleOptions): S {
  const users = options.users ?? scenario.users;
  const factor = users / scenario.users;
  const scaled: S = { ...scenario, users, duration: options.duration ?? scenario.duration };
  if (factor === 1) return scaled;
  scaled.arrival = scaleArrival(scenario.arrival, factor);
  if (scenario.concurrency !== undefined) {
    scaled.concurrency = Math.min(users, Math.max(1, Math.ceil(scenario.concurrency * factor)));
  }
  return scaled;
}

function scaleArrival(arrival: Arrival, factor: number): Arrival {
  switch (arrival.type) {
    case 'all-at-once':
      return arrival;
    case 'rate':
      return { ...arrival, per_second: arrival.per_second * factor };
    case 'ramp':
      return { ...arrival, from: arrival.from * factor, to: arrival.to * factor };
  }
}
