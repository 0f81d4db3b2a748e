import { describe, expect, it } from 'vitest';
import { createContractValidator } from './contract.ts';
import { loadFullSpec, specExists } from './load.ts';

const validator = createContractValidator();

const profile = {
  type: 'profile',
  id: '01GDDKASAP8TKDDA2GRZDSVP4H',
  attributes: {
    email: 'sarah.mason@klaviyo-demo.com',
    phone_number: null,
    external_id: null,
    first_name: 'Sarah',
    properties: { plan: 'family' },
    created: '2024-01-01T10:00:00+00:00',
    updated: '2024-01-01T10:00:00+00:00',
    location: { latitude: 40.7128, longitude: '74.0060', timezone: null },
  },
  links: { self: 'https://a.klaviyo.com/api/profiles/01GDDKASAP8TKDDA2GRZDSVP4H/' },
};

describe('createContractValidator', () => {
  it('accepts a valid profile document and names the operation', () => {
    const result = validator.validate(
      'GET',
      '/api/profiles/01GDDKASAP8TKDDA2GRZDSVP4H',
      200,
      JSON.stringify({ data: profile }),
    );
    expect(result).toEqual({ operationId: 'get_profile', errors: [] });
  });

  it('accepts the example body of a spec schema', (ctx) => {
    // The examples are prose the trimmed spec drops: this needs the full spec.
    ctx.skip(
      !specExists(),
      'needs the full Klaviyo spec (../shared or KLAVIYO_OPENAPI_SPEC) for its examples',
    );
    // The spec's own examples for the profile resource, assembled into a get_profile response.
    type Node = { properties: Record<string, Node>; example?: unknown };
    const schemas = loadFullSpec().components.schemas as Record<string, Node>;
    const resource = schemas.ProfileResponseObjectResource.properties;
    const attrs = resource.attributes.properties;
    const attributes = Object.fromEntries(Object.entries(attrs).map(([k, s]) => [k, s.example ?? null]));
    expect(Object.values(attributes).filter((v) => v !== null).length).toBeGreaterThan(1);
    const body = {
      data: {
        type: 'metric',
        id: 'UMTLbD',
        attributes,
        links: { self: 'https://a.klaviyo.com/api/metrics/UMTLbD/' },
      },
    };
    expect(validator.validate('GET', '/api/metrics/UMTLbD/', 200, body).errors).toEqual([]);
  });

  it('names the JSON pointer of a wrong type and of a missing member', () => {
    const bad = { data: { ...profile, attributes: { ...profile.attributes, email: 42 }, links: undefined } };
    const { operationId, errors } = validator.validate(
      'GET',
      '/api/profiles/01ABC',
      200,
      JSON.stringify(bad),
    );
    expect(operationId).toBe('get_profile');
    expect(errors).toContain('/data/attributes/email must be string,null');
    expect(errors).toContain("/data must have required property 'links'");
  });

  it('treats an empty 202 as valid when the spec defines no content, and a body there as a violation', () => {
    expect(validator.validate('POST', '/api/events', 202, '')).toEqual({
      operationId: 'create_event',
      errors: [],
    });
    expect(validator.validate('POST', '/api/events/', 202, null).errors).toEqual([]);
    expect(validator.validate('POST', '/api/events', 202, '{}').errors).toHaveLength(1);
  });

  it("checks Klaviyo's error shape against 4XX, for known and unknown routes", () => {
    const error = {
      errors: [
        {
          id: '7b4c2a1e-0000-4000-8000-000000000000',
          status: 409,
          code: 'duplicate_profile',
          title: 'Conflict.',
          detail: 'A profile already exists with one of these identifiers.',
          source: { pointer: '/data/attributes' },
          meta: { duplicate_profile_id: '01GDDKASAP8TKDDA2GRZDSVP4H' },
        },
      ],
    };
    expect(validator.validate('POST', '/api/profiles', 409, error)).toEqual({
      operationId: 'create_profile',
      errors: [],
    });
    expect(validator.validate('GET', '/api/no-such-thing', 404, error)).toEqual({
      operationId: undefined,
      errors: [],
    });
    const missingDetail = { errors: [{ id: 'x', code: 'not_found', title: 'Not found.' }] };
    expect(validator.validate('GET', '/api/profiles/x', 404, missingDetail).errors).toEqual([
      "/errors/0 must have required property 'detail'",
    ]);
  });

  it('reports bad JSON, an unexpected content type, and a success status on a path the spec lacks', () => {
    expect(validator.validate('GET', '/api/profiles/x', 200, '{"data":').errors[0]).toMatch(/not valid JSON/);
    const typed = validator.validate(
      'GET',
      '/api/profiles/x',
      200,
      { data: profile },
      'text/html; charset=utf-8',
    );
    expect(typed.errors).toEqual(['content-type is text/html; the spec allows application/vnd.api+json']);
    expect(validator.validate('GET', '/api/nope', 200, {}).errors[0]).toMatch(/no path \/api\/nope/);
  });
});
