/**
 * What a run's MCP adapter did: use cases answered from the (offline) Klaviyo MCP server, answered by
 * the fallback logic, failed MCP attempts, and tool calls per Klaviyo tool name. A scenario chooses the
 * server's state with `mcp: off | up | down` (off: no KLAVIYO_MCP_URL; up: the offline MCP server on
 * the run's Klaviyo mock; down: configured but unreachable, so every call falls back).
 *
 * Counters only, so shards merge by adding. `share` is MCP answers / all answers, "n/a" (null) when the
 * run asked nothing of the adapter.
 */

export const MCP_MODES = ['off', 'up', 'down'] as const;
export type McpMode = (typeof MCP_MODES)[number];

export interface McpFigures {
  mode: McpMode;
  /** Use cases answered from MCP. */
  mcp: number;
  /** Use cases answered by the fallback logic (MCP off, down, failed, or with no data). */
  fallback: number;
  /** Failed MCP attempts (connection, time-out, tool error). */
  errors: number;
  toolCalls: Record<string, number>;
}

export interface McpMetrics extends McpFigures {
  share: number | null;
}

/** The adapter's status (`KlaviyoMcpAdapter.status()`) as figures. */
export function mcpFigures(
  mode: McpMode,
  status: { calls: { mcp: number; fallback: number; errors: number }; tool_calls?: Record<string, number> },
): McpFigures {
  return { mode, ...status.calls, toolCalls: { ...(status.tool_calls ?? {}) } };
}

export function mergeMcpFigures(all: readonly (McpFigures | undefined)[]): McpFigures | undefined {
  const present = all.filter((f): f is McpFigures => f !== undefined);
  if (present.length === 0) return undefined;
  const out: McpFigures = { mode: present[0]!.mode, mcp: 0, fallback: 0, errors: 0, toolCalls: {} };
  for (const f of present) {
    out.mcp += f.mcp;
    out.fallback += f.fallback;
    out.errors += f.errors;
    for (const [tool, n] of Object.entries(f.toolCalls)) out.toolCalls[tool] = (out.toolCalls[tool] ?? 0) + n;
  }
  return out;
}

export function mcpMetrics(f: McpFigures): McpMetrics {
  const answered = f.mcp + f.fallback;
  return { ...f, share: answered === 0 ? null : f.mcp / answered };
}

/** The flat figures thresholds name (absent from runs that did not measure MCP). */
export function flattenMcp(m: McpMetrics | undefined): Record<string, number | null> {
  if (!m) return {};
  return {
    mcp_answers: m.mcp,
    mcp_fallback_answers: m.fallback,
    mcp_errors: m.errors,
    mcp_share: m.share,
  };
}

export const MCP_METRIC_CATALOGUE = {
  mcp_answers: { unit: 'count', help: 'MCP adapter use cases answered from the Klaviyo MCP server' },
  mcp_fallback_answers: { unit: 'count', help: 'MCP adapter use cases answered by the fallback logic' },
  mcp_errors: { unit: 'count', help: 'failed MCP attempts (server down, time-out, tool error)' },
  mcp_share: { unit: 'ratio', help: 'use cases answered from MCP / all use cases the adapter answered' },
} as const;
