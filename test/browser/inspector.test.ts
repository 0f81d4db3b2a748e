/**
 * The inspector in a real headless browser (Debian's Chromium via playwright-core, as report.test.ts),
 * against `dreamflow-sim up` started as a user starts it (a child process on free ports):
 *
 * 1. open the Klaviyo mock's inspector on the empty stack and switch its fault profile to `flaky` with
 *    the page's own switch (the mock's GET /__admin/faults must then say so);
 * 2. replay the default scenario (20 families, as `npm start`) against the running servers over HTTP,
 *    shortened to 40 s of real time because http mode sleeps think times for real (see below);
 * 3. with real clicks: the metrics view updated live during the run (no reload), and a metric's count
 *    equals what the Klaviyo API's metric aggregates return; a family chosen in the fake Supabase's
 *    table browser has its Klaviyo profile and the same events the API lists for it; filtering the
 *    journal to faulted requests shows an entry whose fault the journal query API confirms.
 * Screenshots go to test-artifacts/inspector-*.png (docs/images/inspector-*.png are copies made by hand,
 * so test runs leave tracked files alone).
 *
 * Bounded: every wait has a time limit; the child is stopped by its PID (SIGTERM, then SIGKILL).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiKeySession, EventsApi, MetricsApi, RetryWithExponentialBackoff } from 'klaviyo-api';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../src/harness/runner.ts';
import { loadScenario } from '../../src/harness/scenario-loader.ts';
import { stackFactory } from '../../src/harness/stacks.ts';
import { launchChromium } from './chromium.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const LOCAL_KEY = 'pk_dreamflow_local_key';
/** Real time the scenario may run: families arriving later are not started, journeys are cut here. */
const RUN_MS = 40_000;

let child: ChildProcess | undefined;
let urls: Record<string, string>;
let context: BrowserContext;
let page: Page;
let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
const pageErrors: string[] = [];
/** Everything `up` printed. */
let upOutput = '';
/** The Signed Up count the page showed before the run (to see it move without a reload). */
let countBeforeRun: string | null = null;

function waitForListening(
  proc: ChildProcess,
  names: string[],
  timeoutMs = 60_000,
): Promise<Record<string, string>> {
  return new Promise((resolvePromise, reject) => {
    const found: Record<string, string> = {};
    let out = '';
    const timer = setTimeout(() => reject(new Error(`up did not start in time; output:\n${out}`)), timeoutMs);
    proc.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      upOutput += chunk.toString();
      for (const m of out.matchAll(/^(\w+) listening on (http:\/\/127\.0\.0\.1:\d+)$/gm))
        found[m[1]!] = m[2]!;
      if (names.every((n) => found[n])) {
        clearTimeout(timer);
        resolvePromise(found);
      }
    });
    proc.stderr!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    proc.once('exit', (code) => reject(new Error(`up exited ${code} before listening:\n${out}`)));
  });
}

function klaviyoSdk() {
  const session = new ApiKeySession(LOCAL_KEY, new RetryWithExponentialBackoff({ numRetries: 0 }));
  const events = new EventsApi(session);
  const metrics = new MetricsApi(session);
  events.basePath = urls.klaviyo!;
  metrics.basePath = urls.klaviyo!;
  return { events, metrics };
}

async function tab(name: string): Promise<void> {
  await page.locator(`#tabs button[data-tab="${name}"]`).click();
  await page.locator(`#view[data-loaded="${name}"]`).waitFor({ timeout: 15_000 });
}

