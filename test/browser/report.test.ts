/**
 * The HTML report in a real headless browser: Debian's Chromium (installed by scripts/ensure-chromium.sh,
 * never a downloaded browser) driven by playwright-core. Generates a report from a small real run,
 * opens it from disk with the network blocked, checks it renders with its charts and tables, and saves
 * a screenshot to test-artifacts/report.png.
 */

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario, withDefaultThresholds } from '../../src/harness/runner.ts';
import { loadScenario } from '../../src/harness/scenario-loader.ts';
import { createInProcessStack } from '../../src/harness/stack-inprocess.ts';
import { buildReport } from '../../src/report/model.ts';
import { writeReports } from '../../src/report/write.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts');

let context: BrowserContext;
let profileDir: string;
let htmlFile: string;
const externalRequests: string[] = [];

beforeAll(async () => {
  // Installs Debian's chromium if it is missing (apt-get); fails with a clear message if it cannot.
  execFileSync('bash', [join(ROOT, 'scripts/ensure-chromium.sh')], { stdio: 'inherit', timeout: 300_000 });

  const result = await runScenario(loadScenario('default'), createInProcessStack, { users: 4 });
  const outDir = mkdtempSync(join(tmpdir(), 'dreamflow-report-'));
  htmlFile = writeReports(buildReport(result), outDir).html;

  profileDir = mkdtempSync(join(tmpdir(), 'dreamflow-chromium-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
    ],
    viewport: { width: 1280, height: 900 },
  });
  // The report must be self-contained: any request that is not the file itself is recorded and refused.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    externalRequests.push(url);
    return route.abort();
  });
}, 300_000);

afterAll(async () => {
  await context?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
});

describe('report.html in headless Chromium', () => {
  it('renders with charts, the threshold table and the claims table, offline', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(htmlFile).href, { waitUntil: 'load' });

    expect(await page.title()).toContain('dreamflow-sim report: default');
    await expect.poll(() => page.locator('h1').textContent()).toContain('default');

    const charts = page.locator('svg.chart');
    expect(await charts.count()).toBeGreaterThanOrEqual(5);
    // Charts actually drew something: bars or lines with a size.
    const box = await charts.first().boundingBox();
    expect(box?.width).toBeGreaterThan(100);
    expect(await page.locator('svg.chart polyline, svg.chart rect.bar').count()).toBeGreaterThan(3);

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
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(externalRequests).toEqual([]);
    await page.close();
  });
});
