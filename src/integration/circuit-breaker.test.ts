import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../lib/clock.ts';
import { CircuitBreaker } from './circuit-breaker.ts';

describe('CircuitBreaker', () => {
  it('opens after the threshold, half-opens after the cool-down, allows one probe, closes on success', () => {
    const clock = new VirtualClock();
    const b = new CircuitBreaker(clock, { failureThreshold: 3, openMs: 5_000, maxOpenMs: 20_000 });
    b.recordFailure();
    b.recordFailure();
    expect(b.state).toBe('closed');
    b.recordFailure();
    expect(b.state).toBe('open');
    expect(b.tryAcquire()).toBe(false);
    expect(b.msUntilProbe()).toBe(5_000);
    clock.advance(5_000);
    expect(b.state).toBe('half-open');
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false); // only one probe
    b.recordFailure(); // probe failed: open again, longer
    expect(b.state).toBe('open');
    expect(b.msUntilProbe()).toBe(10_000);
    clock.advance(10_000);
    expect(b.tryAcquire()).toBe(true);
    b.recordSuccess();
    expect(b.state).toBe('closed');
    expect(b.snapshot()).toMatchObject({ state: 'closed', consecutiveFailures: 0, timesOpened: 2 });
  });

  it('a success resets the consecutive count', () => {
    const b = new CircuitBreaker(new VirtualClock(), { failureThreshold: 2 });
    b.recordFailure();
    b.recordSuccess();
    b.recordFailure();
    expect(b.state).toBe('closed');
  });

  it('a late failure from a request sent before the circuit opened does not count as the probe failing', () => {
    const clock = new VirtualClock();
    const b = new CircuitBreaker(clock, { failureThreshold: 1, openMs: 5_000 });
    const slowRequest = b.epoch; // sent while closed; still waiting on a slow Klaviyo
    b.recordFailure(b.epoch); // another request fails: open
    clock.advance(5_000);
    expect(b.tryAcquire()).toBe(true); // the probe goes
    const probe = b.epoch;
    b.recordFailure(slowRequest); // the slow request times out now: old news
    expect(b.state).toBe('half-open');
    expect(b.tryAcquire()).toBe(false); // the probe is still the only request in flight
    b.recordFailure(probe); // the probe itself failing does re-open, with a longer cool-down
    expect(b.snapshot()).toMatchObject({ state: 'open', timesOpened: 2 });
    expect(b.msUntilProbe()).toBe(10_000);
  });
});
