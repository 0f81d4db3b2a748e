/**
 * The offline Klaviyo MCP server's entry points: tools under Klaviyo's MCP tool names, answered by the
 * Klaviyo mock's core (in-process) or by a running mock over HTTP, served over stdio or Streamable HTTP.
 */
export { httpCall, inProcessCall, type KlaviyoCall, MCP_KLAVIYO_REVISION } from './dispatch.ts';
export { MCP_PATH, type RunningMcpServer, startMcpHttpServer } from './http.ts';
export { inProcessMcpTransport } from './in-memory.ts';
export { createKlaviyoMcpServer, MCP_SERVER_NAME, toolDefinitions } from './server.ts';
