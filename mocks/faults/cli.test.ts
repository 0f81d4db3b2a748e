import { describe, expect, it } from 'vitest';
import { faultOptionsHelp, parseSeedOption } from './index.ts';

describe('CLI helpers', () => {
  it('lists the shipped profiles in the --faults help', () => {
    expect(faultOptionsHelp()).toMatch(/flaky.*klaviyo-realistic.*outage.*slow-network.*throttled/);
  });

  it('parses --seed and explains bad values', () => {
    expect(parseSeedOption('42')).toBe(42);
    expect(() => parseSeedOption('abc')).toThrow(/--seed expects a whole number/);
    expect(() => parseSeedOption('-1')).toThrow(/between 0 and 4294967295/);
  });
});