beforeAll(async () => {
  child = spawn(
    process.execPath,
    ['bin/dreamflow-sim.js', 'up', '--klaviyo-port', '0', '--supabase-port', '0', '--app-port', '0'],
    { cwd: ROOT, env: { ...process.env, KLAVIYO_API_KEY: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  urls = await waitForListening(child, ['klaviyo', 'supabase', 'app']);

  browser = await launchChromium({ width: 1400, height: 900 });
  context = browser.context;
  // Loopback only: anything else the page asked for would be refused and recorded.
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    return url.hostname === '127.0.0.1' ? route.continue() : route.abort();
  });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.setDefaultTimeout(15_000);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    process.kill(child.pid!, 'SIGTERM');
    const timer = setTimeout(() => child?.exitCode === null && process.kill(child.pid!, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
});

describe('the inspector after a default-scenario run against `up`', () => {
  it('switches the fault profile from the page, then a default-scenario run lands', {
    timeout: 300_000,
  }, async () => {
    // `up` names the inspector's address (printed after the app's listening line).
    await expect
      .poll(() => upOutput, { timeout: 10_000 })
      .toContain(`Inspector: ${urls.klaviyo}/__inspector`);
    await page.goto(`${urls.klaviyo}/__inspector`, { waitUntil: 'load', timeout: 30_000 });
    await expect.poll(() => page.locator('#service').textContent(), { timeout: 15_000 }).toBe('klaviyo');
    await page.locator('#view[data-loaded="metrics"]').waitFor();
    countBeforeRun = await page.locator('#no-data').textContent();

    // The fault switch, clicked: the running mock now injects flaky faults into the run below.
    await page.locator('#fault-profile').selectOption('flaky');
    await page.locator('#fault-apply').click();
    await expect.poll(() => page.locator('#fault-current').getAttribute('data-profile')).toBe('flaky');
    const faults = (await (await fetch(`${urls.klaviyo}/__admin/faults`)).json()) as { profile: string };
    expect(faults.profile).toBe('flaky');

    // `npm start`'s scenario and family count against the running servers. `faults: 'ideal'` keeps the
    // profile chosen in the page (http mode otherwise switches the mock to the scenario's profile).
    const result = await runScenario(
      loadScenario('default'),
      stackFactory('http', { appUrl: urls.app, klaviyoUrl: urls.klaviyo }),
      { users: 20, duration: RUN_MS, faults: 'ideal', flushDeadlineMs: 60_000 },
    );
    expect(result.metrics).toBeDefined();
    // The run's faulted requests stay in the journal; the reads below (the tests' own "truth" through
    // the SDK) should not draw injected faults themselves.
    const reset = await fetch(`${urls.klaviyo}/__admin/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ profile: 'ideal' }),
    });
    expect(reset.status).toBeLessThan(300);
  });

  it('updated the metrics live and shows a count equal to the API metric aggregates', {
    timeout: 60_000,
  }, async () => {
    expect(countBeforeRun).toContain('No Klaviyo data yet');
    // No reload, no click: the page polled its way to the run's data.
    const row = page.locator('#metrics tr[data-metric="Signed Up"]');
    await row.waitFor({ timeout: 20_000 });
    const { metrics } = klaviyoSdk();
    // The page polls every 2 s: wait (bounded) until it shows what the API says now.
    const apiCount = async () => {
      const metricId = (await row.getAttribute('data-id'))!;
      const now = new Date();
      const day = (offset: number) =>
        new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + offset))
          .toISOString()
          .slice(0, 19);
      const agg = await metrics.queryMetricAggregates({
        data: {
          type: 'metric-aggregate',
          attributes: {
            metricId,
            measurements: ['count'],
            interval: 'day',
            filter: [`greater-or-equal(datetime,${day(-1)})`, `less-than(datetime,${day(2)})`],
          },
        },
      } as Parameters<MetricsApi['queryMetricAggregates']>[0]);
      const data = agg.response.data as {
        data: { attributes: { data: { measurements: { count: number[] } }[] } };
      };
      return data.data.attributes.data[0]!.measurements.count.reduce((a, b) => a + b, 0);
    };
    // The run switched the mock to `flaky`, so the API itself may answer an injected 5xx: ask again
    // (bounded) as any client would.
    let expected = -1;
    for (let attempt = 0; attempt < 8 && expected < 0; attempt++) {
      try {
        expected = await apiCount();
      } catch (err) {
        const status = (err as { response?: { status?: number } }).response?.status ?? 0;
        if (status < 500 && status !== 429) throw err;
      }
    }
    expect(expected).toBeGreaterThan(0);
    await expect
      .poll(async () => Number(await row.locator('td.count').textContent()), { timeout: 10_000 })
      .toBe(expected);
    // The bars drew one mark per hour bucket holding events.
    expect(await row.locator('svg.spark rect').count()).toBeGreaterThan(0);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'inspector-metrics.png'), timeout: 30_000 });
  });

  it("shows a family's Klaviyo profile with the events the API lists for it", {
    timeout: 90_000,
  }, async () => {
    // Choose the family in the fake Supabase's table browser (its own inspector).
    const sb = await context.newPage();
    await sb.goto(`${urls.supabase}/__inspector`, { waitUntil: 'load' });
    await expect.poll(() => sb.locator('#service').textContent()).toBe('supabase');
    await sb.locator('button[data-table="profiles"]').click();
    await sb.locator('#table-rows[data-table="profiles"]').waitFor();
    const emailCol = await sb.locator('#table-rows thead th').allTextContents();
    const emailIdx = emailCol.indexOf('email');
    expect(emailIdx).toBeGreaterThanOrEqual(0);
    await sb.locator('#table-rows tbody tr').first().waitFor();
    expect(await sb.locator('#table-rows tbody tr').count()).toBeGreaterThan(0);
    const email = (await sb
      .locator('#table-rows tbody tr')
      .first()
      .locator('td')
      .nth(emailIdx)
      .textContent())!.trim();
    expect(email).toContain('@');
    await sb.close();

    await tab('profiles');
    await page.locator('#profile-search').fill(email);
    await page.locator('#profile-search').press('Enter');
    const row = page.locator(`#profiles tr[data-email="${email}"]`);
    await row.click();
    await page.locator('#profile-events').waitFor();
    expect(await page.locator('#profile h2').first().textContent()).toBe(email);
    const profileId = (await row.getAttribute('data-id'))!;

    const { events } = klaviyoSdk();
    const listed = await events.getEvents({
      filter: `equals(profile_id,"${profileId}")`,
      include: ['metric'],
    } as never);
    const body = listed.body as {
      data: { relationships: { metric: { data: { id: string } } } }[];
      included?: { id: string; attributes: { name: string } }[];
    };
    const names = new Map((body.included ?? []).map((m) => [m.id, m.attributes.name]));
    const apiMetrics = body.data.map((e) => names.get(e.relationships.metric.data.id)).sort();
    expect(apiMetrics.length).toBeGreaterThan(0);
    await expect
      .poll(async () => (await page.locator('#profile-events tbody td.metric').allTextContents()).sort(), {
        timeout: 10_000,
      })
      .toEqual(apiMetrics);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'inspector-profile.png'), timeout: 30_000 });
  });

  it('finds the journal entry of a faulted request with the fault filter', { timeout: 60_000 }, async () => {
    await tab('requests');
    // Injected errors only (the flaky profile also adds latency-only faults, labelled `latency`).
    await page.locator('#req-fault').selectOption('error:*');
    const rows = page.locator('#requests tbody tr');
    await rows.first().waitFor();
    // Every row shown is an injected error (polled: the filtered view replaces the unfiltered one).
    const faultCells = () => page.locator('#requests tbody td.fault').allTextContents();
    await expect
      .poll(async () => (await faultCells()).every((f) => /^error:\d{3}$/.test(f)), { timeout: 10_000 })
      .toBe(true);
    expect((await faultCells()).length).toBeGreaterThan(0);
    const seq = Number(await rows.first().getAttribute('data-seq'));
    const fault = await rows.first().getAttribute('data-fault');
    await rows.first().click();
    const detail = JSON.parse((await page.locator('#request-detail').textContent())!) as {
      seq: number;
      fault: string;
    };
    expect(detail).toMatchObject({ seq, fault });

    // The same entry through the journal query API.
    const res = await fetch(`${urls.klaviyo}/__admin/requests/find`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fault: fault }),
    });
    const found = (await res.json()) as { requests: { seq: number; fault: string }[] };
    expect(found.requests.map((r) => r.seq)).toContain(seq);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'inspector-requests.png'), timeout: 30_000 });
  });

  it('draws every other view without an error', { timeout: 60_000 }, async () => {
    for (const name of ['audiences', 'messaging', 'catalog', 'webhooks']) {
      await tab(name);
      expect(await page.locator('#error').isHidden(), name).toBe(true);
      expect(await page.locator('#view table').count(), name).toBeGreaterThan(0);
    }
    expect(pageErrors).toEqual([]);
  });
});
