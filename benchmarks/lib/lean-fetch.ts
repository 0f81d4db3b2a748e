/**
 * A small `fetch` for load generators: node:http with a keep-alive agent, enough of the Fetch API for
 * `createHttpDreamFlowClient` (status, ok, text()). undici's fetch costs about three times the CPU per
 * request, and a load generator shares the machine with what it measures: every millisecond it spends
 * is one the app under test does not get. Request bodies are strings; a time-out comes from `signal`.
 */
import http from 'node:http';

export function createLeanFetch(maxSockets = 256): typeof fetch {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const leanFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> =>
    new Promise((resolve, reject) => {
      const url = new URL(String(input));
      const body = typeof init.body === 'string' ? init.body : undefined;
      const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          method: init.method ?? 'GET',
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            resolve({ status, ok: status >= 200 && status < 300, text: async () => text } as Response);
          });
        },
      );
      req.on('error', reject);
      const signal = init.signal;
      if (signal) {
        if (signal.aborted) req.destroy(signal.reason as Error);
        else signal.addEventListener('abort', () => req.destroy(signal.reason as Error), { once: true });
      }
      req.end(body);
    });
  return leanFetch as typeof fetch;
}
