/**
 * The offline Klaviyo MCP server: an `McpServer` (official `@modelcontextprotocol/sdk`) whose tools
 * (tools.ts) are answered by one `KlaviyoCall` (dispatch.ts), i.e. by the Klaviyo mock's core for one
 * account. Transports live elsewhere (http.ts for Streamable HTTP; the CLI connects stdio).
 *
 * A tool's answer is the API's JSON:API document, as `structuredContent` and as JSON text (clients that
 * read only text still get it). An API error (4xx/5xx) is an MCP tool error (`isError: true`) whose text
 * names the status, code, detail and the pointer or parameter at fault; bad arguments are refused by
 * the SDK's zod validation with the argument's name.
 *
 * Known limitations: tools and their arguments are listed in tools.ts; no resources or prompts; the
 * API key is fixed at start (one account per server).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { KlaviyoAnswer, KlaviyoCall } from './dispatch.ts';
import { TOOLS, type ToolDef } from './tools.ts';

export const MCP_SERVER_NAME = 'klaviyo-mcp-offline';
export const MCP_SERVER_VERSION = '0.1.0';

export interface KlaviyoMcpServerOptions {
  call: KlaviyoCall;
  /** Leave out the tools that write, as Klaviyo's `READ_ONLY=true` (default false). */
  readOnly?: boolean;
}

export function toolDefinitions(readOnly = false): ToolDef[] {
  return readOnly ? TOOLS.filter((t) => !t.writes) : TOOLS;
}

/** A new McpServer with every tool registered. One per session (the SDK binds a server to a transport). */
export function createKlaviyoMcpServer(options: KlaviyoMcpServerOptions): McpServer {
  const server = new McpServer(
    { name: MCP_SERVER_NAME, version: MCP_SERVER_VERSION },
    {
      instructions:
        'An offline stand-in for Klaviyo’s MCP server, answered by the dreamflow-sim Klaviyo mock. ' +
        'Tool names follow Klaviyo’s; answers are Klaviyo API JSON:API documents.',
    },
  );
  for (const tool of toolDefinitions(options.readOnly)) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        annotations: { readOnlyHint: !tool.writes, openWorldHint: false },
      },
      async (args: Record<string, unknown>) => toolResult(tool.name, await options.call(tool.request(args))),
    );
  }
  return server;
}

interface JsonApiError {
  status?: string;
  code?: string;
  title?: string;
  detail?: string;
  source?: { pointer?: string; parameter?: string };
}

/** The API's answer as an MCP tool result. */
export function toolResult(tool: string, answer: KlaviyoAnswer): CallToolResult {
  if (answer.status >= 400) {
    const errors = ((answer.body as { errors?: JsonApiError[] } | null)?.errors ?? []) as JsonApiError[];
    const lines = errors.map((e) => {
      const at = e.source?.pointer ?? (e.source?.parameter ? `parameter ${e.source.parameter}` : undefined);
      return `${e.code ?? 'error'}: ${e.detail ?? e.title ?? ''}${at ? ` (at ${at})` : ''}`;
    });
    const text = `${tool}: Klaviyo answered ${answer.status}. ${lines.join('; ') || 'no error detail'}`;
    return { isError: true, content: [{ type: 'text', text }] };
  }
  // 202 with no body (create_event): say what happened rather than return nothing.
  const body = (answer.body ?? { status: answer.status, accepted: true }) as Record<string, unknown>;
  return { structuredContent: body, content: [{ type: 'text', text: JSON.stringify(body) }] };
}
