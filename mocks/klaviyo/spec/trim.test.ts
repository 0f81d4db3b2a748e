import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadFullSpec, loadTrimmedSpec, specExists, TRIMMED_SPEC_PATH } from './load.ts';
import { listOperations } from './operations.ts';
import { trimSpec } from './trim.ts';

const NEEDS_FULL =
  'needs the full Klaviyo spec (../shared/klaviyo-openapi/stable.json or KLAVIYO_OPENAPI_SPEC)';

describe('the committed trimmed spec', () => {
  it('is exactly what `npm run spec:trim` makes from the full spec', (ctx) => {
    ctx.skip(!specExists(), NEEDS_FULL);
    const committed = gunzipSync(readFileSync(TRIMMED_SPEC_PATH)).toString('utf8');
    const fresh = JSON.stringify(trimSpec(loadFullSpec()));
    expect(committed === fresh, 'stale: run `npm run spec:trim`').toBe(true);
  });

  it('keeps every operation with its parameters, bodies, responses and rate limits, and no prose', () => {
    const spec = loadTrimmedSpec();
    const ops = listOperations(spec);
    expect(ops).toHaveLength(345);
    const tag = ops.find((o) => o.operationId === 'create_tag')!;
    expect(tag).toMatchObject({ method: 'POST', path: '/api/tags', tag: 'Tags' });
    expect(tag.rateLimit).toEqual({ burst: '3/s', steady: '60/m' });
    const op = tag.operation as unknown as Record<string, any>;
    expect(op.requestBody.content['application/vnd.api+json'].schema).toEqual({
      $ref: '#/components/schemas/TagCreateQuery',
    });
    expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(['fields[tag]', 'revision']);
    expect(spec.components.schemas.TagCreateQuery).toBeDefined();
    const text = JSON.stringify(spec);
    for (const prose of [
      '"example"',
      '"x-klaviyo-scopes"',
      '"x-readme"',
      'Rate limits',
      '"securitySchemes"',
    ]) {
      expect(text.includes(prose), prose).toBe(false);
    }
    for (const { operation } of ops) {
      expect(Object.keys(operation).filter((k) => k === 'summary' || k === 'description')).toEqual([]);
    }
    // A property named `description` is data, not prose: it stays.
    expect(text).toContain('"description":{');
    expect(readFileSync(TRIMMED_SPEC_PATH).length).toBeLessThan(150_000);
  });

  it('drops prose keywords but keeps property names, enums and references', () => {
    const spec = trimSpec({
      openapi: '3.0.2',
      info: { title: 'K', version: 'v', description: 'long' } as never,
      paths: {
        '/api/x': {
          summary: 'path prose',
          get: {
            operationId: 'get_x',
            summary: 'Get X',
            description: 'Get all X',
            tags: ['X'],
            parameters: [
              { name: 'filter', in: 'query', description: 'd', schema: { type: 'string', example: 'e' } },
            ],
            responses: {
              '200': {
                description: 'ok',
                content: { 'application/json': { schema: { $ref: '#/components/schemas/A' } } },
              },
            },
            'x-klaviyo-ratelimit': { burst: '1/s', steady: '2/m' },
            'x-klaviyo-scopes': ['x:read'],
          },
        },
      },
      components: {
        schemas: {
          A: {
            type: 'object',
            description: 'an A',
            properties: { description: { $ref: '#/components/schemas/B' } },
          },
          B: { type: 'string', enum: ['description'], example: 'description' },
          Unused: { type: 'string' },
        },
      },
    });
    expect(spec.paths['/api/x']).toEqual({
      get: {
        operationId: 'get_x',
        tags: ['X'],
        parameters: [{ name: 'filter', in: 'query', schema: { type: 'string' } }],
        responses: {
          '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/A' } } } },
        },
        'x-klaviyo-ratelimit': { burst: '1/s', steady: '2/m' },
      },
    });
    expect(spec.components.schemas).toEqual({
      A: { type: 'object', properties: { description: { $ref: '#/components/schemas/B' } } },
      B: { type: 'string', enum: ['description'] },
    });
    expect(spec.info).toEqual({ title: 'K', version: 'v' });
  });
});
