import { describe, expect, it } from 'vitest';
import { RateGate } from './rate-gate.ts';

describe('RateGate', () => {
  it('closes an operation until the Retry-After of a 429 has passed', () => {
    const gate = new RateGate();
    gate.observe('get_profiles', 0, undefined, 2_000);
    expect(gate.closedFor('get_profiles', 500)).toBe(1_500);
    expect(gate.closedFor('get_profiles', 2_000)).toBe(0);
    expect(gate.closedFor('get_events', 500)).toBe(0);
  });

  it('does not send a read when the calls already in flight use up what Klaviyo said was left', () => {
    const gate = new RateGate();
    gate.observe('get_profiles', 0, { remaining: 2, resetMs: 1_000 });
    gate.begin('get_profiles');
    expect(gate.closedFor('get_profiles', 10)).toBe(0);
    gate.begin('get_profiles');
    expect(gate.closedFor('get_profiles', 10)).toBe(990);
    gate.end('get_profiles');
    expect(gate.closedFor('get_profiles', 10)).toBe(0);
    // Past the reset the old word no longer holds.
    gate.begin('get_profiles');
    expect(gate.closedFor('get_profiles', 1_000)).toBe(0);
  });

  it('closes on RateLimit-Remaining 0 until RateLimit-Reset', () => {
    const gate = new RateGate();
    gate.observe('get_profiles', 100, { remaining: 0, resetMs: 3_000 });
    expect(gate.closedFor('get_profiles', 100)).toBe(3_000);
    expect(gate.closedFor('get_profiles', 3_100)).toBe(0);
  });
});
