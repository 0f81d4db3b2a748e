/**
 * A 2xx that is not Klaviyo's answer (the mock's `malformed` fault: status 200, a broken JSON body, the
 * request never processed) must count as a failed, retriable attempt. The SDK hands such a body back
 * as an "empty" result, so without a check the integration would call a lost event delivered.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createRng } from '../../../lib/prng.ts';
import { useKlaviyoMock } from '../testing.ts';
import { KlaviyoService } from './service.ts';

describe('malformed 2xx answers from Klaviyo', () => {
  const { clock, faults, mock } = useKlaviyoMock();
  beforeEach(() => mock.journal.clear());

  const malformedOnce = (operation: string) =>
    faults.replace({
      rules: [{ match: { operation }, outage: { fromRequest: 1, requests: 1, fault: 'malformed' } }],
    });
  const service = () =>
    new KlaviyoService({ apiKey: 'pk_malformed', clock, rng: createRng(7), logger: { warn: () => {} } });
  /** Status per request; a network fault (no real answer) shows as its journal label. */
  const statuses = () => mock.journal.list().map((e) => e.status ?? e.fault);

  it('create_event: a 200 with a broken body is a failed attempt and is retried', async () => {
    malformedOnce('create_event');
    const svc = service();
    expect(await svc.trackEvent('Signed Up', 'm-1', { signup_method: 'email' }, 'm1@example.com')).toBe(true);
    expect(statuses()).toEqual(['outage:network:malformed', 202]);
    expect(svc.instrumentation.snapshot().calls[0]).toMatchObject({ attempts: 2, outcome: 'success' });
  });

  it('profile upsert: a body without `data` is retried', async () => {
    malformedOnce('create_or_update_profile');
    const svc = service();
    expect(await svc.createOrUpdateProfile({ userId: 'm-2', email: 'm2@example.com' })).toBe(true);
    expect(statuses()).toEqual(['outage:network:malformed', 201]);
  });

  it('get_profiles: a body without `data` is a failed read, not "no such profile"', async () => {
    faults.replace({ rules: [] });
    const svc = service();
    await svc.createOrUpdateProfile({ userId: 'm-3', email: 'm3@example.com', subscriptionTier: 'premium' });
    faults.replace({
      rules: [{ match: { operation: 'get_profiles' }, outage: { fromRequest: 1, fault: 'malformed' } }],
    });
    expect(await svc.getProfileMetrics('m-3')).toBeNull();
    const read = svc.instrumentation.snapshot().calls.find((c) => c.operation === 'get_profiles');
    expect(read, JSON.stringify(statuses())).toMatchObject({ outcome: 'failure' });
  });
});
