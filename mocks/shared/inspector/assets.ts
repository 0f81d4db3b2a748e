/**
 * Serves the inspector page (`GET /__inspector`): static files, plain HTML + one JS module, no build
 * step. The page holds no data, so it is served without the admin token; everything it shows comes
 * from the JSON admin routes (`/__admin/…`), which keep the admin API's access rules (beyond loopback
 * the page asks for the token and sends it as a bearer header).
 *
 * Known limitations: the files are read once per process (edit them, restart the mock).
 */
import { readFileSync } from 'node:fs';
import type { HttpReply } from '../http.ts';

export const INSPECTOR_PATH = '/__inspector';

const FILES: Record<string, { file: string; type: string }> = {
  '': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/inspector.js': { file: 'inspector.js', type: 'text/javascript; charset=utf-8' },
  '/inspector.css': { file: 'inspector.css', type: 'text/css; charset=utf-8' },
};
const cache = new Map<string, string>();

export function isInspectorPath(path: string): boolean {
  return path === INSPECTOR_PATH || path.startsWith(`${INSPECTOR_PATH}/`);
}

export function inspectorAsset(path: string): HttpReply {
  const entry = FILES[path.slice(INSPECTOR_PATH.length)];
  if (!entry) {
    return { status: 404, headers: { 'content-type': 'text/plain' }, body: `No inspector file ${path}.` };
  }
  let body = cache.get(entry.file);
  if (body === undefined) {
    body = readFileSync(new URL(`./${entry.file}`, import.meta.url), 'utf8');
    cache.set(entry.file, body);
  }
  return { status: 200, headers: { 'content-type': entry.type, 'cache-control': 'no-cache' }, body };
}
