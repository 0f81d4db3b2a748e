import { describe, expect, it } from 'vitest';
import { evaluateThresholds, parseThreshold } from './thresholds.ts';

describe('thresholds', () => {
  it('parses k6-style expressions', () => {
    expect(parseThreshold('event_tracking_latency.p95 < 200')).toMatchObject({
      metric: 'event_tracking_latency.p95',
      op: '<',
      value: 200,
    });
    expect(parseThreshold('retry_success_rate>0.95')).toMatchObject({
      metric: 'retry_success_rate',
      op: '>',
      value: 0.95,
    });
    expect(parseThreshold('api_success_rate >= 99.7%').value).toBeCloseTo(0.997);
    expect(parseThreshold('events_lost == 0')).toMatchObject({ op: '==', value: 0 });
  });

  it("accepts k6's own syntax beside this tool's", () => {
    expect(parseThreshold('event_tracking_latency: p(95)<200')).toMatchObject({
      metric: 'event_tracking_latency.p95',
      op: '<',
      value: 200,
    });
    expect(parseThreshold('profile_sync_latency: avg < 100').metric).toBe('profile_sync_latency.mean');
    expect(parseThreshold('profile_sync_latency: med < 100').metric).toBe('profile_sync_latency.p50');
    expect(parseThreshold('klaviyo_call_latency: max<=5000').metric).toBe('klaviyo_call_latency.max');
    expect(parseThreshold('retry_success_rate: rate>0.95')).toMatchObject({
      metric: 'retry_success_rate',
      value: 0.95,
    });
    expect(parseThreshold('events_lost: count==0')).toMatchObject({ metric: 'events_lost', value: 0 });
    expect(() => parseThreshold('event_tracking_latency: p(99.9)<200')).toThrow(/p\(50\), p\(90\)/);
    expect(() => parseThreshold('events_lost: rate<0.1')).toThrow(/not a rate/);
    expect(() => parseThreshold('event_tracking_latency: rate<0.1')).toThrow(/is a latency/);
  });

  it('explains what is wrong', () => {
    expect(() => parseThreshold('p95 is small')).toThrow(/expected "<metric>\[.<aggregate>\] <op> <number>"/);
    expect(() => parseThreshold('event_tracking_latency < 200')).toThrow(
      /name an aggregate.*event_tracking_latency.p95/,
    );
    expect(() => parseThreshold('event_tracking_latency.p42 < 200')).toThrow(/unknown aggregate ".p42"/);
    expect(() => parseThreshold('events_lost.max == 0')).toThrow(/takes no ".max"/);
    expect(() => parseThreshold('nope < 1')).toThrow(/unknown metric "nope"/);
  });

  it('judges figures; a rate with no data is not a failure', () => {
    const results = evaluateThresholds(
      [
        'event_tracking_latency.p95 < 200',
        'events_lost == 0',
        'retry_success_rate > 0.95',
        'api_success_rate > 0.99',
      ].map(parseThreshold),
      {
        'event_tracking_latency.p95': 250,
        events_lost: 0,
        retry_success_rate: null,
        api_success_rate: 0.995,
      },
    );
    expect(results.map((r) => r.passed)).toEqual([false, true, true, true]);
    expect(results[0]!.actual).toBe(250);
  });
});
