import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../lib/clock.ts';
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
});
