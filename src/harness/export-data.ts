/**
 * `--export-data`: what the run left in the Klaviyo mock (profiles, events, metrics) as JSON and CSV,
 * for demos and spreadsheets. Reads through the mock's core with the run's key — past the fault layer
 * and the journal, so exporting never injects a fault or skews the figures.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMockRequest } from '../../mocks/shared/http.ts';
import type { MockService } from '../../mocks/shared/service.ts';

const REVISION = '2026-07-15';
const MAX_PAGES = 10_000;

interface Resource {
  type: string;
  id: string;
  attributes?: Record<string, unknown>;
  relationships?: Record<string, { data?: { type: string; id: string } | null }>;
}

/** Every resource of a collection, following `links.next` (bounded). */
export async function listAll(service: MockService, key: string, path: string): Promise<Resource[]> {
  const out: Resource[] = [];
  let url: string | null = `https://a.klaviyo.com${path}`;
  for (let page = 0; url && page < MAX_PAGES; page++) {
    const res = await service.core.handle(
      createMockRequest({
        method: 'GET',
        url,
        headers: {
          authorization: `Klaviyo-API-Key ${key}`,
          revision: REVISION,
          accept: 'application/vnd.api+json',
        },
      }),
    );
    if (res.kind === 'network' || res.status !== 200 || !res.body) {
      throw new Error(
        `Export: GET ${path} answered ${res.kind === 'network' ? res.fault : res.status}; cannot export this collection.`,
      );
    }
    const doc = JSON.parse(res.body) as { data: Resource[]; links?: { next?: string | null } };
    out.push(...doc.data);
    url = doc.links?.next ?? null;
  }
  return out;
}

function flatten(r: Resource): Record<string, unknown> {
  const row: Record<string, unknown> = { id: r.id, type: r.type };
  for (const [k, v] of Object.entries(r.attributes ?? {})) row[k] = v;
  for (const [k, v] of Object.entries(r.relationships ?? {})) {
    const data = v?.data;
    if (data && !Array.isArray(data)) row[`${k}_id`] = data.id;
  }
  return row;
}

export function toCsv(rows: Record<string, unknown>[]): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return '';
    const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return `${[columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n')}\n`;
}

export async function exportKlaviyoData(service: MockService, key: string, dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const [name, path] of [
    ['profiles', '/api/profiles?page[size]=100'],
    ['events', '/api/events?page[size]=200'],
    ['metrics', '/api/metrics'],
  ] as const) {
    const rows = (await listAll(service, key, path)).map(flatten);
    const json = join(dir, `${name}.json`);
    const csv = join(dir, `${name}.csv`);
    writeFileSync(json, `${JSON.stringify(rows, null, 2)}\n`);
    writeFileSync(csv, toCsv(rows));
    files.push(json, csv);
  }
  return files;
}
