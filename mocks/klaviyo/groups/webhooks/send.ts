/**
 * The only way this mock sends traffic out: a POST to a loopback address. Klaviyo requires https
 * endpoints; the mock accepts http too, but only on loopback (127.0.0.0/8, localhost, [::1]), and
 * refuses every other host — at create/update (400) and again here, right before connecting, so no
 * delivery can ever leave the machine. `localhost` is connected to as 127.0.0.1 rather than resolved,
 * so a hosts file cannot send it elsewhere.
 */
import http from 'node:http';
import https from 'node:https';
import { isIPv4 } from 'node:net';

/** How long a receiver has to answer (Klaviyo: 5 s). Real time: the socket does not run on the mock's clock. */
export const TIMEOUT_MS = 5000;

/** Why `url` may not be a webhook endpoint here, or null when it may. */
export function endpointProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `'${url}' is not a URL.`;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'endpoint_url must be https.';
  if (!loopbackHost(parsed.hostname)) {
    return `This mock delivers webhooks only to loopback addresses (127.0.0.0/8, localhost, [::1]); '${parsed.hostname}' is not one.`;
  }
  return null;
}

/** The address to connect to for a loopback hostname, or null for any other host. */
function loopbackHost(hostname: string): string | null {
  if (hostname === 'localhost') return '127.0.0.1';
  if (hostname === '[::1]') return '::1';
  if (isIPv4(hostname) && hostname.startsWith('127.')) return hostname;
  return null;
}

export interface SendResult {
  /** HTTP status, or null when no answer came (refused, reset, timed out). */
  status: number | null;
  error: string | null;
}

/** POST `body` to a loopback `url`; never rejects. */
export function postLoopback(
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<SendResult> {
  const parsed = new URL(url);
  const address = loopbackHost(parsed.hostname);
  if (!address) return Promise.resolve({ status: null, error: 'refused: not a loopback address' });
  const secure = parsed.protocol === 'https:';
  return new Promise((resolve) => {
    const req = (secure ? https : http).request(
      {
        host: address,
        port: parsed.port || (secure ? 443 : 80),
        path: `${parsed.pathname}${parsed.search}`,
        method: 'POST',
        headers: { ...headers, host: parsed.host, 'content-length': String(Buffer.byteLength(body)) },
        // A local receiver's certificate is self-signed; the address is loopback, checked above.
        ...(secure ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? null, error: null }));
        res.on('error', (err) => resolve({ status: res.statusCode ?? null, error: err.message }));
      },
    );
    req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', (err) => resolve({ status: null, error: err.message }));
    req.end(body);
  });
}
