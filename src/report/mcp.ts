/**
 * The report's MCP section (runs whose scenario sets `mcp`): use cases the MCP adapter answered from the
 * offline Klaviyo MCP server vs. by its fallback logic, failed MCP attempts, and tool calls per Klaviyo
 * tool. Nothing is rendered for runs without MCP figures, so other reports are unchanged.
 */
import type { McpMetrics } from '../harness/mcp-figures.ts';
import { fmtPct } from './model.ts';

const SERVER = {
  up: 'the offline Klaviyo MCP server was up',
  down: 'the MCP server was configured but down',
  off: 'no MCP server was configured',
} as const;

function tools(m: McpMetrics): string {
  const list = Object.entries(m.toolCalls).sort(([a], [b]) => a.localeCompare(b));
  return list.length ? list.map(([t, n]) => `${t} × ${n}`).join(', ') : 'none';
}

export function mcpSummaryLine(m: McpMetrics | undefined): string[] {
  if (!m) return [];
  return [
    `  MCP ............. ${m.mcp} answered from MCP, ${m.fallback} by fallback (MCP share ${fmtPct(m.share)}) · ${m.errors} errors · server ${m.mode}`,
  ];
}

export function mcpMarkdown(m: McpMetrics | undefined): string[] {
  if (!m) return [];
  return [
    '## MCP adapter: MCP vs. fallback',
    '',
    `In this run ${SERVER[m.mode]}. Use cases answered from MCP: ${m.mcp}; by the fallback logic: ${m.fallback} (MCP share ${fmtPct(m.share)}); failed MCP attempts: ${m.errors}.`,
    `Tool calls: ${tools(m)}.`,
    '',
  ];
}

export function mcpHtml(m: McpMetrics | undefined, esc: (s: unknown) => string): string {
  if (!m) return '';
  const rows = [
    ['answered from MCP', m.mcp],
    ['answered by fallback', m.fallback],
    ['MCP share', fmtPct(m.share)],
    ['failed MCP attempts', m.errors],
    ['tool calls', tools(m)],
  ]
    .map(([k, v]) => `<tr><td>${esc(k)}</td><td class="num">${esc(v)}</td></tr>`)
    .join('');
  return `<h2>MCP adapter: MCP vs. fallback</h2>\n<p>${esc(`In this run ${SERVER[m.mode]}.`)}</p>\n<table id="mcp"><tbody>${rows}</tbody></table>\n`;
}
