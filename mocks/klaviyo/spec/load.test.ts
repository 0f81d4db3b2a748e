import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_SPEC_PATH,
  loadFullSpec,
  loadSpec,
  loadTrimmedSpec,
  REPO_ROOT,
  specExists,
  specPath,
} from './load.ts';

const saved = process.env.KLAVIYO_OPENAPI_SPEC;
afterEach(() => {
  if (saved === undefined) delete process.env.KLAVIYO_OPENAPI_SPEC;
  else process.env.KLAVIYO_OPENAPI_SPEC = saved;
});

describe('specPath / loadSpec', () => {
  it('defaults to ../shared/klaviyo-openapi/stable.json next to the repo, whatever the cwd', () => {
    delete process.env.KLAVIYO_OPENAPI_SPEC;
    expect(specPath()).toBe(DEFAULT_SPEC_PATH);
    expect(DEFAULT_SPEC_PATH).toBe(resolve(REPO_ROOT, '..', 'shared', 'klaviyo-openapi', 'stable.json'));
  });

  it('honours KLAVIYO_OPENAPI_SPEC', () => {
    process.env.KLAVIYO_OPENAPI_SPEC = '/tmp/elsewhere/stable.json';
    expect(specPath()).toBe('/tmp/elsewhere/stable.json');
  });

  it('names the missing path and both ways to fix it', () => {
    expect(() => loadSpec('/nonexistent/stable.json')).toThrow(
      /not found at \/nonexistent\/stable\.json.*npm run spec:download.*KLAVIYO_OPENAPI_SPEC/,
    );
  });

  it('rejects a file that is not an OpenAPI document', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spec-load-'));
    try {
      writeFileSync(join(dir, 'a.json'), '{"hello":1}');
      writeFileSync(join(dir, 'b.json'), '<html>');
      expect(() => loadSpec(join(dir, 'a.json'))).toThrow(/does not look like an OpenAPI document/);
      expect(() => loadSpec(join(dir, 'b.json'))).toThrow(/not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses the spec once and caches it: the full one when present, else the trimmed one', () => {
    const spec = loadSpec();
    expect(spec.openapi).toMatch(/^3\.0/);
    expect(loadSpec()).toBe(spec);
    expect(spec).toBe(specExists() ? loadFullSpec() : loadTrimmedSpec());
  });

  it('falls back to the committed trimmed spec when no full spec is where it should be', () => {
    process.env.KLAVIYO_OPENAPI_SPEC = '/nonexistent/stable.json';
    const spec = loadSpec();
    expect(spec).toBe(loadTrimmedSpec());
    expect(spec.info.version).toBe('2026-07-15');
    expect(Object.keys(spec.paths).length).toBeGreaterThan(200);
  });
});
