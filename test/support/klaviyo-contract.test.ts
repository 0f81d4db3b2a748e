import { describe, expect, it } from 'vitest';
import { createMockRequest, type MockResponse } from '../../mocks/shared/http.ts';
import { useKlaviyoContract } from './klaviyo-contract.ts';

const contract = useKlaviyoContract();

function request(method: string, path: string) {
  return createMockRequest({ method, url: `http://127.0.0.1:4010${path}` });
}

const json = (status: number, body: unknown): MockResponse => ({
  status,
  headers: { 'Content-Type': 'application/vnd.api+json' },
  body: JSON.stringify(body),
});

describe('useKlaviyoContract', () => {
  it('counts conforming responses and records none as violations', () => {
    contract.onResponse(
      request('POST', '/api/events/'),
      { status: 202, headers: {}, body: '' },
      'create_event',
    );
    const error = {
      errors: [{ id: '1', code: 'not_found', title: 'Not found.', detail: 'No profile with id x.' }],
    };
    contract.onResponse(request('GET', '/api/profiles/x'), json(404, error), 'get_profile');
    expect(contract.validated).toBe(2);
    expect(contract.violations).toEqual([]);
  });

  it('skips network faults and admin routes', () => {
    const before = contract.validated;
    contract.onResponse(request('GET', '/api/profiles'), { kind: 'network', fault: 'reset' }, 'get_profiles');
    contract.onResponse(request('GET', '/__admin/health'), json(200, { ok: true }), undefined);
    expect(contract.validated).toBe(before);
  });

  it('records an off-spec body and a wrong operation name, with method, path and status', () => {
    contract.onResponse(
      request('GET', '/api/profiles/x?fields[profile]=email'),
      json(200, { data: { id: 1 } }),
      'getProfile',
    );
    const [violation, ...rest] = contract.takeViolations();
    expect(rest).toEqual([]);
    expect(violation).toContain('GET /api/profiles/x?fields[profile]=email → 200 (get_profile)');
    expect(violation).toContain('/data/id must be string,null');
    expect(violation).toContain(
      'mock reported operation "getProfile" but the spec\'s operationId is "get_profile"',
    );
    expect(contract.violations).toEqual([]);
  });
});
