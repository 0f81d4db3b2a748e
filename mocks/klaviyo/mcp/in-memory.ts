/**
 * The offline Klaviyo MCP server linked to a client in the same process, with no port: the SDK's
 * `InMemoryTransport` pair, the server's end connected to a fresh McpServer answered by `service`'s core
 * for one account. The harness gives the client's end to the integration's MCP adapter.
 */
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { MockService } from '../../shared/service.ts';
import { inProcessCall } from './dispatch.ts';
import { createKlaviyoMcpServer } from './server.ts';

export function inProcessMcpTransport(service: MockService, apiKey: string): Transport {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  // Messages the client sends before the server has started are queued by the transport.
  void createKlaviyoMcpServer({ call: inProcessCall(service, apiKey) }).connect(serverSide);
  return clientSide;
}
