/**
 * The webhook-deliveries scenario in-process: the Klaviyo mock's real, signed deliveries over loopback
 * HTTP to the app's receiver, which fails attempts before and after acting (seeded); every family Klaviyo
 * unsubscribed is marked in Supabase exactly once, and a retried delivery is not acted on twice.
 */
import { describe, expect, it, vi } from 'vitest';
import { runScenario } from '../../src/harness/runner.ts';
import { loadScenario } from '../../src/harness/scenario-loader.ts';
import { createInProcessStack } from '../../src/harness/stack-inprocess.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { buildReport } from '../../src/report/model.ts';

vi.setConfig({ testTimeout: 180_000 });

describe('webhook-deliveries scenario', () => {
  it('delivers every unsubscribe to Supabase once, through retries, the same way every time', async () => {
    const scenario = loadScenario('webhook-deliveries');
    const a = await runScenario(scenario, createInProcessStack);
    const w = a.systems?.webhooks;
    expect(w).toBeDefined();
    expect(a.thresholds.filter((t) => !t.passed)).toEqual([]);
    expect(w!.unsubscribedInKlaviyo).toBeGreaterThan(0);
    expect(w!.unsubscribedInSupabase).toBe(w!.unsubscribedInKlaviyo);
    expect(w!.acted).toBe(w!.unsubscribedInKlaviyo);
    // Faults were injected and retried; an attempt failed after acting came back as a duplicate.
    expect(w!.retries).toBe(w!.injectedBefore + w!.injectedAfter);
    expect(w!.duplicates).toBeGreaterThanOrEqual(w!.injectedAfter);
    expect(w!.retries).toBeGreaterThan(0);
    const b = await runScenario(scenario, createInProcessStack);
    expect(b.systems?.webhooks).toEqual(w);
    expect(renderMarkdown(buildReport(a))).toContain('## Webhooks in (deliveries under faults)');
  });
});
