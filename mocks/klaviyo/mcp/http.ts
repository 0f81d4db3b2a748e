/**
 * The offline Klaviyo MCP server over Streamable HTTP: the SDK's `createMcpExpressApp` (Host-header
 * checks against DNS rebinding on loopback) and `StreamableHTTPServerTransport`, at `POST /mcp` as
 * Klaviyo's remote server (`https://mcp.klaviyo.com/mcp`).
 *
 * Stateless: each POST gets a fresh McpServer and transport (the SDK's stateless pattern), so there are
 * no sessions to leak or expire and any client, including one that never sends `mcp-session-id`, works.
 * Answers are plain JSON (`enableJsonResponse`), which every Streamable HTTP client accepts.
 *
 * Known limitations: no OAuth (Klaviyo's remote server asks for it; this one is loopback-only by
 * default), no server-initiated messages (GET /mcp answers 405), no resumability.
 */
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Request, Response } from 'express';
import { listen, type RunningServer } from '../../shared/listen.ts';
import { createKlaviyoMcpServer, type KlaviyoMcpServerOptions } from './server.ts';

export const MCP_PATH = '/mcp';

export interface StartMcpHttpOptions extends KlaviyoMcpServerOptions {
  port?: number;
  host?: string;
  /** Print `mcp listening on http://…` (the CLI turns this on). */
  announce?: boolean;
}

export interface RunningMcpServer extends RunningServer {
  /** The endpoint MCP clients connect to (`…/mcp`): what `KLAVIYO_MCP_URL` should hold. */
  mcpUrl: string;
}

function rpcError(res: Response, status: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
}

export async function startMcpHttpServer(options: StartMcpHttpOptions): Promise<RunningMcpServer> {
  const host = options.host ?? '127.0.0.1';
  const app = createMcpExpressApp({ host });
  app.post(MCP_PATH, async (req: Request, res: Response) => {
    const server = createKlaviyoMcpServer(options);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (err) {
      if (!res.headersSent) rpcError(res, 500, `Internal error: ${(err as Error).message}`);
    }
  });
  app.all(MCP_PATH, (_req: Request, res: Response) => {
    res.set('allow', 'POST');
    rpcError(res, 405, 'Method not allowed: this stateless server takes POST /mcp only.');
  });
  app.use((req: Request, res: Response) => {
    rpcError(res, 404, `Not found: ${req.method} ${req.path}; the MCP endpoint is POST ${MCP_PATH}.`);
  });
  const running = await listen(app, { port: options.port, host, name: 'mcp', announce: options.announce });
  return { ...running, mcpUrl: `${running.url}${MCP_PATH}` };
}
