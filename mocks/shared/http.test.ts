import { describe, expect, it } from 'vitest';
import { createMockRequest, requestFromTarget } from './http.ts';

describe('requestFromTarget', () => {
  // The lazy form must give exactly what `new URL()` gives, dot segments and escapes included.
  const targets = [
    '/api/events',
    '/api/events/',
    '/api/profiles/?filter=equals(email,%22a@b.c%22)&page[size]=5',
    '/api/../api/events',
    '/api/%2e%2e/events',
    '/api/profiles/01ABC%2F',
    '//',
    '/',
    '/api/events#frag',
    '/__admin/requests?since=3',
  ];
  for (const target of targets) {
    it(`matches createMockRequest for ${target}`, () => {
      const headers = { host: 'localhost:1234', revision: '2026-07-15' };
      const fast = requestFromTarget({
        method: 'POST',
        origin: 'http://localhost:1234',
        target,
        headers,
        body: 'x',
      });
      const slow = createMockRequest({
        method: 'POST',
        url: `http://localhost:1234${target}`,
        headers,
        body: 'x',
      });
      expect(fast.path).toBe(slow.path);
      expect(fast.url.href).toBe(slow.url.href);
      expect([...fast.query]).toEqual([...slow.query]);
      expect(fast.headers).toEqual(slow.headers);
      expect(fast.bodyError).toBeUndefined();
    });
  }
});
