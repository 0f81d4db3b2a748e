import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  COVERAGE_DOC,
  coverageMarkdown,
  loadGenericOperations,
  loadImplementedOperations,
} from './coverage.ts';
import type { OpenApiSpec } from './load.ts';
import { loadRuntimeSpec } from './load.ts';

const tiny = {
  openapi: '3.0.2',
  info: { version: 'test' },
  tags: [{ name: 'Profiles' }, { name: 'Events' }],
  components: { schemas: {} },
  paths: {
    '/api/events': {
      post: {
        operationId: 'create_event',
        tags: ['Events'],
        responses: {},
        'x-klaviyo-ratelimit': { burst: '350/s', steady: '3500/m' },
      },
    },
    '/api/profiles/{id}': {
      get: {
        operationId: 'get_profile',
        tags: ['Profiles'],
        responses: {},
        'x-klaviyo-ratelimit': { burst: '75/s', steady: '750/m' },
      },
      patch: { operationId: 'update_profile', tags: ['Profiles'], responses: {} },
    },
  },
} as unknown as OpenApiSpec;

describe('coverageMarkdown', () => {
  it('lists every operation in tag order with rate limits, marks its tier and counts each tier', () => {
    const md = coverageMarkdown(tiny, ['get_profile'], ['create_event', 'get_profile']);
    expect(md).toContain('**1 of 3 operations stateful** (33.3%), **1 generic** (33.3%), **1 none**.');
    const rows = md.split('\n').filter((l) => l.startsWith('| Profiles | ') || l.startsWith('| Events | '));
    expect(rows).toEqual([
      '| Profiles | 1 | 0 | 1 |',
      '| Events | 0 | 1 | 0 |',
      '| Profiles | GET | `/api/profiles/{id}` | `get_profile` | 75/s | 750/m | ✓ stateful |',
      '| Profiles | PATCH | `/api/profiles/{id}` | `update_profile` | — | — | — |',
      '| Events | POST | `/api/events` | `create_event` | 350/s | 3500/m | generic |',
    ]);
  });

  it('lists implemented operationIds the spec does not know, so typos surface', () => {
    expect(coverageMarkdown(tiny, ['get_profiles_typo'])).toContain(
      '## Implemented but not in the spec\n\n- `get_profiles_typo`',
    );
  });
});

describe('docs/klaviyo-coverage.md', () => {
  it('matches what the generator produces from the spec and IMPLEMENTED_OPERATIONS', async (ctx) => {
    const implemented = await loadImplementedOperations();
    // Until mocks/klaviyo/index.ts exports IMPLEMENTED_OPERATIONS there is nothing to compare against.
    if (!implemented) ctx.skip();
    const expected = coverageMarkdown(loadRuntimeSpec(), implemented ?? [], await loadGenericOperations());
    const committed = existsSync(COVERAGE_DOC) ? readFileSync(COVERAGE_DOC, 'utf8') : '';
    const a = committed.split('\n');
    const line = expected.split('\n').findIndex((l, i) => l !== a[i]);
    const where = line < 0 ? 'extra lines at the end' : `first difference at line ${line + 1}`;
    const hint = `docs/klaviyo-coverage.md is stale (${where}): run \`npm run spec:coverage -- --write\``;
    expect(committed === expected, hint).toBe(true);
  });
});
