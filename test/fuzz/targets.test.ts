/**
 * Issue 11: odd request targets and encodings must be answered in the mock's own error format, never
 * crash the server (asterisk-form used to throw `TypeError: Invalid URL`) and never an HTML page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKlaviyoServer } from '../../mocks/klaviyo/index.ts';
import { startSupabaseServer } from '../../mocks/supabase/index.ts';
import { rawRequest } from './raw-http.ts';

const ODD_TARGETS = [
  'POST *',
  'GET *',
  'OPTIONS *',
  'POST http://[bad/api/events',
  'GET http://[bad/rest/v1/profiles',
  'GET http://127.0.0.1/rest/v1/%E0%A4%A',
  'GET /rest/v1/%E0%A4%A',
  'GET /auth/v1/%ZZ',
  'GET /api/profiles/%',
];

describe('hostile request targets over raw sockets', () => {
  let klaviyo: Awaited<ReturnType<typeof startKlaviyoServer>>;
  let supabase: Awaited<ReturnType<typeof startSupabaseServer>>;
  beforeAll(async () => {
    klaviyo = await startKlaviyoServer({ port: 0 });
    supabase = await startSupabaseServer({ port: 0 });
  });
  afterAll(async () => {
    await klaviyo?.close();
    await supabase?.close();
  });

  for (const line of ODD_TARGETS) {
    it(`Klaviyo answers "${line}" in JSON:API, not 5xx/HTML`, async () => {
      const res = await rawRequest(
        klaviyo.port,
        `${line} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json`,
        '{"data":{}}',
      );
      expect(res.status).toBeLessThan(500);
      if (line.startsWith('OPTIONS')) return;
      expect(res.headers['content-type']).toMatch(/json/);
      expect(Array.isArray(JSON.parse(res.body).errors)).toBe(true);
    });
    it(`Supabase answers "${line}" in its JSON format, not 5xx/HTML`, async () => {
      const res = await rawRequest(
        supabase.port,
        `${line} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json`,
        '{}',
      );
      expect(res.status).toBeLessThan(500);
      if (line.startsWith('OPTIONS')) return;
      expect(res.headers['content-type']).toMatch(/json/);
      expect(typeof JSON.parse(res.body)).toBe('object');
    });
  }

  it('a bad Host header does not crash either mock', async () => {
    for (const port of [klaviyo.port, supabase.port]) {
      const res = await rawRequest(port, 'GET /api/events HTTP/1.1\r\nhost: [bad');
      expect(res.status).toBeLessThan(500);
    }
  });

  it('both servers still answer after the hostile requests', async () => {
    const k = await fetch(`${klaviyo.url}/__admin/requests`);
    const s = await fetch(`${supabase.url}/__admin/requests`);
    expect(k.status).toBeLessThan(500);
    expect(s.status).toBeLessThan(500);
  });
});
