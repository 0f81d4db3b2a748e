/**
 * `dreamflow-sim mock mcp`: the offline Klaviyo MCP server (mocks/klaviyo/mcp), over Streamable HTTP
 * (`POST http://127.0.0.1:4101/mcp`, printed as `mcp listening on http://127.0.0.1:4101`) or over stdio
 * (`--stdio`, for Claude Desktop and other clients that spawn their server). Its tools answer from a
 * Klaviyo mock core in this process (default) or from a running mock (`--klaviyo-url`, e.g. `up`'s), for
 * one account: `--api-key`, else `$PRIVATE_API_KEY` (the name Klaviyo's own server reads), else
 * `$KLAVIYO_API_KEY`, else the local key `pk_dreamflow_local_key`.
 * In stdio mode stdout carries only MCP messages; notes go to stderr.
 */
import type { Command } from 'commander';
import { createKlaviyoMock } from '../../../mocks/klaviyo/index.ts';
import { httpCall, inProcessCall, type KlaviyoCall } from '../../../mocks/klaviyo/mcp/dispatch.ts';
import { startMcpHttpServer } from '../../../mocks/klaviyo/mcp/http.ts';
import { createKlaviyoMcpServer } from '../../../mocks/klaviyo/mcp/server.ts';
import { closeOnSignals } from '../../../mocks/shared/listen.ts';
import type { MockService } from '../../../mocks/shared/service.ts';
import { LOCAL_KLAVIYO_KEY } from '../../integration/config.ts';

/** Next to the Klaviyo mock's 4100. */
export const DEFAULT_MCP_PORT = 4101;

interface Options {
  port: string;
  host: string;
  stdio?: boolean;
  klaviyoUrl?: string;
  apiKey?: string;
  readOnly?: boolean;
  db?: string;
  rateLimits: string;
}

export function mcpApiKey(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag?.trim() || env.PRIVATE_API_KEY?.trim() || env.KLAVIYO_API_KEY?.trim() || LOCAL_KLAVIYO_KEY;
}

export function register(mock: Command): void {
  const cmd: Command = mock.command('mcp');
  cmd
    .description("Run an offline Klaviyo MCP server (Klaviyo's tool names) over Streamable HTTP or stdio")
    .option('--port <n>', 'port to listen on (0 picks a free one)', String(DEFAULT_MCP_PORT))
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--stdio', 'speak MCP on stdin/stdout instead of HTTP')
    .option(
      '--klaviyo-url <url>',
      'answer from this running Klaviyo mock (default: a mock core in this process)',
    )
    .option(
      '--api-key <key>',
      'private key of the account (default $PRIVATE_API_KEY, $KLAVIYO_API_KEY, local key)',
    )
    .option('--read-only', 'leave out the tools that write (as Klaviyo’s READ_ONLY=true)')
    .option('--db <file>', 'in-process core: SQLite file to keep data in (default: in memory)')
    .option('--rate-limits <on|off>', "in-process core: Klaviyo's per-operation rate limits", 'on')
    .exitOverride((err) => {
      process.exit(err.exitCode === 0 ? 0 : 2);
    })
    .action(async (opts: Options) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        return cmd.error(`error: --port expects a number from 0 to 65535, got "${opts.port}"`, {
          exitCode: 2,
        });
      }
      if (opts.rateLimits !== 'on' && opts.rateLimits !== 'off') {
        return cmd.error(`error: --rate-limits expects "on" or "off", got "${opts.rateLimits}"`, {
          exitCode: 2,
        });
      }
      if (opts.klaviyoUrl !== undefined && !/^https?:\/\/[^/]/.test(opts.klaviyoUrl)) {
        return cmd.error(`error: --klaviyo-url expects an http(s) URL, got "${opts.klaviyoUrl}"`, {
          exitCode: 2,
        });
      }
      const apiKey = mcpApiKey(opts.apiKey);
      let service: MockService | undefined;
      let call: KlaviyoCall;
      if (opts.klaviyoUrl) {
        call = httpCall(opts.klaviyoUrl, apiKey);
      } else {
        service = createKlaviyoMock({ dbFile: opts.db, rateLimits: opts.rateLimits === 'on' });
        call = inProcessCall(service, apiKey);
      }
      const source = opts.klaviyoUrl ?? 'an in-process Klaviyo mock core';
      if (opts.stdio) {
        const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
        const server = createKlaviyoMcpServer({ call, readOnly: opts.readOnly });
        await server.connect(new StdioServerTransport());
        process.stderr.write(`mcp serving on stdio, answering from ${source}\n`);
        const stop = async () => {
          await server.close();
          service?.close();
          process.exit(0);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        process.stdin.once('end', stop);
        return;
      }
      try {
        const running = await startMcpHttpServer({
          call,
          readOnly: opts.readOnly,
          port,
          host: opts.host,
          announce: true,
        });
        process.stdout.write(`  KLAVIYO_MCP_URL=${running.mcpUrl}  (answering from ${source})\n`);
        closeOnSignals([running], () => service?.close());
      } catch (err) {
        service?.close();
        cmd.error(`error: could not listen on ${opts.host}:${port}: ${(err as Error).message}`, {
          exitCode: 2,
        });
      }
    });
}
