/**
 * Start an HTTP server for a mock or the app, print the one listening line outside scripts wait for,
 * and stop cleanly on SIGINT/SIGTERM.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';
import { type HttpReply, jsonReply } from './http.ts';
import type { MockService } from './service.ts';

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  /** Stop accepting, destroy open sockets (hung requests included), resolve when closed. */
  close(): Promise<void>;
}

export interface ListenOptions {
  port?: number;
  host?: string;
  /** `klaviyo`, `supabase` or `app`: printed as `<name> listening on http://…`. */
  name?: string;
  /** Print the listening line (default false; the CLI turns it on). */
  announce?: boolean;
  /**
   * The answer to a request Node's HTTP parser refuses (a bad method token, a header with control
   * characters, a broken chunked body), in the API's own format. Node's default is a bare 400 with no
   * body; the default here is the app's `{"error": {...}}`.
   */
  clientError?: (message: string) => HttpReply;
}

const appClientError = (message: string): HttpReply =>
  jsonReply(400, { error: { code: 'bad_request', message } });

/** Write a reply on a socket the HTTP parser gave up on, then close it. */
function answerClientError(socket: Duplex, reply: HttpReply): void {
  const body = Buffer.from(reply.body ?? '');
  const headers = { ...reply.headers, 'content-length': String(body.length), connection: 'close' };
  const head = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 ${reply.status} Bad Request\r\n${head}\r\n\r\n`), body]));
}

export function listen(app: Express, options: ListenOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = app.listen(options.port ?? 0, host);
    server.keepAliveTimeout = 65_000;
    const sockets = new Set<Socket>();
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      // A client that went away needs no answer; anything else gets one in the API's format.
      if (err.code === 'ECONNRESET' || !socket.writable) {
        socket.destroy();
        return;
      }
      const message = `Malformed HTTP request (${err.code ?? 'parse error'}): check the request line and headers.`;
      answerClientError(socket, (options.clientError ?? appClientError)(message));
    });
    server.once('error', reject);
    server.once('listening', () => {
      const { port } = server.address() as AddressInfo;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      const url = `http://${shownHost}:${port}`;
      if (options.announce && options.name) process.stdout.write(`${options.name} listening on ${url}\n`);
      resolve({
        server,
        port,
        url,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
            server.closeAllConnections?.();
          }),
      });
    });
  });
}

/** Close the given servers on SIGINT/SIGTERM, then run `after` and exit 0. */
export function closeOnSignals(servers: RunningServer[], after?: () => void | Promise<void>): void {
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.all(servers.map((s) => s.close()));
    await after?.();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export interface ServeOptions {
  port?: number;
  host?: string;
  announce?: boolean;
  /** Close the service (its store) when the server closes: true when the caller did not pass one in. */
  ownsService?: boolean;
  /**
   * Bearer token for `/__admin/` when `host` is beyond loopback (default: $DREAMFLOW_ADMIN_TOKEN, else a
   * random one, printed with the listening line when announcing). On loopback the admin API stays open.
   */
  adminToken?: string;
}

/** 127.0.0.0/8, ::1 and localhost: only this machine can connect. */
export function isLoopback(host: string | undefined): boolean {
  if (host === undefined) return true;
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** The token the admin API asks for beyond loopback: given, from the environment, or fresh. */
export function adminTokenFor(host: string | undefined, given?: string): string | undefined {
  if (isLoopback(host)) return undefined;
  return given ?? (process.env.DREAMFLOW_ADMIN_TOKEN?.trim() || randomBytes(24).toString('base64url'));
}

/**
 * Serve a mock service over HTTP through the Express adapter; closing the server also closes the service
 * when this server owns it. Both mocks' `start*Server` functions are this with their defaults.
 */
export async function serveMock<S extends MockService>(
  service: S,
  createApp: (service: S) => Express,
  options: ServeOptions = {},
): Promise<RunningServer & { service: S }> {
  const token = adminTokenFor(options.host, options.adminToken);
  if (token) service.adminToken = token;
  let running: RunningServer;
  try {
    running = await listen(createApp(service), {
      port: options.port ?? 0,
      host: options.host,
      name: service.name,
      announce: options.announce,
      clientError: (message) => service.core.formatError(400, 'invalid', message, {}),
    });
  } catch (err) {
    if (options.ownsService) service.close();
    throw err;
  }
  if (token && options.announce) {
    process.stdout.write(
      `${service.name} admin token: ${token} (send it as "Authorization: Bearer <token>" to /__admin/)\n`,
    );
  }
  return {
    ...running,
    service,
    close: async () => {
      await running.close();
      if (options.ownsService) service.close();
    },
  };
}
