/**
 * Fetch Klaviyo's published OpenAPI spec. The only code in this project that talks to the internet,
 * and only when a user runs `npm run spec:download`; tests pass their own `fetch`.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Klaviyo's public `openapi` repository, main branch: the current stable revision. */
export const SPEC_URL = 'https://raw.githubusercontent.com/klaviyo/openapi/main/openapi/stable.json';

export interface DownloadResult {
  path: string;
  bytes: number;
  revision: string;
  operations: number;
}

export async function downloadSpec(options: {
  out: string;
  url?: string;
  fetch?: typeof globalThis.fetch;
}): Promise<DownloadResult> {
  const url = options.url ?? SPEC_URL;
  const doFetch = options.fetch ?? globalThis.fetch;
  let res: Response;
  try {
    res = await doFetch(url, { signal: AbortSignal.timeout(60_000) });
  } catch (err) {
    throw new Error(
      `Could not reach ${url} (${(err as Error).message}). Check your internet connection, or download ` +
        'the file by hand and point KLAVIYO_OPENAPI_SPEC at it.',
    );
  }
  if (!res.ok)
    throw new Error(`GET ${url} answered ${res.status} ${res.statusText}; expected 200 with the spec JSON.`);
  const text = await res.text();
  let spec: {
    openapi?: string;
    info?: { version?: string };
    paths?: Record<string, Record<string, unknown>>;
  };
  try {
    spec = JSON.parse(text);
  } catch {
    throw new Error(
      `${url} did not return JSON (got ${JSON.stringify(text.slice(0, 60))}…); nothing was written.`,
    );
  }
  if (typeof spec.openapi !== 'string' || !spec.paths) {
    throw new Error(`${url} returned JSON that is not an OpenAPI document; nothing was written.`);
  }
  // Write then rename, so an interrupted download never leaves a truncated spec behind.
  mkdirSync(dirname(options.out), { recursive: true });
  const tmp = `${options.out}.download`;
  writeFileSync(tmp, text);
  renameSync(tmp, options.out);
  const operations = Object.values(spec.paths).reduce(
    (n, item) => n + Object.values(item).filter((op) => (op as { operationId?: string })?.operationId).length,
    0,
  );
  return {
    path: options.out,
    bytes: Buffer.byteLength(text),
    revision: spec.info?.version ?? 'unknown',
    operations,
  };
}
