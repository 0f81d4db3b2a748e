import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { downloadSpec, SPEC_URL } from './download.ts';

// No network: every test hands downloadSpec its own fetch.
const dir = mkdtempSync(join(tmpdir(), 'spec-download-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tinySpec = {
  openapi: '3.0.2',
  info: { version: '2026-07-15' },
  paths: {
    '/api/profiles': { get: { operationId: 'get_profiles' }, post: { operationId: 'create_profile' } },
  },
};

function fakeFetch(status: number, body: string) {
  const calls: string[] = [];
  const fn = (async (url: string | URL | Request) => {
    calls.push(String(url));
    return new Response(body, { status });
  }) as typeof fetch;
  return { fn, calls };
}

describe('downloadSpec', () => {
  it("fetches Klaviyo's stable.json and writes it, creating the directory", async () => {
    const { fn, calls } = fakeFetch(200, JSON.stringify(tinySpec));
    const out = join(dir, 'nested', 'stable.json');
    const result = await downloadSpec({ out, fetch: fn });
    expect(calls).toEqual([SPEC_URL]);
    expect(SPEC_URL).toBe('https://raw.githubusercontent.com/klaviyo/openapi/main/openapi/stable.json');
    expect(result).toMatchObject({ path: out, revision: '2026-07-15', operations: 2 });
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(tinySpec);
  });

  it('refuses a non-200, non-JSON or non-OpenAPI answer and writes nothing', async () => {
    const out = join(dir, 'bad.json');
    await expect(downloadSpec({ out, fetch: fakeFetch(404, 'Not Found').fn })).rejects.toThrow(
      /answered 404/,
    );
    await expect(downloadSpec({ out, fetch: fakeFetch(200, '<html>').fn })).rejects.toThrow(
      /did not return JSON/,
    );
    await expect(downloadSpec({ out, fetch: fakeFetch(200, '{"a":1}').fn })).rejects.toThrow(
      /not an OpenAPI/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('explains a network failure', async () => {
    const fn = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    await expect(downloadSpec({ out: join(dir, 'x.json'), fetch: fn })).rejects.toThrow(
      /KLAVIYO_OPENAPI_SPEC/,
    );
  });
});
