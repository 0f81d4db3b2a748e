/**
 * The mcp-vs-fallback scenario through the real integration, both mocks and the offline Klaviyo MCP
 * server linked in-process: with the server up the adapter answers from MCP (tool get_profiles) where
 * Klaviyo knows the family's themes and falls back where it does not; with it down every use case falls
 * back and counts an error; the same seed gives the same figures; the report shows the section.
 */
import { describe, expect, it, vi } from 'vitest';
import { runScenario } from '../../src/harness/runner.ts';
import { loadScenario } from '../../src/harness/scenario-loader.ts';
import { createInProcessStack } from '../../src/harness/stack-inprocess.ts';
import { renderHtml } from '../../src/report/html.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { buildReport } from '../../src/report/model.ts';

// Real runs through both mocks on a loaded machine: generous time, not a speed check.
vi.setConfig({ testTimeout: 120_000 });

const USERS = 8;

describe('scenario mcp-vs-fallback', () => {
  it('answers from MCP with the server up, reports it, and is repeatable', async () => {
    const scenario = loadScenario('mcp-vs-fallback');
    const a = await runScenario(scenario, createInProcessStack, { users: USERS });
    const mcp = a.metrics.mcp!;
    expect(mcp.mode).toBe('up');
    expect(mcp.mcp).toBeGreaterThan(0);
    expect(mcp.errors).toBe(0);
    // Every answer asked the server for the family's profile; those without themes there fell back.
    expect(mcp.toolCalls).toEqual({ get_profiles: mcp.mcp + mcp.fallback });
    expect(a.figures.mcp_share).toBeCloseTo(mcp.mcp / (mcp.mcp + mcp.fallback));
    expect(a.thresholds.filter((t) => !t.passed).map((t) => t.source)).toEqual([]);

    const report = buildReport(a);
    expect(renderMarkdown(report)).toContain(
      `Use cases answered from MCP: ${mcp.mcp}; by the fallback logic: ${mcp.fallback}`,
    );
    expect(await renderHtml(report)).toContain('<table id="mcp">');

    const b = await runScenario(scenario, createInProcessStack, { users: USERS });
    expect(b.metrics.mcp).toEqual(a.metrics.mcp);
  });

  it('falls back on every use case when the server is down', async () => {
    const scenario = { ...loadScenario('mcp-vs-fallback'), mcp: 'down' as const };
    const r = await runScenario(scenario, createInProcessStack, { users: USERS });
    const mcp = r.metrics.mcp!;
    expect(mcp).toMatchObject({ mode: 'down', mcp: 0, toolCalls: {} });
    expect(mcp.fallback).toBeGreaterThan(0);
    expect(mcp.errors).toBe(mcp.fallback);
    expect(r.figures.mcp_share).toBe(0);
    // The journeys never notice: recommendations still come, from the fallback.
    expect(r.metrics.journeys.failed).toBe(0);
    expect(r.thresholds.find((t) => t.source === 'mcp_share > 0.5')?.passed).toBe(false);
  });
});
