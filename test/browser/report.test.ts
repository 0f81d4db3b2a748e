/**
 * The HTML report in a real headless browser: Debian's Chromium (installed by scripts/ensure-chromium.sh,
 * never a downloaded browser) driven by playwright-core (launched by ./chromium.ts). Generates a report
 * from a small real run, opens it from disk with the network blocked, checks that every chart drew marks
 * and no label spills out of its chart, checks the tables, and saves screenshots:
 * test-artifacts/report.png (whole page) and docs/images/report.png (the top, shown in docs/harness.md).
 */

import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario, withDefaultThresholds } from '../../src/harness/runner.ts';
import { loadScenario } from '../../src/harness/scenario-loader.ts';
import { createInProcessStack } from '../../src/harness/stack-inprocess.ts';
import { buildReport } from '../../src/report/model.ts';
import { writeReports } from '../../src/report/write.ts';
import { launchChromium } from './chromium.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const DOCS_SHOT = join(ROOT, 'docs/images/report.png');
/** The chart containers report.html has for an in-process run (`figure.chart#chart-<id>`). */
const CHART_IDS = [
  'timeline',
  'latency-cdf',
  'latency-histogram',
  'operations',
  'recovery',
  'cache',
  'saved',
  'events',
];

let context: BrowserContext;
let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
let htmlFile: string;
const externalRequests: string[] = [];

beforeAll(async () => {
  const result = await runScenario(loadScenario('default'), createInProcessStack, { users: 4 });
  const outDir = mkdtempSync(join(tmpdir(), 'dreamflow-report-'));
  htmlFile = (await writeReports(buildReport(result), outDir)).html;

  browser = await launchChromium({ width: 1280, height: 900 });
  context = browser.context;
  // The report must be self-contained: any request that is not the file itself is recorded and refused.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    externalRequests.push(url);
    return route.abort();
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
});

describe('report.html in headless Chromium', () => {
  it('renders with charts, the threshold table and the claims table, offline', {
    timeout: 120_000,
  }, async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(htmlFile).href, { waitUntil: 'load', timeout: 30_000 });

    expect(await page.title()).toContain('dreamflow-sim report: default');
    await expect.poll(() => page.locator('h1').textContent()).toContain('default');

    // Every chart container holds one SVG that drew data marks (not only axes), with a size.
    const figures = await page.locator('figure.chart').evaluateAll((els) =>
      els.map((el) => {
        const svg = el.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          id: el.id,
          svgs: el.querySelectorAll('svg').length,
          marks: svg
            ? svg.querySelectorAll('g.role-mark path, g.role-mark line, g.role-mark text').length
            : 0,
          width: box?.width ?? 0,
        };
      }),
    );
    expect(figures.map((f) => f.id)).toEqual(expect.arrayContaining(CHART_IDS.map((id) => `chart-${id}`)));
    for (const f of figures) {
      expect(f.svgs, f.id).toBe(1);
      expect(f.marks, f.id).toBeGreaterThan(0);
      expect(f.width, f.id).toBeGreaterThan(100);
    }
    // No clipped label: every text's box lies inside its SVG's box.
    const outside = await page.locator('figure.chart svg').evaluateAll((svgs) =>
      svgs.flatMap((svg) => {
        const b = svg.getBoundingClientRect();
        return Array.from(svg.querySelectorAll('text')).flatMap((t) => {
          const r = t.getBoundingClientRect();
          if (!t.textContent?.trim() || r.width === 0) return [];
          const inside =
            r.left >= b.left - 0.5 &&
            r.right <= b.right + 0.5 &&
            r.top >= b.top - 0.5 &&
            r.bottom <= b.bottom + 0.5;
          return inside ? [] : [`${svg.closest('figure')?.id}: "${t.textContent}"`];
        });
      }),
    );
    expect(outside).toEqual([]);
    expect(await page.locator('figure.chart svg text').count()).toBeGreaterThan(50);
    // Self-contained: no scripts, nothing loaded from elsewhere.
    expect(await page.locator('script').count()).toBe(0);

    const thresholdRows = page.locator('table#thresholds tbody tr');
    // The scenario's thresholds plus the check every run adds (journeys_truncated == 0).
    expect(await thresholdRows.count()).toBe(
      withDefaultThresholds(loadScenario('default').thresholds).length,
    );
    expect(await page.locator('table#thresholds').textContent()).toContain('events_lost == 0');
    const claims = await page.locator('table#claims').textContent();
    for (const claim of [
      'Event tracking latency',
      'Profile sync latency',
      'API success rate',
      'Retry success rate',
      'Cache hit rate',
    ]) {
      expect(claims).toContain(claim);
    }
    expect(claims).toContain('~80 ms');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true, timeout: 30_000 });
    // The picture docs/harness.md shows: the top of the report (cards, timeline, thresholds, claims, latency).
    mkdirSync(dirname(DOCS_SHOT), { recursive: true });
    await page.screenshot({
      path: DOCS_SHOT,
      fullPage: true,
      clip: { x: 0, y: 0, width: 1280, height: 2400 },
      timeout: 30_000,
    });
    expect(errors).toEqual([]);
    expect(externalRequests).toEqual([]);
    await page.close();
  });
});
